"""What the JAX adapters (Flax linen, Flax nnx, Equinox) share.

A built JAX target holds the canonical parameters as torch leaf tensors and computes in JAX a
pure function ``forward(params, x, state[, lengths])`` whose first step maps the canonical layout
to the framework's own (transposes, gate blocks, folded biases: linear maps). The forward runs
that function compiled by ``jax.jit``; when torch's autograd asks for a backward pass it runs the
function's compiled ``jax.vjp``. So the gradient properties check the framework's own autodiff,
and the gradients of the canonical parameters are the framework's mapped back through that
linear map. Compilations are kept per configuration and shape.

float64 needs JAX's x64 mode: every build and call of a JAX target runs inside ``x64()``, JAX's
scoped switch (thread-local), so importing an adapter changes nothing process-wide and other JAX
code in the process keeps JAX's default (x64 off).

What this bridge does to the paths the adapters cover: the framework's forward always runs
under ``jax.jit`` (compiled once per shape), never eagerly, and its gradients are ``jax.vjp`` of
that function with respect to the canonical parameters; so a target checks the framework's
computation as compiled by XLA on CPU, which is how JAX code is run. Not covered here: eager
(un-jitted) calls, ``jax.grad`` of a loss written by a user (the same vjp), other devices.
"""

from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import torch

from rnnspec.targets.calling import call_as_torch_cell, call_as_torch_layer

__all__ = ["x64", "to_jax", "to_torch", "Compiled", "compile_pure", "jax_call", "JaxLayer", "JaxCell", "split_gates",
           "zero_state"]


def x64():
    """JAX's float64 mode for what runs inside (a context manager; JAX's own scoped switch)."""
    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    from jax.experimental import enable_x64  # older JAX

    return enable_x64()


def to_jax(t: torch.Tensor) -> jax.Array:
    return jnp.asarray(t.detach().cpu().numpy())


def to_torch(a) -> torch.Tensor:
    return torch.from_numpy(np.array(a))


class _Jax(torch.autograd.Function):
    """A compiled JAX function as a torch autograd node; its backward is the compiled ``jax.vjp``."""

    @staticmethod
    def forward(ctx, compiled, *tensors):
        ctx.compiled, ctx.arrays = compiled, tuple(to_jax(t) for t in tensors)
        return tuple(to_torch(o) for o in compiled.forward(*ctx.arrays))

    @staticmethod
    def backward(ctx, *grads):
        with x64():
            cotangents = ctx.compiled.backward(ctx.arrays, tuple(to_jax(g) for g in grads))
        return (None, *(to_torch(c) for c in cotangents))


class Compiled(NamedTuple):
    forward: Callable  # jit(fn)
    backward: Callable  # jit((args, cotangents) -> the vjp of fn at args)


def compile_pure(fn) -> Compiled:
    """``fn(*arrays) -> tuple of arrays``, compiled forward and backward (each once per shape)."""
    return Compiled(jax.jit(fn), jax.jit(lambda args, cotangents: jax.vjp(fn, *args)[1](cotangents)))


def jax_call(compiled: Compiled, *tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The compiled function applied to torch tensors; differentiable by torch's autograd (through
    ``jax.vjp``) when any input requires grad."""
    with x64():
        if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
            return _Jax.apply(compiled, *tensors)
        return tuple(to_torch(o) for o in compiled.forward(*(to_jax(t) for t in tensors)))


def split_gates(params: dict, tail: str, gates: int):
    """(W_ih blocks, W_hh blocks, b_ih blocks, b_hh blocks) of one layer and direction, torch's gate
    order; absent biases (bias=False) as zeros, which is what bias=False computes."""
    w_ih, w_hh = params["weight_ih" + tail], params["weight_hh" + tail]
    zeros = jnp.zeros(w_ih.shape[:1], w_ih.dtype)
    b_ih, b_hh = params.get("bias_ih" + tail, zeros), params.get("bias_hh" + tail, zeros)
    return tuple(jnp.split(a, gates) for a in (w_ih, w_hh, b_ih, b_hh))


def zero_state(kind: str, x, hidden: int) -> tuple:
    """torch's zero state (h[, c]) for a batch ``x`` (B, I)."""
    zeros = jnp.zeros((x.shape[0], hidden), x.dtype)
    return (zeros, zeros) if kind == "lstm" else (zeros,)


class _Built:
    """Canonical parameters as torch leaves, and the JAX function that computes with them."""

    def __init__(self, params, forward):
        self.params = {name: p.detach().clone().requires_grad_(True) for name, p in params.items()}
        self.forward = forward

    def named_parameters(self):
        """(torch's name, tensor) of each canonical parameter: the leaves gradients are read from."""
        return iter(self.params.items())

    def _call(self, x, state, *extra):
        n_state = 0 if state is None else len(state)
        extra = tuple(None if e is None else tuple(int(v) for v in e) for e in extra)  # hashable: static
        compiled = _compiled(self.forward, tuple(self.params), n_state, extra)
        return jax_call(compiled, x, *(state or ()), *self.params.values())


@functools.lru_cache(maxsize=512)
def _compiled(forward, names: tuple[str, ...], n_state: int, extra: tuple) -> Compiled:
    """One compiled function per built configuration and static extras (the lengths): calls on a
    shape seen before reuse its compilation."""

    def fn(x, *rest):
        state = tuple(rest[:n_state]) if n_state else None
        outputs = forward(dict(zip(names, rest[n_state:])), x, state, *extra)
        return outputs if isinstance(outputs, tuple) else (outputs,)

    return compile_pure(fn)


class JaxLayer(_Built):
    """Called as torch.nn.LSTM is; ``forward(params, x (B, T, I), state or None, lengths or None)``
    returns ``(output (B, T, D*H), *finals)`` with finals as torch orders them (h_n[, c_n])."""

    def __init__(self, params, forward, *, batch_first: bool):
        super().__init__(params, forward)
        self.batch_first = batch_first

    def __call__(self, input, hx=None):
        def run(x, state, lengths):
            output, *finals = self._call(x, state, lengths)
            return output, tuple(finals)

        return call_as_torch_layer(run, input, hx, batch_first=self.batch_first)


class JaxCell(_Built):
    """Called as torch.nn.LSTMCell is; ``forward(params, x (B, I), state or None)`` returns the new
    state as torch orders it (h[, c])."""

    def __call__(self, input, hx=None):
        return call_as_torch_cell(self._call, input, hx)
