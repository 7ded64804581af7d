"""Zero-adapter targets: any class with the constructor, parameter names and forward signature
of a torch built-in (``torch.nn.LSTM``, ``torch.nn.GRUCell``, ...), the built-ins included.

Weights are loaded by parameter name; a name or shape that differs from torch's layout is a
TargetError that says which. Two differences are bridged without an adapter:
- names: torch's layer kept as a submodule (``self.lstm``) is found automatically, and rename rules
  (``rename``, ``--rename PATTERN=REPLACEMENT``; ``rnnspec.targets.renaming``) map other schemes;
- lengths: a forward that takes padded input and lengths (``lengths_argument``, ``--lengths-arg``;
  ``rnnspec.targets.lengths``) is called with them where torch's layer takes a PackedSequence.
Either way ``build`` returns a ``WrappedModule``: torch's names over the module's own tensors.

A module that holds no torch-named tensors at all (torch.ao's quantized modules keep packed int8
weights) is built the way torch.ao converts: ``from_float`` (``--from-float``) builds the torch twin
with the case's weights and options, then ``factory.from_float(twin)``; such a target cannot claim
``parameters`` (nothing to name) or ``constructor`` (its own constructor is not how it is made).
"""

from __future__ import annotations

import shlex
from typing import Callable, Iterable, Mapping

import torch

from rnnspec.spec import CellConfig, LayerConfig, capabilities_of, cell_kind

from .base import Declaration, Target, TargetError
from .lengths import LengthsArgument
from .likes import LIKES, like_subject_and_cells
from .renaming import NameMap, check_rename, map_names, rename_options
from .resolving import resolve

__all__ = ["TorchLikeTarget", "WrappedModule", "LIKES", "like_subject_and_cells"]

# what a module made by from_float cannot claim: it holds no torch-named tensors, and its own
# constructor is not how it is made
_NOT_CLAIMED_FROM_FLOAT = frozenset({"parameters", "constructor"})


def default_name(obj) -> str:
    """``module:qualname`` of a class or function, as ``rnnspec verify`` resolves it."""
    return f"{getattr(obj, '__module__', '?')}:{getattr(obj, '__qualname__', obj)}"


class WrappedModule:
    """The user's module as the properties use it: ``named_parameters()`` yields torch's names over
    the module's own tensors (the same objects, so their ``.grad`` is the module's), and calls go to
    the module, through ``lengths`` where its forward takes lengths instead of a PackedSequence.

    Attributes: ``module`` (the user's), ``names`` (torch's name -> the module's own),
    ``found_under`` (the submodule torch's names were found under, e.g. "lstm", or None).
    """

    def __init__(self, module, names: NameMap, *, lengths: LengthsArgument | None = None, batch_first: bool = False):
        self.module, self.names, self.found_under = module, dict(names.torch_to_own), names.found_under
        self.lengths, self.batch_first = lengths, batch_first

    def named_parameters(self):
        """(torch's name, the module's tensor), in the module's order."""
        torch_name = {own: name for name, own in self.names.items()}
        for own, p in self.module.named_parameters():
            if own in torch_name:
                yield torch_name[own], p

    def parameters(self):
        return (p for _, p in self.named_parameters())

    def __call__(self, input, hx=None, *, lengths=None):
        """As torch's layer; ``lengths=`` (each row's, in steps) with a padded batch is passed as the
        module takes lengths (rows of length 0, which a PackedSequence cannot hold, come this way)."""
        if lengths is not None:
            if self.lengths is None:
                return self.module(input, hx, lengths=lengths)
            return self.lengths.call_padded(self.module, input, hx, lengths, batch_first=self.batch_first)
        if self.lengths is None:
            return self.module(input, hx)
        return self.lengths.call(self.module, input, hx, batch_first=self.batch_first)

    def train(self, mode: bool = True) -> "WrappedModule":
        self.module.train(mode)
        return self

    def eval(self) -> "WrappedModule":
        return self.train(False)

    def __repr__(self) -> str:
        under = f" (torch's names under .{self.found_under})" if self.found_under else ""
        lengths = f", {self.lengths.kind} lengths as {self.lengths.name}=" if self.lengths else ""
        return f"WrappedModule({self.module!r}{under}{lengths})"


