"""Keras 2 recurrent layers and cells as a TensorFlow 2 user meets them through ``tf-keras``
(``import tf_keras``, which is what ``tf.keras`` is under ``TF_USE_LEGACY_KERAS=1``), as rnnspec
targets, run eagerly on CPU, with gradients from ``tf.GradientTape``.
``pip install tensorflow-cpu tf-keras`` (tensorflow-cpu 2.21.0, tf-keras 2.21.0 read and run here).

The targets, as a Keras 2 user writes them (``units=H``, ``return_sequences=True, return_state=True``,
``dtype`` float32 or float64, ``use_bias`` as the case; LSTM ``unit_forget_bias=False``):
    LSTM               tf_keras.layers.LSTM(H)(x[, mask=m], initial_state=[h0, c0])
    GRU                tf_keras.layers.GRU(H, reset_after=True)(x[, mask=m], initial_state=h0)
    GRUResetBefore     tf_keras.layers.GRU(H, reset_after=False)(x[, mask=m], ...)
    SimpleRNN          tf_keras.layers.SimpleRNN(H)(x[, mask=m], ...);  SimpleRNNReLU: activation="relu"
    RNNLSTMCell, RNNGRUCell, RNNGRUResetBeforeCell, RNNSimpleRNNCell, RNNSimpleRNNReLUCell:
                       tf_keras.layers.RNN(<the cell>)(x[, mask=m], ...)
    a bidirectional config of any layer target: tf_keras.layers.Bidirectional(<the layer>)(x[, mask=m],
                       initial_state=[h0_fw(, c0_fw), h0_bw(, c0_bw)])
    LSTMCell, GRUCell, GRUResetBeforeCell, SimpleRNNCell, SimpleRNNReLUCell: cell(x, states), one step
``[mask=m]``: a mask only for a PackedSequence (its lengths), which is how Keras takes variable lengths.

Which code each runs (tf-keras 2.21.0, read in tf_keras/src/layers/rnn/{lstm,gru,simple_rnn,base_rnn,
bidirectional,gru_lstm_utils}.py and tf_keras/src/backend.py; eager, CPU):
  - ``LSTM`` / ``GRU(reset_after=True)`` with the default activations, ``use_bias=True``, no
    recurrent dropout and no unroll (``_could_use_gpu_kernel``) run ``standard_lstm`` /
    ``standard_gru`` in eager mode without a GPU: ``backend.rnn`` (a ``tf.while_loop``) over a
    fused step of ``backend.dot`` on the layer's kernels, with or without a mask (the cuDNN
    ``gpu_lstm`` / ``gpu_gru`` needs a GPU: not checked). ``use_bias=False`` (and
    ``reset_after=False`` for GRU) runs the generic loop: ``RNN.call`` -> ``backend.rnn`` over
    ``cell.call`` (implementation=2: one matmul per kernel). ``SimpleRNN`` and ``RNN(cell)`` are
    always the generic loop, the cells alone ``cell.call``.
  - A mask holds the state through masked steps; the output there repeats the last one
    (``zero_output_for_mask=False``) except under ``Bidirectional``, which sets it True; the
    adapter zeroes outputs past a row's length either way (torch pads with zeros).
  - ``Bidirectional`` (merge_mode "concat") runs a copy of the layer with ``go_backwards=True``
    and reverses its output sequence back; with a mask, the backward copy reverses the mask too,
    so right-padded rows start their reverse direction at their last real step.
  - float64: TensorFlow computes in the layer's dtype (``backend.dot`` is ``tf.matmul``), so a
    ``dtype="float64"`` layer is float64 throughout on every path (unlike Keras 3 on torch and JAX).
  - Subnormals: TensorFlow's CPU kernels run with denormals flushed to zero, so a subnormal cell
    state (or any subnormal intermediate) becomes 0: the LSTM targets fail
    ``lstm_saturated_gates_keep_memory`` in the magnitude tier's subnormal regime, and the ReLU
    SimpleRNNs ``grads_match_reference`` (relu's gradient at a subnormal positive pre-activation is
    0), as Flax's do on JAX (tests/findings/confirm_tensorflow_flushes_subnormal_cell_state.py).
    Reported, not mapped: nothing can be mapped.

Weight mapping from the canonical (torch) layout, per direction (``keras_weights``; the same as
Keras 3, ``rnnspec.targets.adapters.keras``):
    kernel           = W_ih^T, (I, G*H);  recurrent_kernel = W_hh^T, (H, G*H)
    LSTM             gate order i, f, c, o = torch's i, f, g, o; bias = b_ih + b_hh
                     (unit_forget_bias=False: Keras' default adds 1 to the forget bias at init only)
    GRU              Keras' z, r, h against torch's r, z, n: blocks reordered.
      reset_after=True  (torch's form, cuDNN's; rnnspec "gru"): bias (2, 3H) = [b_ih, b_hh], each reordered
      reset_after=False (the lecture's form, "gru_reset_before"): bias (3H,) = b_ih + b_hh, reordered
    SimpleRNN        bias = b_ih + b_hh; activation tanh or relu
    Bidirectional    the forward layer's weights, then the backward layer's (``*_reverse``).
The map is done in torch on the canonical leaves, and the mapped values are assigned to the
layer's ``tf.Variable``s before each call (rnnspec.targets.adapters._tf): gradients are the
tape's with respect to those variables (a Keras training step's), mapped back by torch's autograd.

Claimed: batch_first (the layers are batch-major; time-major input is transposed), no_bias,
initial_state, unbatched (a batch axis added), packed (a mask from the lengths), float64, grad,
parameters (the canonical leaves), bidirectional (``Bidirectional``) for the layers, and the
opt-in zero_length (a row whose mask is all False keeps its initial state: ``backend.rnn`` holds
the state through masked steps). Not claimed:
stacks (a user stacks layers; ``RNN([cells])``'s StackedRNNCells is not covered), projections
(Keras has none), dropout, ``unroll=True``, ``time_major=True``, ``stateful``, ``tf.function``,
the cuDNN paths. Every mapping is exact; the one difference from torch found is the subnormal
flush above (a property of TensorFlow on CPU, not of the mapping).
"""

