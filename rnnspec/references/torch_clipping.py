"""Gradient clipping in torch, with the signatures of ``torch.nn.utils.clip_grad_norm_`` and
``clip_grad_value_``, written from the equations (no torch.nn.utils, no torch.linalg).

    total = || [ ||g_1||_p, ..., ||g_k||_p ] ||_p          over parameters that have a .grad
    g <- g * min(max_norm / (total + 1e-6), 1)             in place; returns total
    g <- clamp(g, -clip_value, clip_value)                 in place; returns None
"""

from __future__ import annotations

import math

import torch

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _p_norm(v: torch.Tensor, p: float) -> torch.Tensor:
    a = v.detach().abs().reshape(-1)
    if a.numel() == 0 and math.isinf(p):  # torch's refusal: max and min of nothing have no identity
        raise RuntimeError(f"the {p} norm of an empty gradient is undefined")
    if a.numel() == 0:
        return a.new_zeros(())
    if math.isinf(p):
        return a.max() if p > 0 else a.min()
    return a.pow(p).sum().pow(1.0 / p)


def _grads(parameters):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


@torch.no_grad()
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Clip the gradients' total p-norm to max_norm (Pascanu et al. 2013), in place."""
    grads, p = _grads(parameters), float(norm_type)
    if not grads:
        return torch.tensor(0.0)
    total = _p_norm(torch.stack([_p_norm(g, p) for g in grads]), p)
    if error_if_nonfinite and not torch.isfinite(total):
        raise RuntimeError(f"The total norm of order {p} for gradients from `parameters` is non-finite, "
                           "so it cannot be clipped")
    scale = torch.clamp(float(max_norm) / (total + 1e-6), max=1.0)  # NaN stays NaN
    for g in grads:
        g.mul_(scale)
    return total


@torch.no_grad()
def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    v = float(clip_value)
    for g in _grads(parameters):
        g.clamp_(min=-v, max=v)
