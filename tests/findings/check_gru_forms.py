"""Check (README): which GRU each framework computes. torch's form (cuDNN's) puts the reset gate on
the recurrent term with its bias, n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); the lecture's
(Cho et al. 2014) resets the state before the product, n = tanh(W_in x + b_in + W_hn (r * h) + b_hn).
Keras 3's ``GRU(reset_after=True)`` / ``GRUCell(reset_after=True)``, ``flax.linen.GRUCell`` and
``equinox.nn.GRUCell`` compute torch's form; Keras' ``reset_after=False`` the lecture's. Shown
without rnnspec: one step from a random state, the same weights, against numpy float64 of both
forms; each framework matches its form (< 1e-6: the Keras cells compute in float32, see
confirm_keras_rnn_cell_float64_is_float32_torch.py) and differs from the other (> 1e-3).
Exit 0 and "FINDING CONFIRMED" when it holds, else 1.
"""

import os
import sys

os.environ["KERAS_BACKEND"] = "torch"

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import equinox as eqx  # noqa: E402
import flax  # noqa: E402
import flax.linen as nn  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

B, I, H = 3, 4, 5


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def step(x, h, w_ih, w_hh, b_ih, b_hh, *, reset_after: bool):
    """One GRU step in numpy float64, torch's gate order r, z, n."""
    (w_ir, w_iz, w_in), (w_hr, w_hz, w_hn) = np.split(w_ih, 3), np.split(w_hh, 3)
    (b_ir, b_iz, b_in), (b_hr, b_hz, b_hn) = np.split(b_ih, 3), np.split(b_hh, 3)
    r = sigmoid(x @ w_ir.T + b_ir + h @ w_hr.T + b_hr)
    z = sigmoid(x @ w_iz.T + b_iz + h @ w_hz.T + b_hz)
    if reset_after:
        n = np.tanh(x @ w_in.T + b_in + r * (h @ w_hn.T + b_hn))
    else:
        n = np.tanh(x @ w_in.T + b_in + (r * h) @ w_hn.T + b_hn)
    return (1 - z) * n + z * h


def keras_order(a):  # torch's r, z, n -> Keras' z, r, h
    r, z, n = np.split(a, 3)
    return np.concatenate([z, r, n])


def main() -> int:
    print(f"keras {keras.__version__} ({keras.backend.backend()} backend), flax {flax.__version__}, "
          f"equinox {eqx.__version__}, jax {jax.__version__}")
    rng = np.random.default_rng(0)
    x, h = rng.standard_normal((B, I)), rng.standard_normal((B, H))
    w_ih, w_hh = rng.standard_normal((3 * H, I)), rng.standard_normal((3 * H, H))
    b_ih, b_hh = rng.standard_normal(3 * H), rng.standard_normal(3 * H)
    forms = {ra: step(x, h, w_ih, w_hh, b_ih, b_hh, reset_after=ra) for ra in (True, False)}

    got = {}
    for reset_after in (True, False):
        cell = keras.layers.GRUCell(H, reset_after=reset_after, dtype="float64")
        cell.build((None, I))
        bias = (np.stack([keras_order(b_ih), keras_order(b_hh)]) if reset_after
                else keras_order(b_ih) + keras_order(b_hh))
        cell.set_weights([keras_order(w_ih).T, keras_order(w_hh).T, bias])
        got[f"keras.layers.GRUCell(reset_after={reset_after})", reset_after] = keras.ops.convert_to_numpy(cell(x, [h])[0])

    wi, wh, bi, bh = np.split(w_ih, 3), np.split(w_hh, 3), np.split(b_ih, 3), np.split(b_hh, 3)
    params = {"ir": {"kernel": wi[0].T, "bias": bi[0] + bh[0]}, "iz": {"kernel": wi[1].T, "bias": bi[1] + bh[1]},
              "in": {"kernel": wi[2].T, "bias": bi[2]}, "hr": {"kernel": wh[0].T}, "hz": {"kernel": wh[1].T},
              "hn": {"kernel": wh[2].T, "bias": bh[2]}}
    linen = nn.GRUCell(features=H, dtype=jnp.float64, param_dtype=jnp.float64)
    got["flax.linen.GRUCell", True] = np.asarray(linen.apply({"params": params}, jnp.asarray(h), jnp.asarray(x))[0])

    cell = eqx.nn.GRUCell(I, H, dtype=jnp.float64, key=jax.random.key(0))
    bias = b_ih + np.concatenate([b_hh[:2 * H], np.zeros(H)])
    cell = eqx.tree_at(lambda c: (c.weight_ih, c.weight_hh, c.bias, c.bias_n), cell,
                       tuple(map(jnp.asarray, (w_ih, w_hh, bias, b_hh[2 * H:]))))
    got["equinox.nn.GRUCell", True] = np.asarray(jax.vmap(cell)(jnp.asarray(x), jnp.asarray(h)))

    holds = True
    for (api, form), value in got.items():
        own, other = (float(np.abs(value - forms[ra]).max()) for ra in (form, not form))
        name = "torch's form" if form else "the lecture's form"
        print(f"{api}: {name}, max |error| {own:.1e}; the other form {other:.1e}")
        holds &= own < 1e-6 and other > 1e-3
    print("FINDING CONFIRMED" if holds else "FINDING NOT REPRODUCED")
    return 0 if holds else 1


if __name__ == "__main__":
    sys.exit(main())
