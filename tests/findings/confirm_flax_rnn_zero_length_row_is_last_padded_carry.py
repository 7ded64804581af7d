"""Finding: ``flax.linen.RNN`` and ``flax.nnx.RNN`` (Flax 0.12.8), called with ``seq_lengths`` that
hold a 0 and ``return_carry=True``, return for that row the carry after every padded step, not the
initial carry (torch keeps a length-0 row's initial state; a PackedSequence cannot hold one).

Path (flax/linen/recurrent.py and flax/nnx/nn/recurrent.py ``RNN.__call__``): the scan runs every
step for every row and ``_select_last_carry`` picks the carry at index ``seq_lengths - 1``, which is
-1, the last step, for a row of length 0. rnnspec's Flax adapters do not claim ``zero_length``, so
no property checks this. Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys

import flax
import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx


def main() -> int:
    print(f"flax {flax.__version__}, jax {jax.__version__}")
    x = jnp.asarray(np.random.default_rng(0).standard_normal((2, 4, 3)), jnp.float32)
    h0 = jnp.asarray(np.random.default_rng(1).standard_normal((2, 5)), jnp.float32)
    lengths = jnp.array([4, 0])
    reproduced = True
    rnn = nn.RNN(nn.GRUCell(5), return_carry=True)
    params = rnn.init(jax.random.key(0), x)
    linen = (rnn.apply(params, x, initial_carry=h0, seq_lengths=lengths)[0], rnn.apply(params, x, initial_carry=h0)[0])
    rnn = nnx.RNN(nnx.GRUCell(3, 5, rngs=nnx.Rngs(0)), return_carry=True)
    nnx_ = (rnn(x, initial_carry=h0, seq_lengths=lengths)[0], rnn(x, initial_carry=h0)[0])
    for api, (carry, full) in (("flax.linen.RNN(nn.GRUCell)", linen), ("flax.nnx.RNN(nnx.GRUCell)", nnx_)):
        kept = bool(jnp.allclose(carry[1], h0[1]))
        last = bool(jnp.allclose(carry[1], full[1]))
        print(f"{api}(x, initial_carry=h0, seq_lengths=[4, 0]): row of length 0 returns the initial carry: {kept}; "
              f"the carry after all 4 padded steps: {last}")
        reproduced &= last and not kept
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
