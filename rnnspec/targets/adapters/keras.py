"""Keras 3 recurrent layers and cells as rnnspec targets, each path a Keras user can call as a
target of its own (any installed Keras backend; torch is used when none is chosen; on the JAX
backend float64 targets are built and called in JAX's x64 mode, without which JAX has no float64,
and float32 ones in JAX's default, x64 off). ``pip install rnnspec[keras]``.

The targets, as a Keras user writes them (``units=H``, ``return_sequences=True, return_state=True``,
``dtype`` float32 or float64, ``use_bias`` as the case; LSTM ``unit_forget_bias=False``):
    LSTM               keras.layers.LSTM(H)(x, initial_state=[h0, c0])             no mask
    LSTMMasked         keras.layers.LSTM(H)(x, mask=m, initial_state=[h0, c0])     always a mask
    GRU                keras.layers.GRU(H, reset_after=True)(x, initial_state=h0)  no mask
    GRUMasked          keras.layers.GRU(H, reset_after=True)(x, mask=m, ...)       always a mask
    GRUResetBefore     keras.layers.GRU(H, reset_after=False)(x, [mask=m], ...)
    SimpleRNN          keras.layers.SimpleRNN(H)(x, [mask=m], ...);  SimpleRNNReLU: activation="relu"
    RNNLSTMCell        keras.layers.RNN(keras.layers.LSTMCell(H))(x, [mask=m], ...)
    RNNGRUCell, RNNGRUResetBeforeCell, RNNSimpleRNNCell, RNNSimpleRNNReLUCell: the same around
                       GRUCell(reset_after=True / False) and SimpleRNNCell(activation tanh / relu)
    LSTMCell, GRUCell, GRUResetBeforeCell, SimpleRNNCell: the cell alone, cell(x, states)
``[mask=m]``: a mask only for a PackedSequence (its lengths); ``always a mask``: the lengths' mask, or
all True when there are none (a mask is how Keras takes variable lengths, and it changes the path).

Which code each runs (Keras 3.15.1, read in keras/src/layers/rnn/{lstm,gru,simple_rnn,rnn}.py and
keras/src/backend/{torch,jax}/rnn.py; CPU):
  - ``keras.layers.LSTM`` and ``keras.layers.GRU`` first try ``backend.lstm`` / ``backend.gru``
    (``LSTM.inner_loop``, ``GRU.inner_loop``) and fall back to the generic loop on
    NotImplementedError. Any mask and ``reset_after=False`` (GRU) raise it on both backends
    (``recurrent_dropout > 0`` skips the attempt). Otherwise:
      torch backend: ``keras.src.backend.torch.rnn.lstm`` / ``gru`` run ``_fallback_lstm`` /
        ``_fallback_gru``, a python loop of ``torch.matmul`` in the kernel's dtype (any activation,
        with or without bias, initial state given or not); on CUDA with tanh/sigmoid, bias and no
        unroll they run ``torch._VF.lstm`` / ``gru`` (cuDNN) instead: not checked here (CPU only).
      JAX backend: ``lstm`` raises NotImplementedError without a GPU (its only kernel is
        ``jax.experimental.rnn.lstm``, cuDNN), so LSTM is the generic loop on CPU; ``gru``
        (reset_after=True, no mask, no unroll) is a ``lax.scan`` of ``jnp.matmul`` with the cell's
        activations.
  - Everything else (``keras.layers.SimpleRNN``, which has no backend kernel; GRU reset_after=False;
    any masked call; ``keras.layers.RNN(cell)``) is the generic loop: ``RNN.inner_loop`` ->
    ``backend.rnn`` (a python loop on torch, ``lax.scan`` on JAX; a mask holds the state and the
    output through masked steps) calling ``cell.call`` per step, which computes with
    ``keras.ops.matmul``. The cells alone run the same ``cell.call``.
  - float64: ``keras.src.backend.common.dtypes.result_type`` maps float64 to float32 on every backend
    but TensorFlow (BIT64_TO_BIT32_DTYPE, "aligned with JAX's default"). On the torch backend
    ``keras.ops.matmul`` takes its dtype from it, so every path through ``cell.call`` computes
    dtype='float64' in float32 (``RNN.call`` casts the results back to float64), while
    ``_fallback_lstm`` / ``_fallback_gru`` (torch.matmul) stay float64. On the JAX backend
    ``keras.ops.matmul`` is ``jnp.matmul`` (float64), but ``keras.ops.tanh`` (``keras.activations.tanh``,
    every cell's default activation) casts to ``result_type(x.dtype, float)``, float32: every path with
    a tanh carries float32 rounding, the fused ``gru`` included; SimpleRNNCell's state then comes
    out float32, which the generic loop's ``lax.scan`` refuses as a float64 carry (TypeError) when
    there is no mask (with one, ``backend.rnn``'s masked select promotes it back to float64);
    relu SimpleRNNs are float64 throughout. Each target's ``notes`` says which of these it takes on
    the backend it was imported with; tests/findings/ confirms each without rnnspec.
Not covered: ``keras.layers.Bidirectional`` (on CPU two layers, one ``go_backwards``; its fused
``bidirectional_lstm`` kernel is cuDNN only), stacks (``keras.layers.RNN([cell, cell])``,
``StackedRNNCells``), ``unroll=True``, ``go_backwards``, ``stateful``, dropout, gradients.
TensorFlow backend (Keras 3.15.1 on tensorflow-cpu 2.21.0, read in keras/src/backend/tensorflow/rnn.py):
``lstm`` / ``gru`` raise NotImplementedError without a GPU (cuDNN only), so every target runs the
generic loop (``backend.rnn``, a ``tf.while_loop`` over ``cell.call``), or the cell alone; float64
is float64 throughout (``result_type`` maps float64 to float32 on every backend but TensorFlow);
TensorFlow's CPU kernels flush subnormals to zero, so the LSTMs lose a subnormal cell state
(tests/findings/confirm_tensorflow_flushes_subnormal_cell_state.py).

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
turns a PackedSequence into a mask (outputs past a row's length are zeroed, as torch pads them;
Keras repeats the last output there), and gives unbatched input a batch axis. Stacks,
bidirectional layers and projections are not claimed, so those properties are skipped; so are
PackedSequence cases for ``LSTM`` and ``GRU``, whose masked call is the ``*Masked`` target.
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from rnnspec.targets.adapters import environment_for_import, module_getattr
from rnnspec.targets.base import Declaration, Target
from rnnspec.targets.calling import call_as_torch_cell, call_as_torch_layer, length_mask

with environment_for_import(KERAS_BACKEND="torch"):  # Keras picks its backend once, when imported
    import keras

BACKEND = keras.backend.backend()


__all__ = ["KerasTarget", "keras_weights", "TARGETS", "BACKEND", "LSTM", "LSTMMasked", "GRU", "GRUMasked",
           "GRUResetBefore", "SimpleRNN", "SimpleRNNReLU", "RNNLSTMCell", "RNNGRUCell", "RNNGRUResetBeforeCell",
           "RNNSimpleRNNCell", "RNNSimpleRNNReLUCell", "LSTMCell", "GRUCell", "GRUResetBeforeCell", "SimpleRNNCell"]

_MODULE = "rnnspec.targets.adapters.keras"

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


# the dedicated layer of each cell class (it takes the cell's arguments and builds that cell)
_DEDICATED = {"LSTMCell": "LSTM", "GRUCell": "GRU", "SimpleRNNCell": "SimpleRNN"}


def _keras_layer(path: str, cell: str, hidden: int, bias: bool, dtype: str):
    """The Keras layer of ``path``: "layer" (keras.layers.LSTM / GRU / SimpleRNN) or "rnn"
    (keras.layers.RNN around the cell)."""
    cls, kwargs = _keras_cell_kwargs(cell, hidden, bias, dtype)
    if path == "rnn":
        return keras.layers.RNN(cls(**kwargs), return_sequences=True, return_state=True, dtype=dtype)
    return getattr(keras.layers, _DEDICATED[cls.__name__])(**kwargs, return_sequences=True, return_state=True)


def _precision(dtype: str):
    """The context a target of ``dtype`` is built and called in. On the JAX backend: JAX's x64 mode
    for float64 (without it JAX has no float64: a float64 request is silently float32) and JAX's
    default, x64 off, for float32, as a Keras user of each dtype runs (Keras under a global x64
    mode has its own defect: tests/findings/confirm_keras_gru_float32_no_bias_raises_jax_x64.py)."""
    if BACKEND != "jax":
        return contextlib.nullcontext()
    import jax

    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(dtype == "float64")
    from jax.experimental import disable_x64, enable_x64  # older JAX

    return enable_x64() if dtype == "float64" else disable_x64()


class _KerasLayerModule:
    """Called as torch.nn.LSTM is: (input, hx) -> (output, h_n or (h_n, c_n)), torch tensors."""

    def __init__(self, config, params, dtype, *, path: str, mask: str):
        self.config, self.dtype, self.mask = config, str(dtype).replace("torch.", ""), mask
        with _precision(self.dtype):
            self.layer = _keras_layer(path, config.cell, config.hidden_size, config.bias, self.dtype)
            self.layer.build((None, None, config.input_size))
            self.layer.set_weights(keras_weights(config.cell, params, tail="_l0"))

    def __call__(self, input, hx=None):
        with _precision(self.dtype):
            return call_as_torch_layer(self._run, input, hx, batch_first=self.config.batch_first)

    def _run(self, x, state, lengths):
        x = _np(x)
        states = None if state is None else [_np(s)[0] for s in state]
        mask = None if lengths is None else length_mask(lengths, x.shape[1])
        if mask is None and self.mask == "always":
            mask = np.ones(x.shape[:2], bool)
        result = self.layer(x, initial_state=states, mask=mask)
        out, finals = keras.ops.convert_to_numpy(result[0]), [keras.ops.convert_to_numpy(s) for s in result[1:]]
        if lengths is not None:
            out = out * mask[..., None]
        return _torch(out), tuple(_torch(f[None]) for f in finals)


class _KerasCellModule:
    """Called as torch.nn.LSTMCell is: (input, hx) -> h' or (h', c'), torch tensors."""

    def __init__(self, config, params, dtype):
        self.dtype = str(dtype).replace("torch.", "")
        cls, kwargs = _keras_cell_kwargs(config.cell, config.hidden_size, config.bias, self.dtype)
        with _precision(self.dtype):
            self.cell, self.has_c = cls(**kwargs), config.cell == "lstm"
            self.cell.build((None, config.input_size))
            self.cell.set_weights(keras_weights(config.cell, params))
        self.hidden = config.hidden_size

    def __call__(self, input, hx=None):
        with _precision(self.dtype):
            return call_as_torch_cell(self._run, input, hx)

    def _run(self, x, state):
        x = _np(x)
        if state is None:
            zeros = np.zeros((x.shape[0], self.hidden), x.dtype)
            state = [zeros, zeros] if self.has_c else [zeros]
        _, new = self.cell(x, [_np(s) for s in state])
        return tuple(_torch(keras.ops.convert_to_numpy(s)) for s in new)


