"""The shared assertions: every failure reads the same way.

A message says what was compared, for which property and case, the worst element (got,
expected, error, allowed), how many elements are off, and the command that replays the case.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

import numpy as np

from rnnspec.spec import Tolerance

__all__ = ["PropertyFailure", "RunContext", "CONTEXT", "as_array", "assert_close", "assert_shape", "assert_identical",
           "fail"]


class PropertyFailure(AssertionError):
    """A property does not hold for a case."""


@dataclass(frozen=True)
class RunContext:
    property_id: str  # the property being checked
    replay: str  # a shell command that replays exactly this property on this target


CONTEXT: contextvars.ContextVar[RunContext | None] = contextvars.ContextVar("rnnspec_run", default=None)


def as_array(a) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach().cpu()
        a = a.double() if a.is_floating_point() else a
        a = a.numpy()
    return np.asarray(a)


def fail(headline: str, *, case, details: str = "") -> None:
    ctx = CONTEXT.get()
    lines = [f"[{ctx.property_id}] {headline}" if ctx else headline]
    if details:
        lines.append(details)
    lines.append(f"  case: {case!r}")
    if ctx:
        lines.append(f"  replay: {ctx.replay}")
    raise PropertyFailure("\n".join(lines))


def assert_shape(got, expected_shape, *, what: str, case) -> None:
    shape = tuple(getattr(got, "shape", ()))
    if shape != tuple(expected_shape):
        fail(f"{what}: shape {shape}, expected {tuple(expected_shape)}", case=case)


def assert_close(got, expected, *, tol: Tolerance, what: str, case) -> None:
    """|got - expected| <= atol + rtol*|expected| everywhere, with NaN never close to a number."""
    g, e = as_array(got).astype(np.float64), as_array(expected).astype(np.float64)
    assert_shape(g, e.shape, what=what, case=case)
    if g.size == 0:
        return
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(g - e)  # inf - inf is NaN: handled below
        allowed = tol.bound(np.abs(e))
    bad = ~(err <= allowed)  # NaN in either counts as bad
    bad &= ~((np.isnan(g) & np.isnan(e)) | (g == e))  # NaN matches NaN; equal infinities match
    if not bad.any():
        return
    excess = np.where(np.isnan(err), np.inf, err - allowed)
    i = np.unravel_index(int(np.argmax(excess)), e.shape)
    fail(
        f"{what}: {int(bad.sum())} of {e.size} elements differ beyond the tolerance",
        case=case,
        details=(
            f"  worst element {tuple(int(k) for k in i)}: got {g[i]:.9g}, expected {e[i]:.9g}, "
            f"|error| {err[i]:.3g} > allowed {allowed[i]:.3g} ({tol})"
        ),
    )


def assert_identical(got, expected, *, what: str, case) -> None:
    """Bit-for-bit the same values (for 'unchanged' and 'no state kept' claims)."""
    g, e = as_array(got), as_array(expected)
    assert_shape(g, e.shape, what=what, case=case)
    same = (g == e) | (np.isnan(g) & np.isnan(e)) if g.dtype.kind == "f" else g == e
    if not np.all(same):
        i = np.unravel_index(int(np.argmin(same)), e.shape)
        fail(f"{what}: {int((~same).sum())} of {e.size} elements changed", case=case,
             details=f"  first at {tuple(int(k) for k in i)}: got {g[i]!r}, expected {e[i]!r} (exact comparison)")
