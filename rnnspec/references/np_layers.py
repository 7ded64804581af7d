"""Layers, stacks, directions and variable lengths in numpy, as wrappers around the cells.

``rnn`` computes what ``torch.nn.RNN / LSTM / GRU`` compute, with torch's argument shapes;
``cell`` what ``torch.nn.RNNCell / LSTMCell / GRUCell`` compute.
"""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from rnnspec.spec import CellConfig, LayerConfig, cell_kind

from .np_cells import STEPS, project_input
from .params import cell_params, direction_params

__all__ = ["run_direction", "rnn", "cell"]


def run_direction(step, x, state, p, *, reverse=False, lengths=None, tape=None):
    """Run one direction of one layer over time.

    Args:
        step: a cell step ``step(gi, state, p) -> state``.
        x: (T, B, I) input.
        state: initial state, a tuple of (B, ·) arrays, h first.
        p: the CellParams of this direction.
        reverse: run from the last valid step of each row back to the first.
        lengths: (B,) valid steps per row, or None when every row has T. A row past its length
            keeps its state and outputs zeros (what a PackedSequence gives once padded); a row of
            length 0 keeps its initial state throughout and outputs only zeros.
        tape: a list to which each step appends what its backward needs, in the order run.
    Returns:
        outputs (T, B, R) and the final state.
    """
    T, B = x.shape[:2]
    gi = project_input(x, p)  # (T, B, G*H): every step's input projection in one product
    p = p._replace(w_hh=np.asfortranarray(p.w_hh))  # same values; w_hh.T is contiguous for each step's product
    outputs = np.zeros((T, B, state[0].shape[-1]), dtype=x.dtype)
    for t in reversed(range(T)) if reverse else range(T):
        new = step(gi[t], state, p, tape)
        if lengths is None:
            state = new
        else:
            valid = (t < lengths)[:, None]  # (B, 1)
            state = tuple(np.where(valid, n, s) for n, s in zip(new, state))
        outputs[t] = state[0] if lengths is None else np.where(valid, state[0], 0)
    return outputs, state


def _initial_state(config: LayerConfig, hx, batch: int, dtype):
    kind = cell_kind(config.cell)
    n = config.num_layers * config.num_directions
    if hx is None:
        h0 = np.zeros((n, batch, config.output_size), dtype)
        return (h0, np.zeros((n, batch, config.hidden_size), dtype)) if kind.has_cell_state else (h0,)
    return tuple(hx) if kind.has_cell_state else (hx,)


def rnn(
    config: LayerConfig,
    params: Mapping[str, np.ndarray],
    x: np.ndarray,
    hx=None,
    *,
    lengths=None,
    dropout: Callable[[np.ndarray, int], np.ndarray] | None = None,
    tape=None,
):
    """The forward of torch.nn.RNN / LSTM / GRU (or the gru_reset_before variant), in numpy.

    Args:
        config: the layer; its cell picks the step function.
        params: canonical parameters, torch's names and shapes.
        x: (T, B, I), or (B, T, I) when batch_first, or (T, I) unbatched.
        hx: h0 of shape (L*D, B, R) (for LSTM the pair (h0, c0), c0 (L*D, B, H)), or None for zeros;
            without the batch axis when x is unbatched.
        lengths: (B,) valid steps per row, for a variable-length batch, in any order; 0 allowed
            (the row keeps its initial state in every layer and direction, its outputs are zero).
        dropout: ``dropout(output, layer)`` applied to the output of each layer but the last.
        tape: an ``np_bptt.Tape`` to fill with what the backward needs (without dropout).
    Returns:
        output (T, B, D*R) (laid out like x) and h_n (L*D, B, R), or (h_n, c_n) for LSTM.
    """
    step = STEPS[config.cell]
    unbatched = x.ndim == 2
    if unbatched:
        x = x[:, None]
        hx = None if hx is None else tuple(s[:, None] for s in hx) if isinstance(hx, tuple) else hx[:, None]
    elif config.batch_first:
        x = x.transpose(1, 0, 2)
    lengths = None if lengths is None else np.asarray(lengths)
    state0 = _initial_state(config, hx, x.shape[1], x.dtype)
    if tape is not None:
        tape.start(state0=state0, lengths=lengths, unbatched=unbatched)
    finals = []
    layer_input = x
    for layer in range(config.num_layers):
        outputs = []
        if tape is not None:
            tape.layer_inputs.append(layer_input)
        for direction in range(config.num_directions):
            k = layer * config.num_directions + direction
            out, state = run_direction(
                step,
                layer_input,
                tuple(s[k] for s in state0),
                direction_params(params, layer, direction),
                reverse=direction == 1,
                lengths=lengths,
                tape=None if tape is None else tape.saved.setdefault((layer, direction), []),
            )
            outputs.append(out)
            finals.append(state)
        layer_input = np.concatenate(outputs, axis=-1)  # (T, B, D*R)
        if dropout is not None and layer < config.num_layers - 1:
            layer_input = dropout(layer_input, layer)
    output = layer_input
    h_n = tuple(np.stack(parts) for parts in zip(*finals))  # each (L*D, B, ·)
    if unbatched:
        output, h_n = output[:, 0], tuple(s[:, 0] for s in h_n)
    elif config.batch_first:
        output = output.transpose(1, 0, 2)
    return output, (h_n if cell_kind(config.cell).has_cell_state else h_n[0])


def cell(config: CellConfig, params: Mapping[str, np.ndarray], x: np.ndarray, hx=None):
    """The forward of torch.nn.RNNCell / LSTMCell / GRUCell: one step.

    Args:
        x: (B, I) or unbatched (I,).
        hx: h (B, H) (for LSTM the pair (h, c)), or None for zeros.
    Returns:
        h' (B, H), or (h', c') for LSTM; without the batch axis when x is unbatched.
    """
    has_c = cell_kind(config.cell).has_cell_state
    unbatched = x.ndim == 1
    x = x[None] if unbatched else x
    if hx is None:
        zeros = np.zeros((x.shape[0], config.hidden_size), x.dtype)
        state = (zeros, zeros) if has_c else (zeros,)
    else:
        state = tuple(hx) if has_c else (hx,)
        state = tuple(s[None] for s in state) if unbatched else state
    p = cell_params(params)
    new = STEPS[config.cell](project_input(x, p), state, p)
    new = tuple(s[0] for s in new) if unbatched else new
    return new if has_c else new[0]
