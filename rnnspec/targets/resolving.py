"""Importing what the user typed: ``pkg.mod:Name``, ``pkg.mod.Name`` or ``path/file.py:Name``."""

from __future__ import annotations

import importlib.util
import os
import pkgutil
import sys
from pathlib import Path

from .base import TargetError

__all__ = ["resolve"]


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
        except Exception:  # a lazy module that cannot say (see rnnspec.checking.environment)
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
    except SystemExit as e:  # the target's fault, not a request to end rnnspec
        raise TargetError(f"the module of target {spec!r} called sys.exit({e.code!r}) while it was imported") from e
    except Exception as e:  # the user's module may raise anything while importing
        raise TargetError(f"cannot import the module of target {spec!r}: {type(e).__name__}: {e}") from e
