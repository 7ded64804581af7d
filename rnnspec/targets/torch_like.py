"""Zero-adapter targets: any class with the constructor, parameter names and forward signature
of a torch built-in (``torch.nn.LSTM``, ``torch.nn.GRUCell``, ...), the built-ins included.

Weights are loaded by parameter name; a name or shape that differs from torch's layout is a
TargetError that says which.
"""

from __future__ import annotations

import shlex
from typing import Callable, Mapping

import torch

from rnnspec.spec import CellConfig, LayerConfig, capabilities_of, cell_kind

from .base import Declaration, Target, TargetError
from .likes import LIKES, like_subject_and_cells

__all__ = ["TorchLikeTarget", "LIKES", "like_subject_and_cells"]


def default_name(obj) -> str:
    """``module:qualname`` of a class or function, as ``rnnspec verify`` resolves it."""
    return f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', obj)}"


class TorchLikeTarget(Target):
    """A class (or factory) called with torch's constructor arguments, e.g. ``MyLSTM(4, 8, num_layers=2)``.

    Args:
        factory: the class or a callable with the torch twin's constructor signature.
        like: the torch twin, e.g. ``"torch.nn.LSTM"`` (one of LIKES).
        name: how the user named the target (by default ``module:qualname`` of ``factory``).
        cells: the cell kinds it claims, by default those of ``like`` (e.g. a lecture-form GRU
            claims ``("gru_reset_before",)``).
        capabilities: the options it supports, by default all of them.
    """

    def __init__(self, factory: Callable, *, like: str, name: str | None = None,
                 cells: tuple[str, ...] | None = None, capabilities=None):
        subject, like_cells = like_subject_and_cells(like)
        super().__init__(Declaration(
            name=name or default_name(factory), subject=subject, cells=like_cells if cells is None else cells,
            capabilities=capabilities_of(subject) if capabilities is None else capabilities, like=like))
        self.factory = factory

    def cli_args(self) -> str:
        """The name, then ``--like`` unless the name is the twin's, and ``--variant`` when the
        cells are not the twin's."""
        args = shlex.quote(self.name)
        if self.name != self.like:
            args += f" --like {self.like}"
        if self.cells != like_subject_and_cells(self.like)[1]:
            args += " --variant " + ",".join(self.cells)
        return args

    def _construct(self, config):
        extra = dict(cell_kind(config.cell).torch_kwargs)
        if isinstance(config, LayerConfig):
            kwargs = dict(num_layers=config.num_layers, bias=config.bias, batch_first=config.batch_first,
                          dropout=config.dropout, bidirectional=config.bidirectional)
            if config.proj_size:
                kwargs["proj_size"] = config.proj_size
        elif isinstance(config, CellConfig):
            kwargs = dict(bias=config.bias)
        else:
            raise TypeError(f"config={config!r} is neither a LayerConfig nor a CellConfig")
        try:
            return self.factory(config.input_size, config.hidden_size, **kwargs, **extra)
        except Exception as e:
            raise TargetError(
                f"{self.name}({config.input_size}, {config.hidden_size}, **{ {**kwargs, **extra} }) raised "
                f"{type(e).__name__}: {e}"
            ) from e

    def build(self, config, params: Mapping[str, torch.Tensor], *, dtype: torch.dtype, training: bool = False):
        module = self._construct(config)
        if hasattr(module, "to"):
            module = module.to(dtype)
        own = dict(module.named_parameters())
        missing, unexpected = sorted(set(params) - set(own)), sorted(set(own) - set(params))
        if missing or unexpected:
            raise TargetError(
                f"{self.name} does not have {self.like}'s parameter names for {config}: "
                f"missing {missing}, unexpected {unexpected}"
            )
        with torch.no_grad():
            for name, value in params.items():
                if tuple(own[name].shape) != tuple(value.shape):
                    raise TargetError(
                        f"{self.name}.{name} has shape {tuple(own[name].shape)}, expected {tuple(value.shape)} for {config}"
                    )
                own[name].copy_(value)
        module.train(training)
        return module
