"""MLX's recurrent layers (``mlx.nn.RNN``, ``mlx.nn.GRU``, ``mlx.nn.LSTM``) on the CPU, as rnnspec
targets. ``pip install rnnspec[mlx]`` (on Linux: ``pip install "mlx[cpu]"``, the CPU backend).

Weight mapping from the canonical (torch) layout, read in ``mlx/nn/layers/recurrent.py``: MLX keeps
torch's matrices (``(G*H, I)``, used as ``x @ W.T``) and gate orders (LSTM i, f, g, o; GRU r, z, n)
and folds the biases:
    RNN:  Wxh = W_ih, Whh = W_hh, bias = b_ih + b_hh; ``nonlinearity=mlx.nn.relu`` for rnn_relu
    LSTM: Wx = W_ih, Wh = W_hh, bias = b_ih + b_hh
    GRU:  Wx = W_ih, Wh = W_hh, b = b_ih + [b_hr, b_hz, 0], bhn = b_hn
          (torch's form: ``n = tanh(x_n + r * (h @ W_hn.T + bhn))``, and from no state
          ``n = tanh(x_n + r * bhn)``: what a zero state gives)
``bias=False`` is built with ``bias=False`` (no ``bias`` / ``b`` / ``bhn``). All exact maps.

Paths covered (mlx 0.32.4, CPU): ``layer(x, hidden)`` (``layer(x, hidden, cell)`` for the LSTM)
on batch-major x (N, L, D), eagerly (MLX's lazy graph, evaluated when the result is read), each
layer returning every step's hidden state (the LSTM also every cell state), so h_n (c_n) is the
last step's; ``hidden=None`` (MLX's own no-state branch) where torch's ``hx`` is None. Gradients
are ``mlx.core.vjp`` of that computation with respect to x, the state and the canonical
parameters (mapped through the linear map above), bridged to torch's autograd. float32 and
float64 (MLX's CPU backend has float64; arrays are made with an explicit dtype, since
``mx.array`` of a float64 numpy array is float32 by default).

Claimed: batch_first (MLX is batch-major: time-major input is transposed here), no_bias,
initial_state, unbatched (made a batch of one here; MLX's own (L, D) path is the same code),
float64, grad, parameters. Not claimed, because MLX has no such option: multilayer,
bidirectional, packed / variable lengths, dropout, projections; cells (MLX has none: each layer
steps a Python loop over its own sequence). Not covered: ``mx.compile`` of the layer, the GPU
(Metal) backend.

Found (mlx 0.32.4, CPU): ``mx.sigmoid`` on float64 arrays is accurate only to float32 precision
(~1e-8 off ``1/(1+exp(-x))`` in float64), while ``mx.tanh``, ``mx.addmm`` and ``@`` are float64
(~1e-16), so float64 LSTM and GRU results carry float32-sized errors and fail
``matches_reference`` in float64; the RNNs (tanh / relu, no sigmoid) are float64 throughout
(``tests/findings/confirm_mlx_float64_sigmoid_is_float32_accurate.py``).
"""

from __future__ import annotations

import functools

import mlx.core as mx
import mlx.nn as nn
import numpy as np
import torch

from rnnspec.spec import cell_kind
from rnnspec.targets.adapters import module_getattr
from rnnspec.targets.base import Declaration, Target
from rnnspec.targets.calling import call_as_torch_layer

__all__ = ["MlxLayer", "mlx_parameters", "TARGETS"]

_MODULE = "rnnspec.targets.adapters.mlx"

