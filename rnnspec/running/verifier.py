"""Running the spec's properties on one target, each to a Verdict; the runner never raises.

Every property runs under one ``RunSettings`` (seed, profile, examples, dtype, timeout), activated
once for the run, so the same command always draws the same examples; a failure carries the
shrunk case and the command that replays it.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import time
from typing import Callable, Iterable

import rnnspec.properties
from rnnspec.checking import isolation
from rnnspec.checking.binding import Outcome, run_property
from rnnspec.checking.failures import Failure, PropertyFailure
from rnnspec.spec.settings import RunSettings, activated
from rnnspec.spec import LAYER_CAPABILITIES, PROPERTIES, REDUCED_DTYPES, PropertySpec, capabilities_of
from rnnspec.targets import Target, applicability
from rnnspec.checking.timeouts import TargetHung, new_target_thread
from rnnspec.running.verdicts import Status, Verdict

__all__ = ["verify", "property_functions", "settings_for", "status_of", "status_of_all", "check_dtype", "check_target_device", "run_skip", "select_properties", "read_xfails", "unmatched_xfails"]


def select_properties(select: Iterable[str] | None) -> list[PropertySpec]:
    """The properties whose id or topic is in ``select`` (all when None); unknown names are an error."""
    if not select:
        return list(PROPERTIES)
    wanted = set(select)
    known = {p.id for p in PROPERTIES} | {p.topic for p in PROPERTIES}
    unknown = wanted - known
    if unknown:
        raise ValueError(f"--select {sorted(unknown)} names no property id or topic; see `rnnspec spec`")
    return [p for p in PROPERTIES if p.id in wanted or p.topic in wanted]


def check_dtype(target: Target, dtype: str | None) -> None:
    """ValueError when the target does not claim ``dtype`` (already one rnnspec runs: RunSettings checks)."""
    if dtype in REDUCED_DTYPES and target.subject not in ("layer", "cell"):
        raise ValueError(f"--dtype {dtype} checks layers and cells; {target.name} is a {target.subject} target, "
                         f"so it leaves nothing to run")
    if dtype in ("float64",) + REDUCED_DTYPES and dtype in capabilities_of(target.subject) \
            and dtype not in target.capabilities:
        raise ValueError(f"{target.name} does not claim {dtype} ({LAYER_CAPABILITIES[dtype]}), so --dtype {dtype} "
                         f"leaves nothing to run")


def check_target_device(target: Target, device: str | None) -> None:
    """ValueError when ``--device`` names a device and the target is not a layer or cell (those
    alone run on one: rnnspec.checking.devices)."""
    if device is not None and target.subject not in ("layer", "cell"):
        raise ValueError(f"--device {device} runs layers and cells; {target.name} is a {target.subject} target")


def run_skip(prop: PropertySpec, settings: RunSettings) -> str | None:
    """Why ``prop`` is skipped under the run's ``settings`` (its dtype, its tiers), or None."""
    if settings.reduced != (prop.topic == "reduced_precision"):  # float16 and bfloat16 have properties of their own
        return (f"checks float32 and float64; --dtype {settings.dtype} runs the reduced_precision properties only"
                if settings.reduced else "checks float16 and bfloat16: run with --dtype float16 or --dtype bfloat16")
    # the properties that need the float64 capability compare float32 with float64 runs of one case:
    # --dtype float32 rules their float64 run out; --dtype float64 keeps them (they check float64)
    if settings.dtype == "float32" and "float64" in prop.requires:
        return "compares float32 with float64 runs; --dtype float32 runs float32 only"
    if not set(prop.tiers) & set(settings.tiers):
        return (f"draws from the {' and '.join(prop.tiers)} tier{'s' * (len(prop.tiers) > 1)} only; this run draws "
                f"from {', '.join(settings.tiers)} (--tiers)")
    return None


def status_of(failure: Failure) -> Status:
    """A failure's verdict: the target's defect (FAILED), a hang (HUNG), or no verdict on the
    claim because the target cannot be used as declared or rnnspec broke (ERROR)."""
    return {"property": Status.FAILED, "target": Status.FAILED, "hang": Status.HUNG}.get(failure.origin, Status.ERROR)


def status_of_all(failures) -> Status:
    """The verdict of several distinct failures: FAILED if any shows a defect, else the first's."""
    statuses = [status_of(f) for f in failures]
    return Status.FAILED if Status.FAILED in statuses else statuses[0]


def property_functions() -> dict[str, Callable]:
    """Property id -> its test function, from every ``test_*`` module of the properties package."""
    found = {}
    for info in sorted(pkgutil.iter_modules(rnnspec.properties.__path__), key=lambda m: m.name):
        if info.name.startswith("test_"):
            module = importlib.import_module(f"rnnspec.properties.{info.name}")
            for obj in vars(module).values():
                spec = getattr(obj, "_rnnspec_property", None)
                if spec is not None:
                    found[spec.id] = obj
    return found


