"""Lecture 7 section 2, exploding gradients: "if the gradient becomes too big, then the SGD update
step becomes too big". For the linear RNN (identity activation) the chain rule is exact:
dh_T/dh_0 = W_hh^T, the T-th power; with W_hh = rho*Q (Q orthogonal) its norm is rho^T, which
explodes for rho > 1 and vanishes for rho < 1.
"""

import numpy as np
from hypothesis import strategies as st

from rnnspec.checking.binding import check
from rnnspec.checking.checks import assert_close
from rnnspec.checking.calls import build, distances, final_state_jacobian
from rnnspec.checking.states import tensors
from rnnspec.cases.strategies import single_sequence_cases


def _jacobians(target, case, params):
    """(T, the case's first T steps as a case, dh_T/dh_0 through the target) for T in distances(seq_len)."""
    module, x, h0 = build(target, case, params), tensors(case.input()), tensors(case.state())
    for T in distances(case.seq_len):
        prefix = case.replace(seq_len=T)
        xt = x[:T] if not case.config.batch_first else x[:, :T]
        yield T, prefix, final_state_jacobian(module, prefix, xt, h0)


def _case(target, data):
    return data.draw(single_sequence_cases(cells=["rnn_linear"], capabilities=target.capabilities, max_seq_len=10),
                     label="case")


@check("linear_rnn_jacobian_is_matrix_power")
def test_linear_rnn_jacobian_is_matrix_power(target, data):
    """for the linear RNN, dh_T/dh_0 is exactly the T-th power of W_hh"""
    case = _case(target, data)
    params = case.params()
    w = params["weight_hh_l0"].astype(np.float64)
    for T, prefix, J in _jacobians(target, case, params):
        assert_close(J, np.linalg.matrix_power(w, T), tol=prefix.tolerance(grad=True),
                     what=f"dh_T/dh_0 at T={T} vs W_hh^{T}", case=case)


@check("orthogonal_linear_rnn_norm_is_rho_power")
def test_orthogonal_linear_rnn_norm_is_rho_power(target, data):
    """with W_hh = rho*Q, Q orthogonal, ||dh_T/dh_0||_2 = rho^T: it explodes for rho > 1 and vanishes below"""
    case = _case(target, data)
    rho = data.draw(st.sampled_from([1.5, 0.5, 1.0, 1.2, 0.8]), label="rho")
    params = case.params()
    H = case.config.hidden_size
    q, r = np.linalg.qr(np.random.default_rng([case.seed, 9]).standard_normal((H, H)))
    q = q * np.sign(np.diag(r))  # an orthogonal matrix, uniformly drawn
    params["weight_hh_l0"] = (rho * q).astype(case.dtype)
    for T, prefix, J in _jacobians(target, case, params):
        assert_close(np.linalg.norm(J, 2), rho**T, tol=prefix.tolerance(grad=True),
                     what=f"||dh_T/dh_0||_2 at T={T} vs rho^T = {rho}^{T}", case=case)
