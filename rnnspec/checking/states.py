"""Recurrent states and layouts: converting, selecting and re-laying what properties pass around.

A state ``hx`` is what torch takes and returns: ``h`` alone, or the pair ``(h, c)`` for an LSTM,
or None (omitted). These helpers keep that structure so a property never writes it by hand.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

__all__ = ["tensors", "states", "as_hx", "map_state", "layer_state", "state_rows", "time_major", "from_time_major"]


def tensors(obj, *, requires_grad: bool = False):
    """numpy arrays (alone, in tuples, or in dicts) as torch tensors, leaves when requires_grad."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return {k: tensors(v, requires_grad=requires_grad) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return tuple(tensors(v, requires_grad=requires_grad) for v in obj)
    return torch.tensor(np.array(obj), requires_grad=requires_grad)


def states(s) -> tuple:
    """h or (h, c) as a tuple: (h,) or (h, c); None as ()."""
    if s is None:
        return ()
    return tuple(s) if isinstance(s, (tuple, list)) else (s,)


def as_hx(parts):
    """The inverse of ``states``: () -> None, (h,) -> h, (h, c) -> (h, c)."""
    parts = tuple(parts)
    return None if not parts else parts[0] if len(parts) == 1 else parts


def map_state(fn: Callable, hx):
    """``fn`` applied to h (and c), keeping hx's structure: ``map_state(lambda s: s[:, rows], hx)``
    selects rows, ``map_state(lambda s: s[l * D:(l + 1) * D], hx)`` one layer's directions."""
    return as_hx(fn(s) for s in states(hx))


def layer_state(hx, layer: int, *, num_directions: int, direction: int | None = None):
    """Layer ``layer``'s part of a layer state (L*D, ...): its D directions, or only ``direction``
    (torch stacks them layer-major, index l*D + d), as a one-layer layer's state; None stays None."""
    first = layer * num_directions + (direction or 0)
    count = num_directions if direction is None else 1
    return map_state(lambda s: s[first : first + count], hx)


def state_rows(hx, rows):
    """Some batch rows of a batched layer state (L*D, B, ...): ``rows`` a list of row indices, in
    their order; None stays None."""
    return map_state(lambda s: s[:, list(rows)], hx)


def time_major(a, case):
    """An output or input laid out as the case passes it, as (T, B, ·)."""
    if case.unbatched:
        return a[:, None]
    return a.swapaxes(0, 1) if case.config.batch_first else a


def from_time_major(a, case):
    """The inverse of ``time_major``."""
    if case.unbatched:
        return a[:, 0]
    return a.swapaxes(0, 1) if case.config.batch_first else a
