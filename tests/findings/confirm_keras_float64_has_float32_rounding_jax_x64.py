"""Finding: on Keras 3's JAX backend with JAX's x64 mode on (the only way JAX holds float64), on
CPU, ``dtype="float64"`` layers return float64 arrays computed with float32 rounding on
``keras.layers.LSTM`` (no mask), ``keras.layers.RNN(keras.layers.LSTMCell)`` and
``keras.layers.GRU(reset_after=True)`` (no mask), every path whose cell uses tanh.

Paths (keras/src/backend/jax/rnn.py): ``lstm`` raises NotImplementedError without a GPU (its only
kernel is jax.experimental.rnn.lstm, cuDNN), so LSTM runs the generic ``RNN.inner_loop`` over
``LSTMCell.call``; ``gru`` runs its own ``lax.scan`` of ``jnp.matmul``. Both compute their matrix
products in float64 (``keras.ops.matmul`` is ``jnp.matmul`` on JAX), but the activation
``keras.activations.tanh`` is ``keras.ops.tanh``, which keras/src/backend/jax/numpy.py casts to
``keras.src.backend.common.dtypes.result_type(x.dtype, float)``: float32 for float64. The contrast:
``keras.layers.SimpleRNN(activation="relu")``, with no tanh, agrees to float64 rounding. Shown
without rnnspec against torch float64 with the same weights.
Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import os
import sys

os.environ["KERAS_BACKEND"] = "jax"

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

B, T, I, H = 3, 6, 4, 5


def gru_order(a):  # torch's r, z, n -> Keras' z, r, h
    r, z, n = np.split(a, 3)
    return np.concatenate([z, r, n])


def main() -> int:
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, jax {jax.__version__} "
          f"(x64 {jax.config.jax_enable_x64}, default backend {jax.default_backend()}), torch {torch.__version__}")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, I))
    torch.manual_seed(0)
    reproduced = True
    lstm, gru = torch.nn.LSTM(I, H, batch_first=True).double(), torch.nn.GRU(I, H, batch_first=True).double()
    pl = {k: v.detach().numpy() for k, v in lstm.named_parameters()}
    pg = {k: v.detach().numpy() for k, v in gru.named_parameters()}
    lstm_weights = [pl["weight_ih_l0"].T, pl["weight_hh_l0"].T, pl["bias_ih_l0"] + pl["bias_hh_l0"]]
    gru_weights = [gru_order(pg["weight_ih_l0"]).T, gru_order(pg["weight_hh_l0"]).T,
                   np.stack([gru_order(pg["bias_ih_l0"]), gru_order(pg["bias_hh_l0"])])]
    cases = [
        ("keras.layers.LSTM", keras.layers.LSTM(H, unit_forget_bias=False, return_sequences=True, dtype="float64"),
         lstm_weights, lstm),
        ("keras.layers.RNN(keras.layers.LSTMCell)",
         keras.layers.RNN(keras.layers.LSTMCell(H, unit_forget_bias=False, dtype="float64"), return_sequences=True,
                          dtype="float64"), lstm_weights, lstm),
        ("keras.layers.GRU(reset_after=True)",
         keras.layers.GRU(H, reset_after=True, return_sequences=True, dtype="float64"), gru_weights, gru),
    ]
    relu = torch.nn.RNN(I, H, nonlinearity="relu", batch_first=True).double()
    pr = {k: v.detach().numpy() for k, v in relu.named_parameters()}
    cases.append(("keras.layers.SimpleRNN(activation='relu')",
                  keras.layers.SimpleRNN(H, activation="relu", return_sequences=True, dtype="float64"),
                  [pr["weight_ih_l0"].T, pr["weight_hh_l0"].T, pr["bias_ih_l0"] + pr["bias_hh_l0"]], relu))
    for api, layer, weights, ref in cases:
        layer.build((None, None, I))
        layer.set_weights(weights)
        got = np.asarray(layer(x))
        with torch.no_grad():
            want = ref(torch.from_numpy(x))[0].numpy()
        err = float(np.abs(got - want).max())
        print(f"{api}(dtype='float64')(x), no mask: output {got.dtype}, max |keras - torch float64| = {err:.1e}")
        if "relu" in api:  # no tanh: float64 rounding
            reproduced &= got.dtype == np.float64 and err < 1e-13
        else:
            reproduced &= got.dtype == np.float64 and 1e-10 < err < 1e-4
    tanh = keras.ops.tanh(jax.numpy.ones((2,), "float64"))
    matmul = keras.ops.matmul(jax.numpy.ones((2, 2), "float64"), jax.numpy.ones((2, 2), "float64"))
    print(f"keras.ops.tanh(float64).dtype = {tanh.dtype}; keras.ops.matmul(float64, float64).dtype = {matmul.dtype}")
    reproduced &= str(tanh.dtype) == "float32" and str(matmul.dtype) == "float64"
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
