"""ONNX's ``RNN``, ``LSTM`` and ``GRU`` operators, built from the canonical parameters by
``rnnspec.targets.adapters.onnx_ops`` (the same graphs, the same weight mapping) and run by
OpenVINO's CPU runtime, as rnnspec targets. ``pip install rnnspec[openvino]``.

Runtime: ``ov.Core().read_model(<the serialized ONNX model>, b"")`` (OpenVINO's ONNX frontend turns
each node into ``RNNSequence`` / ``LSTMSequence`` / ``GRUSequence``), then
``core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})``. Weights are
initializers (constants): the CPU plugin requires constant ``W`` / ``R`` / ``B`` ("Plug-in does
not support dynamism on weights", ``intel_cpu/src/nodes/rnn.cpp``), so a compiled model holds one
set of parameters; compiled models are cached per (config, dtype, parameters, runner, inputs
given, shape).

Weights (``onnx_ops.onnx_weights``): ``W`` = ``weight_ih``, ``R`` = ``weight_hh``, ``B`` =
``[bias_ih, bias_hh]``, directions stacked on axis 0, gate blocks reordered from torch's to ONNX's
order (LSTM torch i, f, g, o -> ONNX i, o, f, c; GRU torch r, z, n -> ONNX z, r, h); the frontend
then reorders ONNX's LSTM blocks to OpenVINO's (f, i, c, o) and sums ``Wb + Rb`` into one bias
(for GRU ``linear_before_reset=1`` it keeps ``Rb_h`` apart). GRU ``linear_before_reset=1`` is
torch.nn.GRU (``gru``), ``linear_before_reset=0`` the lecture's ``gru_reset_before``; RNN
``activations=["Tanh"]`` / ``["Relu"]``.

Found here (openvino 2026.4.1, this machine's Xeon CPU), read in OpenVINO's source
(``src/frontends/onnx/frontend/src/op/{lstm,gru,rnn}.cpp``, ``utils/recurrent.cpp``,
``src/plugins/intel_cpu/src/nodes/rnn.cpp``) and confirmed against torch with the same weights
(``tests/findings/confirm_openvino_*.py``):
  - The CPU plugin's default ``INFERENCE_PRECISION_HINT`` here is ``bf16`` (on CPUs with bf16
    instructions; f32 elsewhere): a float32 model then computes in bfloat16, ~1e-3 off torch.
    Every target here compiles with ``INFERENCE_PRECISION_HINT="f32"``, what a user who wants
    float32 results sets; with it, LSTM equals torch.nn.LSTM to 0 and RNN/GRU to ~1e-7.
  - float64: the hint takes only ``bf16``, ``f16``, ``f32`` (``"f64"`` raises), and a float64
    model computes in float32 and returns float64: ~1e-7 off torch's float64, exactly torch's
    float32 result. The targets claim ``float64`` so that ``matches_reference`` shows it (it fails
    in float64) rather than hide it.
  - ``layout`` is ignored by the ONNX frontend: ``X`` is always read as (T, B, I) and
    ``initial_h`` as (D, B, H), so a ``layout=1`` model gives wrong shapes or raises at run time.
    batch_first input is transposed to ``layout=0`` in numpy (as the ONNX Runtime targets do).
  - ``sequence_lens`` is honoured only when the model's shapes are static: with symbolic (dynamic)
    batch and time, the CPU plugin runs its fused ``RNNSeq`` node (oneDNN, which has no lengths;
    ``RNN::isSupportedOperation`` skips its sequence-length check for dynamic shapes), and every
    row runs all T steps. Reshaped to the call's static shapes, a model with ``sequence_lens``
    is decomposed into a ``TensorIterator`` that honours them as torch's PackedSequence does. The
    ``Ov*`` targets reshape to each call's shapes (one compile per shape) and claim ``packed``; the
    ``OvDynamic*`` targets compile the symbolic model once and claim ``packed`` too, which fails
    (``packed_is_each_alone``).
  - A row of ``sequence_lens`` 0 (static shapes) gets ``Y_h`` (and ``Y_c``) zeros, not its initial
    state, as in ONNX Runtime: the ``Ov*`` targets opt in to ``zero_length``, which fails.
Not claimed: gradients (an inference runtime), dropout, projections (ONNX has none),
float16/bfloat16, parameters (the weights are constants in the compiled model), cells.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np
import openvino as ov
import torch

from rnnspec.targets.adapters import module_getattr, onnx_ops
from rnnspec.targets.base import Target
from rnnspec.targets.calling import call_as_torch_layer

__all__ = ["OpenVinoLayer", "COMPILE_CONFIG", "compile_onnx", "RUNNERS", "TARGETS"]

_MODULE = "rnnspec.targets.adapters.openvino"

# what a user who wants float32 results passes: the CPU plugin's default hint may be bf16
COMPILE_CONFIG = {"INFERENCE_PRECISION_HINT": "f32"}
# runner -> whether the model is reshaped to each call's static shapes (dynamic: sequence_lens ignored)
RUNNERS = {"static": True, "dynamic": False}
_CACHE_SIZE = 256
_CORE = ov.Core()
_COMPILED: OrderedDict = OrderedDict()  # key -> compiled model, least recently used first


def compile_onnx(model_bytes: bytes, *, shapes: dict | None = None, config: dict | None = None):
    """The ONNX model ``model_bytes`` read by OpenVINO's ONNX frontend, reshaped to ``shapes``
    (input name -> static shape) where given, compiled for the CPU with ``config``
    (``COMPILE_CONFIG`` when None)."""
    model = _CORE.read_model(model_bytes, b"")
    if shapes:
        model.reshape(shapes)
    return _CORE.compile_model(model, "CPU", COMPILE_CONFIG if config is None else config)


def _np(t, dtype) -> np.ndarray:
    return (t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)).astype(dtype)


def _digest(params, dtype) -> str:
    h = hashlib.sha1()
    for name in sorted(params):
        h.update(name.encode())
        h.update(np.ascontiguousarray(_np(params[name], dtype)).tobytes())
    return h.hexdigest()


class _OpenVinoLayerModule:
    """Called as torch.nn.LSTM is: (input, hx) -> (output, h_n or (h_n, c_n)), torch tensors."""

    def __init__(self, config, params, dtype, runner: str):
        self.config, self.params, self.runner = config, params, runner
        self.dtype = np.float64 if dtype == torch.float64 else np.float32
        self.key = (config, self.dtype, _digest(params, self.dtype), runner)
        self.models = {}  # (initial_state, lengths) -> serialized ONNX model

    def __call__(self, input, hx=None, lengths=None):
        """As torch's layer; or, with ``lengths`` (a (B,) tensor, zeros allowed), ``input`` padded
        in the config's layout and the output padded (what ``zero_length`` is checked through)."""
        return call_as_torch_layer(self._run, input, hx, batch_first=self.config.batch_first, lengths=lengths)

    def _compiled(self, feed: dict):
        """The compiled model for the inputs in ``feed``: for the static runner, at their shapes."""
        initial_state, lengths = "initial_h_l0" in feed, "sequence_lens" in feed
        shapes = {k: list(v.shape) for k, v in feed.items()} if RUNNERS[self.runner] else None
        key = (*self.key, initial_state, lengths, tuple(sorted((k, tuple(v)) for k, v in (shapes or {}).items())))
        if key in _COMPILED:
            _COMPILED.move_to_end(key)
            return _COMPILED[key]
        if (initial_state, lengths) not in self.models:  # layout 0: OpenVINO's ONNX frontend ignores layout
            model = onnx_ops.onnx_layer_model(self.config, self.params, dtype=self.dtype, layout=0,
                                              initial_state=initial_state, lengths=lengths)
            self.models[(initial_state, lengths)] = model.SerializeToString()
        _COMPILED[key] = compile_onnx(self.models[(initial_state, lengths)], shapes=shapes)
        while len(_COMPILED) > _CACHE_SIZE:
            _COMPILED.popitem(last=False)
        return _COMPILED[key]

    def _run(self, x, state, lengths):
        config, D = self.config, self.config.num_directions
        feed = {"X": np.ascontiguousarray(_np(x, self.dtype).transpose(1, 0, 2))}  # (B, T, I) -> (T, B, I)
        if lengths is not None:
            feed["sequence_lens"] = np.asarray(lengths, np.int32)
        for name, s in zip(("initial_h", "initial_c"), state or ()):
            s = _np(s, self.dtype)  # (L*D, B, H)
            for layer in range(config.num_layers):
                feed[f"{name}_l{layer}"] = np.ascontiguousarray(s[layer * D:(layer + 1) * D])  # (D, B, H)
        compiled = self._compiled(feed)
        out = [np.asarray(o) for o in compiled(feed).to_tuple()]
        y = out[0].transpose(1, 0, 2)  # (B, T, D*H)
        per_layer = len(out[1:]) // config.num_layers
        finals = []
        for k in range(per_layer):
            parts = [out[1 + layer * per_layer + k] for layer in range(config.num_layers)]  # (D, B, H) each
            finals.append(torch.from_numpy(np.ascontiguousarray(np.concatenate(parts))))
        return torch.from_numpy(np.ascontiguousarray(y)), tuple(finals)


