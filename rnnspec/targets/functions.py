"""Function targets: clipping functions with torch's signatures, and connection wrappers with
the torch reference's signatures (``reference_impls.torch_connections``)."""

from __future__ import annotations

from typing import Callable

from rnnspec.spec import capabilities_of

from .base import Target

__all__ = ["FunctionTarget", "FUNCTION_LIKES"]

# like -> subject: what the function must be a drop-in for
FUNCTION_LIKES: dict[str, str] = {
    "torch.nn.utils.clip_grad_norm_": "clip_norm",
    "torch.nn.utils.clip_grad_value_": "clip_value",
    "residual": "residual",
    "dense": "dense",
    "highway": "highway",
    "residual_stack": "residual_stack",
}


class FunctionTarget(Target):
    """A function verified as a drop-in for ``like`` (a key of FUNCTION_LIKES)."""

    cells: tuple[str, ...] = ()

    def __init__(self, function: Callable, *, like: str, name: str | None = None, capabilities=None):
        if like not in FUNCTION_LIKES:
            raise ValueError(f"like={like!r} is not a function rnnspec knows; expected one of {list(FUNCTION_LIKES)}")
        self.function, self.like, self.subject = function, like, FUNCTION_LIKES[like]
        self.name = name or f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', function)}"
        every = capabilities_of(self.subject)
        self.capabilities = frozenset(every if capabilities is None else capabilities)

    def cli_args(self) -> str:
        return self.name if self.name == self.like else f"{self.name} --like {self.like}"

    def build(self, config=None, params=None, *, dtype=None, training: bool = False):
        return self.function
