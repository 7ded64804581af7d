"""How close two implementations must agree, per dtype, and how that grows with length and depth.

Rounding errors of a recurrence add up roughly like a random walk over the steps it went
through, so the absolute tolerance grows with sqrt(seq_len * num_layers). Gradients sum over
every step and batch row, so they get a larger base.

Besides "an implementation against the reference" (``tolerance``, read through a case's
``tolerance()``), three comparisons have tolerances of their own, named here so that no
property makes one up: ``CLOSED_FORM_FLOAT64`` (a float64 computation against the closed form it
must equal), ``FINITE_DIFFERENCES`` (an analytic derivative against central differences) and
``rounding`` (a claim exact in real arithmetic that an implementation may round a few times).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Tolerance", "BASE_TOLERANCES", "DTYPES", "REDUCED_DTYPES", "EPSILON", "CLOSED_FORM_FLOAT64",
           "FINITE_DIFFERENCES", "REDUCED_ERROR_MULTIPLE", "tolerance", "rounding", "reduced_allowed", "FAN_IN_BASE"]


@dataclass(frozen=True)
class Tolerance:
    rtol: float  # relative to |expected|
    atol: float  # absolute floor

    def bound(self, expected_abs):
        """The largest allowed |got - expected| for an element whose expected value has this size."""
        return self.atol + self.rtol * expected_abs

    def __str__(self) -> str:
        return f"atol={self.atol:.3g} + rtol={self.rtol:.3g}*|expected|"


BASE_TOLERANCES: dict[str, dict[str, Tolerance]] = {
    "float32": {"value": Tolerance(rtol=1e-4, atol=1e-5), "grad": Tolerance(rtol=1e-3, atol=1e-4)},
    "float64": {"value": Tolerance(rtol=1e-10, atol=1e-12), "grad": Tolerance(rtol=1e-9, atol=1e-11)},
}

DTYPES: tuple[str, ...] = tuple(BASE_TOLERANCES)  # the dtypes rnnspec draws and compares, narrowest first

# The reduced precisions `--dtype` checks by their own error model (reduced_allowed), not by the
# tolerances above: their rounding errors are too large for a fixed tolerance to separate a faithful
# kernel from a sloppy one, so each case is judged against torch's own errors on it.
REDUCED_DTYPES: tuple[str, ...] = ("float16", "bfloat16")

# machine epsilon, torch.finfo(dtype).eps: the gap between 1 and the next representable number
EPSILON: dict[str, float] = {"float32": 2.0**-23, "float64": 2.0**-52, "float16": 2.0**-10, "bfloat16": 2.0**-7}

# A float16 or bfloat16 result against the float64 reference on the same (rounded) weights,
# inputs and states: its largest error may be at most this many times that of the worse of two
# yardsticks on the same case (rnnspec.checking.reduced: torch's built-in, and rnnspec's torch reference
# computing in the dtype), or this many ulps of the largest |expected| where both are closer.
# Measured on drawn cases (float16 and bfloat16, small and realistic tiers): rnnspec's torch
# reference matches torch's CPU built-in's errors; a step-by-step kernel (tests/dropins/
# independent.py) has up to 1.9x torch's error forward and 1.5x to 4.8x on gradients, the most
# where it sums each weight's gradient over hundreds of steps in the dtype (torch sums it in
# float32): beyond 4x, that is reported, as a real loss of precision. Computing the gates in
# bfloat16 when asked for float16 (tests/dropins/defects.py) fails at the quick profile.
REDUCED_ERROR_MULTIPLE = 4.0

# A float64 computation against the closed form it must equal: autograd's Jacobian of a residual
# block against I + J_F, of a dense or highway block against I, a highway layer against
# T*H(x) + (1-T)*x, a residual stack's Jacobian against prod_l (I + J_l), a singular value against
# its bound. The same real-number formula evaluated in another order through a few shallow
# blocks, so it does not grow with length or depth: rtol 1e-9 (~4.5e6 ulps) leaves room for
# reassociated sums and products of a few dozen factors, atol 1e-12 for elements whose expected
# value cancels to ~0 (an off-diagonal of I + J_F). A wrong formula is off by O(|J_F|), far above.
CLOSED_FORM_FLOAT64 = Tolerance(rtol=1e-9, atol=1e-12)

# A float64 directional derivative against central differences (f(x + e v) - f(x - e v)) / 2e with
# step e = 1e-6: the truncation error is ~e^2 |d^3 f| ~ 1e-12 and the rounding error ~eps |f| / e
# ~ 2e-10 |f|, so 1e-5 relative and 1e-6 absolute hold with a wide margin for the small cases drawn
# (sizes <= 3, <= 3 steps), while a missing or wrong term of the backward is off by O(1).
FINITE_DIFFERENCES = Tolerance(rtol=1e-5, atol=1e-6)


# The base tolerances hold for gate products of up to FAN_IN_BASE terms (the small tier's widths).
FAN_IN_BASE = 64


def tolerance(dtype: str, *, seq_len: int = 1, num_layers: int = 1, grad: bool = False, fan_in: int = 1,
              size: float = 1.0) -> Tolerance:
    """The tolerance for comparing results of ``dtype`` after ``seq_len`` steps through ``num_layers``,
    with gate products of ``fan_in`` terms (input plus recurrent features) whose terms are ``size``
    times as large as with torch's initialisation and standard-normal inputs.

    Derivation. One step's pre-activation a = W_ih x + W_hh h + b is a sum of K = fan_in products;
    summed in another order (blocked BLAS, pairwise, a Python loop, fused gates) it differs by
    about eps * sqrt(K) * |typical term| * sqrt(K) in the worst orderings seen (sequential sums
    whose partial sums grow like sqrt(k)), where torch's initialisation makes |a| ~ 1 whatever K.
    The activations (tanh, sigmoid, and their products in the cell update) have slopes <= 1, so
    the error of a step's output is at most that of its pre-activation, and the recurrence adds
    one such error per step and layer: independent errors add like a random walk, sqrt(T * L),
    while the Jacobians of the small and realistic tiers' weights (torch's init times <= 2, mostly
    contracting) keep earlier errors from growing. Hence
        atol = base.atol * sqrt(T * L) * sqrt(max(1, K / FAN_IN_BASE)) * size
        rtol = base.rtol * sqrt(T * L) * sqrt(max(1, K / FAN_IN_BASE))
    ``size`` scales only the absolute part: a magnitude regime makes every term, hence every
    rounding error, ``size`` times larger, while an output squashed by an activation stays O(1)
    (a cell state that grows large is covered by rtol, its error proportional to it). Gradients
    sum over every step and row (dW = sum_t delta_t x_t^T), hence their larger base. The base
    values and FAN_IN_BASE are checked against faithful implementations that sum in other
    orders (tests/dropins, every framework of the matrix) with no false alarm over 20 seeds, and
    the precision defects of tests/defect_catalogue.py still fail (tests/spec/test_tolerance_pins.py).
    """
    try:
        base = BASE_TOLERANCES[str(dtype).replace("torch.", "")]["grad" if grad else "value"]
    except KeyError:
        raise ValueError(f"dtype={dtype!r} has no tolerance; expected one of {sorted(BASE_TOLERANCES)}") from None
    if not size > 0:
        raise ValueError(f"size={size!r} must be positive")
    growth = math.sqrt(max(seq_len, 1) * max(num_layers, 1)) * math.sqrt(max(1.0, fan_in / FAN_IN_BASE))
    return Tolerance(rtol=base.rtol * growth, atol=base.atol * growth * size)


def reduced_allowed(dtype: str, *, yardstick_error: float, expected_max: float) -> float:
    """The largest |got - expected| a float16 or bfloat16 result may have (REDUCED_ERROR_MULTIPLE):
    ``yardstick_error`` is the largest error of the worse yardstick on the same case, ``expected_max``
    the largest |expected| of the tensor compared."""
    if dtype not in REDUCED_DTYPES:
        raise ValueError(f"dtype={dtype!r} is not one of {list(REDUCED_DTYPES)}")
    return REDUCED_ERROR_MULTIPLE * max(yardstick_error, EPSILON[dtype] * expected_max)


def rounding(dtype: str, *, ulps: float) -> Tolerance:
    """``ulps`` units of ``dtype``'s machine epsilon, relative and absolute: for a claim exact in
    real arithmetic that an implementation may still round a few times per step (torch's GRU
    update n + z*(h - n) with z = 1 is h up to an ulp or so a step, where (1-z)*n + z*h is h exactly)."""
    try:
        eps = EPSILON[str(dtype).replace("torch.", "")]
    except KeyError:
        raise ValueError(f"dtype={dtype!r} has no epsilon; expected one of {sorted(EPSILON)}") from None
    return Tolerance(rtol=ulps * eps, atol=ulps * eps)
