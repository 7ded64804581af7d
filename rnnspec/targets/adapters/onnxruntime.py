"""torch's recurrent layers and cells exported to ONNX and run by ONNX Runtime, as rnnspec targets.
``pip install rnnspec[onnx]``.

Weights: the torch built-in is built and loaded with the canonical weights (torch's own layout),
then exported with ``torch.onnx.export(module, args, dynamo=False, opset_version=17)`` (the
TorchScript-based exporter) for the shapes of each call, and the ONNX graph runs on ONNX Runtime's
CPU provider with its default graph optimisations. So this checks the exporter and the runtime
together: what a user deploying a torch RNN through ONNX gets.

Paths covered (torch 2.13, onnx 1.23, onnxruntime 1.32; read from the exported graphs):
  - ``RNN``, ``LSTM``, ``GRU``: each layer (and direction pair) becomes one fused ONNX ``RNN`` /
    ``LSTM`` / ``GRU`` node (GRU with ``linear_before_reset=1``, torch's form; bidirectional as
    ``direction="bidirectional"``), run by ONNX Runtime's own CPU kernels for those ops; initial
    state given or omitted, bias or not, stacks, batch_first.
  - ``RNNCell``, ``LSTMCell``, ``GRUCell``: a cell exports to a composed graph (``Gemm``, ``Split``,
    ``Sigmoid``, ``Tanh``, ``Mul``, ``Add``): the composed path beside the fused one.
Not covered: ``torch.onnx.export``'s default in torch 2.13, ``dynamo=True`` (the torch.export-based
exporter; it needs ``onnxscript``, not installed here), an export with ``dynamic_axes`` /
``dynamic_shapes`` run on other shapes than it was exported with (each call is exported for its
own shapes), other execution providers, other opsets. Not claimed: float64, PackedSequence,
unbatched input, projections, training-mode dropout and gradients (an inference runtime), so
those properties are skipped with the reason.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import onnxruntime
import torch

from rnnspec.targets.adapters import module_getattr
from rnnspec.targets.base import Declaration, Target
from rnnspec.targets.torch_like import TorchLikeTarget

__all__ = ["OnnxRuntimeLayer", "OnnxRuntimeCell", "TARGETS", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell",
           "GRUCell"]

_MODULE = "rnnspec.targets.adapters.onnxruntime"

_CAPABILITIES = frozenset({"multilayer", "bidirectional", "batch_first", "no_bias", "initial_state"})
_CELL_CAPABILITIES = frozenset({"no_bias", "initial_state"})


class _OrtModule:
    """Called as the torch module (a layer or a cell) is; exports it for the shapes of each call and
    runs ONNX Runtime."""

    def __init__(self, module: torch.nn.Module):
        self.module = module.eval()
        self.cell = isinstance(module, torch.nn.RNNCellBase)

    def __call__(self, input, hx=None):
        has_c = isinstance(self.module, (torch.nn.LSTM, torch.nn.LSTMCell))
        states = () if hx is None else (tuple(hx) if has_c else (hx,))
        names = ["input", *(["h0", "c0"][: len(states)])]
        outputs = ["h_1", "c_1"] if self.cell else ["output", "h_n", "c_n"]
        if not has_c:
            outputs = outputs[:-1]
        buf = io.BytesIO()
        args = (input,) if not states else (input, tuple(states) if has_c else states[0])
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(self.module, args, buf, input_names=names, output_names=outputs, dynamo=False,
                              opset_version=17)
        session = onnxruntime.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
        feed = {name: t.detach().numpy() for name, t in zip(names, (input, *states))}
        result = [torch.from_numpy(np.ascontiguousarray(a)) for a in session.run(None, feed)]
        if self.cell:
            return tuple(result) if has_c else result[0]
        return result[0], (tuple(result[1:]) if has_c else result[1])


class OnnxRuntimeLayer(Target):
    """The torch built-in ``like`` (e.g. ``"torch.nn.LSTM"``), exported to ONNX and run by ONNX Runtime."""

    def __init__(self, *, name: str, like: str):
        self.torch_target = TorchLikeTarget(getattr(torch.nn, like.rsplit(".", 1)[-1]), like=like, name=like)
        super().__init__(Declaration(name=name, subject="layer", cells=self.torch_target.cells,
                                     capabilities=_CAPABILITIES, like=like))

    def build(self, config, params, *, dtype, training=False):
        return _OrtModule(self.torch_target.build(config, params, dtype=dtype, training=False))


class OnnxRuntimeCell(Target):
    """The torch built-in cell ``like`` (e.g. ``"torch.nn.LSTMCell"``), exported to ONNX (a composed
    graph) and run by ONNX Runtime."""

    def __init__(self, *, name: str, like: str):
        self.torch_target = TorchLikeTarget(getattr(torch.nn, like.rsplit(".", 1)[-1]), like=like, name=like)
        super().__init__(Declaration(name=name, subject="cell", cells=self.torch_target.cells,
                                     capabilities=_CELL_CAPABILITIES, like=like))

    def build(self, config, params, *, dtype, training=False):
        return _OrtModule(self.torch_target.build(config, params, dtype=dtype, training=False))


TARGETS: dict[str, Target] = {
    **{name: OnnxRuntimeLayer(name=f"{_MODULE}:{name}", like=f"torch.nn.{name}") for name in ("RNN", "LSTM", "GRU")},
    **{name: OnnxRuntimeCell(name=f"{_MODULE}:{name}", like=f"torch.nn.{name}")
       for name in ("RNNCell", "LSTMCell", "GRUCell")},
}
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: onnxruntime.LSTM, ...