_DTYPES = {torch.float32: mx.float32, torch.float64: mx.float64}
_CLASSES = {"rnn_tanh": nn.RNN, "rnn_relu": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
_CAPABILITIES = frozenset({"batch_first", "no_bias", "initial_state", "unbatched", "float64", "grad", "parameters"})


def _to_mx(t: torch.Tensor) -> mx.array:
    return mx.array(t.detach().cpu().numpy(), dtype=_DTYPES[t.dtype])


def _to_torch(a: mx.array) -> torch.Tensor:
    return torch.from_numpy(np.array(a))


def mlx_parameters(cell: str, p: dict) -> dict:
    """The MLX layer's parameters (its attribute names) from the canonical ``p`` of one layer
    (``weight_ih``, ``weight_hh``[, ``bias_ih``, ``bias_hh``], torch's shapes and gate order)."""
    w_ih, w_hh = p["weight_ih"], p["weight_hh"]
    bias = "bias_ih" in p
    if cell in ("rnn_tanh", "rnn_relu"):
        return {"Wxh": w_ih, "Whh": w_hh, **({"bias": p["bias_ih"] + p["bias_hh"]} if bias else {})}
    if cell == "lstm":
        return {"Wx": w_ih, "Wh": w_hh, **({"bias": p["bias_ih"] + p["bias_hh"]} if bias else {})}
    out = {"Wx": w_ih, "Wh": w_hh}
    if bias:  # GRU: b_hr, b_hz fold into b; b_hn stays inside the reset product
        H = w_hh.shape[1]
        b_hh = p["bias_hh"]
        out["b"] = p["bias_ih"] + mx.concatenate([b_hh[:2 * H], mx.zeros((H,), b_hh.dtype)])
        out["bhn"] = b_hh[2 * H:]
    return out


@functools.lru_cache(maxsize=64)
def _template(cell: str, input_size: int, hidden_size: int, bias: bool):
    """An MLX layer of the right kind and sizes; its parameters are replaced on every call."""
    extra = {"nonlinearity": nn.relu} if cell == "rnn_relu" else {}
    return _CLASSES[cell](input_size, hidden_size, bias=bias, **extra)


def _forward_fn(config, names: tuple[str, ...], n_state: int):
    """``fn(x, *state, *params) -> [output, h_n(, c_n)]`` in MLX, x (B, T, I), state (1, B, H) each."""
    cell = config.cell
    layer = _template(cell, config.input_size, config.hidden_size, config.bias)

    def fn(x, *rest):
        state, params = rest[:n_state], dict(zip((n.removesuffix("_l0") for n in names), rest[n_state:]))
        layer.update(mlx_parameters(cell, params))
        hidden = state[0][0] if state else None
        if cell == "lstm":
            hs, cs = layer(x, hidden, state[1][0] if state else None)
            return [hs, hs[:, -1][None], cs[:, -1][None]]
        hs = layer(x, hidden)
        return [hs, hs[:, -1][None]]

    return fn


class _Mlx(torch.autograd.Function):
    """An MLX function as a torch autograd node; its backward is ``mlx.core.vjp``."""

    @staticmethod
    def forward(ctx, fn, *tensors):
        ctx.fn, ctx.arrays = fn, [_to_mx(t) for t in tensors]
        return tuple(_to_torch(o) for o in fn(*ctx.arrays))

    @staticmethod
    def backward(ctx, *grads):
        _, cotangents = mx.vjp(ctx.fn, ctx.arrays, [_to_mx(g.contiguous()) for g in grads])
        return (None, *(_to_torch(c) for c in cotangents))


def _mlx_call(fn, *tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
        return _Mlx.apply(fn, *tensors)
    return tuple(_to_torch(o) for o in fn(*(_to_mx(t) for t in tensors)))


class _MlxLayerModule:
    """Called as torch.nn.LSTM is; holds the canonical parameters as torch leaves."""

    def __init__(self, config, params):
        self.config = config
        self.params = {name: p.detach().clone().requires_grad_(True) for name, p in params.items()}

    def named_parameters(self):
        """(torch's name, tensor) of each canonical parameter: the leaves gradients are read from."""
        return iter(self.params.items())

    def __call__(self, input, hx=None):
        def run(x, state, lengths):
            fn = _forward_fn(self.config, tuple(self.params), 0 if state is None else len(state))
            output, *finals = _mlx_call(fn, x, *(state or ()), *self.params.values())
            return output, tuple(finals)

        return call_as_torch_layer(run, input, hx, batch_first=self.config.batch_first)


_API = {"rnn_tanh": "mlx.nn.RNN(input_size, hidden_size, bias)",
        "rnn_relu": "mlx.nn.RNN(input_size, hidden_size, bias, nonlinearity=mlx.nn.relu)",
        "lstm": "mlx.nn.LSTM(input_size, hidden_size, bias)", "gru": "mlx.nn.GRU(input_size, hidden_size, bias)"}
_NOTES = {"lstm": "mx.sigmoid in float64 is accurate to float32 precision only (mlx 0.32.4, CPU), so float64 "
                  "results carry ~1e-8 errors",
          "gru": "mx.sigmoid in float64 is accurate to float32 precision only (mlx 0.32.4, CPU), so float64 "
                 "results carry ~1e-8 errors"}


class MlxLayer(Target):
    """``mlx.nn.RNN`` / ``LSTM`` / ``GRU`` (one unidirectional layer), eager, on MLX's CPU backend."""

    def __init__(self, *, name: str, cell: str):
        super().__init__(Declaration(name=name, subject="layer", cells=(cell,), capabilities=_CAPABILITIES,
                                     notes=_NOTES.get(cell, ""), like=cell_kind(cell).torch_layer, api=_API[cell]))

    def build(self, config, params, *, dtype, training=False):
        return _MlxLayerModule(config, params)


_NAMES = {"rnn_tanh": "RNN", "rnn_relu": "RNNReLU", "lstm": "LSTM", "gru": "GRU"}
TARGETS: dict[str, Target] = {name: MlxLayer(name=f"{_MODULE}:{name}", cell=cell) for cell, name in _NAMES.items()}
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: mlx.LSTM, ...
