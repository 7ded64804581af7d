"""Lecture 7 section 1, vanishing gradients: "if the largest eigenvalue [singular value] of W_h is
less than 1, then the gradient will shrink exponentially" (Pascanu et al. 2013). With
|tanh'| <= 1 and |relu'| <= 1, ||dh_T/dh_0||_2 <= sigma_max(W_hh)^T for any weights and inputs.
"""

import numpy as np
from hypothesis import strategies as st

from rnnspec.checking.binding import check
from rnnspec.checking.checks import assert_at_most
from rnnspec.checking.calls import build, distances, final_state_jacobian
from rnnspec.spec import property_spec
from rnnspec.checking.states import tensors
from rnnspec.cases.strategies import single_sequence_cases


def _case(target, data, property_id):
    cells = property_spec(property_id).applicable_cells(target.cells)
    return data.draw(single_sequence_cases(cells=cells, capabilities=target.capabilities), label="case")


def norms_by_length(target, case, params) -> dict[int, float]:
    """||dh_T/dh_0||_2 at the distances T of ``distances(case.seq_len)``, each through the target on
    the first T inputs."""
    module, x, h0 = build(target, case, params), tensors(case.input()), tensors(case.state())
    norms = {}
    for T in distances(case.seq_len):
        prefix = case.replace(seq_len=T)
        J = final_state_jacobian(module, prefix, x[:T] if not case.config.batch_first else x[:, :T], h0)
        norms[T] = float(np.linalg.norm(J, 2))
    return norms


@check("gradient_bounded_by_sigma_max_power")
def test_gradient_bounded_by_sigma_max_power(target, data):
    """||dh_T/dh_0||_2 <= sigma_max(W_hh)^T for any weights and inputs (Pascanu et al. 2013; |tanh'|, |relu'| <= 1)"""
    case = _case(target, data, "gradient_bounded_by_sigma_max_power")
    params = case.params()
    sigma = float(np.linalg.norm(params["weight_hh_l0"].astype(np.float64), 2))
    tol = case.tolerance(grad=True)
    for T, norm in norms_by_length(target, case, params).items():
        assert_at_most(norm, sigma**T, rtol=tol.rtol, atol=tol.atol, case=case,
                       what=f"||dh_T/dh_0||_2 at T={T} vs sigma_max(W_hh)^T = {sigma:.6g}^{T}")


@check("gradient_falls_with_distance")
def test_gradient_falls_with_distance(target, data):
    """with sigma_max(W_hh) = rho <= 1, ||dh_T/dh_0||_2 never grows with T and stays under rho^T"""
    case = _case(target, data, "gradient_falls_with_distance")
    rho = data.draw(st.sampled_from([0.5, 0.9, 1.0, 0.25]), label="sigma_max(W_hh)")
    params = case.params()
    w = params["weight_hh_l0"]
    params["weight_hh_l0"] = (w * (rho / max(np.linalg.norm(w.astype(np.float64), 2), 1e-12))).astype(w.dtype)
    tol = case.tolerance(grad=True)
    norms = norms_by_length(target, case, params)
    previous = None
    for T, norm in norms.items():
        assert_at_most(norm, rho**T, rtol=tol.rtol, atol=tol.atol, case=case,
                       what=f"||dh_T/dh_0||_2 at T={T} vs rho^T = {rho}^{T}")
        if previous is not None:
            assert_at_most(norm, norms[previous], rtol=tol.rtol, atol=tol.atol, case=case,
                           what=f"||dh_T/dh_0||_2 at T={T} vs at T={previous} (sigma_max(W_hh) = {rho} <= 1: "
                                f"it may not grow)")
        previous = T
