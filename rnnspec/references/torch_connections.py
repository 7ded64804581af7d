"""Residual, dense and highway connections and skip-connected stacks, in torch (autograd).

Each is a wrapper around callables (a block ``f``, a transform ``h``, layers), not a layer with
option flags. Lecture 7 section 5: "add more direct connections, thus allowing the gradient to flow".
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch

__all__ = ["residual", "dense", "highway", "residual_stack", "plain_stack"]

Block = Callable[[torch.Tensor], torch.Tensor]


def residual(x: torch.Tensor, f: Block, *, shortcut: torch.Tensor | None = None) -> torch.Tensor:
    """Residual connection (He et al. 2015): y = x + F(x).

    When F changes the size (F(x) has features P != D = x's), the identity cannot be added: He et
    al. project the shortcut, y = F(x) + x @ W_s.T with ``shortcut`` W_s of shape (P, D). Without
    one, different sizes are an error rather than a silent broadcast.
    """
    fx = f(x)
    if shortcut is not None:
        return fx + x @ shortcut.t()
    if fx.shape != x.shape:
        raise ValueError(f"residual: F(x) has shape {tuple(fx.shape)} but x has {tuple(x.shape)}; "
                         "pass shortcut=W_s of shape (F's features, x's features) to project x")
    return x + fx


def dense(x: torch.Tensor, layers: Sequence[Block]) -> torch.Tensor:
    """Dense connections (Huang et al. 2017): layer l reads [x, y_1, ..., y_{l-1}] (concatenated
    features), and the block returns [x, y_1, ..., y_L]. The input reaches every layer directly."""
    features = [x]
    for layer in layers:
        features.append(layer(torch.cat(features, dim=-1)))
    return torch.cat(features, dim=-1)


def highway(x: torch.Tensor, h: Block, w_t: torch.Tensor, b_t: torch.Tensor) -> torch.Tensor:
    """Highway connection (Srivastava et al. 2015):

        T = sigmoid(x @ W_T.T + b_T)          transform gate, same size as x
        y = T * H(x) + (1 - T) * x            carry gate 1 - T
    """
    t = torch.sigmoid(x @ w_t.t() + b_t)
    return t * h(x) + (1 - t) * x


def plain_stack(x: torch.Tensor, layers: Sequence[Block]) -> torch.Tensor:
    """x_{l+1} = f_l(x_l): layers composed, no skip."""
    for layer in layers:
        x = layer(x)
    return x


def residual_stack(x: torch.Tensor, layers: Sequence[Block]) -> torch.Tensor:
    """Residual connections between stacked layers (Britz et al. 2017; Wu et al. 2016):
    x_{l+1} = f_l(x_l) + x_l, so d x_L / d x_0 = prod_l (I + J_l) holds an identity path."""
    for layer in layers:
        x = residual(x, layer)
    return x
