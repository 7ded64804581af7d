"""ONNX's ``RNN``, ``LSTM`` and ``GRU`` operators, built directly from the canonical parameters with
``onnx.helper`` and run by ONNX Runtime or by ONNX's reference evaluator, as rnnspec targets.
``pip install rnnspec[onnx]``. This checks the operators, not torch's exporter (that is
``rnnspec.targets.adapters.onnxruntime``).

Graph: one node per layer (a bidirectional layer is one node with ``direction="bidirectional"``),
chained: the node's ``Y`` is (T, D, B, H) at ``layout=0``, so ``Transpose(perm=[0, 2, 1, 3])`` and
``Reshape([0, 0, -1])`` make torch's (T, B, D*H) for the next layer and for the output; at
``layout=1`` ``Y`` is (B, T, D, H) and the ``Reshape`` alone makes (B, T, D*H). Each layer's
``Y_h`` (and ``Y_c``) is a graph output, concatenated over layers into torch's (L*D, B, H); torch's
``h0`` (and ``c0``) is sliced per layer into the node's ``initial_h`` (``initial_c``), and omitted
from the node (an empty input name, ONNX's "zeros") when torch's ``hx`` is None. A PackedSequence
becomes padded input and an int32 ``sequence_lens`` (B,) given to every node. ``bias=False``
omits ``B`` (ONNX's default: zeros). Batch and time are symbolic dimensions, so one model serves
every shape; weights are initializers.

batch_first: the reference evaluator runs batch-major input at ``layout=1`` in opset 14
(``RNN-14``, ``LSTM-14``, ``GRU-14``, where ``layout`` appears) and time-major input at ``layout=0``
in opset 7 (``RNN-7``, ``LSTM-7``, ``GRU-7``): the smallest opsets with what each graph needs that
both runners run (opset 5, with ``GRU-3``'s ``linear_before_reset`` and ``Reshape-5``'s shape input,
would do for the spec and the reference evaluator, but ONNX Runtime has no kernels below ``*-7``).
ONNX Runtime's CPU kernels refuse ``layout=1`` ("Batchwise recurrent operations (layout == 1) are
not supported"), so its targets transpose batch-major input to ``layout=0`` (opset 7) in numpy and
the output back.

Weights (``onnx_weights``), per layer, directions stacked on axis 0 (0 forward, 1 reverse):
  - ``W`` (D, G*H, I) = ``weight_ih``, ``R`` (D, G*H, H) = ``weight_hh``, ``B`` (D, 2*G*H) =
    ``[bias_ih, bias_hh]``, each with its G row blocks reordered from torch's to ONNX's gate order:
    LSTM torch (i, f, g, o) -> ONNX (i, o, f, c); GRU torch (r, z, n) -> ONNX (z, r, h); RNN one block.
  - LSTM: no peepholes (``P`` omitted: zeros), ``input_forget=0``; ONNX has no projection, so
    ``proj`` is not claimed.
  - GRU: torch.nn.GRU (``gru``, reset applied to ``R_h h + Rb_h``) is ``linear_before_reset=1``;
    the lecture's ``gru_reset_before`` (reset applied to h before ``R_h``) is ``linear_before_reset=0``,
    ONNX's default. Both are exact maps: the same parameters, the same equations.
  - RNN: ``activations=["Tanh"]`` or ``["Relu"]`` (one per direction).

Runners: ``onnxruntime.InferenceSession`` (CPU provider, default optimisations) and
``onnx.reference.ReferenceEvaluator`` (numpy). Found here (onnx 1.23.2, onnxruntime 1.32.0),
read in their sources and confirmed by running them against torch with the same weights:
  - ONNX Runtime's CPU kernels take float32 only: ``RNN`` has no float64 kernel ("Could not find
    an implementation for RNN(7)") and ``LSTM`` / ``GRU`` raise "does not support double yet", so
    its targets do not claim float64. The reference evaluator runs both dtypes.
  - ONNX Runtime honours ``sequence_lens`` as torch's PackedSequence does: ``Y`` is zeros past a
    row's length, ``Y_h`` / ``Y_c`` the state at the row's last step, the reverse direction starts
    at the row's last step. Its targets claim ``packed`` and opt in to ``zero_length``, which fails:
    a row of ``sequence_lens`` 0 gets ``Y_h`` (and ``Y_c``) zeros, not its initial state (ONNX's
    spec does not say what a length of 0 gives; rnnspec's claim is that the state is kept).
  - The reference evaluator ignores ``sequence_lens`` (``onnx/reference/ops/op_{rnn,gru,lstm}.py``
    take it as an unused argument): every row runs all T steps, so ``Y`` is not zero past a row's
    length, ``Y_h`` is the state after the padding and the reverse direction starts at the padded
    end. Its targets do not claim ``packed`` (claimed, it fails every property that draws lengths).
  - The reference evaluator's ``RNN`` knows only ``Tanh`` and ``Affine`` activations: ``Relu``
    (valid in the spec) raises ``RuntimeError: Unknown activation function 'Relu'``, so
    ``ReferenceRNNReLU`` fails wherever it is called. Its sigmoid ``1/(1+exp(-x))`` overflows for
    large negative x to the right 0 with a RuntimeWarning, silenced here.
Not claimed: gradients (inference runtimes), dropout, projections, float16/bfloat16, parameters
(the weights live in the model), cells (ONNX has no single-step operator: a cell is a layer of T=1,
not an operator of its own).
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import torch
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from rnnspec.spec import cell_kind
from rnnspec.targets.adapters import module_getattr
from rnnspec.targets.base import Declaration, Target
from rnnspec.targets.calling import call_as_torch_layer

__all__ = ["OnnxOpsLayer", "onnx_gates", "onnx_weights", "onnx_layer_model", "RUNNERS", "TARGETS"]

_MODULE = "rnnspec.targets.adapters.onnx_ops"

# cell kind -> (ONNX operator, its attributes beyond hidden_size / direction / layout)
_OPERATORS: dict[str, tuple[str, dict]] = {
    "rnn_tanh": ("RNN", {"activations": ["Tanh"]}),
    "rnn_relu": ("RNN", {"activations": ["Relu"]}),
    "lstm": ("LSTM", {}),
    "gru": ("GRU", {"linear_before_reset": 1}),
    "gru_reset_before": ("GRU", {"linear_before_reset": 0}),
}

# cell kind -> for each ONNX gate block in ONNX's order, the index of torch's block holding it
_ONNX_GATE_ORDER: dict[str, tuple[int, ...]] = {
    "rnn_tanh": (0,),
    "rnn_relu": (0,),
    "lstm": (0, 3, 1, 2),  # torch i, f, g, o -> ONNX i, o, f, c
    "gru": (1, 0, 2),  # torch r, z, n -> ONNX z, r, h
    "gru_reset_before": (1, 0, 2),
}

_OPSET = {0: 7, 1: 14}  # layout -> opset: ONNX Runtime's kernels start at *-7; layout appears in *-14
_IR_VERSION = 8  # reads opsets up to 17 (ONNX Runtime 1.32 reads it)


def onnx_gates(cell: str, a: np.ndarray) -> np.ndarray:
    """Torch's G row blocks of ``a`` (a weight (G*H, ·) or bias (G*H,)) in ONNX's gate order."""
    blocks = np.split(np.asarray(a), len(_ONNX_GATE_ORDER[cell]), axis=0)
    return np.concatenate([blocks[k] for k in _ONNX_GATE_ORDER[cell]], axis=0)


def _np(t, dtype) -> np.ndarray:
    return (t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)).astype(dtype)


def onnx_weights(config, params, layer: int, dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The node inputs ``W`` (D, G*H, I_l), ``R`` (D, G*H, H) and ``B`` (D, 2*G*H), or None without
    bias, of ``layer`` of ``config`` from the canonical ``params`` (torch's names and shapes)."""
    tails = [f"_l{layer}", f"_l{layer}_reverse"][: config.num_directions]
    W = np.stack([onnx_gates(config.cell, _np(params["weight_ih" + t], dtype)) for t in tails])  # (D, G*H, I_l)
    R = np.stack([onnx_gates(config.cell, _np(params["weight_hh" + t], dtype)) for t in tails])  # (D, G*H, H)
    if not config.bias:
        return W, R, None
    B = np.stack([np.concatenate([onnx_gates(config.cell, _np(params["bias_ih" + t], dtype)),
                                  onnx_gates(config.cell, _np(params["bias_hh" + t], dtype))]) for t in tails])
    return W, R, B  # B: (D, 2*G*H) = [Wb, Rb]


