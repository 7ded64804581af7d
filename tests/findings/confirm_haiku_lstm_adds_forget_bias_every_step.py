"""Finding: ``hk.LSTM`` adds 1 to the forget gate's pre-activation on every call
(``f = jax.nn.sigmoid(f + 1)``), not once at initialization as its docstring says ("we add 1.0 to
b_f after initialization"). So torch's LSTM weights copied as they are (b_f = b_if + b_hf) give a
different LSTM; subtracting 1 from b_f gives torch's.

Path (haiku/_src/recurrent.py ``LSTM.__call__``): one ``hk.Linear(4H)`` over ``concat([x, h])``,
split i, g, f, o, then ``sigmoid(f + 1)``. Shown without rnnspec: torch.nn.LSTMCell's weights
(float64, JAX x64) loaded into hk.LSTM with b_f as is and with b_f - 1, compared with torch.
Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys

import jax

jax.config.update("jax_enable_x64", True)

import haiku as hk  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

B, I, H = 3, 4, 5


def main() -> int:
    print(f"dm-haiku {hk.__version__}, jax {jax.__version__} (x64 {jax.config.jax_enable_x64}), "
          f"torch {torch.__version__}")
    torch.manual_seed(0)
    ref = torch.nn.LSTMCell(I, H).double()
    rng = np.random.default_rng(0)
    x, h, c = rng.standard_normal((B, I)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    with torch.no_grad():
        want_h, want_c = (t.numpy() for t in ref(torch.from_numpy(x), (torch.from_numpy(h), torch.from_numpy(c))))
    p = {k: v.detach().numpy() for k, v in ref.named_parameters()}
    order = (0, 2, 1, 3)  # torch i, f, g, o -> Haiku i, g, f, o
    wi, wh = np.split(p["weight_ih"], 4), np.split(p["weight_hh"], 4)
    b = np.split(p["bias_ih"] + p["bias_hh"], 4)
    w = np.concatenate([np.concatenate([wi[k], wh[k]], axis=1) for k in order]).T  # (I+H, 4H)
    step = hk.transform(lambda x, s: hk.LSTM(H)(x, s)[1])
    reproduced = True
    for offset in (0.0, 1.0):
        bias = np.concatenate([b[k] - (offset if k == 1 else 0.0) for k in order])
        new = step.apply({"lstm/linear": {"w": jnp.asarray(w), "b": jnp.asarray(bias)}}, None, jnp.asarray(x),
                         hk.LSTMState(hidden=jnp.asarray(h), cell=jnp.asarray(c)))
        err = max(float(np.abs(np.asarray(new.hidden) - want_h).max()),
                  float(np.abs(np.asarray(new.cell) - want_c).max()))
        print(f"hk.LSTM vs torch.nn.LSTMCell (float64), b_f loaded as b_f - {offset:g}: "
              f"max |error| (h', c') = {err:.1e}")
        reproduced &= err > 1e-3 if offset == 0.0 else err < 1e-12
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
