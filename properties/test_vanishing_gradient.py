"""Lecture 7 section 1, vanishing gradients: "if the largest eigenvalue [singular value] of W_h is
less than 1, then the gradient will shrink exponentially" (Pascanu et al. 2013). With
|tanh'| <= 1 and |relu'| <= 1, ||dh_T/dh_0||_2 <= sigma_max(W_hh)^T for any weights and inputs.
"""

import numpy as np
from hypothesis import strategies as st

from rnnspec.failures import fail
from rnnspec.binding import check
from rnnspec.running import build, final_state_jacobian
from rnnspec.states import tensors
from rnnspec.spec import property_spec, tolerance
from rnnspec.strategies import single_sequence_cases


def _case(target, data, property_id):
    cells = [c for c in target.cells if c in property_spec(property_id).cells]
    return data.draw(single_sequence_cases(cells=cells, capabilities=target.capabilities), label="case")


def norms_by_length(target, case, params) -> list[float]:
    """||dh_T/dh_0||_2 for T = 1 .. seq_len, each through the target on the first T inputs."""
    module, x, h0 = build(target, case, params), tensors(case.input()), tensors(case.state())
    norms = []
    for T in range(1, case.seq_len + 1):
        prefix = case.replace(seq_len=T)
        J = final_state_jacobian(module, prefix, x[:T] if not case.config.batch_first else x[:, :T], h0)
        norms.append(float(np.linalg.norm(J, 2)))
    return norms


@check("gradient_bounded_by_sigma_max_power")
def test_gradient_bounded_by_sigma_max_power(target, data):
    case = _case(target, data, "gradient_bounded_by_sigma_max_power")
    params = case.params()
    sigma = float(np.linalg.norm(params["weight_hh_l0"].astype(np.float64), 2))
    tol = tolerance(case.dtype, seq_len=case.seq_len, grad=True)
    for T, norm in enumerate(norms_by_length(target, case, params), start=1):
        bound = sigma**T
        if norm > bound * (1 + tol.rtol) + tol.atol:
            fail(f"||dh_T/dh_0||_2 = {norm:.9g} at T={T} exceeds sigma_max(W_hh)^T = {sigma:.6g}^{T} = {bound:.9g}",
                 case=case)


@check("gradient_falls_with_distance")
def test_gradient_falls_with_distance(target, data):
    case = _case(target, data, "gradient_falls_with_distance")
    rho = data.draw(st.sampled_from([0.5, 0.9, 1.0, 0.25]), label="sigma_max(W_hh)")
    params = case.params()
    w = params["weight_hh_l0"]
    params["weight_hh_l0"] = (w * (rho / max(np.linalg.norm(w.astype(np.float64), 2), 1e-12))).astype(w.dtype)
    tol = tolerance(case.dtype, seq_len=case.seq_len, grad=True)
    norms = norms_by_length(target, case, params)
    for T, norm in enumerate(norms, start=1):
        if norm > rho**T * (1 + tol.rtol) + tol.atol:
            fail(f"||dh_T/dh_0||_2 = {norm:.9g} at T={T} exceeds rho^T = {rho}^{T} = {rho**T:.9g}", case=case)
        if T > 1 and norm > norms[T - 2] * (1 + tol.rtol) + tol.atol:
            fail(f"||dh_T/dh_0||_2 grew from {norms[T - 2]:.9g} at T={T - 1} to {norm:.9g} at T={T} "
                 f"although sigma_max(W_hh) = {rho} <= 1", case=case)


