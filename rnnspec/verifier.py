"""Running the spec's properties on one target, each to a verdict; the runner never raises.

A property is run as its Hypothesis test with an explicit seed, so the same command always
draws the same examples; a failure carries the shrunk case and the command that replays it.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
import traceback
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable

from hypothesis.reporting import with_reporter

from rnnspec import profiles
from rnnspec.checks import CONTEXT, PropertyFailure, RunContext
from rnnspec.harness import CALL_TIMEOUT, TargetHung
from rnnspec.spec import LAYER_CAPABILITIES, PROPERTIES, PropertySpec, capabilities_of
from rnnspec.strategies import DTYPES
from rnnspec.targets import Target, TargetError, applicability


__all__ = ["Verdict", "DTYPE_CHOICES", "check_dtype", "dtype_skip", "property_functions", "select_properties", "verify", "replay_command", "read_xfails",
           "unmatched_xfails"]


@dataclass
class Verdict:
    id: str  # property id
    topic: str  # lecture topic
    claim: str  # what must hold
    status: str  # passed, failed, error (the target could not be built or called), skipped, xfailed, xpassed
    message: str  # why it failed or was skipped; empty when passed
    seconds: float  # wall time of this property

    def as_dict(self) -> dict:
        return asdict(self)


def property_functions() -> dict[str, Callable]:
    """Property id -> its Hypothesis test, from every module of properties."""
    import properties

    found = {}
    for info in sorted(pkgutil.iter_modules(properties.__path__), key=lambda m: m.name):
        if not info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"properties.{info.name}")
        for obj in vars(module).values():
            spec = getattr(obj, "_rnnspec_property", None)
            if spec is not None:
                found[spec.id] = obj
    return found


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


def replay_command(target: Target, prop: PropertySpec, *, seed: int, profile: str, max_examples: int | None,
                   dtype: str | None = None) -> str:
    cmd = f"rnnspec verify {target.cli_args()} --select {prop.id} --seed {seed} --profile {profile}"
    return cmd + (f" --max-examples {max_examples}" if max_examples else "") + (f" --dtype {dtype}" if dtype else "")


DTYPE_CHOICES = ("float32", "float64")


def check_dtype(target: Target, dtype: str | None) -> None:
    """ValueError when ``dtype`` is not one rnnspec runs, or the target does not claim it."""
    if dtype is None:
        return
    if dtype not in DTYPE_CHOICES:
        raise ValueError(f"dtype={dtype!r}; expected one of {DTYPE_CHOICES}")
    if dtype == "float64" and "float64" in capabilities_of(target.subject) and "float64" not in target.capabilities:
        raise ValueError(f"{target.name} does not claim float64 ({LAYER_CAPABILITIES['float64']}), so --dtype float64 "
                         f"leaves nothing to run")


def dtype_skip(prop: PropertySpec, dtype: str | None) -> str | None:
    # the properties that need the float64 capability compare float32 with float64 runs of one case:
    # --dtype float32 rules their float64 run out; --dtype float64 keeps them (they check float64)
    if dtype == "float32" and "float64" in prop.requires:
        return "compares float32 with float64 runs; --dtype float32 runs float32 only"
    return None


def _failure_message(e: BaseException) -> str:
    text = str(e) if isinstance(e, PropertyFailure) else f"{type(e).__name__}: {e}"
    if not isinstance(e, (PropertyFailure, TargetError)):
        frames = traceback.extract_tb(e.__traceback__)[-3:]
        text += "\n  raised at: " + " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
                                                 for f in reversed(frames))
    # Hypothesis notes each draw; the case is already in the message, other draws (a permutation, ...) are not
    draws = [" ".join(n.split()) for n in getattr(e, "__notes__", []) if n.startswith("Draw") and "case):" not in n]
    if draws:
        text += "\n  also drawn: " + "; ".join(draws)
    return text


def _raised_inside_rnnspec(e: BaseException) -> bool:
    import properties
    import reference_impls

    ours = [Path(m.__file__).resolve().parent for m in (properties, reference_impls)]
    ours.append(Path(__file__).resolve().parent)
    frames = traceback.extract_tb(e.__traceback__)
    return bool(frames) and any(Path(frames[-1].filename).resolve().is_relative_to(d) for d in ours)


def _run_one(fn, target, prop, *, replay) -> tuple[str, str, bool]:
    """(status, message, whether the target hung)."""
    token = CONTEXT.set(RunContext(prop.id, replay))
    try:
        with with_reporter(lambda _message: None), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*not supported with oneDNN")  # torch's own notice
            fn(target=target)
        return "passed", "", False
    except TargetError as e:
        return "error", f"[{prop.id}] the target cannot be used as declared: {e}\n  replay: {replay}", False
    except TargetHung as e:
        return "error", f"[{prop.id}] the target hangs: {e}\n  replay: {replay}", True
    except (PropertyFailure, AssertionError) as e:
        return "failed", _failure_message(e), False
    except Exception as e:  # reported, never re-raised
        who = "rnnspec itself (a bug in rnnspec: please report it)" if _raised_inside_rnnspec(e) else "the target"
        return "failed", f"[{prop.id}] {who} raised {_failure_message(e)}\n  replay: {replay}", False
    finally:
        CONTEXT.reset(token)


def verify(target: Target, *, seed: int = 0, profile: str = "default", max_examples: int | None = None,
           select: Iterable[str] | None = None, xfails: dict[str, str] | None = None, timeout: float | None = 60.0,
           dtype: str | None = None, on_verdict: Callable[[Verdict], None] | None = None,
           on_start: Callable[[PropertySpec], None] | None = None) -> list[Verdict]:
    """Every property that applies to ``target``, each to a Verdict (in spec order).

    ``xfails`` maps property ids to the reason they are known to fail: a failure is then
    "xfailed", a pass "xpassed". ``timeout`` bounds each call into the target, in seconds; once a
    call hangs, the remaining properties are skipped (each would hang too). ``dtype`` ("float32" or
    "float64") draws only that dtype; None draws every dtype the target claims. ``on_start`` and
    ``on_verdict`` are called before and after each property (progress display).
    """
    profiles.settings_for(profile, max_examples=max_examples)  # validates both before anything runs
    check_dtype(target, dtype)
    functions = property_functions()
    verdicts, hung = [], False
    timeout_token = CALL_TIMEOUT.set(timeout)
    dtype_token = DTYPES.set((dtype,) if dtype else DTYPES.get())
    try:
        for prop in select_properties(select):
            applies, skip_reason = applicability(prop, target)
            if not applies:
                continue
            skip_reason = skip_reason or dtype_skip(prop, dtype)
            start = time.perf_counter()
            if skip_reason or hung:
                status, message = "skipped", skip_reason or "the target hung on an earlier property"
            else:
                if on_start:
                    on_start(prop)
                replay = replay_command(target, prop, seed=seed, profile=profile, max_examples=max_examples,
                                        dtype=dtype)
                fn = profiles.prepare(functions[prop.id], profile=profile, max_examples=max_examples, seed=seed)
                status, message, hung = _run_one(fn, target, prop, replay=replay)
                if xfails and prop.id in xfails:
                    known = f"known failure ({xfails[prop.id] or 'no reason given'})"
                    status, message = ("xfailed", f"{known}\n{message}") if status in ("failed", "error") \
                        else ("xpassed", f"{known}, but it passed: remove it from the xfails file")
            verdict = Verdict(prop.id, prop.topic, prop.claim, status, message, time.perf_counter() - start)
            verdicts.append(verdict)
            if on_verdict:
                on_verdict(verdict)
    finally:
        DTYPES.reset(dtype_token)
        CALL_TIMEOUT.reset(timeout_token)
    return verdicts


def read_xfails(path) -> dict[str, str]:
    """An xfails file: one property id a line, optionally ``# reason``; blank lines and lines
    starting with # are ignored. Returns id -> reason."""
    entries = {}
    for line in open(path, encoding="utf-8"):
        text, _, reason = line.partition("#")
        if text.strip():
            entries[text.strip()] = reason.strip()
        elif not line.strip().startswith("#") and line.strip():
            raise ValueError(f"{path}: cannot read the line {line.strip()!r}")
    return entries


def unmatched_xfails(xfails: dict[str, str], verdicts: list[Verdict]) -> list[str]:
    """Entries that name no property run (or skipped) on this target: likely typos or stale."""
    seen = {v.id for v in verdicts}
    return sorted(set(xfails) - seen)
