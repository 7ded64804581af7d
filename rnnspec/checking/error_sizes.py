"""How large the errors were: the largest absolute and relative error of every comparison a
property made, over all its examples (for approximate targets, whose verdict alone says little).

``binding`` opens a ``recording()`` around each property run; ``assert_close`` reports each
comparison to it; the verdict carries the result. Outside a recording, nothing is kept.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass

import numpy as np

__all__ = ["Worst", "ErrorSize", "recording", "record"]


@dataclass(frozen=True)
class Worst:
    value: float  # the error
    what: str  # the comparison it occurred in ("output", "d loss/d weight_ih_l0 (...)", ...)
    where: tuple[int, ...]  # the element's index

    def __str__(self) -> str:
        return f"{self.value:.3g} in {self.what} at {self.where}"


@dataclass(frozen=True)
class ErrorSize:
    absolute: Worst  # the largest |got - expected|
    relative: Worst | None  # the largest |got - expected| / |expected| over elements with expected != 0
    comparisons: int  # how many comparisons were made

    def to_dict(self) -> dict:
        def worst(w):
            return None if w is None else {"value": w.value, "what": w.what, "where": list(w.where)}

        return {"absolute": worst(self.absolute), "relative": worst(self.relative), "comparisons": self.comparisons}

    @classmethod
    def from_dict(cls, data: dict | None) -> "ErrorSize | None":
        if not data:
            return None

        def worst(w):
            return None if w is None else Worst(w["value"], w["what"], tuple(w["where"]))

        return cls(worst(data["absolute"]), worst(data["relative"]), data["comparisons"])

    def __str__(self) -> str:
        rel = f"; max relative {self.relative}" if self.relative else ""
        return f"max |error| {self.absolute}{rel} ({self.comparisons} comparisons)"


class _Recorder:
    def __init__(self):
        self.absolute: Worst | None = None
        self.relative: Worst | None = None
        self.count = 0

    def result(self) -> ErrorSize | None:
        return None if self.absolute is None else ErrorSize(self.absolute, self.relative, self.count)


_ACTIVE: contextvars.ContextVar[_Recorder | None] = contextvars.ContextVar("rnnspec_error_sizes", default=None)


@contextlib.contextmanager
def recording():
    """Record every comparison made in the body; yields a function returning the ErrorSize (or None)."""
    recorder = _Recorder()
    token = _ACTIVE.set(recorder)
    try:
        yield recorder.result
    finally:
        _ACTIVE.reset(token)


def record(what: str, got: np.ndarray, expected: np.ndarray) -> None:
    """Note one comparison (float64 arrays of one shape) in the active recording, if any."""
    recorder = _ACTIVE.get()
    if recorder is None or got.size == 0:
        return
    recorder.count += 1
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        same = (got == expected) | (np.isnan(got) & np.isnan(expected))  # equal infinities, NaN and NaN
        err = np.where(same, 0.0, np.abs(got - expected))
        err = np.where(np.isnan(err), np.inf, err)  # NaN against a number: as far off as it gets
        rel = np.where(expected != 0, err / np.abs(expected), 0.0)
    i = np.unravel_index(int(np.argmax(err)), err.shape)
    if recorder.absolute is None or err[i] > recorder.absolute.value:
        recorder.absolute = Worst(float(err[i]), what, tuple(int(k) for k in i))
    j = np.unravel_index(int(np.argmax(rel)), rel.shape)
    if rel[j] > 0 and (recorder.relative is None or rel[j] > recorder.relative.value):
        recorder.relative = Worst(float(rel[j]), what, tuple(int(k) for k in j))
