"""Finding: OpenVINO's CPU plugin (openvino 2026.4.1) ignores ONNX ``sequence_lens`` when the
model's batch and time are dynamic (symbolic): it runs the fused ``RNNSeq`` node (oneDNN, which
has no per-row lengths; ``RNN::isSupportedOperation`` in ``intel_cpu/src/nodes/rnn.cpp`` skips
its sequence-length check for dynamic shapes), so every row runs all T steps: ``Y`` is not zero
past a row's length and ``Y_h`` is the state after the padding. Reshaped to static shapes, the
same model is decomposed into a ``TensorIterator`` that honours ``sequence_lens`` as torch's
PackedSequence does, except that a row of length 0 gets ``Y_h`` / ``Y_c`` zeros, not its
``initial_h`` / ``initial_c`` (as in ONNX Runtime; the ONNX spec does not say).

Shown without rnnspec: a one-node ONNX ``LSTM`` (opset 7, torch's i, f, g, o gate blocks
reordered to ONNX's i, o, f, c) made with ``onnx.helper`` from a ``torch.nn.LSTM``'s weights,
compiled for the CPU (``INFERENCE_PRECISION_HINT="f32"``) with dynamic and with static shapes,
each row compared with torch run on that row alone (its own length). Exit 0 and
"FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys

import numpy as np
import openvino as ov
import torch
from onnx import TensorProto, helper

T, I, H = 5, 3, 4
LENGTHS = [5, 2, 0]
B = len(LENGTHS)


def lstm_model(m: torch.nn.LSTM) -> bytes:
    """One float32 ONNX LSTM node: X (t, b, I), sequence_lens (b,), initial_h/c (1, b, H) -> Y, Y_h, Y_c."""
    order = [0, 3, 1, 2]  # torch i, f, g, o -> ONNX i, o, f, c

    def gates(t):
        blocks = np.split(t.detach().numpy(), 4)
        return np.concatenate([blocks[k] for k in order])

    W, R = gates(m.weight_ih_l0)[None], gates(m.weight_hh_l0)[None]
    Bias = np.concatenate([gates(m.bias_ih_l0), gates(m.bias_hh_l0)])[None]
    inits = [helper.make_tensor(n, TensorProto.FLOAT, v.shape, v.ravel()) for n, v in (("W", W), ("R", R), ("B", Bias))]
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["t", "b", I]),
              helper.make_tensor_value_info("sequence_lens", TensorProto.INT32, ["b"]),
              helper.make_tensor_value_info("initial_h", TensorProto.FLOAT, [1, "b", H]),
              helper.make_tensor_value_info("initial_c", TensorProto.FLOAT, [1, "b", H])]
    node = helper.make_node("LSTM", ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c"],
                            ["Y", "Y_h", "Y_c"], hidden_size=H)
    outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("Y", "Y_h", "Y_c")]
    graph = helper.make_graph([node], "lstm", inputs, outputs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 7)], ir_version=8).SerializeToString()


def main() -> int:
    print(f"openvino {ov.__version__}, torch {torch.__version__}; lengths {LENGTHS}, T={T}")
    core = ov.Core()
    torch.manual_seed(0)
    m = torch.nn.LSTM(I, H)
    x, h0, c0 = torch.randn(T, B, I), torch.randn(1, B, H), torch.randn(1, B, H)
    feed = {"X": x.numpy(), "sequence_lens": np.array(LENGTHS, np.int32), "initial_h": h0.numpy(),
            "initial_c": c0.numpy()}
    results = {}
    for label in ("dynamic", "static"):
        model = core.read_model(lstm_model(m), b"")
        if label == "static":
            model.reshape({k: list(v.shape) for k, v in feed.items()})
        compiled = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
        kinds = sorted({op.get_rt_info()["layerType"].astype(str) for op in compiled.get_runtime_model().get_ops()}
                       & {"RNNSeq", "TensorIterator"})
        y, h, c = (np.asarray(o) for o in compiled(feed).to_tuple())  # Y (T, 1, B, H), Y_h (1, B, H)
        rows = []
        for b, length in enumerate(LENGTHS):
            with torch.no_grad():  # torch refuses length 0: the state is kept (a PackedSequence row of 0 steps)
                ey, (eh, _) = m(x[:max(length, 1), b:b + 1], (h0[:, b:b + 1], c0[:, b:b + 1]))
            want_h = (eh if length else h0[:, b:b + 1])[0, 0].numpy()
            rows.append((float(np.abs(y[:length, 0, b] - ey[:, 0].numpy()).max()) if length else 0.0,
                         float(np.abs(y[length:, 0, b]).max()) if length < T else 0.0,
                         float(np.abs(h[0, b] - want_h).max()), float(np.abs(h[0, b]).max())))
            print(f"{label:7s} ({'/'.join(kinds)}) row {b} length {length}: |Y - torch| {rows[-1][0]:.1e}, "
                  f"|Y past length| {rows[-1][1]:.1e}, |Y_h - torch (h0 at length 0)| {rows[-1][2]:.1e}, "
                  f"|Y_h| {rows[-1][3]:.1e}")
        results[label] = rows
    dynamic, static = results["dynamic"], results["static"]
    reproduced = (dynamic[1][1] > 1e-3 and dynamic[1][2] > 1e-3  # row of length 2 ran all 5 steps
                  and all(r[0] < 1e-5 and r[1] == 0 and r[2] < 1e-5 for r in static[:2])  # static: honoured
                  and static[2][3] == 0 and static[2][2] > 1e-3)  # length 0: Y_h zeros, not h0
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
