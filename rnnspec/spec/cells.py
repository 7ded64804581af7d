"""The cell kinds of the spec: gates, equations, the torch built-ins that implement them.

The canonical parameter layout is torch's: ``weight_ih`` stacks one (hidden, input) block per
gate in the order of ``gates`` below; ``weight_hh`` and the biases follow the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CellKind", "CELLS", "GRU_RELATIONS", "cell_kind"]


@dataclass(frozen=True)
class CellKind:
    name: str  # registry key, e.g. "lstm"
    gates: tuple[str, ...]  # row blocks of weight_ih / weight_hh, in torch's order
    has_cell_state: bool  # True for LSTM: the state is (h, c)
    supports_proj: bool  # True where proj_size > 0 is allowed (LSTM only)
    torch_layer: str | None  # the torch built-in layer that computes this cell, if any
    torch_cell: str | None  # the torch built-in single-step cell, if any
    torch_kwargs: tuple[tuple[str, str], ...]  # extra constructor arguments, e.g. nonlinearity
    source: str  # where the equations come from
    equations: str  # the step, in the symbols of rnnspec.references

    @property
    def num_gates(self) -> int:
        return len(self.gates)


_RNN_EQ = "h' = {act}(x W_ih^T + b_ih + h W_hh^T + b_hh)"

CELLS: dict[str, CellKind] = {
    "rnn_tanh": CellKind(
        name="rnn_tanh",
        gates=("h",),
        has_cell_state=False,
        supports_proj=False,
        torch_layer="torch.nn.RNN",
        torch_cell="torch.nn.RNNCell",
        torch_kwargs=(("nonlinearity", "tanh"),),
        source="Elman 1990; lecture 7 section 1",
        equations=_RNN_EQ.format(act="tanh"),
    ),
    "rnn_relu": CellKind(
        name="rnn_relu",
        gates=("h",),
        has_cell_state=False,
        supports_proj=False,
        torch_layer="torch.nn.RNN",
        torch_cell="torch.nn.RNNCell",
        torch_kwargs=(("nonlinearity", "relu"),),
        source="Elman 1990; lecture 7 section 1",
        equations=_RNN_EQ.format(act="relu"),
    ),
    "rnn_linear": CellKind(
        name="rnn_linear",
        gates=("h",),
        has_cell_state=False,
        supports_proj=False,
        torch_layer=None,
        torch_cell=None,
        torch_kwargs=(("nonlinearity", "linear"),),  # for drop-ins; torch.nn.RNN has no linear option
        source="analysis variant (identity activation): Pascanu et al. 2013, lecture 7 section 2",
        equations=_RNN_EQ.format(act="identity"),
    ),
    "lstm": CellKind(
        name="lstm",
        gates=("i", "f", "g", "o"),
        has_cell_state=True,
        supports_proj=True,
        torch_layer="torch.nn.LSTM",
        torch_cell="torch.nn.LSTMCell",
        torch_kwargs=(),
        source="Hochreiter & Schmidhuber 1997; Sak et al. 2014 (projection); lecture 7 section 3",
        equations=(
            "i,f,g,o = split(x W_ih^T + b_ih + h W_hh^T + b_hh); "
            "c' = sig(f)*c + sig(i)*tanh(g); h' = (sig(o)*tanh(c')) [W_hr^T if proj]"
        ),
    ),
    "gru": CellKind(
        name="gru",
        gates=("r", "z", "n"),
        has_cell_state=False,
        supports_proj=False,
        torch_layer="torch.nn.GRU",
        torch_cell="torch.nn.GRUCell",
        torch_kwargs=(),
        source="Cho et al. 2014, as in cuDNN and torch (reset after the matrix product)",
        equations=(
            "r = sig(x W_ir^T + b_ir + h W_hr^T + b_hr); z = sig(x W_iz^T + b_iz + h W_hz^T + b_hz); "
            "n = tanh(x W_in^T + b_in + r*(h W_hn^T + b_hn)); h' = (1-z)*n + z*h"
        ),
    ),
    "gru_reset_before": CellKind(
        name="gru_reset_before",
        gates=("r", "z", "n"),
        has_cell_state=False,
        supports_proj=False,
        torch_layer=None,
        torch_cell=None,
        torch_kwargs=(),
        source="Cho et al. 2014 eq. 5-8; lecture 7 section 4 (reset before the matrix product)",
        equations=(
            "r, z as in gru; n = tanh(x W_in^T + b_in + (r*h) W_hn^T + b_hn); h' = (1-z)*n + z*h"
        ),
    ),
}

# What holds exactly between the two GRU forms, with the same parameters (each is a property).
GRU_RELATIONS: tuple[str, ...] = (
    "r and z are the same functions of (x, h) in both forms; only the candidate n differs",
    "where the reset gate is exactly 1, r*(W_hn h + b_hn) = W_hn (r*h) + b_hn: the forms agree",
    "with b_hn = 0 and W_hn diagonal, r*(W_hn h) = W_hn (r*h): the forms agree on every input",
    "from a zero state with b_hn = 0 the first step agrees (both candidates are tanh(x W_in^T + b_in))",
    "both forms have the same parameters, names and shapes, hence the same count",
)


def cell_kind(name: str) -> CellKind:
    """The registry entry for ``name``, with the known names in the error when it is unknown."""
    try:
        return CELLS[name]
    except KeyError:
        raise ValueError(f"cell={name!r} is not a cell kind; expected one of {sorted(CELLS)}") from None
