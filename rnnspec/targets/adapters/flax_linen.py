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

Paths covered (Flax 0.12.8, read in flax/linen/recurrent.py), each target as a Flax user writes it:
  - ``LSTM``, ``OptimizedLSTM``, ``GRU``, ``SimpleRNN``, ``SimpleRNNReLU``: per layer
    ``nn.RNN(cell, return_carry=True)(x, initial_carry=..., seq_lengths=...)``, a lifted ``nn.scan``
    (``transforms.scan``, unroll=1) of the cell over time, batch-major. A PackedSequence is given
    as ``seq_lengths``: the scan still runs every step (the cell computes on the padding) and the
    final carry is picked at step ``seq_lengths - 1`` (``_select_last_carry``); outputs past a
    row's length are what the cell computed there, which the adapter zeroes as torch pads them.
    Bidirectional: ``nn.Bidirectional(nn.RNN(cell), nn.RNN(cell), return_carry=True)``, whose
    backward RNN runs with ``reverse=True, keep_order=True`` (``flip_sequences`` reverses each
    row within its length) and whose outputs are concatenated. A stack is the layers applied in
    turn (linen has no stacked RNN type, so that wiring is the adapter's, not Flax's).
  - ``LSTMCell``, ``OptimizedLSTMCell``, ``GRUCell``, ``SimpleCell``: one step,
    ``cell.apply(params, carry, x)``, what a user's own python loop or ``jax.lax.scan`` over the
    cell calls (``cell_unrolled_is_layer`` steps it over a sequence). LSTMCell (a Dense per gate)
    and OptimizedLSTMCell (the four gates' Dense fused into one) are separate paths and targets.
  - float32 and float64 (x64 mode, ``dtype=param_dtype``), gradients by ``jax.vjp`` of the above.
Not covered: ``time_major=True``, ``unroll > 1``, ``reverse=True`` outside Bidirectional,
``return_carry=False``, ``nn.Bidirectional`` merge functions other than concatenation,
``MGUCell``, ``ConvLSTMCell``, and rows of length 0 (not claimed: ``seq_lengths = 0`` selects the
carry at index -1, the one after every padded step, not the initial carry; see
tests/findings/confirm_flax_rnn_zero_length_row_is_last_padded_carry.py). Not claimed: proj_size
(no linen cell has it) and dropout between layers (not part of nn.RNN), so those properties are
skipped. Unbatched input is given a batch axis by the adapter.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from rnnspec.spec import cell_kind
from rnnspec.targets.adapters import module_getattr
from rnnspec.targets.adapters._flax import FlaxTarget, cell_forward, flax_targets, layer_forward
from rnnspec.targets.adapters._jax import split_gates
from rnnspec.targets.base import Target

__all__ = ["FlaxLinen", "linen_params", "TARGETS", "LSTM", "OptimizedLSTM", "GRU", "SimpleRNN", "SimpleRNNReLU",
           "LSTMCell", "OptimizedLSTMCell", "GRUCell", "SimpleCell"]

_MODULE = "rnnspec.targets.adapters.flax_linen"


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


class FlaxLinen(FlaxTarget):
    """A linen layer (per layer ``nn.RNN`` of a cell, or ``nn.Bidirectional`` of two) or cell."""

    def forward_layer(self, config, dtype):
        kind = config.cell
        new_cell = lambda: _cell(kind, config.hidden_size, dtype, optimized=self.optimized)  # noqa: E731

        def apply(layer, params, x, initial, seq_lengths):
            rnn = (nn.RNN(new_cell(), return_carry=True) if not config.bidirectional
                   else nn.Bidirectional(nn.RNN(new_cell()), nn.RNN(new_cell()), return_carry=True))
            return rnn.apply({"params": params}, x, initial_carry=initial, seq_lengths=seq_lengths)

        return layer_forward(config, cell_params=lambda p, tail: linen_params(kind, p, tail), apply=apply)

    def forward_cell(self, config, dtype):
        kind, cell = config.cell, _cell(config.cell, config.hidden_size, dtype, optimized=self.optimized)

        def step(p, carry, x):
            return cell.apply({"params": linen_params(kind, p, "")}, carry, x)[0]

        return cell_forward(config, step=step)


TARGETS: dict[str, Target] = flax_targets(FlaxLinen, module=_MODULE)
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: flax_linen.LSTM, ...
