"""Binding a property to its registry entry, and running it under the active settings.

``@check("property_id")`` turns ``fn(target, data)`` (or ``fn(data)`` for the references' own
properties) into a plain test function ``test(target)`` that pytest and the verifier both call.
Each call builds the Hypothesis test afresh with the active settings' seed and example count
(Hypothesis' public ``given``, ``seed`` and ``settings``), records what each example drew, and
turns whatever goes wrong into a ``PropertyFailure`` whose ``Failure`` names the property, the
case, the other draws, where an exception came from, and the command that replays it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import traceback
import warnings
from pathlib import Path
from typing import Callable

import hypothesis
from hypothesis import given
from hypothesis import strategies as st

from rnnspec.failures import Failure, PropertyFailure
from rnnspec.profiles import hypothesis_settings
from rnnspec.settings import RunSettings, active
from rnnspec.spec import PropertySpec, property_spec
from rnnspec.timeouts import TargetHung

__all__ = ["check", "property_functions", "replay_command", "origin_of"]


def check(property_id: str):
    """Bind ``fn(target, data)`` or ``fn(data)`` to the spec entry ``property_id``."""
    spec = property_spec(property_id)

    def decorate(fn):
        takes_target = "target" in inspect.signature(fn).parameters
        if takes_target:
            def test(target):
                _run(fn, spec, target)
        else:
            def test():
                _run(fn, spec, None)
        test.__name__, test.__qualname__, test.__module__ = fn.__name__, fn.__qualname__, fn.__module__
        test.__doc__ = fn.__doc__
        test._rnnspec_property = spec
        return test

    return decorate


def property_functions() -> dict[str, Callable]:
    """Property id -> its test function, from every ``test_*`` module of the properties package."""
    import properties

    found = {}
    for info in sorted(pkgutil.iter_modules(properties.__path__), key=lambda m: m.name):
        if info.name.startswith("test_"):
            module = importlib.import_module(f"properties.{info.name}")
            for obj in vars(module).values():
                spec = getattr(obj, "_rnnspec_property", None)
                if spec is not None:
                    found[spec.id] = obj
    return found


def replay_command(target, prop: PropertySpec, settings: RunSettings, *, function_name: str | None = None) -> str:
    """The shell command that replays ``prop`` on ``target`` under ``settings``."""
    if target is None:  # a property of the references themselves: run by pytest
        return (f"pytest --pyargs properties -k {function_name or prop.id} --rnnspec-seed {settings.seed} "
                f"--rnnspec-profile {settings.profile}")
    return f"rnnspec verify {target.cli_args()} --select {prop.id} {settings.replay_options()}"


class _Draws:
    """``st.data()`` that remembers what each example drew (label: value)."""

    def __init__(self, data, record: list):
        self._data, self._record = data, record

    def draw(self, strategy, label=None):
        value = self._data.draw(strategy, label=label)
        self._record.append((label, value))
        return value


def _run(fn, spec: PropertySpec, target) -> None:
    settings = active()
    drawn: list = []  # the draws of the example being run; after a failure, the shrunk one's

    def body(data):
        drawn.clear()
        drawing = _Draws(data, drawn)
        fn(target, drawing) if target is not None else fn(drawing)

    test = given(data=st.data())(body)
    test = hypothesis.seed(settings.seed)(test)
    test = hypothesis_settings(settings.examples)(test)
    replay = replay_command(target, spec, settings, function_name=fn.__name__)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*not supported with oneDNN")  # torch's own notice
            test()
    except PropertyFailure as e:
        e.failure = e.failure.replace(property_id=spec.id, replay=replay, drawn=_other_draws(drawn))
        raise
    except TargetHung as e:
        e.failure = _failure_of(e, drawn, origin="hang", headline=str(e)).replace(property_id=spec.id, replay=replay)
        raise
    except Exception as e:  # the target raised, or rnnspec did, or the target broke its declaration
        origin = origin_of(e)
        headline = str(e) if origin == "declaration" else f"{type(e).__name__}: {e}"
        details = () if origin == "declaration" else (_raised_at(e),)
        failure = _failure_of(e, drawn, origin=origin, headline=headline, details=details)
        raise PropertyFailure(failure.replace(property_id=spec.id, replay=replay)) from e


def _case_of(drawn: list):
    return next((value for label, value in drawn if label in ("case", "layer case", "cell case")), None)


def _other_draws(drawn: list) -> tuple[str, ...]:
    """What the example drew besides its case (a permutation, a step, ...), as "label: value"."""
    case = _case_of(drawn)
    return tuple(f"{label}: {value!r}" for label, value in drawn if label is not None and value is not case)


def _failure_of(e: BaseException, drawn: list, *, origin: str, headline: str, details=()) -> Failure:
    case = _case_of(drawn)
    return Failure(headline, tuple(details), case="" if case is None else repr(case), dtype=getattr(case, "dtype", None),
                   drawn=_other_draws(drawn), origin=origin)


def _raised_at(e: BaseException) -> str:
    frames = traceback.extract_tb(e.__traceback__)[-3:]
    return "raised at: " + " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))


def origin_of(e: BaseException) -> str:
    """Where an exception comes from: ``declaration`` (a TargetError), ``rnnspec`` (raised in
    rnnspec's own code, its properties or references) or ``target`` (anything else)."""
    import properties
    import reference_impls
    import rnnspec
    from rnnspec.targets import TargetError

    if isinstance(e, TargetError):
        return "declaration"
    ours = [Path(m.__file__).resolve().parent for m in (rnnspec, properties, reference_impls)]
    adapters = Path(rnnspec.__file__).resolve().parent / "targets"
    frames = traceback.extract_tb(e.__traceback__)
    last = Path(frames[-1].filename).resolve() if frames else None
    if last is not None and any(last.is_relative_to(d) for d in ours) and not last.is_relative_to(adapters):
        return "rnnspec"
    return "target"
