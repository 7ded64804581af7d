"""Finding: ``hk.GRU`` is not torch's GRU: it applies the reset gate before the recurrent matrix
product, ``a = tanh(x w_i[a] + (r*h) w_h[a] + b[a])`` (rnnspec's "gru_reset_before", Cho et al.
2014 eq. 5-8), has one bias (no b_hn inside the reset product), orders its columns z, r, a, and
updates ``h' = (1 - z) h + z a`` (its z is 1 - torch's z). With torch's weights mapped (z blocks
negated, biases folded) it equals the reset-before form exactly and differs from torch.nn.GRUCell
wherever r != 1, even with b_hn = 0.

Path (haiku/_src/recurrent.py ``GRU.__call__``). Shown without rnnspec, float64 (JAX x64): hk.GRU
with torch.nn.GRUCell's weights vs torch.nn.GRUCell (b_hn = 0) and vs the reset-before form written
in numpy. Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys

import jax

jax.config.update("jax_enable_x64", True)

import haiku as hk  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

B, I, H = 3, 4, 5


def sigmoid(u):
    return 1 / (1 + np.exp(-u))


def reset_before(x, h, p):
    """n = tanh(x W_in^T + b_in + (r*h) W_hn^T + b_hn); h' = (1-z) n + z h (torch's r, z)."""
    wi, wh = np.split(p["weight_ih"], 3), np.split(p["weight_hh"], 3)
    bi, bh = np.split(p["bias_ih"], 3), np.split(p["bias_hh"], 3)
    r = sigmoid(x @ wi[0].T + bi[0] + h @ wh[0].T + bh[0])
    z = sigmoid(x @ wi[1].T + bi[1] + h @ wh[1].T + bh[1])
    n = np.tanh(x @ wi[2].T + bi[2] + (r * h) @ wh[2].T + bh[2])
    return (1 - z) * n + z * h


def main() -> int:
    print(f"dm-haiku {hk.__version__}, jax {jax.__version__} (x64 {jax.config.jax_enable_x64}), "
          f"torch {torch.__version__}")
    torch.manual_seed(0)
    ref = torch.nn.GRUCell(I, H).double()
    with torch.no_grad():
        ref.bias_hh[2 * H:] = 0  # b_hn = 0: the difference is the reset placement alone
    rng = np.random.default_rng(0)
    x, h = rng.standard_normal((B, I)), rng.standard_normal((B, H))
    with torch.no_grad():
        want = ref(torch.from_numpy(x), torch.from_numpy(h)).numpy()
    p = {k: v.detach().numpy() for k, v in ref.named_parameters()}
    wi, wh = np.split(p["weight_ih"], 3), np.split(p["weight_hh"], 3)
    bi, bh = np.split(p["bias_ih"], 3), np.split(p["bias_hh"], 3)
    params = {"gru": {"w_i": jnp.asarray(np.concatenate([-wi[1], wi[0], wi[2]]).T),
                      "w_h": jnp.asarray(np.concatenate([-wh[1], wh[0], wh[2]]).T),
                      "b": jnp.asarray(np.concatenate([-(bi[1] + bh[1]), bi[0] + bh[0], bi[2] + bh[2]]))}}
    step = hk.transform(lambda x, h: hk.GRU(H)(x, h)[1])
    print("hk.GRU parameters:", {k: {n: a.shape for n, a in v.items()}
                                 for k, v in step.init(jax.random.PRNGKey(0), jnp.asarray(x), jnp.asarray(h)).items()})
    got = np.asarray(step.apply(params, None, jnp.asarray(x), jnp.asarray(h)))
    err_torch = float(np.abs(got - want).max())
    err_before = float(np.abs(got - reset_before(x, h, p)).max())
    print(f"hk.GRU vs torch.nn.GRUCell (float64, b_hn = 0): max |error| = {err_torch:.1e}")
    print(f"hk.GRU vs the reset-before form (float64):      max |error| = {err_before:.1e}")
    reproduced = err_torch > 1e-3 and err_before < 1e-12
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
