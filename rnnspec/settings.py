"""Run settings: one frozen, validated object per run, activated once.

The CLI, the pytest plugin and the matrix all build a ``RunSettings`` and run properties inside
``activated(settings)``; the lower layers (strategies drawing dtypes, the per-call timeout, replay
commands) read ``active()`` and nothing else. A new run option is one field here plus its use.
Threads that call into a target run under a copy of the caller's context, so they see the same
settings.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from dataclasses import dataclass

from rnnspec.profiles import PROFILES
from rnnspec.spec import DTYPES, Tolerance

__all__ = ["RunSettings", "DEFAULT_TIMEOUT", "active", "activated"]

DEFAULT_TIMEOUT = 60.0  # seconds: what `rnnspec verify` allows one call into a target by default


@dataclass(frozen=True)
class RunSettings:
    seed: int = 0  # seed of every property's examples: the same seed draws the same examples
    profile: str = "default"  # examples per property, a key of rnnspec.profiles.PROFILES
    max_examples: int | None = None  # examples per property instead of the profile's count
    dtype: str | None = None  # draw only this dtype (one of rnnspec.spec.DTYPES); None: every dtype claimed
    timeout: float | None = None  # seconds one call into the target may take (None: no limit)
    tolerance: Tolerance | None = None  # comparisons against the reference at least this loose (approximate targets)

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed={self.seed!r} must be a non-negative integer")
        if self.profile not in PROFILES:
            raise ValueError(f"profile={self.profile!r} is not one of {sorted(PROFILES)}")
        if self.max_examples is not None and (isinstance(self.max_examples, bool) or not isinstance(self.max_examples, int)
                                              or self.max_examples < 1):
            raise ValueError(f"max_examples={self.max_examples!r} must be an integer of at least 1")
        if self.dtype is not None and self.dtype not in DTYPES:
            raise ValueError(f"dtype={self.dtype!r} is not one of {list(DTYPES)}")
        if self.timeout is not None and not (self.timeout > 0 and math.isfinite(self.timeout)):
            raise ValueError(f"timeout={self.timeout!r} must be a positive number of seconds")
        if self.tolerance is not None and not (isinstance(self.tolerance, Tolerance) and self.tolerance.rtol >= 0
                                               and self.tolerance.atol >= 0):
            raise ValueError(f"tolerance={self.tolerance!r} must be a Tolerance with rtol >= 0 and atol >= 0")

    @property
    def examples(self) -> int:
        """Examples per property."""
        return self.max_examples or PROFILES[self.profile]

    @property
    def dtypes(self) -> tuple[str, ...]:
        """The dtypes this run may draw."""
        return (self.dtype,) if self.dtype else DTYPES

    def replay_options(self) -> str:
        """The options of ``rnnspec verify`` that reproduce this run (defaults left out except
        seed and profile, which a reader wants to see)."""
        options = f"--seed {self.seed} --profile {self.profile}"
        if self.max_examples:
            options += f" --max-examples {self.max_examples}"
        if self.dtype:
            options += f" --dtype {self.dtype}"
        if self.timeout is not None and self.timeout != DEFAULT_TIMEOUT:
            options += f" --timeout {self.timeout:g}"
        if self.tolerance is not None:
            options += f" --rtol {self.tolerance.rtol:g} --atol {self.tolerance.atol:g}"
        return options

    def reference_tolerance(self, registry: Tolerance) -> Tolerance:
        """The tolerance of a comparison against the reference: the registry's, or this run's
        per-target tolerance where that is looser (each of rtol and atol)."""
        if self.tolerance is None:
            return registry
        return Tolerance(rtol=max(registry.rtol, self.tolerance.rtol), atol=max(registry.atol, self.tolerance.atol))


_ACTIVE: contextvars.ContextVar[RunSettings] = contextvars.ContextVar("rnnspec_settings", default=RunSettings())


def active() -> RunSettings:
    """The settings of the run in progress (``RunSettings()`` outside any run)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def activated(settings: RunSettings):
    """Run the body under ``settings``: the one way a run's settings reach the properties."""
    if not isinstance(settings, RunSettings):
        raise TypeError(f"settings={settings!r} is not a RunSettings")
    token = _ACTIVE.set(settings)
    try:
        yield settings
    finally:
        _ACTIVE.reset(token)