from __future__ import annotations

import torch

from rnnspec.targets.adapters import environment_for_import, module_getattr
from rnnspec.targets.adapters._tf import Built, tf_call, zero_state
from rnnspec.targets.base import Declaration, Target
from rnnspec.targets.calling import call_as_torch_cell, call_as_torch_layer, length_mask

import tensorflow as tf  # noqa: E402  (after _tf, which quiets its logging)

with environment_for_import(TF_USE_LEGACY_KERAS="1"):  # tf.keras is tf-keras while tf-keras loads
    import tf_keras  # noqa: E402

__all__ = ["TfKerasTarget", "keras_weights", "TARGETS"]

_MODULE = "rnnspec.targets.adapters.tf_keras"
VERSION = f"tf-keras {tf_keras.__version__}, TensorFlow {tf.__version__}"

_LAYER_CAPABILITIES = frozenset({"batch_first", "no_bias", "initial_state", "unbatched", "packed", "float64",
                                 "grad", "parameters", "zero_length"})
_CELL_CAPABILITIES = frozenset({"no_bias", "initial_state", "unbatched", "float64", "grad", "parameters"})


def _gru_order(a: torch.Tensor) -> torch.Tensor:
    """torch's r, z, n blocks (axis 0) -> Keras' z, r, h."""
    r, z, n = a.chunk(3)
    return torch.cat([z, r, n])


def keras_weights(cell: str, params: dict, *, tail: str = "") -> list[torch.Tensor]:
    """Canonical parameters of one direction (torch tensors; differentiable map) -> the Keras
    cell's weights [kernel, recurrent_kernel(, bias)] in their order."""
    w_ih, w_hh = params["weight_ih" + tail], params["weight_hh" + tail]
    b_ih, b_hh = params.get("bias_ih" + tail), params.get("bias_hh" + tail)
    if cell.startswith("gru"):
        w_ih, w_hh = _gru_order(w_ih), _gru_order(w_hh)
        b_ih, b_hh = (None, None) if b_ih is None else (_gru_order(b_ih), _gru_order(b_hh))
    weights = [w_ih.T, w_hh.T]
    if b_ih is not None:
        weights.append(torch.stack([b_ih, b_hh]) if cell == "gru" else b_ih + b_hh)
    return weights


