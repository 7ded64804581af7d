"""Finding: ``flax.nnx.GRUCell`` has no ``b_hn``: it computes n = tanh(W_in x + b_in + r * (W_hn h)),
so it is torch's GRU cell only when b_hn = 0 (its own docstring writes r * (W_hn h + b_hn)).

Path (flax/nnx/nn/recurrent.py ``GRUCell.__init__``): ``dense_i`` is a Linear with a bias,
``dense_h`` a Linear with ``use_bias=False``; ``__call__`` splits ``dense_h(h)`` into r, z, n and
computes ``n = activation_fn(xi_n + r * hh_n)``. Shown without rnnspec: the cell's parameters have
no recurrent bias, and with torch's GRUCell weights (float64, JAX x64) it matches
``torch.nn.GRUCell`` to float64 rounding when b_hn = 0 and not when b_hn != 0. ``flax.linen.GRUCell``
(whose ``hn`` Dense has a bias) is shown beside it. Exit 0 and "FINDING CONFIRMED" when it
reproduces, else 1.
"""

import sys

import jax

jax.config.update("jax_enable_x64", True)

import flax  # noqa: E402
import flax.linen as nn  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from flax import nnx  # noqa: E402

B, I, H = 3, 4, 5


def main() -> int:
    print(f"flax {flax.__version__}, jax {jax.__version__} (x64 {jax.config.jax_enable_x64}), torch {torch.__version__}")
    cell = nnx.GRUCell(I, H, dtype=jnp.float64, param_dtype=jnp.float64, rngs=nnx.Rngs(0))
    paths = sorted("/".join(map(str, path)) for path, _ in nnx.to_flat_state(nnx.state(cell, nnx.Param)))
    print(f"nnx.GRUCell parameters: {paths}")
    reproduced = "dense_h/bias" not in paths and "dense_i/bias" in paths
    rng = np.random.default_rng(0)
    x, h = rng.standard_normal((B, I)), rng.standard_normal((B, H))
    torch.manual_seed(0)
    ref = torch.nn.GRUCell(I, H).double()
    for b_hn_zero in (True, False):
        with torch.no_grad():
            if b_hn_zero:
                ref.bias_hh[2 * H:] = 0
            else:
                ref.bias_hh[2 * H:] = torch.from_numpy(rng.standard_normal(H))
            want = ref(torch.from_numpy(x), torch.from_numpy(h)).numpy()
        p = {k: v.detach().numpy() for k, v in ref.named_parameters()}
        b_ih, b_hh = p["bias_ih"], p["bias_hh"]
        cell.dense_i.kernel.value = jnp.asarray(p["weight_ih"].T)
        cell.dense_i.bias.value = jnp.asarray(b_ih + np.concatenate([b_hh[:2 * H], np.zeros(H)]))  # b_hn: no place
        cell.dense_h.kernel.value = jnp.asarray(p["weight_hh"].T)
        got = np.asarray(cell(jnp.asarray(h), jnp.asarray(x))[0])
        err = float(np.abs(got - want).max())
        print(f"nnx.GRUCell vs torch.nn.GRUCell (float64), b_hn {'= 0' if b_hn_zero else '!= 0'}: max |error| = {err:.1e}")
        reproduced &= err < 1e-12 if b_hn_zero else err > 1e-3
    # linen, for contrast: its hn Dense carries b_hn
    wi, wh = np.split(p["weight_ih"], 3), np.split(p["weight_hh"], 3)
    bi, bh = np.split(b_ih, 3), np.split(b_hh, 3)
    params = {"ir": {"kernel": wi[0].T, "bias": bi[0] + bh[0]}, "iz": {"kernel": wi[1].T, "bias": bi[1] + bh[1]},
              "in": {"kernel": wi[2].T, "bias": bi[2]}, "hr": {"kernel": wh[0].T}, "hz": {"kernel": wh[1].T},
              "hn": {"kernel": wh[2].T, "bias": bh[2]}}
    linen = nn.GRUCell(features=H, dtype=jnp.float64, param_dtype=jnp.float64)
    got = np.asarray(linen.apply({"params": params}, jnp.asarray(h), jnp.asarray(x))[0])
    err = float(np.abs(got - want).max())
    print(f"linen.GRUCell vs torch.nn.GRUCell (float64), b_hn != 0: max |error| = {err:.1e}")
    reproduced &= err < 1e-12
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