# --- what each target is and what it runs, per backend (the notes quote it) ---------------------

_VERSION = f"Keras {keras.__version__}, {BACKEND} backend" + (" (float64 in JAX's x64 mode)" * (BACKEND == "jax"))
_RESULT_TYPE = ("takes its dtype from keras.src.backend.common.dtypes.result_type, which maps float64 to float32, so "
                "dtype='float64' results carry float32 rounding")


def _runs(runs: str, kind: str, cell_class: str) -> str | None:
    """What a target of ``runs`` ("fused", "generic" or "cell") computing ``kind`` runs on this
    backend, and what that does to float64 (read in Keras' source; tests/findings/ confirms it)."""
    op = "lstm" if kind == "lstm" else "gru"
    where = f"the generic loop (keras.layers.RNN.inner_loop -> backend.rnn) over {cell_class}.call"
    if runs == "cell":
        where = f"{cell_class}.call"
    if BACKEND == "torch":
        if runs == "fused":
            return (f"keras.src.backend.torch.rnn.{op} -> _fallback_{op} on CPU (torch.matmul in the kernel's dtype: "
                    f"float64 throughout; cuDNN torch._VF.{op} on CUDA, not checked)")
        return f"{where}, whose keras.ops.matmul {_RESULT_TYPE}"
    if BACKEND == "jax":
        if kind == "rnn_relu":
            float64 = "in float64 throughout (jnp.matmul, jnp.add, jax.nn.relu)"
        else:
            float64 = f"whose keras.ops.tanh {_RESULT_TYPE} (keras.ops.matmul is jnp.matmul: float64)"
            if cell_class == "SimpleRNNCell":
                float64 += (": its state comes out float32" + ("" if runs == "cell" else
                            ", which lax.scan refuses as the float64 carry without a mask (TypeError); with a "
                            "mask, the masked select promotes it back to float64"))
        if runs == "fused" and op == "gru":
            return f"keras.src.backend.jax.rnn.gru (a lax.scan of jnp.matmul and the cell's activations), {float64}"
        if runs == "fused":
            where = ("keras.src.backend.jax.rnn.lstm, which raises NotImplementedError without a GPU (its kernel is "
                     f"cuDNN's), so {where}")
        return f"{where}{' (lax.scan)' if runs != 'cell' else ''}, {float64}"
    if BACKEND == "tensorflow":
        if runs == "fused":
            where = (f"keras.src.backend.tensorflow.rnn.{op}, which raises NotImplementedError without a GPU (its "
                     f"kernel is cuDNN's), so {where}")
        return (f"{where}{' (tf.while_loop)' if runs != 'cell' else ''}, in float64 throughout for dtype='float64' "
                "(result_type keeps float64 on TensorFlow); TensorFlow's CPU kernels flush subnormals to zero "
                "(tests/findings/confirm_tensorflow_flushes_subnormal_cell_state.py)")
    return None


