"""The shared assertions: what a failure message says, and what counts as close."""

import numpy as np
import pytest

from rnnspec.checks import CONTEXT, PropertyFailure, RunContext, assert_close, assert_identical
from rnnspec.spec import Tolerance

TOL = Tolerance(rtol=1e-3, atol=1e-6)


def test_close_within_tolerance_passes_and_message_names_the_worst_element():
    assert_close(np.array([1.0, 2.0]), np.array([1.0005, 2.0]), tol=TOL, what="h_n", case="C")
    token = CONTEXT.set(RunContext("some_property", "rnnspec verify X --select some_property --seed 0"))
    try:
        with pytest.raises(PropertyFailure) as info:
            assert_close(np.array([[1.0, 2.0], [3.0, 4.5]]), np.ones((2, 2)) * [[1, 2], [3, 4]], tol=TOL,
                         what="output", case="THE CASE")
    finally:
        CONTEXT.reset(token)
    message = str(info.value)
    for part in ("[some_property] output: 1 of 4 elements", "worst element (1, 1): got 4.5, expected 4",
                 "allowed", "case: 'THE CASE'", "replay: rnnspec verify X --select some_property --seed 0"):
        assert part in message, message


def test_nan_is_never_close_to_a_number_but_nan_matches_nan():
    with pytest.raises(PropertyFailure, match="1 of 2 elements"):
        assert_close(np.array([np.nan, 1.0]), np.array([0.0, 1.0]), tol=TOL, what="y", case=None)
    assert_close(np.array([np.nan]), np.array([np.nan]), tol=TOL, what="y", case=None)


def test_shape_mismatch_is_reported_before_values():
    with pytest.raises(PropertyFailure, match=r"y: shape \(3,\), expected \(2,\)"):
        assert_close(np.zeros(3), np.zeros(2), tol=TOL, what="y", case=None)


def test_identical_is_exact():
    assert_identical(np.array([1.0, 2.0]), np.array([1.0, 2.0]), what="x", case=None)
    with pytest.raises(PropertyFailure, match="1 of 2 elements changed"):
        assert_identical(np.array([1.0, 2.0]), np.array([1.0, np.nextafter(2.0, 3.0)]), what="x", case=None)
