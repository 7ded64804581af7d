"""Finding: OpenVINO's ONNX frontend (openvino 2026.4.1) ignores the ``layout`` attribute of
``RNN`` / ``LSTM`` / ``GRU`` (opset 14): it always reads ``X`` as (T, B, I) and ``initial_h`` as
(D, B, H) (``src/frontends/onnx/frontend/src/op/lstm.cpp`` reorders X's axes {1, 0, 2}
unconditionally and reads no ``layout``). A ``layout=1`` GRU fed batch-major X (B, T, I) returns
``Y`` of shape (B, D, T, H) read as time-major (ONNX's spec: (B, T, D, H)) holding a different
computation, and raises at run time once ``initial_h`` (B, D, H) is given.

Shown without rnnspec: a one-node ONNX ``GRU`` (``linear_before_reset=1``, torch's r, z, n gate
blocks reordered to ONNX's z, r, h) made with ``onnx.helper`` from a ``torch.nn.GRU``'s weights, at
``layout=1``, compiled for the CPU (``INFERENCE_PRECISION_HINT="f32"``) and compared with
``torch.nn.GRU(batch_first=True)``. Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys

import numpy as np
import openvino as ov
import torch
from onnx import TensorProto, helper

T, B, I, H = 5, 3, 4, 6


def gru_model(m: torch.nn.GRU, *, initial_h: bool) -> bytes:
    """One float32 ONNX GRU node at layout=1: X (B, T, I) [, initial_h (B, 1, H)] -> Y, Y_h."""
    order = [1, 0, 2]  # torch r, z, n -> ONNX z, r, h

    def gates(t):
        blocks = np.split(t.detach().numpy(), 3)
        return np.concatenate([blocks[k] for k in order])

    W, R = gates(m.weight_ih_l0)[None], gates(m.weight_hh_l0)[None]
    Bias = np.concatenate([gates(m.bias_ih_l0), gates(m.bias_hh_l0)])[None]
    inits = [helper.make_tensor(n, TensorProto.FLOAT, v.shape, v.ravel()) for n, v in (("W", W), ("R", R), ("B", Bias))]
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["b", "t", I])]
    if initial_h:
        inputs.append(helper.make_tensor_value_info("initial_h", TensorProto.FLOAT, ["b", 1, H]))
    node = helper.make_node("GRU", ["X", "W", "R", "B", "", "initial_h" if initial_h else ""], ["Y", "Y_h"],
                            hidden_size=H, linear_before_reset=1, layout=1)
    outputs = [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None),
               helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, None)]
    graph = helper.make_graph([node], "gru", inputs, outputs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], ir_version=8).SerializeToString()


def main() -> int:
    print(f"openvino {ov.__version__}, torch {torch.__version__}")
    core = ov.Core()
    torch.manual_seed(0)
    m = torch.nn.GRU(I, H, batch_first=True)
    x, h0 = torch.randn(B, T, I), torch.randn(1, B, H)
    with torch.no_grad():
        want_y, want_h = m(x)
    compiled = core.compile_model(core.read_model(gru_model(m, initial_h=False), b""), "CPU",
                                  {"INFERENCE_PRECISION_HINT": "f32"})
    y, h = (np.asarray(o) for o in compiled({"X": x.numpy()}).to_tuple())
    print(f"layout=1, X {tuple(x.shape)} (B, T, I): Y {y.shape} (spec: {(B, T, 1, H)}), Y_h {h.shape} "
          f"(spec: {(B, 1, H)})")
    # what it computed: X read as time-major (T'=B, B'=T), Y as (T', D, B', H)
    with torch.no_grad():
        swapped = torch.nn.GRU(I, H)
        swapped.load_state_dict(m.state_dict())
        time_major_y = swapped(x)[0].numpy()  # x (B, T, I) read as (T'=B, B'=T, I)
    err_read_as_layout_0 = float(np.abs(y[:, 0] - time_major_y).max())
    print(f"Y[:, 0] vs torch reading X as time-major (T={B}, B={T}): max |error| = {err_read_as_layout_0:.1e}")
    reproduced = y.shape == (B, 1, T, H) and err_read_as_layout_0 < 1e-5
    try:
        compiled = core.compile_model(core.read_model(gru_model(m, initial_h=True), b""), "CPU",
                                      {"INFERENCE_PRECISION_HINT": "f32"})
        compiled({"X": x.numpy(), "initial_h": h0.transpose(0, 1).contiguous().numpy()})
        print("layout=1 with initial_h (B, 1, H): ran")
        reproduced = False
    except Exception as e:  # noqa: BLE001 - OpenVINO raises its own RuntimeError subclasses
        print(f"layout=1 with initial_h (B, 1, H): {type(e).__name__}: ...{str(e).strip().splitlines()[-1][-160:]}")
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
