"""Finding: on this machine's CPU (one with bfloat16 instructions) OpenVINO's CPU plugin
(openvino 2026.4.1) defaults ``INFERENCE_PRECISION_HINT`` to ``bf16``: a float32 ONNX LSTM
compiled without a config computes in bfloat16 and is ~1e-3 off torch's float32 ``nn.LSTM`` with
the same weights; compiled with ``{"INFERENCE_PRECISION_HINT": "f32"}`` it equals torch's to
float32 rounding. (On a CPU without bf16 the default is f32 and this does not reproduce.)

Shown without rnnspec: an ONNX ``LSTM`` node (opset 7, torch's i, f, g, o gate blocks reordered to
ONNX's i, o, f, c) made with ``onnx.helper`` from a ``torch.nn.LSTM``'s weights, read by
``ov.Core().read_model``, compiled for the CPU with and without the hint. Exit 0 and
"FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys

import numpy as np
import onnx
import openvino as ov
import torch
from onnx import TensorProto, helper

T, B, I, H = 6, 3, 4, 5


def lstm_model(m: torch.nn.LSTM) -> bytes:
    """One float32 ONNX LSTM node with ``m``'s weights: X (T, B, I) -> Y (T, 1, B, H)."""
    order = [0, 3, 1, 2]  # torch i, f, g, o -> ONNX i, o, f, c

    def gates(t):
        blocks = np.split(t.detach().numpy(), 4)
        return np.concatenate([blocks[k] for k in order])

    W, R = gates(m.weight_ih_l0)[None], gates(m.weight_hh_l0)[None]
    Bias = np.concatenate([gates(m.bias_ih_l0), gates(m.bias_hh_l0)])[None]
    inits = [helper.make_tensor(n, TensorProto.FLOAT, v.shape, v.ravel()) for n, v in (("W", W), ("R", R), ("B", Bias))]
    node = helper.make_node("LSTM", ["X", "W", "R", "B"], ["Y"], hidden_size=H)
    graph = helper.make_graph([node], "lstm", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [T, B, I])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [T, 1, B, H])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 7)], ir_version=8).SerializeToString()


def main() -> int:
    core = ov.Core()
    print(f"openvino {ov.__version__}, torch {torch.__version__}, CPU {core.get_property('CPU', 'FULL_DEVICE_NAME')}, "
          f"capabilities {core.get_property('CPU', 'OPTIMIZATION_CAPABILITIES')}")
    default = core.get_property("CPU", "INFERENCE_PRECISION_HINT")
    print(f"CPU default INFERENCE_PRECISION_HINT: {default}")
    torch.manual_seed(0)
    m = torch.nn.LSTM(I, H)
    x = torch.randn(T, B, I)
    with torch.no_grad():
        want = m(x)[0].numpy()
    errors = {}
    for label, config in (("default", {}), ("hint f32", {"INFERENCE_PRECISION_HINT": "f32"})):
        compiled = core.compile_model(core.read_model(lstm_model(m), b""), "CPU", config)
        got = compiled({"X": x.numpy()})[0][:, 0]
        errors[label] = float(np.abs(got - want).max())
        print(f"{label:8s}: compiled precision {compiled.get_property('INFERENCE_PRECISION_HINT')}, "
              f"max |error| vs torch float32 = {errors[label]:.1e}")
    reproduced = default == ov.Type.bf16 and errors["default"] > 1e-4 and errors["hint f32"] < 1e-6
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
