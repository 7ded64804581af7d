"""Finding: TensorFlow's registered gradient of ``tf.raw_ops.BlockLSTMV2`` is wrong: it is the
gradient of ``BlockLSTM`` (tensorflow/python/ops/rnn_grad.py registers ``_block_lstm_grad``, which
calls ``gen_rnn_ops.block_lstm_grad``, for both ops), whose kernel reads ``w`` and lays out
``w_grad`` / ``b_grad`` in BlockLSTM's gate order i, c, f, o, while BlockLSTMV2's forward uses
i, f, c, o. (``BlockLSTMGradV2``, the op that matches V2, exists but is not used.)

Shown here without rnnspec: torch.nn.LSTM's weights put into BlockLSTMV2 (gate order i, f, c, o
is torch's i, f, g, o; ``w = [W_ih^T; W_hh^T]``, ``b = b_ih + b_hh``, no forget bias, no clip):
the forward agrees with torch to float32 rounding, the tape's gradients with respect to x, h0
and w do not; BlockLSTM (V1) with the same weights in its i, c, f, o order agrees in both.
Exit 0 and "FINDING CONFIRMED" when
it reproduces, else 1.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import torch  # noqa: E402

T, B, I, H = 6, 3, 4, 5


def run(op, order, m, x, h0, c0):
    """(h sequence, d sum(h)/dx, d/dh0, d/dw in torch's layout) of ``op`` with m's weights."""
    p = {k: v.detach().numpy() for k, v in m.named_parameters()}
    w = np.concatenate([p["weight_ih_l0"].T, p["weight_hh_l0"].T])  # (I + H, 4H), torch's i, f, g, o
    b = p["bias_ih_l0"] + p["bias_hh_l0"]
    w = np.concatenate([np.split(w, 4, axis=1)[k] for k in order], axis=1)
    b = np.concatenate([np.split(b, 4)[k] for k in order])
    attrs = dict(forget_bias=0.0, cell_clip=-1.0) if op == "BlockLSTM" else dict(cell_clip=0.0)
    tx, th, tc, tw, tb = (tf.constant(a) for a in (x, h0, c0, w, b))
    with tf.GradientTape() as tape:
        tape.watch([tx, th, tw])
        zeros = tf.zeros([H])
        h = getattr(tf.raw_ops, op)(seq_len_max=tf.constant(T, tf.int64), x=tx, cs_prev=tc, h_prev=th, w=tw,
                                    wci=zeros, wcf=zeros, wco=zeros, b=tb, use_peephole=False, **attrs)[6]
        loss = tf.reduce_sum(h)
    gx, gh, gw = (g.numpy() for g in tape.gradient(loss, [tx, th, tw]))
    back = np.argsort(order)  # the op's column blocks back to torch's order
    gw = np.concatenate([np.split(gw, 4, axis=1)[k] for k in back], axis=1)
    return h.numpy(), gx, gh, gw


def main() -> int:
    print(f"tensorflow {tf.__version__}, torch {torch.__version__}")
    torch.manual_seed(0)
    m = torch.nn.LSTM(I, H)
    rng = np.random.default_rng(0)
    x, h0, c0 = (rng.standard_normal(s).astype(np.float32) for s in ((T, B, I), (B, H), (B, H)))
    tx, th = torch.tensor(x, requires_grad=True), torch.tensor(h0[None], requires_grad=True)
    out = m(tx, (th, torch.tensor(c0[None])))[0]
    out.sum().backward()
    want_w = torch.cat([m.weight_ih_l0.grad.T, m.weight_hh_l0.grad.T]).numpy()
    want = (out.detach().numpy(), tx.grad.numpy(), th.grad.numpy()[0], want_w)
    errors = {}
    for op, order in (("BlockLSTM", (0, 2, 1, 3)), ("BlockLSTMV2", (0, 1, 2, 3))):
        got = run(op, order, m, x, h0, c0)
        errors[op] = [float(np.abs(g - w).max()) for g, w in zip(got, want)]
        print(f"{op}: max |op - torch| forward {errors[op][0]:.2e}, d/dx {errors[op][1]:.2e}, "
              f"d/dh0 {errors[op][2]:.2e}, d/dw {errors[op][3]:.2e}")
    v1_ok = max(errors["BlockLSTM"]) < 1e-4
    v2_forward_ok, v2_grad_wrong = errors["BlockLSTMV2"][0] < 1e-5, min(errors["BlockLSTMV2"][1:]) > 1e-2
    reproduced = v1_ok and v2_forward_ok and v2_grad_wrong
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
