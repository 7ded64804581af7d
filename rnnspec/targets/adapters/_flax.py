"""What the Flax adapters (linen, nnx) share, written once: the targets they ship and what those
claim, their Target class, the carry conversions, and the JAX forward of a layer stack and of a
cell around the one step that differs between the two APIs (applying an RNN, a Bidirectional or
a cell to mapped weights).

Both APIs name an RNN's parameters ``{"cell": ...}`` and a Bidirectional's
``{"forward_rnn": {"cell": ...}, "backward_rnn": {"cell": ...}}``, and both keep the LSTM carry
as (c, h).

The user-facing paths the two adapters cover (and do not) are listed in flax_linen.py and
flax_nnx.py: per layer ``RNN`` (a scan of the cell; ``seq_lengths`` for a PackedSequence) or
``Bidirectional`` of two, the cells alone, LSTMCell and OptimizedLSTMCell as separate targets.
The stack is this module's wiring (``layer_forward`` applies the layers in turn, as a Flax user
would write it; Flax has no stacked RNN type), so the stacked properties check that wiring
around Flax's layers, not a Flax API.
"""

from __future__ import annotations

import functools
from abc import abstractmethod

import jax.numpy as jnp

from rnnspec.spec import suffix
from rnnspec.targets.adapters._jax import JaxCell, JaxLayer, x64, zero_state
from rnnspec.targets.base import Declaration, Target
from rnnspec.targets.calling import length_mask

__all__ = ["LAYER_CAPABILITIES", "CELL_CAPABILITIES", "SHIPPED", "FlaxTarget", "flax_targets", "layer_forward",
           "cell_forward", "flax_carry", "torch_state", "torch_finals", "masked"]

# not claimed: proj (no Flax cell has a projection) and dropout (not part of RNN)
LAYER_CAPABILITIES = frozenset({"multilayer", "bidirectional", "batch_first", "no_bias", "initial_state",
                                "unbatched", "packed", "float64", "grad", "parameters"})
CELL_CAPABILITIES = frozenset({"no_bias", "initial_state", "unbatched", "float64", "grad", "parameters"})

# the targets each Flax adapter ships: name -> (subject, cell kind, OptimizedLSTMCell instead of LSTMCell)
SHIPPED: dict[str, tuple[str, str, bool]] = {
    "LSTM": ("layer", "lstm", False),
    "OptimizedLSTM": ("layer", "lstm", True),
    "GRU": ("layer", "gru", False),
    "SimpleRNN": ("layer", "rnn_tanh", False),
    "SimpleRNNReLU": ("layer", "rnn_relu", False),
    "LSTMCell": ("cell", "lstm", False),
    "OptimizedLSTMCell": ("cell", "lstm", True),
    "GRUCell": ("cell", "gru", False),
    "SimpleCell": ("cell", "rnn_tanh", False),
}


def flax_carry(kind: str, state, index: int | None = None):
    """torch's state (h[, c]), or its entry ``index`` of a layer's (L*D, B, H) state, as Flax's carry:
    h, or (c, h) for the LSTM. None stays None (Flax then starts from zeros)."""
    if state is None:
        return None
    h, *c = state if index is None else (s[index] for s in state)
    return (c[0], h) if kind == "lstm" else h


def torch_state(kind: str, carry) -> tuple:
    """Flax's carry as torch's state tuple (h[, c])."""
    return (carry[1], carry[0]) if kind == "lstm" else (carry,)


def torch_finals(kind: str, carries) -> tuple:
    """The final carries of each layer and direction, in torch's order, as (h_n[, c_n])."""
    return tuple(jnp.stack(parts) for parts in zip(*(torch_state(kind, c) for c in carries)))


def masked(output, lengths):
    """Output (B, T, F) with zeros past each row's length, as torch pads a PackedSequence."""
    if lengths is None:
        return output
    return output * jnp.asarray(length_mask(lengths, output.shape[1]), output.dtype)[..., None]


