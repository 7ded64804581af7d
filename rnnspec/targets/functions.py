"""Function targets: clipping functions with torch's signatures, and connection wrappers with
the torch reference's signatures (``rnnspec.references.torch_connections``)."""

from __future__ import annotations

import shlex
from typing import Callable

from rnnspec.spec import capabilities_of

from .base import Declaration, Target
from .likes import FUNCTION_LIKES
from .torch_like import default_name

__all__ = ["FunctionTarget", "FUNCTION_LIKES"]


class FunctionTarget(Target):
    """A function verified as a drop-in for ``like`` (a key of FUNCTION_LIKES).

    Args:
        function: the function under test.
        like: what it is a drop-in for, e.g. ``"torch.nn.utils.clip_grad_norm_"``.
        name: how the user named the target (by default ``module:qualname`` of ``function``).
        capabilities: the options it supports, by default all of its subject's.
    """

    def __init__(self, function: Callable, *, like: str, name: str | None = None, capabilities=None):
        if like not in FUNCTION_LIKES:
            raise ValueError(f"like={like!r} is not a function rnnspec knows; expected one of {list(FUNCTION_LIKES)}")
        subject = FUNCTION_LIKES[like]
        super().__init__(Declaration(
            name=name or default_name(function), subject=subject,
            capabilities=capabilities_of(subject) if capabilities is None else capabilities, like=like))
        self.function = function

    def cli_args(self) -> str:
        """The name, then ``--like`` unless the name is what it is like."""
        name = shlex.quote(self.name)
        return name if self.name == self.like else f"{name} --like {self.like}"

    def build(self, config=None, params=None, *, dtype=None, training: bool = False):
        """The function itself (function properties call ``build()``)."""
        return self.function
