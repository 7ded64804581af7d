"""Binding a property to its registry entry, and running it under the active settings.

``@check("property_id")`` turns ``fn(target, data)`` (or ``fn(data)`` for the references' own
properties) into a plain test function ``test(target)`` that pytest and the verifier both call.
Each call builds the Hypothesis test afresh with the active settings' seed and example count
(Hypothesis' public ``given``, ``seed`` and ``settings``), records what each example drew, and
turns whatever goes wrong into a ``PropertyFailure`` whose ``Failure`` names the property, the
case, the other draws, where an exception came from, and the command that replays it.
"""

from __future__ import annotations

import inspect
import io
import sys
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import hypothesis
import hypothesis.errors
from hypothesis import given
from hypothesis import strategies as st

from rnnspec.checking.capture import descriptors_captured
from rnnspec.checking import error_sizes
from rnnspec.checking.environment import guard_modules
from rnnspec.checking.error_sizes import ErrorSize
from rnnspec.checking.failures import Failure, PropertyFailure, regime_of
from rnnspec.spec.profiles import hypothesis_settings, independent_of_loaded_code
from rnnspec.spec.settings import RunSettings, activated, active
from rnnspec.spec import PropertySpec, property_spec
from rnnspec.spec.scale import tier_runs
from rnnspec.targets.base import TargetError
from rnnspec.checking.timeouts import TargetHung

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import BaseExceptionGroup  # Hypothesis' own dependency there

__all__ = ["check", "Outcome", "run_property", "replay_command", "origin_of"]


def check(property_id: str):
    """Bind ``fn(target, data)`` or ``fn(data)`` to the spec entry ``property_id``.

    The result is a plain test function (pytest calls it); ``run_property(test, target)`` runs it
    and returns what was measured besides the verdict."""
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
        test._rnnspec_function = fn
        return test

    return decorate