class TorchLikeTarget(Target):
    """A class (or factory) called with torch's constructor arguments, e.g. ``MyLSTM(4, 8, num_layers=2)``.

    Args:
        factory: the class or a callable with the torch twin's constructor signature.
        like: the torch twin, e.g. ``"torch.nn.LSTM"`` (one of LIKES).
        name: how the user named the target (by default ``module:qualname`` of ``factory``).
        cells: the cell kinds it claims, by default those of ``like`` (e.g. a lecture-form GRU
            claims ``("gru_reset_before",)``).
        capabilities: the options it supports, by default all of them.
        rename: (pattern, replacement) regular expressions applied in order (``re.sub``) to each of
            the module's parameter names to get torch's, e.g. ``(("^lstm\\.", ""),)``. Without
            rules, names that are not torch's are looked for under one submodule (``found_under``).
        lengths_argument: the forward's keyword for lengths, when it takes padded input and
            lengths instead of a PackedSequence (a layer only), e.g. ``"lengths"``.
        lengths_kind: what that argument holds: ``"absolute"`` (torch.long lengths) or
            ``"relative"`` (float32 lengths / padded length); see rnnspec.targets.lengths.
        from_float: build the torch twin (``like``) with the case's weights and options, in eval
            mode, and convert it with ``factory.from_float(twin)``, torch.ao's convention for
            quantized modules (``twin.qconfig`` is ``torch.ao.quantization.default_dynamic_qconfig``);
            the result is put in the mode the property asks for. Such a target does not claim
            ``parameters`` or ``constructor``, and takes no ``rename``.
    Checked when made: a bad regular expression, an unknown lengths kind, a lengths argument the
    class's forward does not take, a ``from_float`` the factory does not have, or ``rename`` with
    ``from_float`` is a ValueError (TargetError for the forward) that names it.
    """

    def __init__(self, factory: Callable, *, like: str, name: str | None = None,
                 cells: tuple[str, ...] | None = None, capabilities=None, rename: Iterable[tuple[str, str]] = (),
                 lengths_argument: str | None = None, lengths_kind: str = "absolute", from_float: bool = False):
        subject, like_cells = like_subject_and_cells(like)
        if capabilities is None:
            capabilities = set(capabilities_of(subject)) - (_NOT_CLAIMED_FROM_FLOAT if from_float else set())
        elif from_float and set(capabilities) & _NOT_CLAIMED_FROM_FLOAT:
            claimed = sorted(set(capabilities) & _NOT_CLAIMED_FROM_FLOAT)
            raise ValueError(f"capabilities={claimed} with from_float=True: a module converted with from_float has "
                             f"no torch-named parameters, and is not made by its constructor")
        super().__init__(Declaration(
            name=name or default_name(factory), subject=subject, cells=like_cells if cells is None else cells,
            capabilities=capabilities, like=like))
        self.factory = factory
        self.from_float = bool(from_float)
        if self.from_float and not callable(getattr(factory, "from_float", None)):
            raise ValueError(f"from_float=True (--from-float): {self.name} has no from_float classmethod to convert "
                             f"a {like} with")
        self.rename = check_rename(rename)
        if self.from_float and self.rename:
            raise ValueError(f"rename={self.rename!r} with from_float=True (--from-float): the weights go into "
                             f"{like}, whose names are torch's; drop --rename")
        self.lengths = self._lengths(lengths_argument, lengths_kind)
        self.found_under: str | None = None  # set by build when torch's names are found under a submodule
        forward = getattr(factory, "forward", None) if isinstance(factory, type) else None
        if self.lengths is not None and forward is not None:
            self.lengths.check_forward(forward, what=self.name)

    def _lengths(self, argument: str | None, kind: str) -> LengthsArgument | None:
        if argument is None:
            if kind != "absolute":
                raise ValueError(f"lengths_kind={kind!r} without lengths_argument: name the forward's lengths "
                                 f"argument (--lengths-arg NAME)")
            return None
        if self.subject != "layer":
            raise ValueError(f"lengths_argument={argument!r}: only a layer takes variable-length batches, and "
                             f"{self.like} is a {self.subject}")
        return LengthsArgument(argument, kind)

    @property
    def lengths_argument(self) -> str | None:
        return self.lengths.name if self.lengths else None

    @property
    def lengths_kind(self) -> str:
        return self.lengths.kind if self.lengths else "absolute"

    @property
    def notes(self) -> str:
        """The declared notes, and where torch's parameters were found once a build found them."""
        found = f"torch's parameters found under .{self.found_under}" if self.found_under else ""
        return "; ".join(n for n in (self.declaration.notes, found) if n)

    def cli_args(self) -> str:
        """The name, then ``--like`` unless the name is the twin's, ``--variant`` when the cells are
        not the twin's, and ``--rename``, ``--lengths-arg``, ``--lengths-kind``, ``--from-float`` as given."""
        args = shlex.quote(self.name)
        if self.name != self.like:
            args += f" --like {self.like}"
        if self.cells != like_subject_and_cells(self.like)[1]:
            args += " --variant " + ",".join(self.cells)
        args += rename_options(self.rename)
        if self.lengths is not None:
            args += f" --lengths-arg {shlex.quote(self.lengths.name)}"
            if self.lengths.kind != "absolute":
                args += f" --lengths-kind {self.lengths.kind}"
        if self.from_float:
            args += " --from-float"
        return args

    def _kwargs(self, config) -> dict:
        """The constructor's keyword arguments for ``config``, as torch's twin takes them."""
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
        return {**kwargs, **extra}

    def _converted(self, config, params: Mapping[str, torch.Tensor], dtype: torch.dtype):
        """torch's twin with ``params``, converted by ``factory.from_float`` (see the class docstring)."""
        from torch.ao.quantization import default_dynamic_qconfig

        twin = resolve(self.like)(config.input_size, config.hidden_size, **self._kwargs(config)).to(dtype)
        with torch.no_grad():
            for name, value in params.items():
                getattr(twin, name).copy_(value)
        twin.eval()
        if getattr(twin, "qconfig", None) is None:
            twin.qconfig = default_dynamic_qconfig
        try:
            return self.factory.from_float(twin)
        except Exception as e:
            raise TargetError(f"{self.name}.from_float({self.like}({config.input_size}, {config.hidden_size}, "
                              f"**{self._kwargs(config)})) raised {type(e).__name__}: {e}") from e

    def _construct(self, config):
        kwargs = self._kwargs(config)
        try:
            return self.factory(config.input_size, config.hidden_size, **kwargs)
        except Exception as e:
            raise TargetError(
                f"{self.name}({config.input_size}, {config.hidden_size}, **{kwargs}) raised {type(e).__name__}: {e}"
            ) from e

    def build(self, config, params: Mapping[str, torch.Tensor], *, dtype: torch.dtype, training: bool = False):
        if self.from_float:
            module = self._converted(config, params, dtype)
            module.train(training)
            if self.lengths is None:
                return module
            return WrappedModule(module, NameMap({}), lengths=self.lengths,
                                 batch_first=getattr(config, "batch_first", False))
        module = self._construct(config)
        if hasattr(module, "to"):
            module = module.to(dtype)
        own = dict(module.named_parameters())
        names = map_names(own, params, self.rename,
                          what=f"{self.name} does not have {self.like}'s parameter names for {config}")
        with torch.no_grad():
            for name, value in params.items():
                mine = own[names.torch_to_own[name]]
                if tuple(mine.shape) != tuple(value.shape):
                    called = "" if names.torch_to_own[name] == name else f" (torch's {name})"
                    raise TargetError(f"{self.name}.{names.torch_to_own[name]}{called} has shape {tuple(mine.shape)}, "
                                      f"expected {tuple(value.shape)} for {config}")
                mine.copy_(value)
        module.train(training)
        if names.found_under:
            self.found_under = names.found_under
        if names.is_identity and self.lengths is None:
            return module
        if self.lengths is not None:
            self.lengths.check_forward(getattr(module, "forward", module), what=self.name)
        return WrappedModule(module, names, lengths=self.lengths, batch_first=getattr(config, "batch_first", False))