def onnx_layer_model(config, params, *, dtype, layout: int, initial_state: bool, lengths: bool) -> onnx.ModelProto:
    """The model of ``config``: input ``X`` ((T, B, I) at layout 0, (B, T, I) at layout 1), int32
    ``sequence_lens`` (B,) where ``lengths``, ``initial_h_l{l}`` (and ``initial_c_l{l}``) per layer
    where ``initial_state`` ((D, B, H) at layout 0, (B, D, H) at layout 1); outputs ``Y`` (the last
    layer's, (T, B, D*H) or (B, T, D*H)) and each layer's ``Y_h_l{l}`` (and ``Y_c_l{l}``)."""
    op, attributes = _OPERATORS[config.cell]
    lstm = op == "LSTM"
    elem = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    D, H = config.num_directions, config.hidden_size
    direction = "bidirectional" if config.bidirectional else "forward"
    if "activations" in attributes:
        attributes = {"activations": attributes["activations"] * D}
    if layout:
        attributes = {**attributes, "layout": 1}
    major = ["T", "B"] if layout == 0 else ["B", "T"]  # symbolic: one model serves every shape
    inputs = [helper.make_tensor_value_info("X", elem, [*major, config.input_size])]
    if lengths:
        inputs.append(helper.make_tensor_value_info("sequence_lens", TensorProto.INT32, ["B"]))
    state_shape = [D, "B", H] if layout == 0 else ["B", D, H]
    initializers, nodes, outputs = [], [], []
    flat_shape = helper.make_tensor("flat", TensorProto.INT64, [3], [0, 0, -1])
    initializers.append(flat_shape)
    x = "X"
    for layer in range(config.num_layers):
        W, R, B = onnx_weights(config, params, layer, dtype)
        names = [f"W_l{layer}", f"R_l{layer}", f"B_l{layer}" if B is not None else ""]
        for name, value in zip(names, (W, R, B)):
            if value is not None:
                initializers.append(helper.make_tensor(name, elem, value.shape, value.ravel()))
        states = [f"initial_h_l{layer}", f"initial_c_l{layer}"][: 1 + lstm] if initial_state else []
        inputs += [helper.make_tensor_value_info(s, elem, state_shape) for s in states]
        node_inputs = [x, *names, "sequence_lens" if lengths else ""]
        if states:
            node_inputs += states  # initial_h, initial_c (LSTM's P omitted)
        finals = [f"Y_h_l{layer}", f"Y_c_l{layer}"][: 1 + lstm]
        y = f"Y4_l{layer}"
        nodes.append(helper.make_node(op, node_inputs, [y, *finals], name=f"{op}_l{layer}", hidden_size=H,
                                      direction=direction, **attributes))
        if layout == 0:  # (T, D, B, H) -> (T, B, D, H)
            nodes.append(helper.make_node("Transpose", [y], [f"{y}_t"], perm=[0, 2, 1, 3]))
            y = f"{y}_t"
        x = "Y" if layer == config.num_layers - 1 else f"X_l{layer + 1}"
        nodes.append(helper.make_node("Reshape", [y, "flat"], [x]))  # (·, ·, D*H)
        outputs += [helper.make_tensor_value_info(f, elem, state_shape) for f in finals]
    outputs.insert(0, helper.make_tensor_value_info("Y", elem, [*major, D * H]))
    graph = helper.make_graph(nodes, f"{_OPERATORS[config.cell][0]}_stack", inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET[layout])], ir_version=_IR_VERSION)
    onnx.checker.check_model(model)
    return model


