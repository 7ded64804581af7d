"""What rnnspec verifies: a target declares what it is and builds an implementation to check.

A target is a ``Target`` made with a ``Declaration`` (checked when made) and a ``build`` method.
Every property speaks torch's API: what ``build`` returns is called as the torch twin is, and
adapters for other frameworks convert at that boundary (``rnnspec.targets.calling``).
"""

from __future__ import annotations

import shlex
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Mapping

import torch

from rnnspec.spec import CELLS, SUBJECTS, PropertySpec, Tolerance, capabilities_of, missing_capability_reason

from .likes import subject_of_like

__all__ = ["Declaration", "Target", "TargetError", "applicability"]

# the subjects whose targets compute cells (a layer or a cell); the function subjects compute none
_RECURRENT_SUBJECTS = ("layer", "cell")


class TargetError(Exception):
    """The target cannot be loaded, built or called as it claims (names, signature, shapes)."""


def _names(values) -> str:
    return "{" + ", ".join(repr(v) for v in sorted(values)) + "}"


@dataclass(frozen=True)
class Declaration:
    """What a target claims to be. Checked when made: a subject, cell kind, capability or ``like``
    that rnnspec does not know is a ValueError naming it and listing the ones it knows."""

    name: str  # what a user types after `rnnspec verify` to get this target; replay commands repeat it
    subject: str  # what it is a drop-in for: a key of rnnspec.spec.SUBJECTS ("layer", "cell", "clip_norm", ...)
    cells: tuple[str, ...] = ()  # cell kinds it computes (keys of rnnspec.spec.CELLS); none for a function
    capabilities: frozenset[str] = frozenset()  # options it supports, some of rnnspec.spec.capabilities_of(subject)
    notes: str = ""  # known, explained differences from the spec (the matrix quotes them beside a failure)
    like: str | None = None  # the torch built-in or function it is a drop-in for (LIKES, FUNCTION_LIKES), if one
    api: str = ""  # the call as a user of the framework writes it (e.g. "keras.layers.RNN(keras.layers.LSTMCell)")
    tolerance: Tolerance | None = None  # approximate targets (quantized, reduced precision): comparisons
    #                                     against the reference at least this loose; structural ones keep theirs

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"name={self.name!r} must be what a user types to get the target, "
                             f"e.g. 'my/lstm.py:MyLSTM'")
        for field in ("cells", "capabilities"):
            if isinstance(getattr(self, field), str):
                raise ValueError(f"{field}={getattr(self, field)!r} of target {self.name!r} is one string; "
                                 f"give a collection of names, e.g. ({getattr(self, field)!r},)")
        object.__setattr__(self, "cells", tuple(self.cells))
        object.__setattr__(self, "capabilities", frozenset(self.capabilities))
        self._check_subject_and_cells()
        self._check_capabilities()
        if self.like is not None and subject_of_like(self.like) != self.subject:
            raise ValueError(f"like={self.like!r} of target {self.name!r}: a drop-in for it is a "
                             f"{subject_of_like(self.like)} target, not a {self.subject} one")

    def _check_subject_and_cells(self) -> None:
        where = f"of target {self.name!r}"
        if self.subject not in SUBJECTS:
            raise ValueError(f"subject={self.subject!r} {where} is not a subject; expected one of {list(SUBJECTS)}")
        unknown = [c for c in self.cells if c not in CELLS]
        if unknown:
            raise ValueError(f"cells={tuple(unknown)!r} {where}: not cell kinds; expected some of {list(CELLS)}")
        if self.subject in _RECURRENT_SUBJECTS and not self.cells:
            raise ValueError(f"cells=() {where}: a {self.subject} target computes at least one cell kind; "
                             f"expected some of {list(CELLS)}")
        if self.subject not in _RECURRENT_SUBJECTS and self.cells:
            raise ValueError(f"cells={self.cells!r} {where}: a {self.subject} target computes no cells; give cells=()")

    def _check_capabilities(self) -> None:
        known = capabilities_of(self.subject, opt_in=True)  # opt-in ones may be declared too
        unknown = self.capabilities - set(known)
        if unknown:
            expected = f"expected some of {sorted(known)}" if known else f"a {self.subject} target has none"
            raise ValueError(f"capabilities={_names(unknown)} of target {self.name!r}: not capabilities of a "
                             f"{self.subject} target; {expected}")


