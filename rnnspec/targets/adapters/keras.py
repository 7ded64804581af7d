"""Keras 3 recurrent layers and cells as rnnspec targets (any installed Keras backend; torch is
used when none is chosen). ``pip install rnnspec[keras]``.

Weight mapping from the canonical (torch) layout, per layer:
    kernel           = W_ih^T, (I, G*H);  recurrent_kernel = W_hh^T, (H, G*H)
    LSTM             gate order i, f, c, o = torch's i, f, g, o; bias = b_ih + b_hh;
                     unit_forget_bias=False (Keras' default adds 1 to the forget bias at init only)
    GRU              gate order z, r, h in Keras against torch's r, z, n: blocks reordered.
      reset_after=True  (cuDNN form, rnnspec "gru"):  bias (2, 3H) = [b_ih, b_hh], each reordered
      reset_after=False (rnnspec "gru_reset_before"): one bias (3H,) = b_ih + b_hh, reordered (both
                        biases sit outside the reset gate in that form, so folding them is exact)
    SimpleRNN        bias = b_ih + b_hh; activation tanh or relu
Keras layers are batch-major and single-layer; the adapter transposes for batch_first=False,
turns a PackedSequence into a mask (outputs past a row's length are zeroed, as torch pads them),
and gives unbatched input a batch axis. Stacks, bidirectional layers and projections are not
Keras RNN options, so those properties are skipped.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from rnnspec.targets.adapters import module_getattr  # noqa: E402
from rnnspec.targets.base import Declaration, Target  # noqa: E402
from rnnspec.targets.calling import call_as_torch_cell, call_as_torch_layer, length_mask  # noqa: E402

import keras  # noqa: E402  (after KERAS_BACKEND)

__all__ = ["KerasTarget", "keras_weights", "TARGETS", "LSTM", "GRU", "GRUResetBefore", "SimpleRNN", "SimpleRNNReLU",
           "LSTMCell", "GRUCell", "GRUResetBeforeCell", "SimpleRNNCell"]

_MODULE = "rnnspec.targets.adapters.keras"

# float64 is claimed because Keras offers dtype="float64" layers, but Keras 3 does not compute them
# in float64 on its torch and JAX backends: keras.src.backend.common.dtypes.result_type maps float64
# to float32 (BIT64_TO_BIT32_DTYPE, "to be aligned with JAX's default behavior"; TensorFlow
# excepted), so ops.matmul of two float64 tensors runs in float32 and is cast back (torch backend),
# or the result stays float32 (JAX backend without x64). The float64 properties report it; verify
# a Keras model in float32 with --dtype float32.
_NOTES = ("Keras 3 computes dtype='float64' layers in float32 on its torch and JAX backends "
          "(keras.src.backend.common.dtypes.result_type maps float64 to float32), so float64 cases differ "
          "from the float64 reference by float32 rounding")
_LAYER_CAPABILITIES = frozenset({"batch_first", "no_bias", "initial_state", "unbatched", "packed", "float64"})
_CELL_CAPABILITIES = frozenset({"no_bias", "initial_state", "unbatched", "float64"})


def _torch(a) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a))


def _np(t) -> np.ndarray:
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def _gru_order(a: np.ndarray, axis: int = 0) -> np.ndarray:
    """torch's r, z, n blocks -> Keras' z, r, h."""
    r, z, n = np.split(a, 3, axis=axis)
    return np.concatenate([z, r, n], axis=axis)


def keras_weights(cell: str, params: dict, *, tail: str = "") -> list[np.ndarray]:
    """Canonical parameters (numpy) -> the weight list of the Keras layer or cell."""
    w_ih, w_hh = _np(params["weight_ih" + tail]), _np(params["weight_hh" + tail])
    b_ih = params.get("bias_ih" + tail)
    b_ih, b_hh = (None, None) if b_ih is None else (_np(b_ih), _np(params["bias_hh" + tail]))
    if cell.startswith("gru"):
        w_ih, w_hh = _gru_order(w_ih), _gru_order(w_hh)
        b_ih, b_hh = (None, None) if b_ih is None else (_gru_order(b_ih), _gru_order(b_hh))
    weights = [w_ih.T.copy(), w_hh.T.copy()]
    if b_ih is not None:
        weights.append(np.stack([b_ih, b_hh]) if cell == "gru" else b_ih + b_hh)
    return weights


def _keras_cell_kwargs(cell: str, hidden: int, bias: bool, dtype: str) -> tuple[type, dict]:
    common = dict(units=hidden, use_bias=bias, dtype=dtype)
    if cell == "lstm":
        return keras.layers.LSTMCell, dict(common, unit_forget_bias=False, recurrent_activation="sigmoid")
    if cell in ("gru", "gru_reset_before"):
        return keras.layers.GRUCell, dict(common, reset_after=cell == "gru", recurrent_activation="sigmoid")
    return keras.layers.SimpleRNNCell, dict(common, activation=cell.removeprefix("rnn_"))


class _KerasLayerModule:
    """Called as torch.nn.LSTM is: (input, hx) -> (output, h_n or (h_n, c_n)), torch tensors."""

    def __init__(self, config, params, dtype):
        self.config, self.dtype = config, str(dtype).replace("torch.", "")
        cls, kwargs = _keras_cell_kwargs(config.cell, config.hidden_size, config.bias, self.dtype)
        self.layer = keras.layers.RNN(cls(**kwargs), return_sequences=True, return_state=True, dtype=self.dtype)
        self.layer.build((None, None, config.input_size))
        self.layer.set_weights(keras_weights(config.cell, params, tail="_l0"))

    def __call__(self, input, hx=None):
        return call_as_torch_layer(self._run, input, hx, batch_first=self.config.batch_first)

    def _run(self, x, state, lengths):
        x = _np(x)
        states = None if state is None else [_np(s)[0] for s in state]
        mask = None if lengths is None else length_mask(lengths, x.shape[1])
        result = self.layer(x, initial_state=states, mask=mask)
        out, finals = keras.ops.convert_to_numpy(result[0]), [keras.ops.convert_to_numpy(s) for s in result[1:]]
        if mask is not None:
            out = out * mask[..., None]
        return _torch(out), tuple(_torch(f[None]) for f in finals)


class _KerasCellModule:
    """Called as torch.nn.LSTMCell is: (input, hx) -> h' or (h', c'), torch tensors."""

    def __init__(self, config, params, dtype):
        cls, kwargs = _keras_cell_kwargs(config.cell, config.hidden_size, config.bias, str(dtype).replace("torch.", ""))
        self.cell, self.has_c = cls(**kwargs), config.cell == "lstm"
        self.cell.build((None, config.input_size))
        self.cell.set_weights(keras_weights(config.cell, params))
        self.hidden = config.hidden_size

    def __call__(self, input, hx=None):
        return call_as_torch_cell(self._run, input, hx)

    def _run(self, x, state):
        x = _np(x)
        if state is None:
            zeros = np.zeros((x.shape[0], self.hidden), x.dtype)
            state = [zeros, zeros] if self.has_c else [zeros]
        _, new = self.cell(x, [_np(s) for s in state])
        return tuple(_torch(keras.ops.convert_to_numpy(s)) for s in new)