def layer_forward(config, *, cell_params, apply):
    """``forward(p, x, state, lengths)`` of a Flax layer stack, as ``_jax.JaxLayer`` calls it.

    Args:
        config: the LayerConfig.
        cell_params: ``(p, tail) -> the cell's parameters`` of one layer and direction, from the
            canonical ``p`` (``tail`` as torch's names end: ``_l0``, ``_l1_reverse``, ...).
        apply: ``(layer, params, x, initial, seq_lengths) -> (carry, output)``: layer number
            ``layer`` (an RNN, or a Bidirectional when the config is, made with ``return_carry``)
            applied with ``params`` (its parameter tree) to ``x`` (B, T, I); ``initial`` is its
            initial carry (a pair of them for a Bidirectional) or None for zeros.
    """
    kind, directions = config.cell, config.num_directions

    def forward(p, x, state, lengths):
        seq_lengths = None if lengths is None else jnp.asarray(lengths)
        carries = []
        for layer in range(config.num_layers):
            cells = [{"cell": cell_params(p, suffix(layer, d))} for d in range(directions)]
            initial = [None] * directions if state is None else [
                flax_carry(kind, state, layer * directions + d) for d in range(directions)]
            if directions == 1:
                carry, x = apply(layer, cells[0], x, initial[0], seq_lengths)
                carries.append(carry)
            else:
                params = {"forward_rnn": cells[0], "backward_rnn": cells[1]}
                carry, x = apply(layer, params, x, None if state is None else tuple(initial), seq_lengths)
                carries += list(carry)
        return (masked(x, lengths), *torch_finals(kind, carries))  # (B, T, D*H), h_n[, c_n]

    return forward


def cell_forward(config, *, step):
    """``forward(p, x, state)`` of a Flax cell, as ``_jax.JaxCell`` calls it; ``step(p, carry, x)``
    returns the cell's new carry (zeros stand for a missing state, as in torch)."""
    kind, hidden = config.cell, config.hidden_size

    def forward(p, x, state):
        carry = flax_carry(kind, state or zero_state(kind, x, hidden))
        return torch_state(kind, step(p, carry, x))

    return forward


class FlaxTarget(Target):
    """A Flax layer or cell as a target. A subclass gives the JAX forward of one configuration and
    dtype: ``forward_layer`` (with ``layer_forward``) and ``forward_cell`` (with ``cell_forward``).

    Args:
        name: the target's name, ``module:NAME``.
        subject: ``"layer"`` or ``"cell"``.
        cell: the cell kind (a key of rnnspec.spec.CELLS).
        optimized: OptimizedLSTMCell instead of LSTMCell.
        notes: known differences from the spec.
    """

    def __init__(self, *, name: str, subject: str, cell: str, optimized: bool = False, notes: str = ""):
        capabilities = LAYER_CAPABILITIES if subject == "layer" else CELL_CAPABILITIES
        super().__init__(Declaration(name=name, subject=subject, cells=(cell,), capabilities=capabilities, notes=notes))
        self.optimized = optimized

    def build(self, config, params, *, dtype, training=False):
        with x64():  # a float64 template needs JAX's float64 mode
            forward = self._forward(config, str(dtype).removeprefix("torch."))
        if self.subject == "layer":
            return JaxLayer(params, forward, batch_first=config.batch_first)
        return JaxCell(params, forward)

    @functools.lru_cache(maxsize=256)  # one function per config and dtype, so its compilations are reused
    def _forward(self, config, dtype: str):
        return (self.forward_layer if self.subject == "layer" else self.forward_cell)(config, jnp.dtype(dtype))

    @abstractmethod
    def forward_layer(self, config, dtype):
        """``forward(p, x, state, lengths)`` of ``config`` (a LayerConfig) in ``dtype``."""

    @abstractmethod
    def forward_cell(self, config, dtype):
        """``forward(p, x, state)`` of ``config`` (a CellConfig) in ``dtype``."""


def flax_targets(cls: type[FlaxTarget], *, module: str, notes: dict[str, str] | None = None) -> dict[str, Target]:
    """The TARGETS of a Flax adapter module: a ``cls`` per entry of SHIPPED, named ``module:NAME``,
    with ``notes[cell]`` where given."""
    notes = notes or {}
    return {name: cls(name=f"{module}:{name}", subject=subject, cell=cell, optimized=optimized,
                      notes=notes.get(cell, ""))
            for name, (subject, cell, optimized) in SHIPPED.items()}
