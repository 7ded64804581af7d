"""Finding: on Keras 3's JAX backend without JAX's x64 mode (JAX's default), a
``keras.layers.LSTM(dtype="float64")`` (and any other Keras layer) holds float32 weights and returns
float32: JAX truncates every float64 request to float32 (with a UserWarning), so float64 is not
available at all. This is JAX's documented default, not a Keras path; rnnspec's Keras adapter builds
and calls its float64 targets in x64 mode (``jax.enable_x64``), its float32 ones without.
Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import os
import sys
import warnings

os.environ["KERAS_BACKEND"] = "jax"
os.environ["JAX_ENABLE_X64"] = "0"

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402


def main() -> int:
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, jax {jax.__version__} "
          f"(x64 {jax.config.jax_enable_x64})")
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = keras.layers.LSTM(4, dtype="float64")
        out = layer(x)
    print(f"keras.layers.LSTM(4, dtype='float64'): kernel {layer.cell.kernel.value.dtype}, output {out.dtype}")
    reproduced = str(out.dtype) == "float32" and str(layer.cell.kernel.value.dtype) == "float32"
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
