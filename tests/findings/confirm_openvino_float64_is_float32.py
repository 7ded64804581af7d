"""Finding: OpenVINO's CPU plugin (openvino 2026.4.1) computes a float64 ONNX LSTM / GRU / RNN in
float32 and returns float64: with ``INFERENCE_PRECISION_HINT="f32"`` the output is ~1e-7 off
torch's float64 layer with the same weights and equals torch's float32 layer to float32 rounding;
the hint takes no ``"f64"`` (it raises: "Supported values: bf16, f16, f32, undefined").

Shown without rnnspec: an ONNX ``LSTM`` node (opset 7, torch's i, f, g, o gate blocks reordered to
ONNX's i, o, f, c) made with ``onnx.helper`` from a float64 ``torch.nn.LSTM``'s weights, read by
``ov.Core().read_model`` and compiled for the CPU. Exit 0 and "FINDING CONFIRMED" when it
reproduces, else 1.
"""

import sys

import numpy as np
import onnx
import openvino as ov
import torch
from onnx import TensorProto, helper

T, B, I, H = 6, 3, 4, 5


def lstm_model(m: torch.nn.LSTM, dtype) -> bytes:
    """One ONNX LSTM node with ``m``'s weights in ``dtype``: X (T, B, I) -> Y (T, 1, B, H)."""
    order = [0, 3, 1, 2]  # torch i, f, g, o -> ONNX i, o, f, c

    def gates(t):
        blocks = np.split(t.detach().numpy().astype(dtype), 4)
        return np.concatenate([blocks[k] for k in order])

    W, R = gates(m.weight_ih_l0)[None], gates(m.weight_hh_l0)[None]
    Bias = np.concatenate([gates(m.bias_ih_l0), gates(m.bias_hh_l0)])[None]
    elem = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    inits = [helper.make_tensor(n, elem, v.shape, v.ravel()) for n, v in (("W", W), ("R", R), ("B", Bias))]
    node = helper.make_node("LSTM", ["X", "W", "R", "B"], ["Y"], hidden_size=H)
    graph = helper.make_graph([node], "lstm", [helper.make_tensor_value_info("X", elem, [T, B, I])],
                              [helper.make_tensor_value_info("Y", elem, [T, 1, B, H])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 7)], ir_version=8).SerializeToString()


def main() -> int:
    print(f"openvino {ov.__version__}, onnx {onnx.__version__}, torch {torch.__version__}")
    core = ov.Core()
    torch.manual_seed(0)
    m64 = torch.nn.LSTM(I, H).double()
    m32 = torch.nn.LSTM(I, H)
    m32.load_state_dict({k: v.float() for k, v in m64.state_dict().items()})
    x = torch.randn(T, B, I, dtype=torch.float64)
    with torch.no_grad():
        want64, want32 = m64(x)[0].numpy(), m32(x.float())[0].numpy()
    compiled = core.compile_model(core.read_model(lstm_model(m64, np.float64), b""), "CPU",
                                  {"INFERENCE_PRECISION_HINT": "f32"})
    got = compiled({"X": x.numpy()})[0][:, 0]
    err64, err32 = float(np.abs(got - want64).max()), float(np.abs(got - want32).max())
    print(f"float64 model, hint f32: output dtype {got.dtype}; max |error| vs torch float64 = {err64:.1e}, "
          f"vs torch float32 = {err32:.1e} (torch float32 vs float64: {np.abs(want32 - want64).max():.1e})")
    reproduced = got.dtype == np.float64 and err64 > 1e-9 and err32 < 1e-6
    try:
        core.compile_model(core.read_model(lstm_model(m64, np.float64), b""), "CPU",
                           {"INFERENCE_PRECISION_HINT": "f64"})
        print("hint f64: accepted")
        reproduced = False
    except Exception as e:  # noqa: BLE001 - OpenVINO raises its own RuntimeError subclasses
        print(f"hint f64: {type(e).__name__}: ...{str(e).strip().splitlines()[-1]}")
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
