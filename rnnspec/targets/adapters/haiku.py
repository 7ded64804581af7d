"""DeepMind Haiku's recurrent cores (``hk.LSTM``, ``hk.GRU``, ``hk.VanillaRNN``), unrolled with
``hk.dynamic_unroll`` and stacked with ``hk.DeepRNN``, as rnnspec targets. ``pip install rnnspec[haiku]``
(dm-haiku; checked with dm-haiku 0.0.17 on jax 0.10.2).

Weight mapping from the canonical (torch) layout, per layer and direction (``W[k]`` is gate block k
of torch's matrix in torch's order, ``b = b_ih + b_hh``; Haiku's Linear computes ``x @ w + b``):
    hk.LSTM (one ``hk.Linear(4H)`` over ``concat([x, h])``, its columns split i, g, f, o):
        linear.w = [W_ih | W_hh]^T with column blocks (i, g, f, o) = torch's (0, 2, 1, 3)
        linear.b = (b[i], b[g], b[f] - 1, b[o])
      hk.LSTM adds 1 to the forget pre-activation on EVERY call (``f = sigmoid(f + 1)`` in
      ``LSTM.__call__``), not only at initialization as its docstring says ("we add 1.0 to b_f after
      initialization"); the adapter subtracts that 1 from b_f, so the map is exact up to rounding of
      ``(b_f - 1) + 1`` (tests/findings/confirm_haiku_lstm_adds_forget_bias_every_step.py).
    hk.GRU (``w_i`` (I, 3H), ``w_h`` (H, 3H), ONE bias ``b`` (3H), columns z, r, a): rnnspec
    "gru_reset_before", not torch's GRU. Haiku computes ``a = tanh(x w_i[a] + (r*h) w_h[a] + b[a])``
    (reset before the matrix product, no b_hn inside the reset product) and
    ``h' = (1 - z) h + z a``, i.e. its z is 1 - torch's z; the adapter negates the z blocks:
        w_i = [-W_iz | W_ir | W_in]^T;  w_h = [-W_hz | W_hr | W_hn]^T
        b = [-(b_iz + b_hz), b_ir + b_hr, b_in + b_hn]   (sigmoid(-u) = 1 - sigmoid(u), exact up to rounding)
      The gru_reset_before form's b_hn sits outside the reset product and folds into b[a]; torch's
      GRU (b_hn inside ``r * (W_hn h + b_hn)``) cannot be expressed by hk.GRU at all
      (tests/findings/confirm_haiku_gru_is_reset_before_form.py).
    hk.VanillaRNN (relu only; ``double_bias=True``: two Linears): rnnspec "rnn_relu", exact:
        linear.w = W_ih^T, linear.b = b_ih;  linear_1.w = W_hh^T, linear_1.b = b_hh
      (bias=False is built with ``double_bias=False`` and a zero ``linear.b``: its input Linear
      always has a bias). There is no tanh activation, so torch's default RNN (rnn_tanh) has no
      Haiku core.
bias=False loads zero biases into hk.GRU and into hk.LSTM (there with b_f = -1, so that Haiku's +1
gives torch's bias-free forget gate), which always have them. Haiku's LSTM state is
``LSTMState(hidden, cell)``.

Paths covered (dm-haiku 0.0.17, read in haiku/_src/recurrent.py), each written as a Haiku user does:
  - Layers ``LSTM``, ``GRU``, ``VanillaRNN``: ``hk.transform(f).apply(params, None, x)`` with ``f``
    calling ``hk.dynamic_unroll(core, x, initial_state)`` (time-major, ``jax.lax.scan`` via
    ``hk.scan``); ``core`` is the bare core for one layer and ``hk.DeepRNN([core_l0, core_l1, ...])``
    for a stack (layer l reads layer l-1's output: torch's stacking). A missing state is the core's
    own ``initial_state(B)`` (zeros), cast to the input's dtype (under JAX x64, which this bridge
    turns on, ``initial_state`` is float64 whatever the parameters and would promote float32 runs).
  - Bidirectional: Haiku has no Bidirectional module. A Haiku user builds one from documented
    primitives, as this adapter does per layer: ``dynamic_unroll(fwd_core, x, s_f)`` and
    ``dynamic_unroll(bwd_core, x, s_b, reverse=True)`` (``reverse`` scans from the last step and
    keeps outputs aligned with their inputs), outputs concatenated; a bidirectional stack is those
    layers applied in turn (the adapter's wiring, as no DeepRNN of bidirectional layers exists).
    ``hk.static_unroll`` has no ``reverse``.
  - Cells ``LSTMCell``, ``GRUCell``, ``VanillaRNNCell``: one step ``core(x, state)`` under
    ``hk.transform`` (``cell_unrolled_is_layer`` steps it over a sequence).
  - float32 and float64 (JAX x64), under ``jax.jit``, gradients by ``jax.vjp`` (rnnspec.targets.adapters._jax).
Reported, not mapped (nothing can be): XLA's CPU kernels flush subnormals to zero, so in the
magnitude tier's subnormal regime ``LSTM`` fails ``lstm_saturated_gates_keep_memory`` (a subnormal
cell state is lost) and ``VanillaRNN`` / ``VanillaRNNCell`` fail ``grads_match_reference`` /
``cell_grads_match_reference`` (zero gradient through a subnormal positive ReLU pre-activation), as
Flax's targets do (tests/findings/confirm_haiku_flushes_subnormals.py).
Not covered: ``hk.static_unroll`` (the same core stepped in a Python loop), ``time_major=False``,
``unroll > 1``, ``return_all_states``, ``hk.ResetCore``, ``hk.IdentityCore``, the Conv*LSTMs,
``hk.transform_with_state``, and ``hk.deep_rnn_with_skip_connections``: its layer l > 0 reads
``concat([x, out_{l-1}])`` (input size I + H) and its output is the concatenation of every layer's
outputs (L*H wide), so it is not torch's stack and torch's parameters have no place for the skip
weights (tests/targets/adapters/test_haiku.py pins that with zero skip weights its last H columns are torch's
stacked output). Not claimed: packed / variable lengths (no Haiku core or unroll takes lengths; a
user would mask by hand or use ResetCore, not equivalent), proj_size (no Haiku LSTM has a
projection), dropout between layers (not part of DeepRNN). Unbatched input is given a batch axis
by the adapter.
"""

