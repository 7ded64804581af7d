"""Verdicts as data: one per property run on a target, with a status of a fixed set.

Terminal lines, JSON, HTML, the matrix and exit codes are all computed from these fields.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable

from rnnspec.checking.error_sizes import ErrorSize
from rnnspec.checking.failures import Failure, render_all

__all__ = ["Status", "Verdict", "overall_status", "summary", "exit_code"]


class Status(str, enum.Enum):
    PASSED = "passed"  # every example satisfied the claim
    FAILED = "failed"  # a counterexample: the claim does not hold (or the target raised)
    ERROR = "error"  # the target cannot be used as declared, or rnnspec itself broke: no verdict on the claim
    HUNG = "hung"  # a call into the target did not return within the timeout
    SKIPPED = "skipped"  # not run, with the reason (a capability the target lacks, ...)
    XFAILED = "xfailed"  # failed, and listed as a known failure
    XPASSED = "xpassed"  # listed as a known failure, but passed

    @property
    def is_failure(self) -> bool:
        """Whether this status fails a run."""
        return self in (Status.FAILED, Status.ERROR, Status.HUNG)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Verdict:
    id: str  # property id
    topic: str  # lecture topic
    claim: str  # what must hold
    status: Status  # how it went
    seconds: float  # wall time of this property
    failures: tuple[Failure, ...] = ()  # for failed, error, hung and xfailed: each distinct failure, shrunk
    reason: str = ""  # for skipped, xfailed and xpassed: why
    error_size: ErrorSize | None = None  # the largest errors of its comparisons (None: it compared nothing)
    printed: str = ""  # what the target printed while the property ran, summarised

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "failures", tuple(self.failures))

    @property
    def failure(self) -> Failure | None:
        """The first distinct failure (None when there is none)."""
        return self.failures[0] if self.failures else None

    @property
    def message(self) -> str:
        """Reason, failures and what the target printed, as text for people (empty when it passed quietly)."""
        parts = [self.reason] if self.reason else []
        parts += [render_all(self.failures)] if self.failures else []
        parts += [self.printed] if self.printed else []
        return "\n".join(parts)

    def to_dict(self) -> dict:
        return {"id": self.id, "topic": self.topic, "claim": self.claim, "status": self.status.value,
                "seconds": self.seconds, "reason": self.reason, "failures": [f.to_dict() for f in self.failures],
                "error_size": self.error_size.to_dict() if self.error_size else None, "printed": self.printed,
                "message": self.message}

    @classmethod
    def from_dict(cls, data: dict) -> "Verdict":
        return cls(data["id"], data["topic"], data["claim"], Status(data["status"]), data["seconds"],
                   tuple(Failure.from_dict(f) for f in data.get("failures", ())), data.get("reason", ""),
                   ErrorSize.from_dict(data.get("error_size")), data.get("printed", ""))


def overall_status(verdicts: Iterable[Verdict]) -> Status:
    """FAILED when any verdict fails the run, else PASSED."""
    return Status.FAILED if any(v.status.is_failure for v in verdicts) else Status.PASSED


def summary(verdicts: Iterable[Verdict]) -> str:
    """'19 passed, 0 failed, 2 skipped' (statuses with none are left out, but passed and failed)."""
    verdicts = list(verdicts)
    counts = {s: sum(v.status is s for v in verdicts) for s in Status}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n or s in (Status.PASSED, Status.FAILED))


def exit_code(verdicts: Iterable[Verdict]) -> int:
    """0 when the run passes, 1 when a verdict fails it."""
    return 1 if overall_status(verdicts).is_failure else 0
