"""Backpropagation through time, by hand, in numpy: the backward of ``np_layers.rnn``.

``forward`` runs the layer as ``np_layers.rnn`` does and keeps a tape (each step's saved values,
each layer's input); ``backward`` walks the tape back, step by step with the cells' own
backward functions (``np_cells.*_step_backward``), direction by direction, layer by layer:

    per step:        the cell backward gives d gi, d state, dW_hh, db_hh (dW_hr)
    past a length:   the state is carried, so its gradient is carried too; the output was 0
                     (a row of length 0: d state0 = d final state, its input gets no gradient)
    per direction:   dx += d gi @ W_ih,  dW_ih = sum_t d gi_t^T x_t,  db_ih = sum_t,b d gi
    per layer:       the gradient of layer l's input is that of layer l-1's output
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from rnnspec.spec import LayerConfig, cell_kind, suffix

from . import np_layers
from .np_cells import BACKWARD_STEPS
from .params import direction_params

__all__ = ["Tape", "Grads", "forward", "backward"]


@dataclass
class Tape:
    """What ``np_layers.rnn`` records for the backward when given a tape."""

    config: LayerConfig
    params: Mapping[str, np.ndarray]
    layer_inputs: list = field(default_factory=list)  # layer l's input, time-major (T, B, ·)
    saved: dict = field(default_factory=dict)  # (layer, direction) -> the steps' saved values, in run order
    state0: tuple = ()  # initial states, each (L*D, B, ·)
    lengths: np.ndarray | None = None
    unbatched: bool = False

    def start(self, *, state0, lengths, unbatched) -> None:
        self.state0, self.lengths, self.unbatched = state0, lengths, unbatched


@dataclass
class Grads:
    input: np.ndarray  # d loss / d x, laid out like x
    state: object  # d loss / d h0 (for LSTM the pair (d h0, d c0)), laid out like hx
    params: dict  # name -> d loss / d parameter


def forward(config: LayerConfig, params: Mapping[str, np.ndarray], x: np.ndarray, hx=None, *, lengths=None):
    """``np_layers.rnn`` (without dropout) that also returns the Tape its backward needs."""
    tape = Tape(config, params)
    output, h_n = np_layers.rnn(config, params, x, hx, lengths=lengths, tape=tape)
    return output, h_n, tape


def _direction_backward(step_backward, d_out, d_state, saved, x, p, *, reverse, lengths):
    """The backward of one ``run_direction``: returns dx, d state0 and the parameter gradients."""
    T = x.shape[0]
    d_gi = np.zeros((T,) + (x.shape[1], p.w_ih.shape[0]), dtype=x.dtype)
    dw_hh, db_hh, dw_hr = np.zeros_like(p.w_hh), None, None
    order = list(reversed(range(T))) if reverse else list(range(T))
    for t, saved_t in zip(reversed(order), reversed(saved)):
        if lengths is None:
            d_new = (d_state[0] + d_out[t],) + d_state[1:]
        else:
            valid = (t < lengths)[:, None].astype(x.dtype)  # (B, 1)
            d_new = (valid * (d_state[0] + d_out[t]),) + tuple(valid * s for s in d_state[1:])
        d_gi[t], d_prev, dw, db, dwr = step_backward(d_new, saved_t, p)
        if lengths is not None:  # past its length a row's state was carried unchanged
            d_prev = tuple(dp + (1 - valid) * s for dp, s in zip(d_prev, d_state))
        d_state = d_prev
        dw_hh += dw
        if db is not None:
            db_hh = db if db_hh is None else db_hh + db
        if dwr is not None:
            dw_hr = dwr if dw_hr is None else dw_hr + dwr
    flat = d_gi.reshape(-1, d_gi.shape[-1])
    dx = (flat @ p.w_ih).reshape(x.shape)
    grads = {"weight_ih": flat.T @ x.reshape(-1, x.shape[-1]), "weight_hh": dw_hh}
    if p.b_ih is not None:
        grads["bias_ih"], grads["bias_hh"] = flat.sum(0), db_hh
    if p.w_hr is not None:
        grads["weight_hr"] = dw_hr
    return dx, d_state, grads


def backward(tape: Tape, d_output: np.ndarray, d_h=None) -> Grads:
    """Gradients of a loss from its gradients w.r.t. the output and the final states.

    Args:
        d_output: d loss / d output, laid out like the output.
        d_h: d loss / d h_n (for LSTM the pair (d h_n, d c_n)), or None for zero.
    """
    c, params = tape.config, tape.params
    has_c = cell_kind(c.cell).has_cell_state
    step_backward = BACKWARD_STEPS[c.cell]
    d_out = d_output[:, None] if tape.unbatched else d_output.transpose(1, 0, 2) if c.batch_first else d_output
    if d_h is None:
        d_final = tuple(np.zeros_like(s) for s in tape.state0)
    else:
        d_final = tuple(d_h) if has_c else (d_h,)
        d_final = tuple(s[:, None] for s in d_final) if tape.unbatched else d_final
    R, D = c.output_size, c.num_directions
    d_state0 = [None] * (c.num_layers * D)
    grads = {}
    for layer in reversed(range(c.num_layers)):
        x = tape.layer_inputs[layer]
        d_x = np.zeros_like(x)
        for d in range(D):
            k = layer * D + d
            p = direction_params(params, layer, d)
            dx, d_state0[k], g = _direction_backward(
                step_backward, d_out[..., d * R : (d + 1) * R], tuple(s[k] for s in d_final), tape.saved[layer, d],
                x, p, reverse=d == 1, lengths=tape.lengths)
            d_x += dx
            grads.update({name + suffix(layer, d): value for name, value in g.items()})
        d_out = d_x
    d_input = d_out[:, 0] if tape.unbatched else d_out.transpose(1, 0, 2) if c.batch_first else d_out
    d_states = tuple(np.stack(parts) for parts in zip(*d_state0))
    if tape.unbatched:
        d_states = tuple(s[:, 0] for s in d_states)
    return Grads(d_input, d_states if has_c else d_states[0], {name: grads[name] for name in params})


