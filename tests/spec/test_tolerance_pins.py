"""The tolerances are pinned, and a near miss shows why (rnnspec/spec/tolerances.py).

Every value of the registry's tolerances is written out here, so none changes without this file.
Pinning alone would be a formality if every planted defect were far off; one is not: an LSTM whose
float32 path rounds its weights to bfloat16 (tests/dropins/defects.py:LSTMBfloat16Float32, about
1e-3 relative error, its float64 path exact) fails matches_reference under the registry's float32
tolerance, and passes it, and the other comparisons with the reference, once every tolerance is
100 times looser: the mutation that survived before this file.
"""

import math

import numpy as np
import torch
import pytest

from defect_catalogue import CATALOGUE
from rnnspec.spec.settings import RunSettings
from rnnspec.spec import Tolerance, tolerances
from rnnspec.spec.tolerances import (BASE_TOLERANCES, CLOSED_FORM_FLOAT64, DTYPES, EPSILON, FINITE_DIFFERENCES,
                                     REDUCED_DTYPES, REDUCED_ERROR_MULTIPLE, rounding, tolerance)
from rnnspec.running.verdicts import Status
from rnnspec.running.verifier import verify

NEAR_MISS = next(d for d in CATALOGUE if d.name == "LSTMBfloat16Float32")


def test_base_tolerances_are_pinned():
    assert BASE_TOLERANCES == {
        "float32": {"value": Tolerance(rtol=1e-4, atol=1e-5), "grad": Tolerance(rtol=1e-3, atol=1e-4)},
        "float64": {"value": Tolerance(rtol=1e-10, atol=1e-12), "grad": Tolerance(rtol=1e-9, atol=1e-11)},
    }
    assert DTYPES == ("float32", "float64")