def _notes(api: str, runs: str, kind: str, cell_class: str) -> str:
    """The target's notes: the call, the version and backend, what it runs and what that does to float64."""
    what = _runs(runs, kind, cell_class)
    return f"{api}; {_VERSION}: " + (f"runs {what}" if what else "its path on this backend has not been read")


class KerasTarget(Target):
    """A Keras layer (subject "layer"): a dedicated one (``keras.layers.LSTM``, ...) or the generic
    ``keras.layers.RNN`` around a cell, called with a mask never, only for variable lengths, or
    always; or a cell alone (subject "cell").

    Args:
        name: the target's name, ``module:NAME``.
        subject: ``"layer"`` or ``"cell"``.
        cell: the cell kind (a key of rnnspec.spec.CELLS).
        path: ``"layer"`` (the dedicated layer), ``"rnn"`` (keras.layers.RNN(cell)) or ``"cell"``.
        mask: for a layer, when it is given a mask: ``"lengths"`` (for a PackedSequence only),
            ``"never"`` (PackedSequence not claimed) or ``"always"``.
        api: the call as a Keras user writes it.
        runs: which code that call runs on the backend (``"fused"``: the backend's LSTM / GRU kernel
            is tried first; ``"generic"``: the generic loop; ``"cell"``: the cell alone).
    """

    def __init__(self, *, name: str, subject: str, cell: str, path: str, mask: str, api: str, runs: str):
        capabilities = _LAYER_CAPABILITIES if subject == "layer" else _CELL_CAPABILITIES
        if mask == "never":
            capabilities = capabilities - {"packed"}
        cell_class = _keras_cell_kwargs(cell, 1, True, "float32")[0].__name__
        super().__init__(Declaration(name=name, subject=subject, cells=(cell,), capabilities=capabilities,
                                     notes=_notes(api, runs, cell, cell_class), api=api))
        self.path, self.mask = path, mask

    def build(self, config, params, *, dtype, training=False):
        if self.subject == "cell":
            return _KerasCellModule(config, params, dtype)
        return _KerasLayerModule(config, params, dtype, path=self.path, mask=self.mask)


