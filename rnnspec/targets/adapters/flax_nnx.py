"""Flax nnx recurrent cells, and layers built from them with ``nnx.RNN`` and ``nnx.Bidirectional``,
as rnnspec targets. ``pip install rnnspec[jax]``.

Weight mapping from the canonical (torch) layout, per layer and direction (``W[k]`` is gate block
k of torch's matrix in torch's order; nnx's Linear computes ``x @ kernel + bias``):
    LSTMCell (gates i, f, g, o as torch; the attribute of f is ``if_``):
        i{g}.kernel = W_ih[g]^T;  h{g}.kernel = W_hh[g]^T;  h{g}.bias = b_ih[g] + b_hh[g]
    OptimizedLSTMCell: dense_i.kernel = W_ih^T; dense_h.kernel = W_hh^T, dense_h.bias = b_ih + b_hh
    GRUCell: dense_i.kernel = W_ih^T, dense_i.bias = b_ih + [b_hr, b_hz, 0]; dense_h.kernel = W_hh^T.
        nnx computes n = tanh(W_in x + b_in + r * (W_hn h)): there is no b_hn, the bias that torch
        (and linen, Equinox, Keras' reset_after=True, cuDNN) put inside r * (...). It is not
        representable, so it is not loaded: the cell computes torch's GRU with b_hn = 0, and the
        properties report where that differs (this is a finding about nnx, not an adapter gap).
    SimpleCell (activation_fn tanh or relu): dense_i.kernel = W_ih^T, dense_i.bias = b_ih + b_hh;
        dense_h.kernel = W_hh^T
bias=False is loaded as zero biases. The LSTM carry is (c, h). Modules are built once per config
and called through ``nnx.split`` / ``nnx.merge`` with the mapped parameters, as nnx's functional
API prescribes. Layers, PackedSequence and what is not claimed: as the linen adapter.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from flax import nnx

from rnnspec.spec import cell_kind
from rnnspec.targets.adapters._jax import (JaxCell, JaxLayer, flax_carry, masked, split_gates, torch_finals,
                                           torch_state, zero_state)
from rnnspec.targets.base import Target

__all__ = ["FlaxNnxLayer", "FlaxNnxCell", "nnx_params", "LSTM", "OptimizedLSTM", "GRU", "SimpleRNN", "SimpleRNNReLU",
           "LSTMCell", "OptimizedLSTMCell", "GRUCell", "SimpleCell"]

_LAYER_CAPABILITIES = frozenset({"multilayer", "bidirectional", "batch_first", "no_bias", "initial_state",
                                 "unbatched", "packed", "float64", "grad", "parameters"})
_CELL_CAPABILITIES = frozenset({"no_bias", "initial_state", "unbatched", "float64", "grad", "parameters"})


def nnx_params(kind: str, params: dict, tail: str, *, optimized: bool = False) -> dict:
    """Canonical parameters of one layer and direction -> the nnx cell's parameters (a pure dict)."""
    wi, wh, bi, bh = split_gates(params, tail, cell_kind(kind).num_gates)
    cat = jnp.concatenate
    if kind == "lstm" and optimized:
        return {"dense_i": {"kernel": cat(wi).T}, "dense_h": {"kernel": cat(wh).T, "bias": cat(bi) + cat(bh)}}
    if kind == "lstm":
        names = ("i", "f_", "g", "o")
        return {**{f"i{g}": {"kernel": wi[k].T} for k, g in enumerate(names)},
                **{f"h{g.rstrip('_')}": {"kernel": wh[k].T, "bias": bi[k] + bh[k]} for k, g in enumerate(names)}}
    if kind == "gru":  # b_hn has no place in nnx's GRUCell (see the module docstring)
        return {"dense_i": {"kernel": cat(wi).T, "bias": cat([bi[0] + bh[0], bi[1] + bh[1], bi[2]])},
                "dense_h": {"kernel": cat(wh).T}}
    return {"dense_i": {"kernel": wi[0].T, "bias": bi[0] + bh[0]}, "dense_h": {"kernel": wh[0].T}}


def _cell(kind: str, input_size: int, hidden: int, dtype, *, optimized: bool) -> nnx.Module:
    common = dict(dtype=dtype, param_dtype=dtype, rngs=nnx.Rngs(0))
    if kind == "lstm":
        return (nnx.OptimizedLSTMCell if optimized else nnx.LSTMCell)(input_size, hidden, **common)
    if kind == "gru":
        return nnx.GRUCell(input_size, hidden, **common)
    activation = {"rnn_tanh": jnp.tanh, "rnn_relu": jax.nn.relu}[kind]
    return nnx.SimpleCell(input_size, hidden, activation_fn=activation, **common)