def _ort_session(model: onnx.ModelProto):
    return onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


# runner -> how a model becomes something with .run(None, feed) -> list of outputs
RUNNERS = {"onnxruntime": _ort_session, "reference": ReferenceEvaluator}
# runner -> whether batch_first runs layout=1 (ONNX Runtime's CPU kernels refuse it: transposed to layout=0 instead)
_BATCHWISE = {"onnxruntime": False, "reference": True}


class _OnnxLayerModule:
    """Called as torch.nn.LSTM is: (input, hx) -> (output, h_n or (h_n, c_n)), torch tensors."""

    def __init__(self, config, params, dtype, runner: str):
        self.config, self.params, self.runner = config, params, runner
        self.dtype = np.float64 if dtype == torch.float64 else np.float32
        self.layout = 1 if config.batch_first and _BATCHWISE[runner] else 0
        self.sessions = {}  # (initial_state, lengths) -> session

    def __call__(self, input, hx=None, lengths=None):
        """As torch's layer; or, with ``lengths`` (a (B,) tensor, zeros allowed), ``input`` padded
        in the config's layout and the output padded (what ``zero_length`` is checked through)."""
        return call_as_torch_layer(self._run, input, hx, batch_first=self.config.batch_first, lengths=lengths)

    def _session(self, initial_state: bool, lengths: bool):
        key = (initial_state, lengths)
        if key not in self.sessions:
            model = onnx_layer_model(self.config, self.params, dtype=self.dtype, layout=self.layout,
                                     initial_state=initial_state, lengths=lengths)
            self.sessions[key] = RUNNERS[self.runner](model)
        return self.sessions[key]

    def _run(self, x, state, lengths):
        config, D = self.config, self.config.num_directions
        x = _np(x, self.dtype)  # (B, T, I)
        feed = {"X": x if self.layout else np.ascontiguousarray(x.transpose(1, 0, 2))}
        if lengths is not None:
            feed["sequence_lens"] = np.asarray(lengths, np.int32)
        for name, s in zip(("initial_h", "initial_c"), state or ()):
            s = _np(s, self.dtype)  # (L*D, B, H)
            for layer in range(config.num_layers):
                part = s[layer * D:(layer + 1) * D]  # (D, B, H)
                feed[f"{name}_l{layer}"] = np.ascontiguousarray(part.transpose(1, 0, 2) if self.layout else part)
        with np.errstate(over="ignore"):  # the reference's sigmoid 1/(1+exp(-x)) overflows to the right 0
            out = self._session(state is not None, lengths is not None).run(None, feed)
        y = out[0] if self.layout else out[0].transpose(1, 0, 2)  # (B, T, D*H)
        per_layer = len(out[1:]) // config.num_layers
        finals = []
        for k in range(per_layer):
            parts = [out[1 + layer * per_layer + k] for layer in range(config.num_layers)]
            parts = [p.transpose(1, 0, 2) if self.layout else p for p in parts]  # (D, B, H)
            finals.append(torch.from_numpy(np.ascontiguousarray(np.concatenate(parts))))
        return torch.from_numpy(np.ascontiguousarray(y)), tuple(finals)


