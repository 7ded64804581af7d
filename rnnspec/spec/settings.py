"""Run settings: one frozen, validated object per run, activated once.

The CLI, the pytest plugin and the matrix all build a ``RunSettings`` and run properties inside
``activated(settings)``; the lower layers (strategies drawing dtypes, the per-call timeout, replay
commands) read ``active()`` and nothing else. A new run option is one field here plus its use.
Threads that call into a target run under a copy of the caller's context, so they see the same
settings.
"""

from __future__ import annotations

import contextlib
import dataclasses
import contextvars
import math
from dataclasses import dataclass

from rnnspec.spec.profiles import PROFILES
from rnnspec.spec import DTYPES, REDUCED_DTYPES, Tolerance
from rnnspec.spec.scale import REALISTIC, TIERS, magnitude

__all__ = ["RunSettings", "DEFAULT_TIMEOUT", "active", "activated", "check_device"]

DEFAULT_TIMEOUT = 60.0  # seconds: what `rnnspec verify` allows one call into a target by default


@dataclass(frozen=True)
class RunSettings:
    seed: int = 0  # seed of every property's examples: the same seed draws the same examples
    profile: str = "default"  # examples per property, a key of rnnspec.spec.profiles.PROFILES
    max_examples: int | None = None  # examples per property instead of the profile's count
    dtype: str | None = None  # draw only this dtype (rnnspec.spec.DTYPES), or check a REDUCED_DTYPES one; None: every dtype claimed
    timeout: float | None = None  # seconds one call into the target may take (None: no limit)
    tolerance: Tolerance | None = None  # comparisons against the reference at least this loose (approximate targets)
    tiers: tuple[str, ...] = TIERS  # the tiers of cases drawn (rnnspec.spec.scale), in TIERS order
    max_size: int = REALISTIC.max_size  # the realistic tier's largest input, hidden and projection size
    max_seq_len: int = REALISTIC.max_seq_len  # the realistic tier's longest sequence
    max_batch: int = REALISTIC.max_batch  # the realistic tier's largest batch
    tier: str | None = None  # the tier being drawn now: set by the runner for each tier's examples
    magnitude: str | None = None  # the magnitude regime being drawn now (magnitude tier): set by the runner
    device: str | None = None  # run the target on this device (check_device); None: where it builds

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed={self.seed!r} must be a non-negative integer")
        if self.profile not in PROFILES:
            raise ValueError(f"profile={self.profile!r} is not one of {sorted(PROFILES)}")
        if self.max_examples is not None and (isinstance(self.max_examples, bool) or not isinstance(self.max_examples, int)
                                              or self.max_examples < 1):
            raise ValueError(f"max_examples={self.max_examples!r} must be an integer of at least 1")
        if self.dtype is not None and self.dtype not in DTYPES + REDUCED_DTYPES:
            raise ValueError(f"dtype={self.dtype!r} is not one of {list(DTYPES + REDUCED_DTYPES)}")
        if self.timeout is not None and not (self.timeout > 0 and math.isfinite(self.timeout)):
            raise ValueError(f"timeout={self.timeout!r} must be a positive number of seconds")
        if self.tolerance is not None and not (isinstance(self.tolerance, Tolerance) and self.tolerance.rtol >= 0
                                               and self.tolerance.atol >= 0):
            raise ValueError(f"tolerance={self.tolerance!r} must be a Tolerance with rtol >= 0 and atol >= 0")
        if not self.tiers or set(self.tiers) - set(TIERS) or len(set(self.tiers)) != len(self.tiers):
            raise ValueError(f"tiers={self.tiers!r} must name some of {list(TIERS)}, each once")
        object.__setattr__(self, "tiers", tuple(t for t in TIERS if t in self.tiers))
        for name in ("max_size", "max_seq_len", "max_batch"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r} must be an integer of at least 1")
        if self.tier is not None and self.tier not in TIERS:
            raise ValueError(f"tier={self.tier!r} is not one of {list(TIERS)}")
        if self.device is not None:
            object.__setattr__(self, "device", check_device(self.device))
        if self.magnitude is not None:
            magnitude(self.magnitude)  # a ValueError naming the regimes
            if self.tier != "magnitude":
                raise ValueError(f"magnitude={self.magnitude!r} is a regime of the magnitude tier, not of tier={self.tier!r}")

    @property
    def examples(self) -> int:
        """Examples per property."""
        return self.max_examples or PROFILES[self.profile]

    @property
    def dtypes(self) -> tuple[str, ...]:
        """The dtypes this run may draw (a float16 or bfloat16 run draws float32 cases and rounds them)."""
        return DTYPES if not self.dtype else ("float32",) if self.reduced else (self.dtype,)

    @property
    def reduced(self) -> bool:
        """Whether this run checks a reduced precision (float16, bfloat16): the reduced_precision properties only."""
        return self.dtype in REDUCED_DTYPES

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
        tiers = (self.tier,) if self.tier else self.tiers
        if tiers != TIERS:
            options += f" --tiers {','.join(tiers)}"
        for name in ("max_size", "max_seq_len", "max_batch"):
            if getattr(self, name) != getattr(REALISTIC, name):
                options += f" --{name.replace('_', '-')} {getattr(self, name)}"
        if self.device is not None:
            options += f" --device {self.device}"
        return options

    @property
    def current_tier(self) -> str:
        """The tier strategies draw from now: the runner's, else small (outside a run)."""
        return self.tier or "small"

    def replace(self, **changes) -> "RunSettings":
        return dataclasses.replace(self, **changes)

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


def check_device(name: str) -> str:
    """``name`` as torch spells it ("cuda", "cuda:1", "cpu", "mps"); ValueError with one line when
    torch does not know it or it is not available in this process."""
    import torch  # here, not at import: the registry and the plugin's options stay light

    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise ValueError(f"--device {name!r}: not a device torch knows (e.g. cpu, cuda, cuda:1)") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            build = "a CPU build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
            raise ValueError(f"--device {name}: CUDA is not available here (torch {torch.__version__}, {build})")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(f"--device {name}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"--device {name}: MPS is not available here")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"--device {name}: rnnspec runs targets on cpu, cuda or mps")
    return str(device)