def replay_command(target, prop: PropertySpec, settings: RunSettings, *, function_name: str | None = None) -> str:
    """The shell command that replays ``prop`` on ``target`` under ``settings``."""
    if target is None:  # a property of the references themselves: run by pytest
        return (f"pytest --pyargs rnnspec.properties -k {function_name or prop.id} --rnnspec-seed {settings.seed} "
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


@dataclass(frozen=True)
class Outcome:
    """What a property run measured besides its verdict."""

    error_size: ErrorSize | None  # the largest errors of its comparisons
    printed: str  # what the target printed, summarised ("" when nothing)


def run_property(test, target) -> Outcome:
    """Run a ``@check`` test on ``target`` under the active settings: returns the Outcome when every
    example holds, raises PropertyFailure (or TargetHung) otherwise, with the Outcome attached as
    ``outcome``."""
    return _run(test._rnnspec_function, test._rnnspec_property, target)


def _run(fn, spec: PropertySpec, target) -> Outcome:
    """Run ``fn`` under the active settings: one Hypothesis run per tier (and magnitude regime) the
    property and the run draw from (rnnspec.spec.scale.tier_runs), in order, stopping at the first
    that fails."""
    settings = active()
    broken = guard_modules()
    printed = io.StringIO()

    def outcome() -> Outcome:
        return Outcome(measured(), _summary(printed.getvalue()))

    with error_sizes.recording() as measured:
        for tier, regime, examples in tier_runs(settings.examples, settings.tiers, of=spec.tiers):
            tiered = settings.replace(tier=tier, magnitude=regime)
            try:
                with activated(tiered):
                    _run_tier(fn, target, examples, printed)
            except TargetHung as e:
                e.failure = _failure_of(e, origin="hang", headline=str(e)).replace(
                    property_id=spec.id, replay=replay_command(target, spec, tiered, function_name=fn.__name__))
                e.outcome = outcome()
                raise
            except Exception as e:  # exception groups (distinct failures, Flaky) are Exceptions too
                replay = replay_command(target, spec, tiered, function_name=fn.__name__)
                leaves = _leaves(e)
                failures = [_failure_from(leaf, broken).replace(property_id=spec.id, replay=replay) for leaf in leaves]
                if isinstance(e, hypothesis.errors.Flaky):
                    failures = [f.replace(headline="the same example did not fail again when replayed (is the target "
                                                   f"deterministic?): {f.headline}") for f in failures]
                error = e if isinstance(e, PropertyFailure) and len(leaves) == 1 else PropertyFailure(*failures)
                error.failures = tuple(failures)
                error.outcome = outcome()
                if error is e:
                    raise
                raise error from e
    return outcome()


def _run_tier(fn, target, examples: int, printed: io.StringIO) -> None:
    """One Hypothesis run of ``examples`` examples of ``fn`` under the active (tiered) settings."""
    drawn: list = []  # the draws of the example being run

    def body(data):
        drawn.clear()
        try:
            fn(target, _Draws(data, drawn)) if target is not None else fn(_Draws(data, drawn))
        except BaseException as e:  # remember which example raised it (each distinct failure has its own)
            e._rnnspec_drawn = tuple(drawn)
            raise

    test = given(data=st.data())(body)
    test = hypothesis.seed(active().seed)(test)
    test = hypothesis_settings(examples)(test)
    with warnings.catch_warnings(), descriptors_captured(printed), independent_of_loaded_code():
        warnings.filterwarnings("ignore", message=".*not supported with oneDNN")  # torch's own notice
        test()


def _leaves(e: BaseException) -> list[BaseException]:
    """The distinct failures in an exception: itself, or the leaves of an exception group."""
    if isinstance(e, BaseExceptionGroup):
        return [leaf for sub in e.exceptions for leaf in _leaves(sub)]
    return [e]


def _failure_from(e: BaseException, broken: dict[str, str]) -> Failure:
    drawn = getattr(e, "_rnnspec_drawn", None)
    if isinstance(e, PropertyFailure):
        return e.failure.replace(drawn=_other_draws(drawn or ()))
    if drawn is None:  # not raised while an example ran: Hypothesis or the environment broke
        why = f"; modules whose __file__ cannot be read: {', '.join(sorted(broken))}" if broken else ""
        return Failure(f"{type(e).__name__}: {e}{why}", (_raised_at(e),), origin="environment")
    origin = origin_of(e)
    if origin == "declaration":
        return _failure_of(e, origin=origin, headline=str(e))
    if isinstance(e, TargetError):  # the target's constructor raised: its own error first, then where
        cause = e.__cause__
        return _failure_of(e, origin=origin, headline=f"{type(cause).__name__}: {cause}", details=(str(e), _raised_at(cause)))
    return _failure_of(e, origin=origin, headline=f"{type(e).__name__}: {e}", details=(_raised_at(e),))


def _summary(text: str, *, lines: int = 3) -> str:
    """What the target printed, in a few lines: how much, and its first lines."""
    shown = [line for line in text.splitlines() if line.strip()]
    if not shown:
        return ""
    head = "\n".join(f"    | {line[:200]}" for line in shown[:lines])
    more = f"\n    | ... ({len(shown) - lines} more lines)" if len(shown) > lines else ""
    return f"the target printed {len(shown)} line{'s' * (len(shown) != 1)} while the property ran:\n{head}{more}"


def _case_of(drawn):
    return next((value for label, value in drawn if label in ("case", "layer case", "cell case")), None)


def _other_draws(drawn) -> tuple[str, ...]:
    """What the example drew besides its case (a permutation, a step, ...), as "label: value"."""
    case = _case_of(drawn)
    plain = lambda v: v.item() if hasattr(v, "item") and getattr(v, "ndim", None) == 0 else v  # noqa: E731 (np.float64(1.5) -> 1.5)
    return tuple(f"{label}: {plain(value)!r}" for label, value in drawn if label is not None and value is not case)


def _failure_of(e: BaseException, *, origin: str, headline: str, details=()) -> Failure:
    drawn = getattr(e, "_rnnspec_drawn", ())
    case = _case_of(drawn)
    return Failure(headline, tuple(details), case="" if case is None else repr(case), dtype=getattr(case, "dtype", None),
                   regime=regime_of(case), drawn=_other_draws(drawn), origin=origin)


def _raised_at(e: BaseException) -> str:
    if getattr(e, "rnnspec_origin", None) and e.__cause__ is not None:  # where the target raised it
        e = e.__cause__
    frames = traceback.extract_tb(e.__traceback__)[-3:]
    return "raised at: " + " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))


def origin_of(e: BaseException) -> str:
    """Where an exception comes from: ``declaration`` (a TargetError), ``rnnspec`` (raised in
    rnnspec's own code, its properties or references) or ``target`` (anything else)."""
    if isinstance(e, TargetError):  # the target's own code raised (its constructor), or its declaration is wrong
        return "target" if e.__cause__ is not None else "declaration"
    if getattr(e, "rnnspec_origin", None):  # raised by rnnspec on the target's behalf (TargetExited)
        return e.rnnspec_origin
    ours = Path(__file__).resolve().parent.parent  # rnnspec/: its properties and references included
    adapters = ours / "targets"
    frames = traceback.extract_tb(e.__traceback__)
    last = Path(frames[-1].filename).resolve() if frames else None
    if last is not None and last.is_relative_to(ours) and not last.is_relative_to(adapters):
        return "rnnspec"
    return "target"
