"""Finding: on Keras 3's JAX backend with JAX's x64 mode on, ``keras.layers.SimpleRNN(dtype="float64")``
and ``keras.layers.RNN(keras.layers.SimpleRNNCell(dtype="float64"))`` raise TypeError when called
without a mask (with a mask, ``backend.rnn``'s masked select promotes the state back to float64
and the call runs, with float32 rounding).

Cause: ``SimpleRNNCell.call`` ends with its activation, ``keras.activations.tanh`` =
``keras.ops.tanh``, which keras/src/backend/jax/numpy.py casts to
``keras.src.backend.common.dtypes.result_type(x.dtype, float)``, float32 for float64; so the cell
returns a float32 state for the float64 carry, and the generic loop's ``lax.scan``
(keras/src/backend/jax/rnn.py ``rnn``) refuses a carry whose dtype changes. (With
``activation="relu"`` it runs, in float64.) Exit 0 and
"FINDING CONFIRMED" when it reproduces, else 1.
"""

import os
import sys

os.environ["KERAS_BACKEND"] = "jax"

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import keras  # noqa: E402
import numpy as np  # noqa: E402


def main() -> int:
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, jax {jax.__version__} "
          f"(x64 {jax.config.jax_enable_x64})")
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    reproduced = True
    for api, layer in (("keras.layers.SimpleRNN(4, dtype='float64')", keras.layers.SimpleRNN(4, dtype="float64")),
                       ("keras.layers.RNN(keras.layers.SimpleRNNCell(4, dtype='float64'))",
                        keras.layers.RNN(keras.layers.SimpleRNNCell(4, dtype="float64"), dtype="float64"))):
        try:
            out = layer(x)
            print(f"{api}(x) returned {out.dtype}: no error")
            reproduced = False
        except TypeError as e:
            first = next((line for line in str(e).splitlines() if "carry" in line), str(e).splitlines()[0])
            print(f"{api}(x) raised TypeError: {first.strip()[:200]}")
    float32 = keras.layers.SimpleRNN(4, dtype="float32")(x.astype("float32"))
    print(f"the same in float32: {float32.dtype}, no error")
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