from __future__ import annotations

import functools

import haiku as hk
import jax
import jax.numpy as jnp

from rnnspec.spec import suffix
from rnnspec.targets.adapters import module_getattr
from rnnspec.targets.adapters._jax import JaxCell, JaxLayer, split_gates
from rnnspec.targets.base import Declaration, Target

__all__ = ["HaikuTarget", "haiku_params", "TARGETS", "LSTM", "GRU", "VanillaRNN", "LSTMCell", "GRUCell",
           "VanillaRNNCell"]

_MODULE = "rnnspec.targets.adapters.haiku"

LAYER_CAPABILITIES = frozenset({"multilayer", "bidirectional", "batch_first", "no_bias", "initial_state",
                                "unbatched", "float64", "grad", "parameters"})
CELL_CAPABILITIES = frozenset({"no_bias", "initial_state", "unbatched", "float64", "grad", "parameters"})

# torch's LSTM gate blocks (i, f, g, o) in hk.LSTM's column order (i, g, f, o)
_LSTM_ORDER = (0, 2, 1, 3)
_FORGET_OFFSET = 1.0  # hk.LSTM computes sigmoid(f + 1)


def haiku_params(kind: str, params: dict, tail: str, *, name: str) -> dict:
    """Canonical parameters of one layer and direction (``tail`` as torch's names end: ``_l0``,
    ``_l1_reverse``, ``""`` for a cell) -> the parameters of the Haiku core called ``name``, as
    ``hk.transform(...).init`` would name them (module path -> {parameter: array})."""
    wi, wh, bi, bh = split_gates(params, tail, {"lstm": 4, "gru_reset_before": 3, "rnn_relu": 1}[kind])
    if kind == "lstm":
        b = [bi[k] + bh[k] - (_FORGET_OFFSET if k == 1 else 0.0) for k in _LSTM_ORDER]
        w = jnp.concatenate([jnp.concatenate([wi[k], wh[k]], axis=1) for k in _LSTM_ORDER]).T  # (I+H, 4H)
        return {f"{name}/linear": {"w": w, "b": jnp.concatenate(b)}}
    if kind == "gru_reset_before":  # columns z, r, a; Haiku's z is 1 - torch's z: negate its blocks
        return {name: {"w_i": jnp.concatenate([-wi[1], wi[0], wi[2]]).T,
                       "w_h": jnp.concatenate([-wh[1], wh[0], wh[2]]).T,
                       "b": jnp.concatenate([-(bi[1] + bh[1]), bi[0] + bh[0], bi[2] + bh[2]])}}
    out = {f"{name}/linear": {"w": wi[0].T, "b": bi[0]}, f"{name}/linear_1": {"w": wh[0].T}}
    if "bias_hh" + tail in params:
        out[f"{name}/linear_1"]["b"] = bh[0]
    return out


