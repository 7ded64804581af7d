"""Finding: on Keras 3's torch backend, ``keras.layers.LSTM`` and ``keras.layers.GRU(reset_after=True)``
with ``dtype="float64"`` compute in float32 when called with a mask (even an all-True one), and in
float64 without one.

Path (keras/src/backend/torch/rnn.py ``lstm`` / ``gru``): "if mask is not None: raise
NotImplementedError", so ``LSTM.inner_loop`` / ``GRU.inner_loop`` fall back to the generic
``RNN.inner_loop`` over ``LSTMCell.call`` / ``GRUCell.call``, whose ``keras.ops.matmul`` maps float64
to float32 (``keras.src.backend.common.dtypes.result_type``). Shown without rnnspec against
``torch.nn.LSTM`` / ``GRU`` in float64 with the same weights. Exit 0 and "FINDING CONFIRMED" when it
reproduces, else 1.
"""

import os
import sys

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

B, T, I, H = 3, 6, 4, 5


def gru_order(a):  # torch's r, z, n -> Keras' z, r, h
    r, z, n = np.split(a, 3)
    return np.concatenate([z, r, n])


def main() -> int:
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, torch {torch.__version__}")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, I))
    torch.manual_seed(0)
    reproduced = True
    for name in ("LSTM", "GRU"):
        ref = getattr(torch.nn, name)(I, H, batch_first=True).double()
        p = {k: v.detach().numpy() for k, v in ref.named_parameters()}
        w_ih, w_hh, b_ih, b_hh = p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"]
        if name == "GRU":
            layer = keras.layers.GRU(H, reset_after=True, return_sequences=True, dtype="float64")
            weights = [gru_order(w_ih).T, gru_order(w_hh).T, np.stack([gru_order(b_ih), gru_order(b_hh)])]
        else:
            layer = keras.layers.LSTM(H, unit_forget_bias=False, return_sequences=True, dtype="float64")
            weights = [w_ih.T, w_hh.T, b_ih + b_hh]
        layer.build((None, None, I))
        layer.set_weights(weights)
        with torch.no_grad():
            want = ref(torch.from_numpy(x))[0].numpy()
        errors = {}
        for label, mask in (("no mask", None), ("mask=all True", np.ones((B, T), bool))):
            errors[label] = float(np.abs(keras.ops.convert_to_numpy(layer(x, mask=mask)) - want).max())
            print(f"keras.layers.{name}(dtype='float64')(x, {label}): max |keras - torch float64| = "
                  f"{errors[label]:.1e}")
        reproduced &= errors["no mask"] < 1e-13 and 1e-10 < errors["mask=all True"] < 1e-4
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
