"""Equinox's recurrent cells (``eqx.nn.LSTMCell``, ``eqx.nn.GRUCell``) as rnnspec targets.
``pip install rnnspec[jax]``.

Weight mapping from the canonical (torch) layout: Equinox keeps torch's matrices and gate orders
(LSTM i, f, g, o; GRU r, z, n) and folds the biases:
    LSTMCell: weight_ih = W_ih, weight_hh = W_hh, bias = b_ih + b_hh
    GRUCell:  weight_ih = W_ih, weight_hh = W_hh, bias = b_ih + [b_hr, b_hz, 0], bias_n = b_hn
              (torch's form: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)))
bias=False is built with ``use_bias=False``. Equinox cells take one example (no batch axis) and a
state (h, c) for the LSTM; the adapter maps them over the batch with ``jax.vmap``, as an Equinox
user does. Equinox has no layer type (a user writes ``jax.lax.scan`` over the cell), so only the
cell properties apply.

Paths covered (Equinox 0.13.8, read in equinox/nn/_rnn.py): ``jax.vmap(cell)(x, state)`` of
``eqx.nn.LSTMCell`` (one ``weight_ih @ x + weight_hh @ h (+ bias)``, split i, f, g, o) and
``eqx.nn.GRUCell`` (``weight_ih @ x (+ bias)`` and ``weight_hh @ h`` split r, z, n, with ``bias_n``
inside the reset product: torch's form, tests/findings/check_gru_forms.py), with and without bias,
float32 and float64 (JAX x64), under ``jax.jit``, with gradients by ``jax.vjp``. The cells have no
other branches. Not covered: a user's own ``jax.lax.scan`` over the cell (user code; rnnspec steps
the cell over a sequence in ``cell_unrolled_is_layer``), ``eqx.filter_jit`` / ``eqx.filter_vmap``
(the same computation through Equinox's filtered transforms), and the ``dtype`` argument's mixed
precision (parameters and inputs here always share one dtype).
"""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp

from rnnspec.targets.adapters import module_getattr
from rnnspec.targets.adapters._jax import JaxCell, x64, zero_state
from rnnspec.targets.base import Declaration, Target

__all__ = ["EquinoxCell", "TARGETS", "LSTMCell", "GRUCell"]

_MODULE = "rnnspec.targets.adapters.equinox"

_CAPABILITIES = frozenset({"no_bias", "initial_state", "unbatched", "float64", "grad", "parameters"})


def _with_params(cell, kind: str, p: dict):
    """``cell`` with its arrays replaced by the mapped canonical parameters."""
    where, values = (lambda c: (c.weight_ih, c.weight_hh)), (p["weight_ih"], p["weight_hh"])
    if "bias_ih" in p:
        b_ih, b_hh = p["bias_ih"], p["bias_hh"]
        if kind == "lstm":
            where, values = (lambda c: (c.weight_ih, c.weight_hh, c.bias)), (*values, b_ih + b_hh)
        else:
            H = b_ih.shape[0] // 3
            bias = b_ih + jnp.concatenate([b_hh[: 2 * H], jnp.zeros((H,), b_hh.dtype)])
            where, values = (lambda c: (c.weight_ih, c.weight_hh, c.bias, c.bias_n)), (*values, bias, b_hh[2 * H:])
    return eqx.tree_at(where, cell, values)


class EquinoxCell(Target):
    """``eqx.nn.LSTMCell`` or ``eqx.nn.GRUCell``, mapped over the batch."""

    def __init__(self, *, name: str, cell: str):
        super().__init__(Declaration(name=name, subject="cell", cells=(cell,), capabilities=_CAPABILITIES))

    def build(self, config, params, *, dtype, training=False):
        with x64():  # a float64 template needs JAX's float64 mode
            return JaxCell(params, self._forward(config, str(dtype).removeprefix("torch.")))

    @functools.lru_cache(maxsize=256)  # one function per config and dtype, so its compilations are reused
    def _forward(self, config, dtype: str):
        kind, H = config.cell, config.hidden_size
        cls = {"lstm": eqx.nn.LSTMCell, "gru": eqx.nn.GRUCell}[kind]
        template = cls(config.input_size, H, use_bias=config.bias, dtype=jnp.dtype(dtype), key=jax.random.key(0))

        def forward(p, x, state):
            cell = _with_params(template, kind, p)
            state = state or zero_state(kind, x, H)
            new = jax.vmap(cell)(x, state if kind == "lstm" else state[0])  # Equinox's LSTM state is (h, c) too
            return tuple(new) if kind == "lstm" else (new,)

        return forward


TARGETS: dict[str, Target] = {name: EquinoxCell(name=f"{_MODULE}:{name}", cell=cell)
                              for name, cell in (("LSTMCell", "lstm"), ("GRUCell", "gru"))}
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: equinox.LSTMCell, ...
