"""Reading the canonical (torch-named) parameter dict: one direction of one layer at a time."""

from __future__ import annotations

from typing import Mapping, NamedTuple

from rnnspec.spec.layout import suffix

__all__ = ["CellParams", "direction_params", "cell_params"]


class CellParams(NamedTuple):
    """One direction of one layer; arrays of numpy or torch alike."""

    w_ih: object  # (G*H, I)
    w_hh: object  # (G*H, R), R = proj_size or H
    b_ih: object | None  # (G*H,), None when bias=False
    b_hh: object | None  # (G*H,), None when bias=False
    w_hr: object | None = None  # (P, H), LSTM projection, else None


def direction_params(params: Mapping[str, object], layer: int, direction: int) -> CellParams:
    """The parameters named ``*_l{layer}[_reverse]`` as a CellParams."""
    tail = suffix(layer, direction)
    return CellParams(
        params[f"weight_ih{tail}"],
        params[f"weight_hh{tail}"],
        params.get(f"bias_ih{tail}"),
        params.get(f"bias_hh{tail}"),
        params.get(f"weight_hr{tail}"),
    )


def cell_params(params: Mapping[str, object]) -> CellParams:
    """The parameters of a single-step cell (names without suffix, as torch.nn.LSTMCell)."""
    return CellParams(params["weight_ih"], params["weight_hh"], params.get("bias_ih"), params.get("bias_hh"))
