"""Finding: on Keras 3's JAX backend with JAX's x64 mode on globally (``JAX_ENABLE_X64=1`` or
``jax.config.update("jax_enable_x64", True)``, as a project that uses float64 anywhere sets it),
``keras.layers.GRU(units, use_bias=False, dtype="float32")`` called without a mask raises
TypeError; with a bias, or with a mask, it runs.

Path (keras/src/backend/jax/rnn.py ``gru``, the fused path for reset_after=True without a mask):
for ``bias=None`` it builds ``input_bias = jnp.zeros(3 * hidden_size)`` with no dtype, which is
float64 under x64, so the step's new carry is float64 while the initial carry is float32, and
``lax.scan`` refuses the carry. A masked call takes the generic loop over ``GRUCell.call`` and
runs. Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
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
    x = np.random.default_rng(0).standard_normal((2, 4, 3)).astype("float32")
    outcomes = {}
    for bias in (False, True):
        for mask in (None, np.ones((2, 4), bool)):
            label = f"keras.layers.GRU(4, use_bias={bias}, dtype='float32')(x{', mask=m' if mask is not None else ''})"
            try:
                out = keras.layers.GRU(4, use_bias=bias, dtype="float32")(x, mask=mask)
                outcomes[bias, mask is not None] = f"returned {out.dtype}"
            except TypeError as e:
                carry = [line.strip() for line in str(e).splitlines() if "carry" in line]
                outcomes[bias, mask is not None] = f"raised TypeError: {(carry[1:] or carry or [''])[0][:110]}"
            print(f"{label}: {outcomes[bias, mask is not None]}")
    reproduced = (outcomes[False, False].startswith("raised TypeError")
                  and all(v.startswith("returned") for k, v in outcomes.items() if k != (False, False)))
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
