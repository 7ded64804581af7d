"""The shared assertions: every failure reads the same way.

A failure says what was compared, for which case, the worst element (got, expected, error,
allowed) and how many elements are off; the runner adds the property and the replay command.
"""

from __future__ import annotations

import numpy as np

from rnnspec.checking import error_sizes
from rnnspec.checking.failures import fail
from rnnspec.spec.settings import active
from rnnspec.spec import Tolerance

__all__ = ["reference_tolerance", "as_array", "assert_shape", "assert_close", "assert_identical", "assert_at_most", "assert_at_least",
           "assert_runs_close", "assert_grads_close"]


def as_array(a) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach().cpu()
        a = a.double() if a.is_floating_point() else a
        a = a.numpy()
    return np.asarray(a)


def assert_shape(got, expected_shape, *, what: str, case) -> None:
    shape = tuple(getattr(got, "shape", ()))
    if shape != tuple(expected_shape):
        fail(f"{what}: shape {shape}, expected {tuple(expected_shape)}", case=case)


def assert_close(got, expected, *, tol: Tolerance, what: str, case) -> None:
    """|got - expected| <= atol + rtol*|expected| everywhere; NaN matches only NaN, an infinity only itself."""
    g, e = as_array(got).astype(np.float64), as_array(expected).astype(np.float64)
    assert_shape(g, e.shape, what=what, case=case)
    if g.size == 0:
        return
    error_sizes.record(what, g, e)
    bad = ~np.isclose(g, e, rtol=tol.rtol, atol=tol.atol, equal_nan=True)
    if not bad.any():
        return
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(g - e)  # inf - inf is NaN
        allowed = tol.bound(np.abs(e))
        excess = np.where(bad, np.nan_to_num(err - allowed, nan=np.inf), -np.inf)  # NaN counts as the worst
    i = np.unravel_index(int(np.argmax(excess)), e.shape)
    fail(
        f"{what}: {int(bad.sum())} of {e.size} elements differ beyond the tolerance",
        case=case,
        details=(f"worst element {tuple(int(k) for k in i)}: got {g[i]:.9g}, expected {e[i]:.9g}, "
                 f"|error| {err[i]:.3g} > allowed {allowed[i]:.3g} ({tol})",),
    )


def assert_identical(got, expected, *, what: str, case) -> None:
    """Bit-for-bit the same values (for 'unchanged' and 'no state kept' claims); NaN matches NaN."""
    g, e = as_array(got), as_array(expected)
    assert_shape(g, e.shape, what=what, case=case)
    same = np.isclose(g, e, rtol=0, atol=0, equal_nan=True) if g.dtype.kind == "f" else g == e
    if not np.all(same):
        i = np.unravel_index(int(np.argmin(same)), e.shape)
        fail(f"{what}: {int((~same).sum())} of {e.size} elements changed", case=case,
             details=(f"first at {tuple(int(k) for k in i)}: got {g[i].item()!r}, expected {e[i].item()!r} (exact comparison)",))


def _slack(rtol: float, atol: float) -> str:
    return f"rtol={rtol:.3g}*|bound|" if not atol else f"atol={atol:.3g} + rtol={rtol:.3g}*|bound|"


def assert_at_most(got: float, bound: float, *, what: str, case, rtol: float = 0.0, atol: float = 0.0) -> None:
    """``got <= bound + atol + rtol*|bound|``: an upper bound that a quantity must respect (a norm,
    a count). ``rtol`` and ``atol`` are the rounding allowed on top of the bound; NaN never satisfies it."""
    got, bound = float(got), float(bound)
    allowed = bound + atol + rtol * abs(bound)
    if not got <= allowed:
        fail(f"{what}: got {got:.9g}, expected at most {bound:.9g}", case=case,
             details=(f"excess {got - bound:.3g} > allowed {allowed - bound:.3g} ({_slack(rtol, atol)})",))


def assert_at_least(got: float, bound: float, *, what: str, case, rtol: float = 0.0, atol: float = 0.0) -> None:
    """``got >= bound - atol - rtol*|bound|``: a lower bound that a quantity must respect (a
    singular value). ``rtol`` and ``atol`` are the rounding allowed under the bound; NaN never satisfies it."""
    got, bound = float(got), float(bound)
    allowed = bound - atol - rtol * abs(bound)
    if not got >= allowed:
        fail(f"{what}: got {got:.9g}, expected at least {bound:.9g}", case=case,
             details=(f"shortfall {bound - got:.3g} > allowed {bound - allowed:.3g} ({_slack(rtol, atol)})",))


def reference_tolerance(tol: Tolerance) -> Tolerance:
    """The tolerance of a comparison of the target against the reference: ``tol`` (the registry's),
    loosened to the run's per-target tolerance where that is looser (approximate targets). Structural
    comparisons of the target with itself (causality, rows, packing, directions) keep ``tol``."""
    return active().reference_tolerance(tol)


def assert_runs_close(got, expected, *, tol: Tolerance, case, label: str = "") -> None:
    """Output and every final state (h_n, and c_n where there is one) within ``tol``; a run that
    returns fewer states than expected fails."""
    assert_close(got.output, expected.output, tol=tol, what=f"{label}output", case=case)
    if len(got.states) != len(expected.states):
        fail(f"{label}{len(got.states)} final states, expected {len(expected.states)}", case=case)
    for name, g, e in zip(("h_n", "c_n"), got.states, expected.states):
        assert_close(g, e, tol=tol, what=f"{label}{name}", case=case)


def assert_grads_close(got, expected, *, tol: Tolerance, case, label: str) -> None:
    """Every gradient of a GradSet (input, initial states, parameters) within ``tol``."""
    assert_close(got.input, expected.input, tol=tol, what=f"d loss/d input ({label})", case=case)
    for name, g, e in zip(("h0", "c0"), got.states, expected.states):
        assert_close(g, e, tol=tol, what=f"d loss/d {name} ({label})", case=case)
    for name, g in got.params.items():
        assert_close(g, expected.params[name], tol=tol, what=f"d loss/d {name} ({label})", case=case)
