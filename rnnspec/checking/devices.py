"""``--device``: the target runs on a device; the cases, the references (CPU, float64: the oracle)
and every comparison stay on the CPU.

``running.build`` moves the module a layer or cell target built to the run's device and wraps it
in ``OnDevice``: a call moves the floating-point tensors it is given (input, PackedSequence,
state) to the device and what comes back to the CPU, through autograd (``Tensor.to`` is
differentiable), so properties see CPU tensors whose gradients reach their CPU leaves.
``named_parameters`` are the module's own, on the device, with their gradients there.
"""

from __future__ import annotations

import torch
from torch.nn.utils.rnn import PackedSequence

__all__ = ["OnDevice", "to_device"]


def to_device(obj, device):
    """Floating-point tensors and PackedSequences (alone or in tuples and lists) on ``device``;
    anything else as it is (lengths stay on the CPU, where pack_padded_sequence wants them)."""
    if isinstance(obj, PackedSequence):
        return obj.to(device)
    if isinstance(obj, torch.Tensor):
        return obj.to(device) if obj.is_floating_point() else obj
    if isinstance(obj, (tuple, list)):
        return type(obj)(to_device(o, device) for o in obj)
    return obj


class OnDevice:
    """A built layer or cell on ``device``, called with CPU tensors and returning CPU tensors."""

    def __init__(self, module, device: str):
        inner = getattr(module, "module", module)  # a WrappedModule moves the user's module
        if not hasattr(inner, "to"):
            raise ValueError(f"--device {device}: {type(inner).__name__} has no .to(device): only torch modules "
                             f"run on a device")
        inner.to(device)
        self.module, self.device = module, device

    def __call__(self, *args, **kwargs):
        result = self.module(*to_device(args, self.device),
                             **{k: to_device(v, self.device) for k, v in kwargs.items()})
        return to_device(result, "cpu")

    def named_parameters(self):
        return self.module.named_parameters()

    def parameters(self):
        return self.module.parameters()

    def train(self, mode: bool = True) -> "OnDevice":
        self.module.train(mode)
        return self

    def eval(self) -> "OnDevice":
        return self.train(False)

    def __getattr__(self, name):  # the module's other attributes (found_under, weights read by name, ...)
        if name in ("module", "device"):
            raise AttributeError(name)
        return getattr(self.module, name)

    def __repr__(self) -> str:
        return f"OnDevice({self.module!r}, {self.device!r})"