def _core(kind: str, hidden: int, *, name: str, bias: bool) -> hk.RNNCore:
    if kind == "lstm":
        return hk.LSTM(hidden, name=name)
    if kind == "gru_reset_before":
        return hk.GRU(hidden, name=name)
    return hk.VanillaRNN(hidden, double_bias=bias, name=name)


def _haiku_state(kind: str, state, index: int | None = None):
    """torch's state (h[, c]), or its entry ``index`` of a layer's (L*D, B, H) state, as the core's."""
    h, *c = state if index is None else (s[index] for s in state)
    return hk.LSTMState(hidden=h, cell=c[0]) if kind == "lstm" else h


def _torch_state(kind: str, state) -> tuple:
    return (state.hidden, state.cell) if kind == "lstm" else (state,)


def _initial(core: hk.RNNCore, kind: str, state, index: int, x):
    """The core's state: torch's entry ``index``, or the core's own ``initial_state(B)`` in x's dtype."""
    if state is not None:
        return _haiku_state(kind, state, index)
    return jax.tree.map(lambda a: a.astype(x.dtype), core.initial_state(x.shape[1]))


def _unroll(config, x, state):
    """Inside hk.transform: the layer on time-major ``x`` (T, B, I); returns (output (T, B, D*H),
    the final core states in torch's order of layers and directions)."""
    kind, H, L, bias = config.cell, config.hidden_size, config.num_layers, config.bias
    if not config.bidirectional:
        cores = [_core(kind, H, name=suffix(layer, 0)[1:], bias=bias) for layer in range(L)]
        initial = tuple(_initial(core, kind, state, layer, x) for layer, core in enumerate(cores))
        if L == 1:  # the bare core, as a one-layer Haiku model is written
            output, final = hk.dynamic_unroll(cores[0], x, initial[0])
            return output, [final]
        output, finals = hk.dynamic_unroll(hk.DeepRNN(cores), x, initial)
        return output, list(finals)
    finals = []
    for layer in range(L):
        directions = []
        for d in range(2):
            core = _core(kind, H, name=suffix(layer, d)[1:], bias=bias)
            output, final = hk.dynamic_unroll(core, x, _initial(core, kind, state, 2 * layer + d, x), reverse=d == 1)
            directions.append(output)
            finals.append(final)
        x = jnp.concatenate(directions, axis=-1)  # (T, B, 2H)
    return x, finals


