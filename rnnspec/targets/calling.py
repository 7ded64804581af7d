"""Calling another framework's layer or cell as torch's are called: what every adapter shares.

An adapter writes one function for the plain case and these wrap it in torch's API:
- a layer ``run(x, state, lengths) -> (output, finals)``: ``x`` a (B, T, I) tensor, ``state`` a
  tuple of (L*D, B, H) tensors (h0[, c0]) or None, ``lengths`` a (B,) int array or None;
  ``output`` (B, T, D*H) with zeros past each row's length, ``finals`` a tuple like ``state``.
- a cell ``run(x, state) -> new_state``: ``x`` (B, I), ``state`` a tuple (h[, c]) of (B, H) or None.
The wrappers accept what torch accepts (batch_first or time-major input, unbatched input, a
PackedSequence, hx as a tensor or an (h0, c0) pair) and return what torch returns. They use torch
operations only, so gradients pass through them to whatever ``run`` returns.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

__all__ = ["call_as_torch_layer", "call_as_torch_cell", "as_tuple", "length_mask"]


def as_tuple(hx) -> tuple | None:
    """hx as torch passes it (a tensor h, a pair (h, c), or None) as a tuple or None."""
    if hx is None:
        return None
    return tuple(hx) if isinstance(hx, (tuple, list)) else (hx,)


def length_mask(lengths, steps: int) -> np.ndarray:
    """(B, T) booleans: True where step t < the row's length."""
    return np.arange(steps)[None, :] < np.asarray(lengths)[:, None]


def call_as_torch_layer(run, input, hx, *, batch_first: bool, lengths=None):
    """``run`` (batch-major, see the module docstring) called as ``torch.nn.LSTM(input, hx)``; or, given
    ``lengths`` (a (B,) tensor or array, zeros allowed), with ``input`` padded in the layer's layout
    and the output returned padded in it (how an adapter whose framework takes lengths is checked on
    rows of length 0, which a PackedSequence cannot hold)."""
    state = as_tuple(hx)
    if lengths is not None:
        x = input if batch_first else input.transpose(0, 1)  # (B, T, I)
        output, finals = run(x, state, np.asarray(lengths))
        return (output if batch_first else output.transpose(0, 1)), (finals if len(finals) == 2 else finals[0])
    if isinstance(input, PackedSequence):
        x, lengths = pad_packed_sequence(input, batch_first=True)
        unbatched = False
        lengths = lengths.numpy()
    else:
        unbatched = input.dim() == 2
        x = input.unsqueeze(0) if unbatched else (input if batch_first else input.transpose(0, 1))
        if unbatched and state is not None:
            state = tuple(s.unsqueeze(1) for s in state)
    output, finals = run(x, state, lengths)
    if lengths is not None:
        output = pack_padded_sequence(output, torch.as_tensor(lengths), batch_first=True, enforce_sorted=False)
    elif unbatched:
        output, finals = output[0], tuple(f[:, 0] for f in finals)
    elif not batch_first:
        output = output.transpose(0, 1)
    return output, (finals if len(finals) == 2 else finals[0])


def call_as_torch_cell(run, input, hx):
    """``run`` (batched, see the module docstring) called as ``torch.nn.LSTMCell(input, hx)``."""
    state = as_tuple(hx)
    unbatched = input.dim() == 1
    if unbatched:
        input, state = input.unsqueeze(0), (None if state is None else tuple(s.unsqueeze(0) for s in state))
    new = run(input, state)
    if unbatched:
        new = tuple(s[0] for s in new)
    return new if len(new) == 2 else new[0]
