"""Finding: Flax's LSTM cells (``flax.linen.LSTMCell``, and nnx's) flush a subnormal cell state to
zero on CPU: with the forget gate saturated open and the input gate shut, c' = f*c + i*g must be c
exactly, and is 0 when c is subnormal (torch.nn.LSTMCell and numpy keep it). JAX's CPU kernels run
with denormals flushed to zero (flush-to-zero / denormals-are-zero), as XLA does by default; rnnspec's
magnitude tier (subnormal regime) shows it through lstm_saturated_gates_keep_memory.

Path: ``flax.linen.LSTMCell.__call__`` computes ``new_c = f * c + i * g`` with jax.numpy ops. Shown
without rnnspec: torch's LSTMCell weights (float64, JAX x64) with b_ii = -1000 and b_if = +1000, a
subnormal c0; the cell's c' against torch's. Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys

import jax

jax.config.update("jax_enable_x64", True)

import flax  # noqa: E402
import flax.linen as nn  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

I, H = 3, 4


def main() -> int:
    print(f"flax {flax.__version__}, jax {jax.__version__} (x64 {jax.config.jax_enable_x64}), torch {torch.__version__}")
    torch.manual_seed(0)
    ref = torch.nn.LSTMCell(I, H).double()
    with torch.no_grad():
        ref.bias_ih[:H] -= 1000  # input gate: exactly 0
        ref.bias_ih[H : 2 * H] += 1000  # forget gate: exactly 1
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, I))
    h0 = rng.uniform(-1, 1, (1, H))
    c0 = rng.uniform(-1, 1, (1, H)) * 1e-310  # subnormal: below finfo(float64).smallest_normal = 2.2e-308
    with torch.no_grad():
        _, c_torch = ref(torch.from_numpy(x), (torch.from_numpy(h0), torch.from_numpy(c0)))
    p = {k: v.detach().numpy() for k, v in ref.named_parameters()}
    wi, wh = np.split(p["weight_ih"], 4), np.split(p["weight_hh"], 4)
    b = np.split(p["bias_ih"] + p["bias_hh"], 4)
    params = {f"i{g}": {"kernel": wi[k].T} for k, g in enumerate("ifgo")}
    params |= {f"h{g}": {"kernel": wh[k].T, "bias": b[k]} for k, g in enumerate("ifgo")}
    cell = nn.LSTMCell(H, param_dtype=jnp.float64, dtype=jnp.float64)
    (c_flax, _), _ = cell.apply({"params": params}, (jnp.asarray(c0), jnp.asarray(h0)), jnp.asarray(x))
    c_flax = np.asarray(c_flax)
    print(f"c0        = {c0[0]}")
    print(f"torch c'  = {c_torch.numpy()[0]}  (equal to c0: {np.array_equal(c_torch.numpy(), c0)})")
    print(f"flax c'   = {c_flax[0]}  (equal to c0: {np.array_equal(c_flax, c0)})")
    # a normal c0 is kept by both: the flush is of subnormals only
    c1 = c0 * 1e10
    (c_normal, _), _ = cell.apply({"params": params}, (jnp.asarray(c1), jnp.asarray(h0)), jnp.asarray(x))
    kept_normal = np.array_equal(np.asarray(c_normal), c1)
    print(f"flax keeps a normal c0 exactly: {kept_normal}")
    reproduced = np.array_equal(c_torch.numpy(), c0) and not np.any(c_flax) and kept_normal
    print("FINDING CONFIRMED" if reproduced else "not reproduced")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
