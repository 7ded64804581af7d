"""Adapters: targets for implementations that are not torch drop-ins. Each module is one
framework, importable only where that framework is installed (an optional extra), and exports its
targets in one mapping, ``TARGETS`` (``{"LSTM": <target rnnspec.targets.adapters.keras:LSTM>, ...}``),
each also a module-level name so that ``rnnspec verify rnnspec.targets.adapters.keras:LSTM`` finds it.

This package imports no framework: ``targets_of`` imports one adapter module when asked.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from typing import Mapping

from rnnspec.targets.base import Target

__all__ = ["ADAPTER_MODULES", "targets_of", "module_getattr", "environment_for_import"]

# the shipped adapter modules, as named after rnnspec.targets.adapters.
ADAPTER_MODULES: tuple[str, ...] = ("torch_compile", "keras", "flax_linen", "flax_nnx", "equinox", "onnxruntime",
                                   "onnx_ops", "torchrl", "tf_keras", "tf_ops", "haiku", "paddle",
                                   "openvino", "mlx")


def targets_of(module: str) -> dict[str, Target]:
    """The targets of the adapter module ``module`` (one of ADAPTER_MODULES), by the name typed
    after ``rnnspec.targets.adapters.MODULE:``. Importing the module imports its framework: an
    ImportError (the framework is not installed) propagates, for the caller to report."""
    if module not in ADAPTER_MODULES:
        raise ValueError(f"module={module!r} is not an adapter module; expected one of {list(ADAPTER_MODULES)}")
    return dict(importlib.import_module(f"{__name__}.{module}").TARGETS)


def module_getattr(module: str, targets: Mapping[str, Target]):
    """The ``__getattr__`` (PEP 562) of the adapter module ``module``: each of ``targets`` as a
    module-level name, so the names in TARGETS are the names a user types, and written once."""

    def __getattr__(attr: str) -> Target:
        try:
            return targets[attr]
        except KeyError:
            raise AttributeError(f"module {module!r} has no attribute {attr!r}") from None

    return __getattr__


@contextlib.contextmanager
def environment_for_import(**defaults: str):
    """Environment variables a framework reads when it is imported (``KERAS_BACKEND``, ...), set
    where the user has not set them, for the ``import`` inside only: afterwards the environment is
    as it was, so importing an adapter changes no process-wide state (the framework keeps what it
    read)."""
    before = {name: os.environ.get(name) for name in defaults}
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
