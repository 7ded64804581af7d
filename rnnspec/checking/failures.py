"""Failures as data: what did not hold, for which case, and how to replay it.

A property raises ``PropertyFailure`` carrying a ``Failure``; the runner fills in the property
id and the replay command; terminal, JSON, HTML and the matrix render the fields. No code reads
a failure back from its text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

__all__ = ["Failure", "PropertyFailure", "ORIGINS", "fail", "render_all", "regime_of"]

ORIGINS: dict[str, str] = {  # where a failure comes from -> how its headline is introduced
    "property": "",  # the claim does not hold for the case
    "target": "the target raised ",  # the target's own code raised while the property ran it
    "declaration": "the target cannot be used as declared: ",  # a TargetError: names, signature, shapes
    "hang": "the target hangs: ",  # a call into the target did not return in time
    "exited": "the target ended the process it ran in: ",  # os._exit, a crash, an allocation the OS refused (--isolate)
    "rnnspec": "rnnspec itself raised (a bug in rnnspec: please report it) ",
    "environment": "the environment broke the run (not the target, not the claim): ",
}


@dataclass(frozen=True)
class Failure:
    headline: str  # one line: what does not hold (or what was raised)
    details: tuple[str, ...] = ()  # further lines: the worst element, got and expected, where it was raised
    case: str = ""  # repr of the (shrunk) case; empty when the failure has no case
    dtype: str | None = None  # the case's dtype, when it has one
    regime: str = ""  # the case's tier and what puts it there: "realistic tier: hidden_size=65 (beyond ...)"
    drawn: tuple[str, ...] = ()  # other draws of the example, "label: value"
    origin: str = "property"  # a key of ORIGINS
    property_id: str | None = None  # filled in by the runner
    replay: str | None = None  # a shell command that replays exactly this property on this target

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(f"origin={self.origin!r} is not one of {sorted(ORIGINS)}")

    def render(self) -> str:
        """The failure as the terminal and the HTML page show it."""
        head = ORIGINS[self.origin] + self.headline
        lines = [f"[{self.property_id}] {head}" if self.property_id else head]
        lines += [f"  {line}" for line in self.details]
        if self.regime:
            lines.append(f"  regime: {self.regime}")
        if self.case:
            lines.append(f"  case: {self.case}")
        if self.drawn:
            lines.append("  also drawn: " + "; ".join(self.drawn))
        if self.replay:
            lines.append(f"  replay: {self.replay}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {**asdict(self), "details": list(self.details), "drawn": list(self.drawn)}

    @classmethod
    def from_dict(cls, data: dict) -> "Failure":
        return cls(**{**data, "details": tuple(data.get("details", ())), "drawn": tuple(data.get("drawn", ()))})

    def replace(self, **changes) -> "Failure":
        return replace(self, **changes)


class PropertyFailure(AssertionError):
    """A property does not hold for a case; ``failures`` says how (one ``Failure`` per distinct
    failure Hypothesis found, each with its own shrunk case; ``failure`` is the first)."""

    def __init__(self, failure: Failure, *more: Failure):
        super().__init__(failure.headline)
        self.failures = (failure, *more)

    @property
    def failure(self) -> Failure:
        return self.failures[0]

    @failure.setter
    def failure(self, value: Failure) -> None:
        self.failures = (value, *self.failures[1:])

    def __str__(self) -> str:
        return render_all(self.failures)


def render_all(failures) -> str:
    """One failure as it renders; several, each introduced as one of the distinct failures."""
    failures = tuple(failures)
    if len(failures) == 1:
        return failures[0].render()
    return "\n".join(f"distinct failure {k} of {len(failures)}:\n" + f.render() for k, f in enumerate(failures, 1))


def fail(headline: str, *, case, details: str | tuple[str, ...] = ()) -> None:
    """Raise a PropertyFailure for ``case`` (a Case object, or None)."""
    lines = tuple(line.strip() for line in details.splitlines()) if isinstance(details, str) else tuple(details)
    raise PropertyFailure(Failure(headline, lines, case="" if case is None else repr(case),
                                  dtype=getattr(case, "dtype", None), regime=regime_of(case)))


def regime_of(case) -> str:
    """The case's tier and regime ("" for cases without tiers)."""
    regime = getattr(case, "regime", None)
    return regime() if callable(regime) else ""
