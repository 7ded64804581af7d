"""Finding: on Keras 3's torch backend, ``keras.layers.SimpleRNN`` (tanh and relu) and
``keras.layers.GRU(reset_after=False)`` with ``dtype="float64"`` compute in float32, mask or not.

Path: SimpleRNN has no backend kernel (keras/src/layers/rnn/simple_rnn.py defines no
``inner_loop``), and keras/src/backend/torch/rnn.py ``gru`` raises NotImplementedError for
``reset_after=False``; so both run the generic ``RNN.inner_loop`` over ``SimpleRNNCell.call`` /
``GRUCell.call``, whose ``keras.ops.matmul`` maps float64 to float32
(``keras.src.backend.common.dtypes.result_type``). References without rnnspec: ``torch.nn.RNN`` in
float64 for SimpleRNN, and for GRU(reset_after=False) a numpy float64 loop of Keras' own equations
(z = s(x Wz + h Uz + bz), r = s(x Wr + h Ur + br), hh = tanh(x Wh + (r*h) Uh + bh),
h' = z*h + (1-z)*hh). Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import os
import sys

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

B, T, I, H = 3, 6, 4, 5


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def gru_reset_before(x, kernel, recurrent_kernel, bias):
    """Keras' GRU with reset_after=False, gates z, r, h, in numpy float64."""
    h = np.zeros((x.shape[0], recurrent_kernel.shape[0]))
    (kz, kr, kh), (uz, ur, uh), (bz, br, bh) = (np.split(a, 3, axis=-1) for a in (kernel, recurrent_kernel, bias))
    outputs = []
    for t in range(x.shape[1]):
        z = sigmoid(x[:, t] @ kz + h @ uz + bz)
        r = sigmoid(x[:, t] @ kr + h @ ur + br)
        hh = np.tanh(x[:, t] @ kh + (r * h) @ uh + bh)
        h = z * h + (1 - z) * hh
        outputs.append(h)
    return np.stack(outputs, axis=1)


def main() -> int:
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, torch {torch.__version__}")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, I))
    torch.manual_seed(0)
    reproduced = True
    for activation in ("tanh", "relu"):
        ref = torch.nn.RNN(I, H, nonlinearity=activation, batch_first=True).double()
        p = {k: v.detach().numpy() for k, v in ref.named_parameters()}
        layer = keras.layers.SimpleRNN(H, activation=activation, return_sequences=True, dtype="float64")
        layer.build((None, None, I))
        layer.set_weights([p["weight_ih_l0"].T, p["weight_hh_l0"].T, p["bias_ih_l0"] + p["bias_hh_l0"]])
        with torch.no_grad():
            want = ref(torch.from_numpy(x))[0].numpy()
        err = float(np.abs(keras.ops.convert_to_numpy(layer(x)) - want).max())
        print(f"keras.layers.SimpleRNN(activation={activation!r}, dtype='float64')(x): "
              f"max |keras - torch float64| = {err:.1e}")
        reproduced &= 1e-10 < err < 1e-4
    kernel, recurrent_kernel, bias = (rng.standard_normal(s) * 0.5 for s in ((I, 3 * H), (H, 3 * H), (3 * H,)))
    layer = keras.layers.GRU(H, reset_after=False, return_sequences=True, dtype="float64")
    layer.build((None, None, I))
    layer.set_weights([kernel, recurrent_kernel, bias])
    err = float(np.abs(keras.ops.convert_to_numpy(layer(x)) - gru_reset_before(x, kernel, recurrent_kernel, bias)).max())
    print(f"keras.layers.GRU(reset_after=False, dtype='float64')(x): max |keras - numpy float64| = {err:.1e}")
    reproduced &= 1e-10 < err < 1e-4
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