class KerasTarget(Target):
    """A Keras ``RNN`` layer of one cell (subject "layer"), or the cell alone (subject "cell")."""

    def __init__(self, *, name: str, subject: str, cell: str):
        capabilities = _LAYER_CAPABILITIES if subject == "layer" else _CELL_CAPABILITIES
        super().__init__(Declaration(name=name, subject=subject, cells=(cell,), capabilities=capabilities,
                                     notes=_NOTES))

    def build(self, config, params, *, dtype, training=False):
        return (_KerasLayerModule if self.subject == "layer" else _KerasCellModule)(config, params, dtype)


# name -> (subject, cell kind)
_SHIPPED: dict[str, tuple[str, str]] = {
    "LSTM": ("layer", "lstm"),
    "GRU": ("layer", "gru"),
    "GRUResetBefore": ("layer", "gru_reset_before"),
    "SimpleRNN": ("layer", "rnn_tanh"),
    "SimpleRNNReLU": ("layer", "rnn_relu"),
    "LSTMCell": ("cell", "lstm"),
    "GRUCell": ("cell", "gru"),
    "GRUResetBeforeCell": ("cell", "gru_reset_before"),
    "SimpleRNNCell": ("cell", "rnn_tanh"),
}
TARGETS: dict[str, Target] = {name: KerasTarget(name=f"{_MODULE}:{name}", subject=subject, cell=cell)
                              for name, (subject, cell) in _SHIPPED.items()}
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: keras.LSTM, ...
