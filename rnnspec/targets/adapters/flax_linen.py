"""Flax linen recurrent cells, and layers built from them with ``nn.RNN`` and ``nn.Bidirectional``,
as rnnspec targets. ``pip install rnnspec[jax]``.

Weight mapping from the canonical (torch) layout, per layer and direction (``W[k]`` is gate block
k of torch's matrix, in torch's order; linen's Dense computes ``x @ kernel + bias``):
    LSTMCell, OptimizedLSTMCell (gates i, f, g, o, as torch):
        i{g}.kernel = W_ih[g]^T;  h{g}.kernel = W_hh[g]^T;  h{g}.bias = b_ih[g] + b_hh[g]
    GRUCell (torch's form: linen computes n = tanh(W_in x + b_in + r * (W_hn h + b_hn))):
        ir, iz: kernel W_ih[r|z]^T, bias b_ih[r|z] + b_hh[r|z];  in: kernel W_ih[n]^T, bias b_ih[n]
        hr, hz: kernel W_hh[r|z]^T (no bias);  hn: kernel W_hh[n]^T, bias b_hh[n]
    SimpleCell (activation_fn tanh or relu): i.kernel = W_ih^T, i.bias = b_ih + b_hh; h.kernel = W_hh^T
bias=False is loaded as zero biases (linen cells always have them). The LSTM carry is (c, h).
A layer is what a Flax user writes: per layer ``nn.RNN(cell, return_carry=True)`` (two of them in
``nn.Bidirectional`` when bidirectional), layers applied in turn, a PackedSequence given as
``seq_lengths``, outputs past each length zeroed as torch pads them. Not claimed: proj_size (no
linen cell has it) and dropout between layers (not part of nn.RNN), so those properties are
skipped. Unbatched input is given a batch axis by the adapter.
"""

from __future__ import annotations

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp

from rnnspec.spec import cell_kind
from rnnspec.targets.adapters._jax import (JaxCell, JaxLayer, flax_carry, masked, split_gates, torch_finals,
                                           torch_state, zero_state)
from rnnspec.targets.base import Target

__all__ = ["FlaxLinenLayer", "FlaxLinenCell", "linen_params", "LSTM", "OptimizedLSTM", "GRU", "SimpleRNN",
           "SimpleRNNReLU", "LSTMCell", "OptimizedLSTMCell", "GRUCell", "SimpleCell"]

_LAYER_CAPABILITIES = frozenset({"multilayer", "bidirectional", "batch_first", "no_bias", "initial_state",
                                 "unbatched", "packed", "float64", "grad", "parameters"})
_CELL_CAPABILITIES = frozenset({"no_bias", "initial_state", "unbatched", "float64", "grad", "parameters"})


def linen_params(kind: str, params: dict, tail: str) -> dict:
    """Canonical parameters of one layer and direction -> the linen cell's ``params`` collection."""
    wi, wh, bi, bh = split_gates(params, tail, cell_kind(kind).num_gates)
    if kind == "lstm":
        return {**{f"i{g}": {"kernel": wi[k].T} for k, g in enumerate("ifgo")},
                **{f"h{g}": {"kernel": wh[k].T, "bias": bi[k] + bh[k]} for k, g in enumerate("ifgo")}}
    if kind == "gru":
        return {"ir": {"kernel": wi[0].T, "bias": bi[0] + bh[0]}, "iz": {"kernel": wi[1].T, "bias": bi[1] + bh[1]},
                "in": {"kernel": wi[2].T, "bias": bi[2]}, "hr": {"kernel": wh[0].T}, "hz": {"kernel": wh[1].T},
                "hn": {"kernel": wh[2].T, "bias": bh[2]}}
    return {"i": {"kernel": wi[0].T, "bias": bi[0] + bh[0]}, "h": {"kernel": wh[0].T}}


