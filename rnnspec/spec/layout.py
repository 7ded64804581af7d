"""The canonical parameter layout (torch's names, shapes, gate order) and parameter counts."""

from __future__ import annotations

from .cells import cell_kind
from .config import CellConfig, LayerConfig

__all__ = ["layer_layout", "cell_layout", "parameter_count", "parameter_count_formula", "suffix"]


def suffix(layer: int, direction: int) -> str:
    """torch's name suffix: ``_l0``, ``_l1_reverse``, ..."""
    return f"_l{layer}" + ("_reverse" if direction else "")


def _one_direction(cell: str, input_size: int, hidden_size: int, *, bias: bool, proj_size: int, tail: str):
    g = cell_kind(cell).num_gates * hidden_size
    recurrent = proj_size or hidden_size
    rows = [(f"weight_ih{tail}", (g, input_size)), (f"weight_hh{tail}", (g, recurrent))]
    if bias:
        rows += [(f"bias_ih{tail}", (g,)), (f"bias_hh{tail}", (g,))]
    if proj_size:
        rows.append((f"weight_hr{tail}", (proj_size, hidden_size)))
    return rows


def layer_layout(config: LayerConfig) -> list[tuple[str, tuple[int, ...]]]:
    """Ordered (name, shape) of every parameter, as ``torch.nn.LSTM(...).named_parameters()``."""
    rows = []
    for layer in range(config.num_layers):
        for direction in range(config.num_directions):
            rows += _one_direction(
                config.cell,
                config.layer_input_size(layer),
                config.hidden_size,
                bias=config.bias,
                proj_size=config.proj_size,
                tail=suffix(layer, direction),
            )
    return rows


def cell_layout(config: CellConfig) -> list[tuple[str, tuple[int, ...]]]:
    """Ordered (name, shape) of every parameter, as ``torch.nn.LSTMCell(...).named_parameters()``."""
    return _one_direction(config.cell, config.input_size, config.hidden_size, bias=config.bias, proj_size=0, tail="")


def parameter_count(config: LayerConfig | CellConfig) -> int:
    """The number of scalars, by the closed-form formula (see ``parameter_count_formula``)."""
    if isinstance(config, CellConfig):
        config = config.as_layer()
    G = cell_kind(config.cell).num_gates
    H, P, D, I = config.hidden_size, config.proj_size, config.num_directions, config.input_size
    R = P or H  # size of h
    per_direction_first = G * H * (I + R) + 2 * G * H * config.bias + P * H
    per_direction_rest = G * H * (D * R + R) + 2 * G * H * config.bias + P * H
    return D * (per_direction_first + (config.num_layers - 1) * per_direction_rest)


def parameter_count_formula() -> str:
    return (
        "D * [G*H*(I + R) + 2*G*H*bias + P*H] + (L-1) * D * [G*H*(D*R + R) + 2*G*H*bias + P*H], "
        "G = gates (rnn 1, gru 3, lstm 4), R = P if proj_size P else H, D = directions, L = layers"
    )
