"""How close two implementations must agree, per dtype, and how that grows with length and depth.

Rounding errors of a recurrence add up roughly like a random walk over the steps it went
through, so the absolute tolerance grows with sqrt(seq_len * num_layers). Gradients sum over
every step and batch row, so they get a larger base.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Tolerance", "BASE_TOLERANCES", "DTYPES", "tolerance"]


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


def tolerance(dtype: str, *, seq_len: int = 1, num_layers: int = 1, grad: bool = False) -> Tolerance:
    """The tolerance for comparing results of ``dtype`` after ``seq_len`` steps through ``num_layers``."""
    try:
        base = BASE_TOLERANCES[str(dtype).replace("torch.", "")]["grad" if grad else "value"]
    except KeyError:
        raise ValueError(f"dtype={dtype!r} has no tolerance; expected one of {sorted(BASE_TOLERANCES)}") from None
    growth = math.sqrt(max(seq_len, 1) * max(num_layers, 1))
    return Tolerance(rtol=base.rtol * growth, atol=base.atol * growth)
