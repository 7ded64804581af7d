"""Lecture 7 section 5.4, highway connections (Srivastava et al. 2015): "similar to residual
connections, but the identity connection vs the transformation layer is controlled by a dynamic
gate": y = T(x)*H(x) + (1 - T(x))*x, T = sigmoid(W_T x + b_T). Closed, it carries x; open, H(x).
"""

import numpy as np

from rnnspec.checking.binding import check
from rnnspec.checking.checks import assert_close, assert_identical
from rnnspec.checking.calls import jacobian
from rnnspec.properties.blocks import mlp, tensor
from rnnspec.spec.tolerances import CLOSED_FORM_FLOAT64
from rnnspec.cases.strategies import block_cases


def _parts(case, gate_bias: float = 0.0):
    """H, W_T, b_T and x of the case, with gate_bias added to b_T."""
    rng = np.random.default_rng([case.seed, 12])
    D = case.features
    w_t = rng.uniform(-1, 1, (D, D)) * case.scale / np.sqrt(D)
    b_t = rng.uniform(-1, 1, D) + gate_bias
    return mlp(case.mlp_weights(0)), tensor(w_t), tensor(b_t), tensor(case.input())


@check("highway_gate_closed_carries_input")
def test_highway_gate_closed_carries_input(target, data):
    """with the transform gate T = 0 a highway layer carries x through unchanged, its Jacobian the identity"""
    case = data.draw(block_cases(), label="case")
    h, w_t, b_t, x = _parts(case, gate_bias=-1000.0)  # T = sigmoid(-1000 + ...) is exactly 0
    highway = target.build()
    assert_identical(highway(x, h, w_t, b_t), x, what="y with the transform gate closed vs x", case=case)
    assert_close(jacobian(lambda v: highway(v, h, w_t, b_t), x), np.eye(x.numel()), tol=CLOSED_FORM_FLOAT64,
                 what="dy/dx with the gate closed vs I", case=case)


@check("highway_gate_open_gives_transform")
def test_highway_gate_open_gives_transform(target, data):
    """with the transform gate T = 1 a highway layer gives H(x)"""
    case = data.draw(block_cases(), label="case")
    h, w_t, b_t, x = _parts(case, gate_bias=1000.0)  # T is exactly 1
    assert_identical(target.build()(x, h, w_t, b_t), h(x), what="y with the transform gate open vs H(x)", case=case)


@check("highway_mixes_by_gate")
def test_highway_mixes_by_gate(target, data):
    """y = T*H(x) + (1-T)*x with T = sigmoid(W_T x + b_T), for any weights (Srivastava et al. 2015)"""
    case = data.draw(block_cases(), label="case")
    h, w_t, b_t, x = _parts(case)
    xn, hn = x.numpy(), h(x).numpy()
    t = 1.0 / (1.0 + np.exp(-(xn @ w_t.numpy().T + b_t.numpy())))
    assert_close(target.build()(x, h, w_t, b_t), t * hn + (1.0 - t) * xn, tol=CLOSED_FORM_FLOAT64,
                 what="y vs T*H(x) + (1-T)*x", case=case)