class Target(ABC):
    """A declared target and how to build it: subclasses call ``super().__init__(Declaration(...))``
    and implement ``build``. The declaration's fields read as attributes (``target.name``, ...)."""

    def __init__(self, declaration: Declaration):
        if not isinstance(declaration, Declaration):
            raise TypeError(f"declaration={declaration!r} is not a rnnspec.targets.Declaration")
        self._declaration = declaration

    @property
    def declaration(self) -> Declaration:
        try:
            return self._declaration
        except AttributeError:
            raise TypeError(f"{type(self).__name__} declares nothing: its __init__ must call "
                            f"super().__init__(Declaration(...))") from None

    @property
    def name(self) -> str:
        return self.declaration.name

    @property
    def subject(self) -> str:
        return self.declaration.subject

    @property
    def cells(self) -> tuple[str, ...]:
        return self.declaration.cells

    @property
    def capabilities(self) -> frozenset[str]:
        return self.declaration.capabilities

    @property
    def notes(self) -> str:
        return self.declaration.notes

    @property
    def like(self) -> str | None:
        return self.declaration.like

    @property
    def api(self) -> str:
        """The call as a user writes it (the name when the declaration gives none)."""
        return self.declaration.api or self.name

    @abstractmethod
    def build(self, config, params: Mapping[str, torch.Tensor], *, dtype: torch.dtype, training: bool = False):
        """The implementation of ``config`` with the weights ``params``, as the properties use it.

        A ``layer`` or ``cell`` target gets a LayerConfig or CellConfig whose options are among its
        capabilities, ``params`` canonical (torch's names and shapes, rnnspec.spec.layer_layout or
        cell_layout) in ``dtype``, and ``training`` (True only where dropout in training is checked).
        What it returns must be:
          - called as the torch twin is: ``obj(input, hx)`` with ``hx`` None, a tensor h or a pair
            (h, c), the input a tensor or (for a layer) a PackedSequence, returning what torch
            returns (``(output, h_n)`` or ``(output, (h_n, c_n))`` for a layer, ``h'`` or ``(h', c')``
            for a cell), differentiable by torch's autograd where the target claims ``grad``;
          - computing as torch's training mode does when ``training`` is True (dropout between
            layers), else as eval mode does (no dropout);
          - where the target claims ``parameters``: ``obj.named_parameters()`` yields (name, tensor)
            in torch's names and shapes, the target's own tensors holding ``params`` and the leaves
            whose ``.grad`` the gradient properties read. Properties call nothing else on it.
        A function target (``clip_norm``, ``residual``, ...) is called as ``build()`` and returns the
        function, which is called with the signature of what it is like.
        """

    def cli_args(self) -> str:
        """What to type after ``rnnspec verify`` to get this target again: its name, quoted for a
        shell where it needs to be. (A target found by name declares its own like and cells.)"""
        return shlex.quote(self.name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} cells={self.cells}>"


def applicability(prop: PropertySpec, target: Target) -> tuple[bool, str | None]:
    """(applies, skip_reason): a property of another subject, or checked only on cell kinds the
    target does not compute, does not apply at all; one that needs a capability the target lacks,
    or whose claim the registry says cannot be checked on the target's cell kinds
    (``prop.cells_skip_reason``), applies but is skipped, with the reason."""
    if prop.subject != target.subject:
        return False, None
    reasons = []
    if prop.cells is not None and not prop.applicable_cells(target.cells):
        if prop.cells_skip_reason is None:
            return False, None
        reasons.append(prop.cells_skip_reason)
    missing = set(prop.requires) - set(target.capabilities)
    if missing:
        reasons.append(missing_capability_reason(missing))
    return True, "; ".join(reasons) or None