class HaikuTarget(Target):
    """A Haiku core unrolled as a layer (``hk.dynamic_unroll``, ``hk.DeepRNN`` for a stack) or
    stepped alone as a cell, under ``hk.transform``.

    Args:
        name: the target's name, ``module:NAME``.
        subject: ``"layer"`` or ``"cell"``.
        cell: the cell kind: ``"lstm"`` (hk.LSTM), ``"gru_reset_before"`` (hk.GRU), ``"rnn_relu"`` (hk.VanillaRNN).
        api: the call as a Haiku user writes it.
    """

    def __init__(self, *, name: str, subject: str, cell: str, api: str):
        capabilities = LAYER_CAPABILITIES if subject == "layer" else CELL_CAPABILITIES
        super().__init__(Declaration(name=name, subject=subject, cells=(cell,), capabilities=capabilities, api=api,
                                     notes=_NOTES.get(cell, "")))

    def build(self, config, params, *, dtype, training=False):
        forward = self._forward(config)
        if self.subject == "layer":
            return JaxLayer(params, forward, batch_first=config.batch_first)
        return JaxCell(params, forward)

    @functools.lru_cache(maxsize=256)  # one function per config, so its compilations are reused
    def _forward(self, config):
        return (self._forward_layer if self.subject == "layer" else self._forward_cell)(config)

    @staticmethod
    def _forward_layer(config):
        kind, directions = config.cell, config.num_directions
        unroll = hk.transform(functools.partial(_unroll, config))
        tails = [suffix(layer, d) for layer in range(config.num_layers) for d in range(directions)]

        def forward(p, x, state, lengths):
            if lengths is not None:
                raise NotImplementedError("Haiku's unrolls take no sequence lengths (packed is not claimed)")
            hk_params = {k: v for tail in tails for k, v in haiku_params(kind, p, tail, name=tail[1:]).items()}
            output, finals = unroll.apply(hk_params, None, jnp.swapaxes(x, 0, 1), state)  # time-major in and out
            by_layer = [_torch_state(kind, f) for f in finals]
            return (jnp.swapaxes(output, 0, 1), *(jnp.stack(parts) for parts in zip(*by_layer)))

        return forward

    @staticmethod
    def _forward_cell(config):
        kind, H, bias = config.cell, config.hidden_size, config.bias

        def step(x, state):
            core = _core(kind, H, name="cell", bias=bias)
            return core(x, state)[1]

        stepped = hk.transform(step)

        def forward(p, x, state):
            state = state or tuple(jnp.zeros((x.shape[0], H), x.dtype) for _ in range(1 + (kind == "lstm")))
            new = stepped.apply(haiku_params(kind, p, "", name="cell"), None, x, _haiku_state(kind, state))
            return _torch_state(kind, new)

        return forward


_FTZ = ("XLA's CPU kernels flush subnormals to zero (magnitude tier, subnormal regime): {what} "
        "(tests/findings/confirm_haiku_flushes_subnormals.py)")
_NOTES = {  # known, explained differences from the spec, per cell kind
    "lstm": _FTZ.format(what="a subnormal cell state is lost where an open forget gate must keep it"),
    "rnn_relu": _FTZ.format(what="zero gradient through a subnormal positive ReLU pre-activation"),
}

_SHIPPED = {  # name -> (subject, cell kind, api)
    "LSTM": ("layer", "lstm",
             "hk.dynamic_unroll(hk.LSTM(H) or hk.DeepRNN([hk.LSTM(H), ...]), x, state[, reverse=True])"),
    "GRU": ("layer", "gru_reset_before",
            "hk.dynamic_unroll(hk.GRU(H) or hk.DeepRNN([hk.GRU(H), ...]), x, state[, reverse=True])"),
    "VanillaRNN": ("layer", "rnn_relu",
                   "hk.dynamic_unroll(hk.VanillaRNN(H) or hk.DeepRNN([...]), x, state[, reverse=True])"),
    "LSTMCell": ("cell", "lstm", "hk.LSTM(H)(x, hk.LSTMState(h, c))"),
    "GRUCell": ("cell", "gru_reset_before", "hk.GRU(H)(x, h)"),
    "VanillaRNNCell": ("cell", "rnn_relu", "hk.VanillaRNN(H)(x, h)"),
}

TARGETS: dict[str, Target] = {name: HaikuTarget(name=f"{_MODULE}:{name}", subject=subject, cell=cell, api=api)
                              for name, (subject, cell, api) in _SHIPPED.items()}
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: haiku.LSTM, ...