def _cell_kwargs(cell: str, hidden: int, bias: bool, dtype: str) -> tuple[type, type, dict]:
    """(cell class, its dedicated layer class, the arguments both take)."""
    common = dict(units=hidden, use_bias=bias, dtype=dtype)
    L = tf_keras.layers
    if cell == "lstm":
        return L.LSTMCell, L.LSTM, dict(common, unit_forget_bias=False)
    if cell in ("gru", "gru_reset_before"):
        return L.GRUCell, L.GRU, dict(common, reset_after=cell == "gru")
    return L.SimpleRNNCell, L.SimpleRNN, dict(common, activation=cell.removeprefix("rnn_"))


def _keras_layer(path: str, cell: str, hidden: int, bias: bool, dtype: str, *, bidirectional: bool):
    """The layer of ``path``: "layer" (the dedicated layer) or "rnn" (RNN(cell)), wrapped in
    ``Bidirectional`` when ``bidirectional``."""
    cell_cls, layer_cls, kwargs = _cell_kwargs(cell, hidden, bias, dtype)
    outputs = dict(return_sequences=True, return_state=True)
    if path == "rnn":
        layer = tf_keras.layers.RNN(cell_cls(**kwargs), **outputs, dtype=dtype)
    else:
        layer = layer_cls(**kwargs, **outputs)
    return tf_keras.layers.Bidirectional(layer, dtype=dtype) if bidirectional else layer


class _LayerModule(Built):
    """Called as torch.nn.LSTM is: (input, hx) -> (output, h_n or (h_n, c_n))."""

    def __init__(self, config, params, dtype: str, *, path: str, bidirectional: bool):
        super().__init__(params)
        self.config = config
        self.layer = _keras_layer(path, config.cell, config.hidden_size, config.bias, dtype,
                                  bidirectional=bidirectional)
        self.layer.build((None, None, config.input_size))
        self.tails = ("_l0", "_l0_reverse") if bidirectional else ("_l0",)

    def __call__(self, input, hx=None, lengths=None):
        """As torch's layer; or, with ``lengths`` (a (B,) tensor, zeros allowed), ``input`` padded in
        the config's layout and the output padded (what ``zero_length`` is checked through)."""
        return call_as_torch_layer(self._run, input, hx, batch_first=self.config.batch_first, lengths=lengths)

    def _run(self, x, state, lengths):
        D, n_state = len(self.tails), 2 if self.config.cell == "lstm" else 1
        # torch's (D, B, H) per state -> Keras' [h_fw(, c_fw), h_bw(, c_bw)]
        states = [] if state is None else [s[d] for d in range(D) for s in state]
        mask = None if lengths is None else tf.constant(length_mask(lengths, x.shape[1]))
        weights = [w for tail in self.tails for w in keras_weights(self.config.cell, self.params, tail=tail)]

        def fn(x, *states):
            result = self.layer(x, initial_state=list(states) or None, mask=mask)
            return result[0], *result[1:]

        out, *finals = tf_call(fn, (x, *states), weights, variables=self.layer.weights)
        if lengths is not None:
            out = out * torch.from_numpy(length_mask(lengths, x.shape[1]))[..., None].to(out.dtype)
        return out, tuple(torch.stack([finals[d * n_state + k] for d in range(D)]) for k in range(n_state))


class _CellModule(Built):
    """Called as torch.nn.LSTMCell is: (input, hx) -> h' or (h', c'); one call is one step."""

    def __init__(self, config, params, dtype: str):
        super().__init__(params)
        cell_cls, _, kwargs = _cell_kwargs(config.cell, config.hidden_size, config.bias, dtype)
        self.config, self.cell = config, cell_cls(**kwargs)
        self.cell.build((None, config.input_size))

    def __call__(self, input, hx=None):
        return call_as_torch_cell(self._run, input, hx)

    def _run(self, x, state):
        if state is None:
            state = zero_state(self.config.cell, x, self.config.hidden_size)

        def fn(x, *states):
            _, new = self.cell(x, list(states))
            return tuple(new) if isinstance(new, (list, tuple)) else (new,)

        return tf_call(fn, (x, *state), keras_weights(self.config.cell, self.params), variables=self.cell.weights)


FTZ_NOTE = ("TensorFlow's CPU kernels flush subnormals to zero (a subnormal cell state is lost: "
            "tests/findings/confirm_tensorflow_flushes_subnormal_cell_state.py)")