def test_named_tolerances_and_epsilons_are_pinned():
    assert CLOSED_FORM_FLOAT64 == Tolerance(rtol=1e-9, atol=1e-12)
    assert FINITE_DIFFERENCES == Tolerance(rtol=1e-5, atol=1e-6)
    assert EPSILON == {"float32": 2.0**-23, "float64": 2.0**-52, "float16": 2.0**-10, "bfloat16": 2.0**-7}
    assert REDUCED_ERROR_MULTIPLE == 4.0 and REDUCED_DTYPES == ("float16", "bfloat16")
    for dtype, eps in EPSILON.items():
        assert eps == torch.finfo(getattr(torch, dtype)).eps
        assert rounding(dtype, ulps=28) == Tolerance(rtol=28 * eps, atol=28 * eps)
        assert rounding(f"torch.{dtype}", ulps=1) == rounding(dtype, ulps=1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("seq_len, num_layers", [(1, 1), (9, 4), (6, 1), (0, 0)])
@pytest.mark.parametrize("grad", [False, True])
def test_tolerance_grows_with_the_square_root_of_steps_times_layers(dtype, seq_len, num_layers, grad):
    base = BASE_TOLERANCES[dtype]["grad" if grad else "value"]
    growth = math.sqrt(max(seq_len, 1) * max(num_layers, 1))  # 0 steps or layers count as 1
    got = tolerance(dtype, seq_len=seq_len, num_layers=num_layers, grad=grad)
    assert got.rtol == pytest.approx(base.rtol * growth, rel=1e-15)
    assert got.atol == pytest.approx(base.atol * growth, rel=1e-15)
    assert tolerance(f"torch.{dtype}", seq_len=seq_len, num_layers=num_layers, grad=grad) == got


@pytest.mark.parametrize("fan_in, widening", [(1, 1.0), (64, 1.0), (256, 2.0), (2050, math.sqrt(2050 / 64))])
@pytest.mark.parametrize("size", [1.0, 16.0, 5678.0])
def test_tolerance_grows_with_the_square_root_of_the_fan_in_past_64_and_its_atol_with_the_magnitude(fan_in, widening,
                                                                                                   size):
    assert tolerances.FAN_IN_BASE == 64
    plain = tolerance("float32", seq_len=4, num_layers=2)
    got = tolerance("float32", seq_len=4, num_layers=2, fan_in=fan_in, size=size)
    assert got.rtol == pytest.approx(plain.rtol * widening, rel=1e-15)
    assert got.atol == pytest.approx(plain.atol * widening * size, rel=1e-15)


def test_the_magnitude_regimes_and_their_sizes_are_pinned():
    from rnnspec.spec.scale import EXP_OVERFLOW, MAGNITUDES, SUBNORMAL, magnitude

    assert [m.name for m in MAGNITUDES] == ["saturating", "overflow", "large_state", "zeros", "subnormal"]
    assert EXP_OVERFLOW == {"float32": 88.72, "float64": 709.78}
    for dtype in DTYPES:  # past exp's overflow point; subnormal: below the smallest normal, above 0
        assert EXP_OVERFLOW[dtype] == pytest.approx(math.log(np.finfo(dtype).max), abs=0.01)
        assert 0 < SUBNORMAL[dtype] < np.finfo(dtype).smallest_normal
    assert {m.name: m.size("float32") for m in MAGNITUDES} == {
        "saturating": 48.0, "overflow": 8 * 88.72, "large_state": 10.0, "zeros": 1.0, "subnormal": 1.0}
    assert magnitude("overflow").size("float64") == 8 * 709.78


def test_a_dtype_without_tolerance_is_an_error_naming_it():
    with pytest.raises(ValueError, match=r"dtype='float16' has no tolerance; expected one of \['float32', 'float64'\]"):
        tolerance("float16")


def test_the_near_miss_fails_in_float32_and_its_float64_path_is_exact():
    (verdict,) = verify(NEAR_MISS.target(), settings=NEAR_MISS.settings(), select=[NEAR_MISS.catcher])
    assert verdict.status is Status.FAILED, verdict.message
    assert verdict.failure.dtype == "float32" and "--dtype float32" in verdict.failure.replay
    (exact,) = verify(NEAR_MISS.target(), settings=RunSettings(profile="quick", dtype="float64"),
                      select=[NEAR_MISS.catcher])
    assert exact.status is Status.PASSED, exact.message


def looser(factor: float) -> dict:
    return {dtype: {kind: Tolerance(rtol=t.rtol * factor, atol=t.atol * factor) for kind, t in kinds.items()}
            for dtype, kinds in BASE_TOLERANCES.items()}


def test_with_every_tolerance_100_times_looser_the_near_miss_passes(monkeypatch):
    monkeypatch.setattr(tolerances, "BASE_TOLERANCES", looser(100))
    (verdict,) = verify(NEAR_MISS.target(), settings=NEAR_MISS.settings(), select=[NEAR_MISS.catcher])
    assert verdict.status is Status.PASSED, f"caught even with 100x looser tolerances:\n{verdict.message}"
    # and so do the other comparisons with the reference, float64 runs included
    others = ["grads_match_reference", "float32_agrees_with_float64"]
    verdicts = verify(NEAR_MISS.target(), settings=RunSettings(profile="quick"), select=others)
    assert [(v.id, v.status) for v in verdicts] == [(i, Status.PASSED) for i in others], [v.message for v in verdicts]


def test_reduced_allowed_is_the_multiple_of_the_worse_yardstick_or_of_an_ulp():
    from rnnspec.spec.tolerances import reduced_allowed

    assert reduced_allowed("float16", yardstick_error=1e-3, expected_max=0.5) == 4e-3  # the yardstick's, 4x
    assert reduced_allowed("bfloat16", yardstick_error=0.0, expected_max=2.0) == 4 * 2.0**-7 * 2.0  # 4 ulps of 2
    assert reduced_allowed("float16", yardstick_error=2.0**-11, expected_max=1.0) == 4 * 2.0**-10
    with pytest.raises(ValueError, match=r"dtype='float32' is not one of \['float16', 'bfloat16'\]"):
        reduced_allowed("float32", yardstick_error=0.0, expected_max=1.0)
