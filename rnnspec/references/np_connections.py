"""Residual, dense and highway connections and skip-connected stacks, in numpy.

The same definitions as ``torch_connections``, written again so each is an oracle for the other.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .np_cells import sigmoid

__all__ = ["residual", "dense", "highway", "residual_stack", "plain_stack"]

Block = Callable[[np.ndarray], np.ndarray]


def residual(x: np.ndarray, f: Block, *, shortcut: np.ndarray | None = None) -> np.ndarray:
    """y = x + F(x) (He et al. 2015); with a size change, y = F(x) + x @ W_s.T."""
    fx = f(x)
    if shortcut is not None:
        return fx + x @ shortcut.T
    if fx.shape != x.shape:
        raise ValueError(f"residual: F(x) has shape {fx.shape} but x has {x.shape}; "
                         "pass shortcut=W_s of shape (F's features, x's features) to project x")
    return x + fx


def dense(x: np.ndarray, layers: Sequence[Block]) -> np.ndarray:
    """Layer l reads [x, y_1, ..., y_{l-1}]; returns [x, y_1, ..., y_L] (Huang et al. 2017)."""
    features = [x]
    for layer in layers:
        features.append(layer(np.concatenate(features, axis=-1)))
    return np.concatenate(features, axis=-1)


def highway(x: np.ndarray, h: Block, w_t: np.ndarray, b_t: np.ndarray) -> np.ndarray:
    """T = sigmoid(x @ W_T.T + b_T); y = T * H(x) + (1 - T) * x (Srivastava et al. 2015)."""
    t = sigmoid(x @ w_t.T + b_t)
    return t * h(x) + (1 - t) * x


def plain_stack(x: np.ndarray, layers: Sequence[Block]) -> np.ndarray:
    """x_{l+1} = f_l(x_l)."""
    for layer in layers:
        x = layer(x)
    return x


def residual_stack(x: np.ndarray, layers: Sequence[Block]) -> np.ndarray:
    """x_{l+1} = f_l(x_l) + x_l (Britz et al. 2017)."""
    for layer in layers:
        x = residual(x, layer)
    return x