def _run_one(fn, target) -> tuple[Status, tuple[Failure, ...], Outcome]:
    try:
        return Status.PASSED, (), run_property(fn, target)
    except PropertyFailure as e:
        return status_of_all(e.failures), e.failures, e.outcome
    except TargetHung as e:
        return Status.HUNG, (e.failure,), e.outcome


def settings_for(target: Target, settings: RunSettings) -> RunSettings:
    """The run's settings for this target: its declared tolerance unless the run names one."""
    if settings.tolerance is None and target.declaration.tolerance is not None:
        return dataclasses.replace(settings, tolerance=target.declaration.tolerance)
    return settings


class RunInterrupted(Exception):
    """The run was stopped (Ctrl-C, SIGTERM: a KeyboardInterrupt) after ``verdicts``, the verdicts of
    the properties that finished; ``running`` is the property that was stopped, ``signal`` its name."""

    def __init__(self, verdicts: list[Verdict], running: str | None, signal: str):
        super().__init__(f"stopped by {signal}" + (f" while {running} ran" if running else "")
                         + f", after {len(verdicts)} properties")
        self.verdicts, self.running, self.signal = verdicts, running, signal


def verify(target: Target, *, settings: RunSettings = RunSettings(), select: Iterable[str] | None = None,
           xfails: dict[str, str] | None = None, on_start: Callable[[PropertySpec], None] | None = None,
           on_verdict: Callable[[Verdict], None] | None = None, budget: float | None = None) -> list[Verdict]:
    """Every property that applies to ``target``, each to a Verdict (in spec order), under ``settings``.

    ``xfails`` maps property ids to the reason they are known to fail: a failure is then
    "xfailed", a pass "xpassed". Once a call hangs, the remaining properties are skipped (each
    would hang too). ``on_start`` and ``on_verdict`` are called before and after each property.
    Interrupted (KeyboardInterrupt: Ctrl-C, or SIGTERM where the caller turns it into one), it
    raises RunInterrupted with the verdicts so far, so a caller can still report them. ``budget``
    (seconds): once the run has taken that long, the properties not yet started are skipped
    (reason starting with BUDGET_SPENT); a property is not stopped part way.
    """
    check_dtype(target, settings.dtype)
    check_target_device(target, settings.device)
    functions = property_functions()
    verdicts: list[Verdict] = []
    running: list[str] = []
    isolation.forget()  # what this run's target changes (rnnspec.checking.isolation.changes() after it)
    new_target_thread()
    try:
        _verify(target, settings, select, xfails, on_start, on_verdict, functions, verdicts, running,
                None if budget is None else time.monotonic() + budget)
    except KeyboardInterrupt as e:
        raise RunInterrupted(verdicts, running[-1] if running else None, getattr(e, "signal", "SIGINT")) from None
    return verdicts


BUDGET_SPENT = "the run's --budget was spent"


def _verify(target, settings, select, xfails, on_start, on_verdict, functions, verdicts, running, deadline) -> None:
    hung = False
    with activated(settings_for(target, settings)):
        for prop in select_properties(select):
            applies, skip_reason = applicability(prop, target)
            if not applies:
                continue
            skip_reason = skip_reason or run_skip(prop, settings)
            start = time.perf_counter()
            failures, reason, outcome = (), "", Outcome(None, "")
            if not (skip_reason or hung) and deadline is not None and time.monotonic() > deadline:
                skip_reason = f"{BUDGET_SPENT} before it started"
            if skip_reason or hung:
                status, reason = Status.SKIPPED, skip_reason or "the target hung on an earlier property"
            else:
                running.append(prop.id)
                if on_start:
                    on_start(prop)
                status, failures, outcome = _run_one(functions[prop.id], target)
                running.pop()
                hung = status is Status.HUNG
                if xfails and prop.id in xfails:
                    known = f"known failure ({xfails[prop.id] or 'no reason given'})"
                    if status.is_failure:
                        status, reason = Status.XFAILED, known
                    else:
                        status, reason = Status.XPASSED, f"{known}, but it passed: remove it from the xfails file"
            verdict = Verdict(prop.id, prop.topic, prop.claim, status, time.perf_counter() - start, failures, reason,
                              outcome.error_size, outcome.printed)
            verdicts.append(verdict)
            if on_verdict:
                on_verdict(verdict)


def read_xfails(path) -> dict[str, str]:
    """An xfails file: one property id a line, optionally ``# reason``; blank lines and lines
    starting with # are ignored. Returns id -> reason."""
    entries = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            text, _, reason = line.partition("#")
            if text.strip():
                entries[text.strip()] = reason.strip()
    return entries


def unmatched_xfails(xfails: dict[str, str], verdicts: list[Verdict]) -> list[str]:
    """Entries that name no property run (or skipped) on this target: likely typos or stale."""
    seen = {v.id for v in verdicts}
    return sorted(set(xfails) - seen)
