"""Turning what the user typed (``pkg.mod:Name``, ``pkg.mod.Name``, ``path/file.py:Name``) into a Target."""

from __future__ import annotations

import importlib.util
import os
import pkgutil
import sys
from pathlib import Path

from .base import Target, TargetError
from .functions import FunctionTarget
from .likes import FUNCTION_LIKES, LIKES
from .torch_like import TorchLikeTarget

__all__ = ["resolve", "load_target", "DEFAULT_TARGETS", "default_targets"]

# What the test suite verifies when no target is named: torch's six built-ins and two clipping
# functions; through the torch references, what torch has no built-in for (the lecture's GRU form,
# the linear RNN, the connections) and the clipping references.
DEFAULT_TARGETS: tuple[tuple[str, str | None, tuple[str, ...] | None], ...] = (
    ("torch.nn.RNN", None, None),
    ("torch.nn.LSTM", None, None),
    ("torch.nn.GRU", None, None),
    ("torch.nn.RNNCell", None, None),
    ("torch.nn.LSTMCell", None, None),
    ("torch.nn.GRUCell", None, None),
    ("reference_impls.torch_modules:GRUResetBefore", "torch.nn.GRU", ("gru_reset_before",)),
    ("reference_impls.torch_modules:GRUResetBeforeCell", "torch.nn.GRUCell", ("gru_reset_before",)),
    ("reference_impls.torch_modules:RNN", "torch.nn.RNN", ("rnn_linear",)),
    ("torch.nn.utils.clip_grad_norm_", None, None),
    ("torch.nn.utils.clip_grad_value_", None, None),
    ("reference_impls.torch_clipping:clip_grad_norm_", "torch.nn.utils.clip_grad_norm_", None),
    ("reference_impls.torch_clipping:clip_grad_value_", "torch.nn.utils.clip_grad_value_", None),
    ("reference_impls.torch_connections:residual", "residual", None),
    ("reference_impls.torch_connections:dense", "dense", None),
    ("reference_impls.torch_connections:highway", "highway", None),
    ("reference_impls.torch_connections:residual_stack", "residual_stack", None),
)


def _import_file(path: Path):
    """Import a file as Python runs a script: its folder first on the path, so its siblings import.
    A file already imported under its module name (a test's helper module, say) is that module:
    one file, one module."""
    if not path.is_file():
        raise TargetError(f"no such file: {path}")
    resolved = path.resolve()
    for module in list(sys.modules.values()):
        try:
            file = getattr(module, "__file__", None)
        except Exception:  # a lazy module that cannot say (see rnnspec.environment)
            continue
        # the name first: resolving each of thousands of modules' paths costs a system call each
        if file and os.path.basename(file) == path.name and Path(file).resolve() == resolved:
            return module
    # the name Python gives it when its folder is first on the path (as below), so that its siblings'
    # `import stem` finds this very module; another module of that name already loaded keeps it
    name = path.stem if path.stem.isidentifier() and path.stem not in sys.modules else \
        f"rnnspec_target_{abs(hash(str(path.resolve())))}"
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"cannot import {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def resolve(spec: str):
    """The object named by ``spec`` (``pkg.mod:Name``, ``pkg.mod.Name`` by ``pkgutil.resolve_name``,
    or ``path/file.py:Name``); TargetError (with the cause) when it cannot be had."""
    where, _, attr = spec.rpartition(":")
    if ":" not in spec and "." not in spec:
        raise TargetError(f"target {spec!r} names no module; write package.module:Name or path/file.py:Name")
    try:
        if where.endswith(".py"):
            obj = _import_file(Path(where))
            for part in attr.split("."):
                obj = getattr(obj, part)
            return obj
        return pkgutil.resolve_name(spec)
    except TargetError:
        raise
    except AttributeError as e:
        raise TargetError(f"{e} (target {spec!r})") from e
    except Exception as e:  # the user's module may raise anything while importing
        raise TargetError(f"cannot import the module of target {spec!r}: {type(e).__name__}: {e}") from e


def _like_of(obj) -> str | None:
    for like in LIKES + tuple(k for k in FUNCTION_LIKES if k.startswith("torch.")):
        if resolve(like) is obj:
            return like
    return None


def load_target(spec: str, *, like: str | None = None, cells: tuple[str, ...] | None = None,
                rename: tuple[tuple[str, str], ...] = (), lengths_argument: str | None = None,
                lengths_kind: str = "absolute", from_float: bool = False) -> Target:
    """A Target for ``spec`` (what follows ``rnnspec verify``): a Target instance as is, else a
    torch-like drop-in or a function target.

    ``like`` (``--like``) is implied when ``spec`` names a torch built-in itself; ``cells``
    (``--variant``) defaults to the cells of ``like``. For a drop-in layer or cell, ``rename``
    (``--rename PATTERN=REPLACEMENT``, repeatable) maps the module's parameter names to torch's, and
    ``lengths_argument``/``lengths_kind`` (``--lengths-arg NAME``, ``--lengths-kind relative``) name
    the forward's lengths argument, and ``from_float`` (``--from-float``) builds it by converting
    torch's twin with the case's weights, ``Class.from_float(twin)`` (see TorchLikeTarget). A Target
    instance declares its own, and a function has no parameters or lengths, so giving any of these
    for one is a TargetError, not an option silently ignored; so is a bad rule or kind.
    """
    obj = resolve(spec)
    drop_in_options = (("--rename", rename or None), ("--lengths-arg", lengths_argument),
                       ("--lengths-kind", None if lengths_kind == "absolute" else lengths_kind),
                       ("--from-float", from_float or None))
    if isinstance(obj, Target):
        given = [option for option, value in (("--like", like), ("--variant", cells), *drop_in_options)
                 if value is not None]
        if given:
            raise TargetError(
                f"target {spec!r} is a Target, which declares its own like and cells (like={obj.like!r}, "
                f"cells={list(obj.cells)}) and calls its implementation itself; drop {' and '.join(given)}")
        return obj
    like = like or _like_of(obj)
    if like is None:
        raise TargetError(
            f"target {spec!r} is not a torch built-in rnnspec knows; say which it is like, e.g. --like torch.nn.LSTM "
            f"(one of {', '.join(LIKES + tuple(FUNCTION_LIKES))})"
        )
    if not callable(obj):
        raise TargetError(f"target {spec!r} is an object of type {type(obj).__name__}, not a class, factory or function")
    try:
        if like in FUNCTION_LIKES:
            given = [option for option, value in (("--variant", cells), *drop_in_options) if value is not None]
            if given:
                raise TargetError(f"target {spec!r} is a function like {like}, which takes no lengths, has no "
                                  f"parameters to rename and computes no cells; drop {' and '.join(given)}")
            return FunctionTarget(obj, like=like, name=spec)
        return TorchLikeTarget(obj, like=like, name=spec, cells=cells, rename=rename,
                               lengths_argument=lengths_argument, lengths_kind=lengths_kind, from_float=from_float)
    except ValueError as e:
        raise TargetError(str(e)) from e


def default_targets() -> list[Target]:
    """The targets of DEFAULT_TARGETS, loaded."""
    return [load_target(spec, like=like, cells=cells) for spec, like, cells in DEFAULT_TARGETS]