_CAPABILITIES = frozenset({"multilayer", "bidirectional", "batch_first", "no_bias", "initial_state", "unbatched",
                           "float64", "packed"})
_RUNNER_CAPABILITIES = {"static": _CAPABILITIES | {"zero_length"}, "dynamic": _CAPABILITIES}
_VERSION = f"openvino {ov.__version__} CPU plugin, INFERENCE_PRECISION_HINT=f32"
_COMMON_NOTES = (f"{_VERSION}: float64 models compute in float32 (the hint has no f64), so float64 results carry "
                 f"float32 rounding; the ONNX frontend ignores layout, so batch_first input is transposed to layout=0")
_RUNNER_NOTES = {
    "static": f"{_COMMON_NOTES}; reshaped to each call's static shapes, sequence_lens is honoured (TensorIterator), "
              f"but a row of length 0 gets Y_h (and Y_c) zeros, not its initial state",
    "dynamic": f"{_COMMON_NOTES}; with dynamic (symbolic) batch and time the fused RNNSeq node ignores sequence_lens: "
               f"every row runs all T steps",
}
_RUNNER_API = {
    "static": "core.compile_model(core.read_model(onnx_bytes).reshape(static shapes), 'CPU', "
              "{'INFERENCE_PRECISION_HINT': 'f32'})",
    "dynamic": "core.compile_model(core.read_model(onnx_bytes), 'CPU', {'INFERENCE_PRECISION_HINT': 'f32'})",
}


class OpenVinoLayer(Target):
    """An ONNX operator node stack computing ``cell``, compiled by OpenVINO for the CPU, with static
    shapes per call or dynamic ones (``runner``, a key of RUNNERS)."""

    def __init__(self, *, name: str, cell: str, runner: str):
        super().__init__(onnx_ops.operator_declaration(name=name, cell=cell, capabilities=_RUNNER_CAPABILITIES[runner],
                                                       notes=_RUNNER_NOTES[runner], run=_RUNNER_API[runner]))
        self.runner = runner

    def build(self, config, params, *, dtype, training=False):
        return _OpenVinoLayerModule(config, params, dtype, self.runner)


_PREFIX = {"static": "Ov", "dynamic": "OvDynamic"}
TARGETS: dict[str, Target] = {
    f"{_PREFIX[runner]}{onnx_ops.NAMES[cell]}": OpenVinoLayer(
        name=f"{_MODULE}:{_PREFIX[runner]}{onnx_ops.NAMES[cell]}", cell=cell, runner=runner)
    for runner in RUNNERS for cell in onnx_ops._OPERATORS}
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: openvino.OvLSTM, ...
