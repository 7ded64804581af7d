"""Finding: on Keras 3's torch backend, the generic path ``keras.layers.RNN(cell)`` with
``dtype="float64"`` (cell LSTMCell, GRUCell or SimpleRNNCell) computes in float32.

Cause (keras/src/backend/torch/numpy.py ``matmul``): the cells' ``keras.ops.matmul`` takes its dtype
from ``keras.src.backend.common.dtypes.result_type``, which maps float64 to float32 on every backend
but TensorFlow; ``RNN.call`` casts the results back to float64. Shown here without rnnspec: the
same weights in ``torch.nn.LSTM`` / ``GRU`` / ``RNN`` in float64 differ from Keras' float64 output
by float32 rounding (1e-9..1e-5), not float64 rounding (<1e-12); and ``keras.ops.matmul`` of two
float64 tensors returns float32. Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
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
    for name in ("LSTMCell", "GRUCell", "SimpleRNNCell"):
        ref = {"LSTMCell": torch.nn.LSTM, "GRUCell": torch.nn.GRU, "SimpleRNNCell": torch.nn.RNN}[name](
            I, H, batch_first=True).double()
        p = {k: v.detach().numpy() for k, v in ref.named_parameters()}
        w_ih, w_hh, b_ih, b_hh = p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"]
        if name == "GRUCell":
            weights = [gru_order(w_ih).T, gru_order(w_hh).T, np.stack([gru_order(b_ih), gru_order(b_hh)])]
            cell = keras.layers.GRUCell(H, reset_after=True, dtype="float64")
        else:
            weights = [w_ih.T, w_hh.T, b_ih + b_hh]
            cell = (keras.layers.LSTMCell(H, unit_forget_bias=False, dtype="float64") if name == "LSTMCell"
                    else keras.layers.SimpleRNNCell(H, dtype="float64"))
        layer = keras.layers.RNN(cell, return_sequences=True, dtype="float64")
        layer.build((None, None, I))
        layer.set_weights(weights)
        got = keras.ops.convert_to_numpy(layer(x))
        with torch.no_grad():
            want = ref(torch.from_numpy(x))[0].numpy()
        err = float(np.abs(got - want).max())
        ok = got.dtype == np.float64 and 1e-10 < err < 1e-4
        print(f"keras.layers.RNN(keras.layers.{name}(dtype='float64')): output {got.dtype}, "
              f"max |keras - torch float64| = {err:.2e} ({'float32 rounding' if ok else 'NOT float32 rounding'})")
        reproduced &= ok
    a = keras.ops.ones((2, 2), dtype="float64")
    product = keras.ops.matmul(a, a)
    print(f"keras.ops.matmul(float64, float64).dtype = {product.dtype}; "
          f"result_type('float64', 'float64') = {keras.backend.result_type('float64', 'float64')}")
    reproduced &= str(product.dtype) == "torch.float32"
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
