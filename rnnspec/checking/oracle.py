"""The references on a case: what a target's results are compared with (numpy forward, autograd
through the torch reference, and the hand-written numpy backward)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from rnnspec.references import np_bptt, np_layers, torch_layers
from rnnspec.checking.calls import LayerRun, loss
from rnnspec.checking.states import as_hx, states, tensors

__all__ = ["reference_layer", "GradSet", "reference_grads"]


def reference_layer(case, params=None, *, x=None, hx=None, dropout=None) -> LayerRun:
    """The numpy reference on the case (numpy arrays out, same structure as LayerRun)."""
    out, h = np_layers.rnn(case.config, case.params() if params is None else params,
                           case.input() if x is None else x, case.state() if hx is None else hx,
                           lengths=case.lengths, dropout=dropout)
    return LayerRun(out, states(h))


class GradSet(NamedTuple):
    input: np.ndarray  # d loss / d x
    states: tuple  # d loss / d h0 (, d c0): empty when the case passes no state
    params: dict  # name -> d loss / d parameter


def reference_grads(case, params, *, via: str, x=None, hx=None) -> GradSet:
    """Gradients of ``loss(case, ·)`` by a reference: autograd through the torch reference
    (``via="torch"``) or the hand-written numpy backward (``via="numpy"``), at the case's input and
    state or at ``x`` and ``hx`` (numpy; their dtype is the computation's)."""
    x = case.input() if x is None else x
    hx = case.state() if hx is None else hx
    if via == "numpy":
        out, h, tape = np_bptt.forward(case.config, params, x, hx, lengths=case.lengths)
        h = states(h)
        weights = [case.loss_weights(tuple(t.shape), salt=k) for k, t in enumerate((out, *h))]
        g = np_bptt.backward(tape, weights[0], as_hx(weights[1:]))
        return GradSet(g.input, states(g.state) if case.with_state else (), g.params)
    if via != "torch":
        raise ValueError(f"via={via!r}; expected 'torch' or 'numpy'")
    p, x, hx = (tensors(a, requires_grad=True) for a in (params, x, hx))
    lengths = None if case.lengths is None else torch.tensor(case.lengths)
    out, h = torch_layers.rnn(case.config, p, x, hx, lengths=lengths)
    loss(case, (out, *states(h))).backward()
    return GradSet(x.grad.numpy(), tuple(s.grad.numpy() for s in states(hx)),
                   {name: t.grad.numpy() for name, t in p.items()})