_L = "keras.layers."
# name -> (subject, cell kind, path, mask, what runs, the call as a Keras user writes it)
_SHIPPED: dict[str, tuple[str, str, str, str, str, str]] = {
    "LSTM": ("layer", "lstm", "layer", "never", "fused", f"{_L}LSTM(units)(x, initial_state=[h, c]), no mask"),
    "LSTMMasked": ("layer", "lstm", "layer", "always", "generic", f"{_L}LSTM(units)(x, mask=mask, initial_state=[h, c])"),
    "GRU": ("layer", "gru", "layer", "never", "fused", f"{_L}GRU(units, reset_after=True)(x, initial_state=h), no mask"),
    "GRUMasked": ("layer", "gru", "layer", "always", "generic",
                  f"{_L}GRU(units, reset_after=True)(x, mask=mask, initial_state=h)"),
    "GRUResetBefore": ("layer", "gru_reset_before", "layer", "lengths", "generic",
                       f"{_L}GRU(units, reset_after=False)(x[, mask=mask], initial_state=h)"),
    "SimpleRNN": ("layer", "rnn_tanh", "layer", "lengths", "generic", f"{_L}SimpleRNN(units)(x[, mask=mask], initial_state=h)"),
    "SimpleRNNReLU": ("layer", "rnn_relu", "layer", "lengths", "generic",
                      f"{_L}SimpleRNN(units, activation='relu')(x[, mask=mask], initial_state=h)"),
    "RNNLSTMCell": ("layer", "lstm", "rnn", "lengths", "generic", f"{_L}RNN({_L}LSTMCell(units))(x[, mask=mask], ...)"),
    "RNNGRUCell": ("layer", "gru", "rnn", "lengths", "generic",
                   f"{_L}RNN({_L}GRUCell(units, reset_after=True))(x[, mask=mask], ...)"),
    "RNNGRUResetBeforeCell": ("layer", "gru_reset_before", "rnn", "lengths", "generic",
                              f"{_L}RNN({_L}GRUCell(units, reset_after=False))(x[, mask=mask], ...)"),
    "RNNSimpleRNNCell": ("layer", "rnn_tanh", "rnn", "lengths", "generic",
                         f"{_L}RNN({_L}SimpleRNNCell(units))(x[, mask=mask], ...)"),
    "RNNSimpleRNNReLUCell": ("layer", "rnn_relu", "rnn", "lengths", "generic",
                             f"{_L}RNN({_L}SimpleRNNCell(units, activation='relu'))(x[, mask=mask], ...)"),
    "LSTMCell": ("cell", "lstm", "cell", "never", "cell", f"{_L}LSTMCell(units)(x, [h, c])"),
    "GRUCell": ("cell", "gru", "cell", "never", "cell", f"{_L}GRUCell(units, reset_after=True)(x, h)"),
    "GRUResetBeforeCell": ("cell", "gru_reset_before", "cell", "never", "cell",
                           f"{_L}GRUCell(units, reset_after=False)(x, h)"),
    "SimpleRNNCell": ("cell", "rnn_tanh", "cell", "never", "cell", f"{_L}SimpleRNNCell(units)(x, h)"),
}
TARGETS: dict[str, Target] = {
    name: KerasTarget(name=f"{_MODULE}:{name}", subject=subject, cell=cell, path=path, mask=mask, api=api, runs=runs)
    for name, (subject, cell, path, mask, runs, api) in _SHIPPED.items()}
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: keras.LSTM, ...