_PATHS = {
    "fused": ("tf_keras.src.layers.rnn.{op}.standard_{op} (backend.rnn, a tf.while_loop over a fused step of "
              "backend.dot) with use_bias=True, the generic loop over {cls}.call without bias"),
    "generic": "the generic loop: RNN.call -> tf_keras.backend.rnn (tf.while_loop) over {cls}.call",
    "cell": "{cls}.call, one step",
}


def _notes(api: str, runs: str, cell: str) -> str:
    cls = _cell_kwargs(cell, 1, True, "float32")[0].__name__
    op = "lstm" if cell == "lstm" else "gru"
    return (f"{api}; {VERSION}, eager on CPU: runs {_PATHS[runs].format(op=op, cls=cls)}; float64 throughout; "
            f"gradients from tf.GradientTape; {FTZ_NOTE}")


class TfKerasTarget(Target):
    """A tf-keras layer (subject "layer": path "layer", the dedicated layer, or "rnn", RNN(cell);
    in ``Bidirectional`` for a bidirectional config) or a cell alone (path "cell")."""

    def __init__(self, *, name: str, cell: str, path: str, api: str, runs: str):
        subject = "cell" if path == "cell" else "layer"
        capabilities = _CELL_CAPABILITIES if subject == "cell" else _LAYER_CAPABILITIES
        if subject == "layer":
            capabilities = capabilities | {"bidirectional"}
        super().__init__(Declaration(name=name, subject=subject, cells=(cell,), capabilities=capabilities,
                                     notes=_notes(api, runs, cell), api=api))
        self.path = path

    def build(self, config, params, *, dtype, training=False):
        dtype = str(dtype).removeprefix("torch.")
        if self.subject == "cell":
            return _CellModule(config, params, dtype)
        return _LayerModule(config, params, dtype, path=self.path, bidirectional=config.bidirectional)


_L = "tf_keras.layers."
_LAYER = {"lstm": "LSTM(units)", "gru": "GRU(units, reset_after=True)", "gru_reset_before": "GRU(units, reset_after=False)",
          "rnn_tanh": "SimpleRNN(units)", "rnn_relu": "SimpleRNN(units, activation='relu')"}
_CELL = {"lstm": "LSTMCell(units)", "gru": "GRUCell(units, reset_after=True)",
         "gru_reset_before": "GRUCell(units, reset_after=False)", "rnn_tanh": "SimpleRNNCell(units)",
         "rnn_relu": "SimpleRNNCell(units, activation='relu')"}
_NAMES = {"lstm": "LSTM", "gru": "GRU", "gru_reset_before": "GRUResetBefore", "rnn_tanh": "SimpleRNN",
          "rnn_relu": "SimpleRNNReLU"}


_CELL_NAMES = {"lstm": "LSTMCell", "gru": "GRUCell", "gru_reset_before": "GRUResetBeforeCell",
               "rnn_tanh": "SimpleRNNCell", "rnn_relu": "SimpleRNNReLUCell"}
_BI = f" (bidirectional: {_L}Bidirectional(layer), initial_state=[forward's..., backward's...])"


def _shipped() -> dict[str, tuple[str, str, str, str]]:
    """name -> (cell kind, path, what runs, the call as a Keras 2 user writes it)."""
    found = {}
    for cell, name in _NAMES.items():
        runs = "fused" if cell in ("lstm", "gru") else "generic"
        found[name] = (cell, "layer", runs, f"{_L}{_LAYER[cell]}(x[, mask=mask], initial_state=...){_BI}")
    for cell, name in _CELL_NAMES.items():
        found[f"RNN{name}"] = (cell, "rnn", "generic", f"{_L}RNN({_L}{_CELL[cell]})(x[, mask=mask], ...){_BI}")
    for cell, name in _CELL_NAMES.items():
        found[name] = (cell, "cell", "cell", f"{_L}{_CELL[cell]}(x, states)")
    return found


TARGETS: dict[str, Target] = {
    name: TfKerasTarget(name=f"{_MODULE}:{name}", cell=cell, path=path, api=api, runs=runs)
    for name, (cell, path, runs, api) in _shipped().items()}
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: tf_keras.LSTM, ...
