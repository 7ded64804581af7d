"""Finding: TensorFlow on CPU flushes subnormals to zero, so every TensorFlow LSTM loses a subnormal
cell state that a saturated-open forget gate must keep exactly: ``tf_keras.layers.LSTM`` (Keras 2),
``keras.layers.LSTM`` on Keras 3's TensorFlow backend, and ``tf.raw_ops.BlockLSTM`` all give c' = 0
where c' = f*c + i*g with f = 1, i = 0 is c exactly (torch.nn.LSTM and numpy keep it). TensorFlow's
CPU kernels run with denormals flushed to zero (flush-to-zero / denormals-are-zero, its
``port::ScopedFlushDenormal`` around kernel execution); rnnspec's magnitude tier (subnormal regime)
shows it through lstm_saturated_gates_keep_memory. Even ``tf.multiply`` of a subnormal by 1 is 0,
and ``tf.nn.relu``'s gradient at a subnormal positive input is 0 (torch's is 1): the ReLU
SimpleRNNs fail grads_match_reference in the same regime.

Shown without rnnspec: torch.nn.LSTM's weights (float32) with b_ii = -1000 and b_if = +1000, a
subnormal c0, one step; each TensorFlow path's final c against torch's. Exit 0 and "FINDING
CONFIRMED" when it reproduces, else 1.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "tensorflow"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
import torch  # noqa: E402

I, H = 3, 4


def main() -> int:
    print(f"tensorflow {tf.__version__}, tf-keras {tf_keras.__version__}, keras {keras.__version__} "
          f"({keras.backend.backend()} backend), torch {torch.__version__}")
    torch.manual_seed(0)
    ref = torch.nn.LSTM(I, H, batch_first=True)
    with torch.no_grad():
        ref.bias_ih_l0[:H] -= 1000  # input gate: exactly 0
        ref.bias_ih_l0[H:2 * H] += 1000  # forget gate: exactly 1
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 1, I)).astype(np.float32)
    h0 = rng.uniform(-1, 1, (1, H)).astype(np.float32)
    c0 = (rng.uniform(0.5, 1, (1, H)) * 1e-40).astype(np.float32)  # subnormal: below 1.18e-38
    with torch.no_grad():
        c_torch = ref(torch.from_numpy(x), (torch.from_numpy(h0)[None], torch.from_numpy(c0)[None]))[1][1][0].numpy()
    p = {k: v.detach().numpy() for k, v in ref.named_parameters()}
    weights = [p["weight_ih_l0"].T, p["weight_hh_l0"].T, p["bias_ih_l0"] + p["bias_hh_l0"]]  # i, f, c, o
    got = {}
    for name, module in (("tf_keras.layers.LSTM", tf_keras), ("keras.layers.LSTM (TensorFlow backend)", keras)):
        layer = module.layers.LSTM(H, return_state=True, unit_forget_bias=False)
        layer.build((None, None, I))
        layer.set_weights(weights)
        got[name] = np.asarray(layer(tf.constant(x), initial_state=[tf.constant(h0), tf.constant(c0)])[2])
    w = np.concatenate([weights[0], weights[1]])  # BlockLSTM: [x, h] @ w, gates i, c, f, o
    order = lambda a: np.concatenate([np.split(a, 4, axis=-1)[k] for k in (0, 2, 1, 3)], axis=-1)  # noqa: E731
    zeros = np.zeros(H, np.float32)
    cs = tf.raw_ops.BlockLSTM(seq_len_max=np.int64(1), x=x.transpose(1, 0, 2), cs_prev=c0, h_prev=h0, w=order(w),
                              wci=zeros, wcf=zeros, wco=zeros, b=order(weights[2]), forget_bias=0.0, cell_clip=-1.0)[1]
    got["tf.raw_ops.BlockLSTM"] = cs.numpy()[-1]
    print(f"c0       = {c0[0]}")
    print(f"torch c' = {c_torch[0]}  (equal to c0: {np.array_equal(c_torch, c0)})")
    for name, c in got.items():
        print(f"{name} c' = {c[0]}  (equal to c0: {np.array_equal(c, c0)})")
    one = tf.multiply(tf.constant(c0), tf.constant(1.0)).numpy()
    print(f"tf.multiply(c0, 1.0) = {one[0]}")
    t = tf.constant(c0)
    with tf.GradientTape() as tape:
        tape.watch(t)
        relu = tf.reduce_sum(tf.nn.relu(t))
    tf_relu_grad = tape.gradient(relu, t).numpy()
    tc = torch.from_numpy(c0).requires_grad_(True)
    torch.relu(tc).sum().backward()
    print(f"d relu/dx at c0: tensorflow {tf_relu_grad[0]}, torch {tc.grad.numpy()[0]}")
    c1 = c0 * np.float32(1e10)  # a normal c0: kept exactly
    kept_normal = np.array_equal(np.asarray(tf.multiply(tf.constant(c1), 1.0)), c1)
    reproduced = (np.array_equal(c_torch, c0) and all(not np.any(c) for c in got.values()) and not np.any(one)
                  and kept_normal and not np.any(tf_relu_grad) and bool((tc.grad == 1).all()))
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
