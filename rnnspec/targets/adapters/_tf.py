"""What the TensorFlow adapters (tf_keras, tf_ops) share: TensorFlow run eagerly as a torch
autograd node.

A built TensorFlow target holds the canonical parameters as torch leaf tensors and maps them to
the framework's layout in torch (transposes, gate blocks, folded biases: linear maps), so torch's
autograd carries gradients back through that map. The framework's own computation is one call
``fn`` on TensorFlow tensors, run eagerly (as a TensorFlow 2 user runs a layer or a raw op);
when torch asks for a backward pass, the gradient comes from the ``tf.GradientTape`` that recorded
that forward call (``tape.gradient`` with the output cotangents), so the gradient properties
check TensorFlow's registered gradients, not torch's.

Two ways the weights reach TensorFlow: as tensors passed to ``fn`` (raw ops), or assigned to a
Keras layer's ``tf.Variable``s before the call (Keras layers own their variables); the tape
differentiates with respect to those variables, which is what a Keras user's training step does.
Not covered: ``tf.function`` (graph mode), where Grappler may swap implementations.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

from rnnspec.targets.adapters import environment_for_import

with environment_for_import(TF_CPP_MIN_LOG_LEVEL="2"):  # TensorFlow's C++ logging quiet, read when imported
    import tensorflow as tf

__all__ = ["to_tf", "to_torch", "tf_call", "Built", "zero_state"]


def to_tf(t: torch.Tensor) -> tf.Tensor:
    return tf.constant(t.detach().cpu().numpy())


def to_torch(a) -> torch.Tensor:
    return torch.from_numpy(np.array(a))


def _assign(variables, weights) -> None:
    for variable, w in zip(variables, weights, strict=True):
        variable.assign(w.detach().cpu().numpy())


class _Tf(torch.autograd.Function):
    """An eager TensorFlow call as a torch autograd node; its backward is the recording tape's."""

    @staticmethod
    def forward(ctx, fn, n_inputs, variables, *tensors):
        inputs, weights = tensors[:n_inputs], tensors[n_inputs:]
        with tf.GradientTape(persistent=True, watch_accessed_variables=variables is not None) as tape:
            tf_inputs = [to_tf(t) for t in inputs]
            tf_weights = [to_tf(w) for w in weights] if variables is None else []
            tape.watch(tf_inputs + tf_weights)
            if variables is not None:
                _assign(variables, weights)
            outputs = tuple(fn(*tf_inputs, *tf_weights))
        ctx.tape, ctx.outputs = tape, outputs
        ctx.sources = tf_inputs + (tf_weights if variables is None else list(variables))
        return tuple(to_torch(o) for o in outputs)

    @staticmethod
    def backward(ctx, *grads):
        cotangents = [tf.constant(g.detach().cpu().numpy().astype(o.dtype.as_numpy_dtype))
                      for g, o in zip(grads, ctx.outputs)]
        found = ctx.tape.gradient(list(ctx.outputs), ctx.sources, output_gradients=cotangents,
                                  unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return (None, None, None, *(to_torch(g) for g in found))


def tf_call(fn: Callable, inputs: Sequence[torch.Tensor], weights: Sequence[torch.Tensor], *,
            variables: Sequence[tf.Variable] | None = None) -> tuple[torch.Tensor, ...]:
    """``fn`` run eagerly on TensorFlow copies of torch tensors, its outputs as torch tensors.

    Args:
        fn: ``fn(*tf inputs[, *tf weights]) -> sequence of tf tensors``.
        inputs: torch tensors passed to ``fn`` first (input, states).
        weights: the framework's weights (already in its layout), as torch tensors: passed to
            ``fn`` after the inputs when ``variables`` is None, else assigned to ``variables``
            (one each, in order) before the call.
        variables: a Keras layer's ``tf.Variable``s, or None.

    Returns:
        ``fn``'s outputs; differentiable by torch's autograd (through ``tf.GradientTape``) with
        respect to ``inputs`` and ``weights`` when any of them requires grad.
    """
    inputs, weights = tuple(inputs), tuple(weights)
    variables = None if variables is None else list(variables)
    if torch.is_grad_enabled() and any(t.requires_grad for t in inputs + weights):
        return _Tf.apply(fn, len(inputs), variables, *inputs, *weights)
    if variables is not None:
        _assign(variables, weights)
        return tuple(to_torch(o) for o in fn(*(to_tf(t) for t in inputs)))
    return tuple(to_torch(o) for o in fn(*(to_tf(t) for t in inputs + weights)))


class Built:
    """A built TensorFlow target's canonical parameters, as torch leaves (what the gradient properties
    read); TensorFlow gets them through ``tf_call`` at each call."""

    def __init__(self, params):
        self.params = {name: p.detach().clone().requires_grad_(True) for name, p in params.items()}

    def named_parameters(self):
        return iter(self.params.items())


def zero_state(kind: str, x: torch.Tensor, hidden: int) -> tuple:
    """torch's zero state (h[, c]) of a cell for a batch ``x`` (B, I)."""
    zeros = torch.zeros(x.shape[0], hidden, dtype=x.dtype)
    return (zeros, zeros) if kind == "lstm" else (zeros,)