_CAPABILITIES = frozenset({"multilayer", "bidirectional", "batch_first", "no_bias", "initial_state", "unbatched"})
# ONNX Runtime: sequence_lens honoured (packed), rows of length 0 opted in (they fail: their Y_h is zeros);
# the reference evaluator: float64, but it ignores sequence_lens, so packed is not claimed
_RUNNER_CAPABILITIES = {"onnxruntime": _CAPABILITIES | {"packed", "zero_length"},
                        "reference": _CAPABILITIES | {"float64"}}
_RUNNER_API = {"onnxruntime": "onnxruntime.InferenceSession(model).run(None, feed)",
               "reference": "onnx.reference.ReferenceEvaluator(model).run(None, feed)"}
_RUNNER_NOTES = {
    "onnxruntime": (f"onnxruntime {onnxruntime.__version__} CPU kernels: float32 only (no float64 kernels); "
                    f"layout=1 refused, so batch_first input is transposed to layout=0; a row of sequence_lens 0 "
                    f"gets Y_h (and Y_c) zeros, not its initial state"),
    "reference": (f"onnx {onnx.__version__} reference evaluator (numpy): it ignores sequence_lens (every row runs "
                  f"all T steps), so variable lengths (packed) are not claimed"),
}


def operator_declaration(*, name: str, cell: str, capabilities: frozenset[str], notes: str, run: str) -> Declaration:
    """The declaration of a layer target that is an ONNX operator node stack computing ``cell``, run as
    ``run`` says (shared with the OpenVINO adapter, which runs the same graphs)."""
    op, attributes = _OPERATORS[cell]
    shown = ", ".join(f"{k}={v!r}" for k, v in attributes.items())
    return Declaration(name=name, subject="layer", cells=(cell,), capabilities=capabilities, notes=notes,
                       like=cell_kind(cell).torch_layer, api=f"onnx.helper.make_node({op!r}, ..., {shown}) -> {run}")


class OnnxOpsLayer(Target):
    """An ONNX operator node stack computing ``cell``, run by ``runner`` (a key of RUNNERS)."""

    def __init__(self, *, name: str, cell: str, runner: str):
        notes = _RUNNER_NOTES[runner]
        if runner == "reference" and cell == "rnn_relu":
            notes += "; its RNN knows only Tanh and Affine: activations=['Relu'] raises RuntimeError"
        super().__init__(operator_declaration(name=name, cell=cell, capabilities=_RUNNER_CAPABILITIES[runner],
                                              notes=notes, run=_RUNNER_API[runner]))
        self.runner = runner

    def build(self, config, params, *, dtype, training=False):
        return _OnnxLayerModule(config, params, dtype, self.runner)


NAMES = {"rnn_tanh": "RNN", "rnn_relu": "RNNReLU", "lstm": "LSTM", "gru": "GRU", "gru_reset_before": "GRUResetBefore"}
_PREFIX = {"onnxruntime": "Ort", "reference": "Reference"}
TARGETS: dict[str, Target] = {
    f"{_PREFIX[runner]}{NAMES[cell]}": OnnxOpsLayer(name=f"{_MODULE}:{_PREFIX[runner]}{NAMES[cell]}", cell=cell,
                                                     runner=runner)
    for runner in RUNNERS for cell in _OPERATORS}
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: onnx_ops.OrtLSTM, ...
