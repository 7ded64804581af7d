"""What rnnspec verifies: a target builds an implementation from a config and canonical weights.

A target is anything with this small protocol. The built object is called like the torch twin
it claims to be (``module(input, hx)``), so every property speaks torch's API; adapters for other
frameworks convert at that boundary.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Mapping

import torch

from rnnspec.spec import PropertySpec, missing_capability_reason

__all__ = ["Target", "TargetError", "applicability"]


class TargetError(Exception):
    """The target cannot be built or called as it claims (names, signature, shapes)."""


class Target(ABC):
    name: str  # how the user named it; replay commands repeat it
    subject: str  # "layer" (torch.nn.LSTM-like) or "cell" (torch.nn.LSTMCell-like)
    cells: tuple[str, ...]  # cell kinds it implements (rnnspec.spec.CELLS keys)
    capabilities: frozenset[str]  # options it supports (rnnspec.spec.options)
    notes: str = ""  # known, explained differences from the spec (the matrix quotes them beside a failure)

    @abstractmethod
    def build(self, config, params: Mapping[str, torch.Tensor], *, dtype: torch.dtype, training: bool = False):
        """An object called as ``obj(input, hx=None)`` computing ``config`` with these weights.

        ``params`` are canonical (torch's names and shapes) in ``dtype``. Where the target has
        the ``parameters`` capability, ``obj.named_parameters()`` yields its own tensors, which
        are the leaves gradients are read from.
        """

    def cli_args(self) -> str:
        """What to type after ``rnnspec verify`` to get this target again."""
        return self.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} cells={self.cells}>"


def applicability(prop: PropertySpec, target: Target) -> tuple[bool, str | None]:
    """(applies, skip_reason): a property of another subject or cell does not apply at all;
    one that needs a capability the target lacks applies but is skipped, with the reason."""
    if prop.subject != target.subject:
        return False, None
    if prop.cells is not None and not set(prop.cells) & set(target.cells):
        return False, None
    missing = set(prop.requires) - set(target.capabilities)
    if missing:
        return True, missing_capability_reason(missing)
    return True, None
