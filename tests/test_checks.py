"""The shared assertions: what a failure message says, and what counts as close."""

import numpy as np
import pytest

from rnnspec.checks import assert_at_most, assert_close, assert_identical
from rnnspec.failures import PropertyFailure
from rnnspec.spec import Tolerance

TOL = Tolerance(rtol=1e-3, atol=1e-6)


def test_close_within_tolerance_passes_and_the_failure_names_the_worst_element():
    assert_close(np.array([1.0, 2.0]), np.array([1.0005, 2.0]), tol=TOL, what="h_n", case="C")
    with pytest.raises(PropertyFailure) as info:
        assert_close(np.array([[1.0, 2.0], [3.0, 4.5]]), np.ones((2, 2)) * [[1, 2], [3, 4]], tol=TOL,
                     what="output", case="THE CASE")
    failure = info.value.failure
    assert failure.headline == "output: 1 of 4 elements differ beyond the tolerance"
    assert failure.case == "'THE CASE'" and failure.origin == "property"
    (detail,) = failure.details
    assert detail.startswith("worst element (1, 1): got 4.5, expected 4, |error| 0.5 > allowed 0.004 (atol=1e-06 + rtol=0.001*|expected|)"), detail
    # the runner adds the property and the replay; the text is rendered from the fields
    text = failure.replace(property_id="some_property", replay="rnnspec verify X --select some_property").render()
    for part in ("[some_property] output: 1 of 4 elements", "worst element (1, 1): got 4.5, expected 4",
                 "case: 'THE CASE'", "replay: rnnspec verify X --select some_property"):
        assert part in text, text


@pytest.mark.parametrize("size", [1, 2, 7, 64])
def test_one_bad_element_anywhere_is_found_and_named(size):
    rng = np.random.default_rng(size)
    expected = rng.standard_normal((size, 3))
    for flat in range(expected.size):
        got = expected.copy()
        where = np.unravel_index(flat, expected.shape)
        got[where] += 1.0
        with pytest.raises(PropertyFailure) as info:
            assert_close(got, expected, tol=TOL, what="y", case=None)
        assert info.value.failure.headline.startswith(f"y: 1 of {expected.size} elements")
        assert info.value.failure.details[0].startswith(f"worst element {tuple(int(k) for k in where)}:")


def test_at_most_names_the_bound_and_the_excess():
    assert_at_most(1.0, 1.0, what="norm", case=None)
    assert_at_most(1.0 + 1e-12, 1.0, what="norm", case=None, rtol=1e-9)
    with pytest.raises(PropertyFailure) as info:
        assert_at_most(2.5, 2.0, what="||dh_T/dh_0||", case="C")
    assert info.value.failure.headline == "||dh_T/dh_0||: got 2.5, expected at most 2"
    with pytest.raises(PropertyFailure):
        assert_at_most(float("nan"), 2.0, what="norm", case=None)


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
