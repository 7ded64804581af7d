"""Lecture 7 section 5.2, residual connections (He et al. 2015): "the identity connection
preserves information by default; this makes deep networks much easier to train". For a block
y = x + F(x): dy/dx = I + J_F, and through a deep stack the identity keeps the gradient alive
where the plain stack's vanishes.
"""

import numpy as np
from hypothesis import strategies as st

from rnnspec.checking.binding import check
from rnnspec.checking.checks import assert_at_least, assert_at_most, assert_close, assert_identical
from rnnspec.checking.failures import fail
from rnnspec.checking.calls import jacobian
from rnnspec.properties.blocks import mlp, tensor
from rnnspec.spec.tolerances import CLOSED_FORM_FLOAT64
from rnnspec.cases.strategies import block_cases


@check("residual_jacobian_is_identity_plus_jf")
def test_residual_jacobian_is_identity_plus_jf(target, data):
    """a residual block's Jacobian is I + J_F (He et al. 2015)"""
    case = data.draw(block_cases(), label="case")
    residual, f, x = target.build(), mlp(case.mlp_weights(0)), tensor(case.input())
    J = jacobian(lambda v: residual(v, f), x)
    assert_close(J, np.eye(x.numel()) + jacobian(f, x), tol=CLOSED_FORM_FLOAT64, what="dy/dx vs I + dF/dx", case=case)


@check("residual_zero_block_is_identity")
def test_residual_zero_block_is_identity(target, data):
    """with F's output layer zero the residual block is the identity: y = x and dy/dx = I"""
    case = data.draw(block_cases(), label="case")
    weights = case.mlp_weights(0)
    weights["w2"][:], weights["b2"][:] = 0, 0
    residual, f, x = target.build(), mlp(weights), tensor(case.input())
    assert_identical(residual(x, f), x, what="y with F's output layer zero vs x", case=case)
    assert_close(jacobian(lambda v: residual(v, f), x), np.eye(x.numel()), tol=CLOSED_FORM_FLOAT64, what="dy/dx vs I",
                 case=case)


@check("residual_stack_preserves_gradient")
def test_residual_stack_preserves_gradient(target, data):
    """for L blocks with ||J_F||_2 <= eps < 1 the residual stack's smallest singular value is >= (1-eps)^L, the plain stack's largest <= eps^L"""
    case = data.draw(block_cases(max_batch=1), label="case")
    eps = data.draw(st.sampled_from([0.5, 0.1, 0.9]), label="||J_F||_2 bound eps")
    blocks = []
    for k in range(case.depth):
        w = case.mlp_weights(k)
        # ||J_F|| <= ||W2|| * max|tanh'| * ||W1|| <= eps once each matrix has norm sqrt(eps)
        for name in ("w1", "w2"):
            w[name] = w[name] * np.sqrt(eps) / max(np.linalg.norm(w[name], 2), 1e-12)
        blocks.append(mlp(w))
    residual, x, L = target.build(), tensor(case.input()), case.depth

    def residual_stack(v):
        for f in blocks:
            v = residual(v, f)
        return v

    def plain_stack(v):
        for f in blocks:
            v = f(v)
        return v

    s_res = np.linalg.svd(jacobian(residual_stack, x), compute_uv=False)
    s_plain = np.linalg.svd(jacobian(plain_stack, x), compute_uv=False)
    rounding = CLOSED_FORM_FLOAT64.rtol  # the singular values of float64 Jacobians, against closed-form bounds
    assert_at_least(s_res.min(), (1 - eps) ** L, rtol=rounding, case=case,
                    what=f"residual stack: smallest singular value vs (1 - eps)^L = (1 - {eps})^{L}")
    assert_at_most(s_plain.max(), eps**L, rtol=rounding, case=case,
                   what=f"plain stack: largest singular value vs eps^L = {eps}^{L}")


@check("residual_size_change_needs_projection")
def test_residual_size_change_needs_projection(target, data):
    """when F changes the size, y = F(x) + W_s x with a projection W_s; without one it is a ValueError asking for it"""
    case = data.draw(block_cases(), label="case")
    out = data.draw(st.integers(1, 6).filter(lambda p: p != case.features), label="F's output features")
    residual, f, x = target.build(), mlp(case.mlp_weights(0, out_features=out)), tensor(case.input())
    try:
        y = residual(x, f)
    except ValueError as e:  # the reference's error: it says what to pass instead
        if "shortcut" not in str(e):
            fail(f"F maps {case.features} features to {out} and no shortcut was given: the ValueError ({e}) does "
                 f"not ask for a shortcut", case=case)
    else:
        fail(f"F maps {case.features} features to {out} and no shortcut was given, expected a ValueError asking "
             f"for one; got an output of shape {tuple(y.shape)}", case=case)
    w_s = tensor(np.random.default_rng([case.seed, 11]).standard_normal((out, case.features)))
    assert_close(residual(x, f, shortcut=w_s), f(x) + x @ w_s.t(), tol=CLOSED_FORM_FLOAT64,
                 what="y with a projection shortcut vs F(x) + x W_s^T", case=case)
