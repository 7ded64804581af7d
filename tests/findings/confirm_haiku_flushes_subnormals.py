"""Finding: Haiku's cores run on XLA's CPU kernels, which flush subnormals to zero (as Flax's do,
tests/findings/confirm_flax_lstm_flushes_subnormal_cell_state.py): ``hk.LSTM`` loses a subnormal
cell state that a forget gate saturated open and an input gate shut must keep exactly, and
``hk.VanillaRNN`` (ReLU) gives a zero input gradient where its pre-activation is subnormal and
positive. torch keeps subnormals in both.

Paths (haiku/_src/recurrent.py): ``LSTM.__call__`` ``c = f * prev_state.cell + sigmoid(i) * tanh(g)``;
``VanillaRNN.__call__`` ``relu(input_to_hidden(x) + hidden_to_hidden(h))``, under ``hk.transform``
and ``jax.jit``. Shown without rnnspec, float32, torch's weights mapped (LSTM columns i, g, f, o with
b_f - 1 for Haiku's built-in +1). Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys

import haiku as hk
import jax
import jax.numpy as jnp
import numpy as np
import torch

I, H = 1, 1
SUBNORMAL = 1e-40  # float32 subnormal (smallest normal ~1.2e-38)


def lstm_case() -> bool:
    ref = torch.nn.LSTMCell(I, H)
    with torch.no_grad():
        for p in ref.parameters():
            p.zero_()
        ref.bias_ih[0:H] = -1000.0  # input gate shut
        ref.bias_ih[H:2 * H] = 1000.0  # forget gate open
    x, h = torch.zeros(1, I), torch.zeros(1, H)
    c = torch.full((1, H), SUBNORMAL)
    want = ref(x, (h, c))[1].detach().numpy()
    b = np.array([-1000.0, 0.0, 1000.0 - 1.0, 0.0], np.float32)  # Haiku's i, g, f, o
    params = {"lstm/linear": {"w": jnp.zeros((I + H, 4 * H), jnp.float32), "b": jnp.asarray(b)}}
    step = jax.jit(hk.transform(lambda x, s: hk.LSTM(H)(x, s)[1]).apply)
    got = np.asarray(step(params, None, jnp.zeros((1, I), jnp.float32),
                          hk.LSTMState(jnp.zeros((1, H), jnp.float32), jnp.asarray(c.numpy()))).cell)
    print(f"hk.LSTM c' with c = {SUBNORMAL:g} (float32): got {got.item():g}, torch.nn.LSTMCell {want.item():g}")
    return got.item() == 0.0 and want.item() != 0.0


def relu_case() -> bool:
    ref = torch.nn.RNNCell(I, H, nonlinearity="relu")
    with torch.no_grad():
        ref.weight_ih.fill_(1.0)
        ref.weight_hh.zero_()
        ref.bias_ih.zero_()
        ref.bias_hh.zero_()
    x = torch.full((1, I), SUBNORMAL, requires_grad=True)
    ref(x, torch.zeros(1, H)).sum().backward()
    want = x.grad.numpy()
    params = {"vanilla_rnn/linear": {"w": jnp.ones((I, H), jnp.float32), "b": jnp.zeros((H,), jnp.float32)},
              "vanilla_rnn/linear_1": {"w": jnp.zeros((H, H), jnp.float32), "b": jnp.zeros((H,), jnp.float32)}}
    apply = hk.transform(lambda x, h: hk.VanillaRNN(H)(x, h)[0]).apply
    grad = jax.jit(jax.grad(lambda x: apply(params, None, x, jnp.zeros((1, H), jnp.float32)).sum()))
    got = np.asarray(grad(jnp.asarray(x.detach().numpy())))
    print(f"hk.VanillaRNN d h'/d x at x = {SUBNORMAL:g} (float32): got {got.item():g}, torch.nn.RNNCell {want.item():g}")
    return got.item() == 0.0 and want.item() == 1.0


def main() -> int:
    print(f"dm-haiku {hk.__version__}, jax {jax.__version__}, torch {torch.__version__}")
    reproduced = lstm_case() & relu_case()
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
