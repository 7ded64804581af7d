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
API prescribes.

Paths covered (Flax 0.12.8, read in flax/nnx/nn/recurrent.py), the same as the linen adapter's
with nnx's modules: per layer ``nnx.RNN(cell, return_carry=True)(x, initial_carry=...,
seq_lengths=...)``, an ``nnx.compat.scan`` of the cell (unroll=1) that runs every step and picks
the final carry at ``seq_lengths - 1`` (``_select_last_carry``); ``nnx.Bidirectional(nnx.RNN,
nnx.RNN, return_carry=True)`` (backward ``reverse=True, keep_order=True``, outputs concatenated);
a stack is the layers applied in turn (the adapter's wiring); the cells alone,
``cell(carry, x)``; LSTMCell (``ii``..``ho`` Linears) and OptimizedLSTMCell (``dense_i`` /
``dense_h`` fused) as separate targets; float32 and float64; gradients by ``jax.vjp``. The
modules are called functionally (split / merge), which is what ``nnx.jit`` and ``nnx.grad`` do
under the hood, not as a stateful module in eager mode: parameters are inputs of the compiled
function. Not covered: as the linen adapter (time_major, unroll > 1, reverse alone,
return_carry=False, other merges, MGUCell, ConvLSTMCell, rows of length 0, where ``nnx.RNN``
behaves as linen's: tests/findings/confirm_flax_rnn_zero_length_row_is_last_padded_carry.py).
The GRU finding: tests/findings/confirm_flax_nnx_grucell_has_no_b_hn.py (nnx's docstring writes
``r * (W_hn h + b_hn)``; its code has no b_hn).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx

from rnnspec.spec import cell_kind
from rnnspec.targets.adapters import module_getattr
from rnnspec.targets.adapters._flax import FlaxTarget, cell_forward, flax_targets, layer_forward
from rnnspec.targets.adapters._jax import split_gates
from rnnspec.targets.base import Target

__all__ = ["FlaxNnx", "nnx_params", "TARGETS", "LSTM", "OptimizedLSTM", "GRU", "SimpleRNN", "SimpleRNNReLU",
           "LSTMCell", "OptimizedLSTMCell", "GRUCell", "SimpleCell"]

_MODULE = "rnnspec.targets.adapters.flax_nnx"


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


class FlaxNnx(FlaxTarget):
    """An nnx layer (per layer ``nnx.RNN`` of a cell, or ``nnx.Bidirectional`` of two) or cell; its
    modules are made once per config and dtype and given the mapped parameters on each call."""

    def forward_layer(self, config, dtype):
        kind, directions, hidden = config.cell, config.num_directions, config.hidden_size
        modules = []
        for layer in range(config.num_layers):
            rnns = [nnx.RNN(_cell(kind, config.layer_input_size(layer), hidden, dtype, optimized=self.optimized),
                            return_carry=True) for _ in range(directions)]
            modules.append(rnns[0] if directions == 1 else nnx.Bidirectional(*rnns, return_carry=True))

        def apply(layer, params, x, initial, seq_lengths):
            return _with_params(modules[layer], params)(x, initial_carry=initial, seq_lengths=seq_lengths)

        return layer_forward(config, cell_params=lambda p, tail: nnx_params(kind, p, tail, optimized=self.optimized),
                             apply=apply)

    def forward_cell(self, config, dtype):
        kind = config.cell
        template = _cell(kind, config.input_size, config.hidden_size, dtype, optimized=self.optimized)

        def step(p, carry, x):
            return _with_params(template, nnx_params(kind, p, "", optimized=self.optimized))(carry, x)[0]

        return cell_forward(config, step=step)


TARGETS: dict[str, Target] = flax_targets(FlaxNnx, module=_MODULE, notes={"gru": _GRU_NOTE})
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: flax_nnx.LSTM, ...