def _cell(kind: str, hidden: int, dtype, *, optimized: bool) -> nn.Module:
    common = dict(features=hidden, dtype=dtype, param_dtype=dtype)
    if kind == "lstm":
        return (nn.OptimizedLSTMCell if optimized else nn.LSTMCell)(**common)
    if kind == "gru":
        return nn.GRUCell(**common)
    return nn.SimpleCell(**common, activation_fn={"rnn_tanh": jnp.tanh, "rnn_relu": jax.nn.relu}[kind])


class FlaxLinenLayer(Target):
    subject = "layer"

    def __init__(self, cell: str, *, optimized: bool = False):
        self.cells, self.capabilities, self.optimized = (cell,), _LAYER_CAPABILITIES, optimized
        self.name = f"rnnspec.targets.adapters.flax_linen[{cell}]"

    def build(self, config, params, *, dtype, training=False):
        return JaxLayer(params, self._forward(config), batch_first=config.batch_first)

    @functools.lru_cache(maxsize=256)  # one function per config, so its compilations are reused
    def _forward(self, config):
        kind, directions = config.cell, config.num_directions

        def forward(p, x, state, lengths):
            new_cell = lambda: _cell(kind, config.hidden_size, x.dtype, optimized=self.optimized)  # noqa: E731
            seq_lengths = None if lengths is None else jnp.asarray(lengths)
            carries = []
            for layer in range(config.num_layers):
                tails = ["_l%d" % layer, "_l%d_reverse" % layer][:directions]
                indices = [layer * directions + d for d in range(directions)]
                if directions == 1:
                    module = nn.RNN(new_cell(), return_carry=True)
                    variables = {"cell": linen_params(kind, p, tails[0])}
                    initial = flax_carry(kind, state, indices[0])
                else:
                    module = nn.Bidirectional(nn.RNN(new_cell()), nn.RNN(new_cell()), return_carry=True)
                    variables = {f"{way}_rnn": {"cell": linen_params(kind, p, tail)}
                                 for way, tail in zip(("forward", "backward"), tails)}
                    initial = None if state is None else tuple(flax_carry(kind, state, i) for i in indices)
                carry, x = module.apply({"params": variables}, x, initial_carry=initial, seq_lengths=seq_lengths)
                carries += list(carry) if directions == 2 else [carry]
            return (masked(x, lengths), *torch_finals(kind, carries))

        return forward


class FlaxLinenCell(Target):
    subject = "cell"

    def __init__(self, cell: str, *, optimized: bool = False):
        self.cells, self.capabilities, self.optimized = (cell,), _CELL_CAPABILITIES, optimized
        self.name = f"rnnspec.targets.adapters.flax_linen[{cell} cell]"

    def build(self, config, params, *, dtype, training=False):
        return JaxCell(params, self._forward(config))

    @functools.lru_cache(maxsize=256)
    def _forward(self, config):
        kind = config.cell

        def forward(p, x, state):
            cell = _cell(kind, config.hidden_size, x.dtype, optimized=self.optimized)
            carry = flax_carry(kind, state or zero_state(kind, x, config.hidden_size))
            new, _ = cell.apply({"params": linen_params(kind, p, "")}, carry, x)
            return torch_state(kind, new)

        return forward


LSTM, OptimizedLSTM, GRU = FlaxLinenLayer("lstm"), FlaxLinenLayer("lstm", optimized=True), FlaxLinenLayer("gru")
SimpleRNN, SimpleRNNReLU = FlaxLinenLayer("rnn_tanh"), FlaxLinenLayer("rnn_relu")
LSTMCell, OptimizedLSTMCell = FlaxLinenCell("lstm"), FlaxLinenCell("lstm", optimized=True)
GRUCell, SimpleCell = FlaxLinenCell("gru"), FlaxLinenCell("rnn_tanh")
for _attr, _target in list(globals().items()):
    if isinstance(_target, Target):
        _target.name = f"rnnspec.targets.adapters.flax_linen:{_attr}"
