"""Gradient clipping in numpy, as pure functions of a list of gradients (None: no gradient).

Pascanu et al. 2013, algorithm 1; Goodfellow et al. 2016, section 10.11.1; lecture 7 section 2.3:
"if the norm of the gradient is greater than some threshold, scale it down before applying SGD".
The details follow torch.nn.utils: the norm is over all gradients at once, an epsilon of 1e-6
guards the division, the scale is never above 1, and a non-finite norm propagates (or raises).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

__all__ = ["EPS", "total_norm", "clip_by_total_norm", "clip_by_value"]

EPS = 1e-6  # torch's: scale = min(max_norm / (total_norm + EPS), 1)


def _norm(v: np.ndarray, norm_type: float) -> np.ndarray:
    a = np.abs(v.ravel())
    if a.size == 0 and math.isinf(norm_type):  # torch's refusal: max and min of nothing have no identity
        raise RuntimeError(f"the {norm_type} norm of an empty gradient is undefined")
    if a.size == 0:
        return np.zeros((), v.dtype)
    if math.isinf(norm_type):
        return a.max() if norm_type > 0 else a.min()
    return np.power(np.power(a, norm_type).sum(), 1.0 / norm_type)


def total_norm(grads: Sequence[np.ndarray | None], norm_type: float = 2.0) -> np.ndarray:
    """||[||g_1||, ..., ||g_k||]||_p: the p-norm of all gradients as one vector (0 when none)."""
    present = [g for g in grads if g is not None]
    if not present:
        return np.zeros((), np.float32)
    norms = np.stack([_norm(g, float(norm_type)) for g in present])
    return _norm(norms, float(norm_type))


def clip_by_total_norm(grads, max_norm: float, *, norm_type: float = 2.0, error_if_nonfinite: bool = False):
    """Scale every gradient by s = min(max_norm / (||g||_p + EPS), 1).

    Returns:
        (clipped gradients, None kept where there was none; the total norm before clipping).
    Raises:
        RuntimeError when error_if_nonfinite and the total norm is NaN or infinite.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return _clip_by_total_norm(grads, max_norm, norm_type=norm_type, error_if_nonfinite=error_if_nonfinite)


def _clip_by_total_norm(grads, max_norm, *, norm_type, error_if_nonfinite):
    norm = total_norm(grads, norm_type)
    if error_if_nonfinite and not np.isfinite(norm):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is non-finite ({norm})")
    # np.minimum propagates NaN: a NaN norm scales every gradient to NaN, an infinite one to 0 (and inf to NaN)
    scale = np.minimum(norm.dtype.type(max_norm) / (norm + norm.dtype.type(EPS)), norm.dtype.type(1.0))
    return [None if g is None else g * scale.astype(g.dtype) for g in grads], norm


def clip_by_value(grads, clip_value: float):
    """Clamp every element to [-clip_value, clip_value]; NaN stays NaN. Returns the new list."""
    v = float(clip_value)
    return [None if g is None else np.clip(g, -v, v) for g in grads]  # np.clip keeps NaN (numpy >= 1.17)
