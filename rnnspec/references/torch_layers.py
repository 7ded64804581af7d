"""Layers, stacks, directions and variable lengths in torch, as wrappers around the cells.

Loops over time in Python; gradients come from autograd. ``rnn`` computes what
``torch.nn.RNN / LSTM / GRU`` compute on padded input plus lengths; ``cell`` what
``torch.nn.RNNCell / LSTMCell / GRUCell`` compute.
"""

from __future__ import annotations

from typing import Callable, Mapping

import torch

from rnnspec.spec import CellConfig, LayerConfig, cell_kind

from .params import cell_params, direction_params
from .torch_cells import STEPS, project_input

__all__ = ["run_direction", "rnn", "cell"]


def run_direction(step, x, state, p, *, reverse=False, lengths=None):
    """Run one direction of one layer over time.

    Args:
        step: a cell step ``step(gi, state, p) -> state``.
        x: (T, B, I) input.
        state: initial state, a tuple of (B, ·) tensors, h first.
        p: the CellParams of this direction.
        reverse: run from the last valid step of each row back to the first.
        lengths: (B,) int tensor of valid steps per row, or None. A row past its length keeps
            its state and outputs zeros; a row of length 0 keeps its initial state throughout.
    Returns:
        outputs (T, B, R) and the final state.
    """
    # (T, B, G*H), all steps at once; unbind gives one backward node for all steps (indexing gi[t]
    # would add a full-size zero gradient per step)
    gi = project_input(x, p).unbind(0)
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    outputs = [None] * x.shape[0]
    for t in steps:
        new = step(gi[t], state, p)
        if lengths is None:
            state = new
            outputs[t] = new[0]
        else:
            valid = (lengths > t).unsqueeze(1)  # (B, 1)
            state = tuple(torch.where(valid, n, s) for n, s in zip(new, state))
            outputs[t] = torch.where(valid, state[0], torch.zeros_like(state[0]))
    return torch.stack(outputs), state


def rnn(
    config: LayerConfig,
    params: Mapping[str, torch.Tensor],
    x: torch.Tensor,
    hx=None,
    *,
    lengths: torch.Tensor | None = None,
    dropout: Callable[[torch.Tensor, int], torch.Tensor] | None = None,
    step: Callable | None = None,
    direction: Callable = run_direction,
):
    """The forward of torch.nn.RNN / LSTM / GRU (or gru_reset_before), from the equations.

    Args:
        config: the layer; its cell picks the step function.
        params: canonical parameters, torch's names and shapes.
        x: (T, B, I), or (B, T, I) when batch_first, or (T, I) unbatched; padded when lengths.
        hx: h0 (L*D, B, R), for LSTM (h0, c0); None for zeros; no batch axis when unbatched.
        lengths: (B,) valid steps per row, any order, 0 allowed (that row keeps its initial state
            in every layer and direction and outputs zeros), or None.
        dropout: ``dropout(output, layer)`` applied to the output of each layer but the last.
        step: the cell step; by default the one of ``config.cell``.
        direction: runs one direction of one layer, ``run_direction`` by default.
    Returns:
        output (T, B, D*R) laid out like x, and h_n (L*D, B, R), or (h_n, c_n) for LSTM.
    """
    has_c = cell_kind(config.cell).has_cell_state
    step = step or STEPS[config.cell]
    state0 = None if hx is None else (tuple(hx) if has_c else (hx,))
    unbatched = x.dim() == 2
    if unbatched:
        x = x.unsqueeze(1)
        state0 = None if state0 is None else tuple(s.unsqueeze(1) for s in state0)
    elif config.batch_first:
        x = x.transpose(0, 1)
    if state0 is None:
        n, B = config.num_layers * config.num_directions, x.shape[1]
        state0 = (x.new_zeros(n, B, config.output_size),)
        state0 += (x.new_zeros(n, B, config.hidden_size),) if has_c else ()
    finals = []
    for layer in range(config.num_layers):
        outputs = []
        for d in range(config.num_directions):
            k = layer * config.num_directions + d
            out, state = direction(
                step, x, tuple(s[k] for s in state0), direction_params(params, layer, d),
                reverse=d == 1, lengths=lengths,
            )
            outputs.append(out)
            finals.append(state)
        x = torch.cat(outputs, dim=2)  # (T, B, D*R)
        if dropout is not None and layer < config.num_layers - 1:
            x = dropout(x, layer)
    h_n = tuple(torch.stack(parts) for parts in zip(*finals))  # each (L*D, B, ·)
    if unbatched:
        x, h_n = x.squeeze(1), tuple(s.squeeze(1) for s in h_n)
    elif config.batch_first:
        x = x.transpose(0, 1)
    return x, (h_n if has_c else h_n[0])


def cell(config: CellConfig, params: Mapping[str, torch.Tensor], x: torch.Tensor, hx=None):
    """The forward of torch.nn.RNNCell / LSTMCell / GRUCell: x (B, I) or (I,) -> h' or (h', c')."""
    has_c = cell_kind(config.cell).has_cell_state
    unbatched = x.dim() == 1
    x = x.unsqueeze(0) if unbatched else x
    if hx is None:
        zeros = x.new_zeros(x.shape[0], config.hidden_size)
        state = (zeros, zeros) if has_c else (zeros,)
    else:
        state = tuple(s.unsqueeze(0) if unbatched else s for s in (hx if has_c else (hx,)))
    p = cell_params(params)
    new = STEPS[config.cell](project_input(x, p), state, p)
    new = tuple(s.squeeze(0) for s in new) if unbatched else new
    return new if has_c else new[0]