def _with_params(module: nnx.Module, cell_params: dict) -> nnx.Module:
    """A copy of ``module`` whose parameters are ``cell_params`` (paths as nnx.split names them)."""
    graphdef, state = nnx.split(module)
    pure = nnx.to_pure_dict(state)
    _merge(pure, cell_params)
    nnx.replace_by_pure_dict(state, pure)
    return nnx.merge(graphdef, state)


def _merge(into: dict, new: dict) -> None:
    for key, value in new.items():
        if isinstance(value, dict):
            _merge(into[key], value)
        else:
            into[key] = value


_GRU_NOTE = ("flax.nnx.GRUCell has no b_hn (n = tanh(W_in x + b_in + r * (W_hn h))), so it computes torch's GRU "
             "only when b_hn = 0; torch, cuDNN, Flax linen, Equinox and Keras (reset_after=True) all have b_hn")


class FlaxNnxLayer(Target):
    subject = "layer"

    def __init__(self, cell: str, *, optimized: bool = False):
        self.cells, self.capabilities, self.optimized = (cell,), _LAYER_CAPABILITIES, optimized
        self.name, self.notes = f"rnnspec.targets.adapters.flax_nnx[{cell}]", _GRU_NOTE if cell == "gru" else ""

    def build(self, config, params, *, dtype, training=False):
        return JaxLayer(params, self._forward(config, str(dtype).removeprefix("torch.")), batch_first=config.batch_first)

    @functools.lru_cache(maxsize=256)  # one function (and one set of modules) per config and dtype
    def _forward(self, config, dtype: str):
        kind, directions, H = config.cell, config.num_directions, config.hidden_size
        modules = []
        for layer in range(config.num_layers):
            size = config.input_size if layer == 0 else directions * H
            rnns = [nnx.RNN(_cell(kind, size, H, jnp.dtype(dtype), optimized=self.optimized), return_carry=True)
                    for _ in range(directions)]
            modules.append(rnns[0] if directions == 1 else nnx.Bidirectional(*rnns, return_carry=True))

        def forward(p, x, state, lengths):
            seq_lengths = None if lengths is None else jnp.asarray(lengths)
            carries = []
            for layer, module in enumerate(modules):
                tails = ["_l%d" % layer, "_l%d_reverse" % layer][:directions]
                indices = [layer * directions + d for d in range(directions)]
                cells = [nnx_params(kind, p, tail, optimized=self.optimized) for tail in tails]
                if directions == 1:
                    module = _with_params(module, {"cell": cells[0]})
                    initial = flax_carry(kind, state, indices[0])
                else:
                    module = _with_params(module, {"forward_rnn": {"cell": cells[0]}, "backward_rnn": {"cell": cells[1]}})
                    initial = None if state is None else tuple(flax_carry(kind, state, i) for i in indices)
                carry, x = module(x, initial_carry=initial, seq_lengths=seq_lengths)
                carries += list(carry) if directions == 2 else [carry]
            return (masked(x, lengths), *torch_finals(kind, carries))

        return forward


class FlaxNnxCell(Target):
    subject = "cell"

    def __init__(self, cell: str, *, optimized: bool = False):
        self.cells, self.capabilities, self.optimized = (cell,), _CELL_CAPABILITIES, optimized
        self.name, self.notes = f"rnnspec.targets.adapters.flax_nnx[{cell} cell]", _GRU_NOTE if cell == "gru" else ""

    def build(self, config, params, *, dtype, training=False):
        return JaxCell(params, self._forward(config, str(dtype).removeprefix("torch.")))

    @functools.lru_cache(maxsize=256)
    def _forward(self, config, dtype: str):
        kind, H = config.cell, config.hidden_size
        template = _cell(kind, config.input_size, H, jnp.dtype(dtype), optimized=self.optimized)

        def forward(p, x, state):
            cell = _with_params(template, nnx_params(kind, p, "", optimized=self.optimized))
            new, _ = cell(flax_carry(kind, state or zero_state(kind, x, H)), x)
            return torch_state(kind, new)

        return forward


LSTM, OptimizedLSTM, GRU = FlaxNnxLayer("lstm"), FlaxNnxLayer("lstm", optimized=True), FlaxNnxLayer("gru")
SimpleRNN, SimpleRNNReLU = FlaxNnxLayer("rnn_tanh"), FlaxNnxLayer("rnn_relu")
LSTMCell, OptimizedLSTMCell = FlaxNnxCell("lstm"), FlaxNnxCell("lstm", optimized=True)
GRUCell, SimpleCell = FlaxNnxCell("gru"), FlaxNnxCell("rnn_tanh")
for _attr, _target in list(globals().items()):
    if isinstance(_target, Target):
        _target.name = f"rnnspec.targets.adapters.flax_nnx:{_attr}"
