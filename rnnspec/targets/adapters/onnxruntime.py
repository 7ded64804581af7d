"""torch's recurrent layers exported to ONNX and run by ONNX Runtime, as rnnspec targets.
``pip install rnnspec[onnx]``.

Weights: the torch built-in is built and loaded with the canonical weights (torch's own layout),
then exported with ``torch.onnx.export`` (the TorchScript-based exporter, opset 17) for the
shapes of each call, and the ONNX graph runs on ONNX Runtime's CPU provider. So this checks the
exporter and the runtime together: what a user deploying a torch RNN through ONNX gets.
Not claimed: float64, PackedSequence, unbatched input, projections, training-mode dropout and
gradients (an inference runtime), so those properties are skipped with the reason.
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

__all__ = ["OnnxRuntimeLayer", "TARGETS", "RNN", "LSTM", "GRU"]

_MODULE = "rnnspec.targets.adapters.onnxruntime"

_CAPABILITIES = frozenset({"multilayer", "bidirectional", "batch_first", "no_bias", "initial_state"})


class _OrtModule:
    """Called as the torch module is; exports it for the shapes of each call and runs ONNX Runtime."""

    def __init__(self, module: torch.nn.Module):
        self.module = module.eval()

    def __call__(self, input, hx=None):
        has_c = isinstance(self.module, torch.nn.LSTM)
        states = () if hx is None else (tuple(hx) if has_c else (hx,))
        names = ["input", *(["h0", "c0"][: len(states)])]
        outputs = ["output", "h_n"] + (["c_n"] if has_c else [])
        buf = io.BytesIO()
        args = (input,) if not states else (input, tuple(states) if has_c else states[0])
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(self.module, args, buf, input_names=names, output_names=outputs, dynamo=False,
                              opset_version=17)
        session = onnxruntime.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
        feed = {name: t.detach().numpy() for name, t in zip(names, (input, *states))}
        result = [torch.from_numpy(np.ascontiguousarray(a)) for a in session.run(None, feed)]
        return result[0], (tuple(result[1:]) if has_c else result[1])


class OnnxRuntimeLayer(Target):
    """The torch built-in ``like`` (e.g. ``"torch.nn.LSTM"``), exported to ONNX and run by ONNX Runtime."""

    def __init__(self, *, name: str, like: str):
        self.torch_target = TorchLikeTarget(getattr(torch.nn, like.rsplit(".", 1)[-1]), like=like, name=like)
        super().__init__(Declaration(name=name, subject="layer", cells=self.torch_target.cells,
                                     capabilities=_CAPABILITIES, like=like))

    def build(self, config, params, *, dtype, training=False):
        return _OrtModule(self.torch_target.build(config, params, dtype=dtype, training=False))


TARGETS: dict[str, Target] = {name: OnnxRuntimeLayer(name=f"{_MODULE}:{name}", like=f"torch.nn.{name}")
                              for name in ("RNN", "LSTM", "GRU")}
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: onnxruntime.LSTM, ...
