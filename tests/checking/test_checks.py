"""The shared assertions: what a failure message says, and what counts as close."""

import numpy as np
import pytest

from rnnspec.checking import error_sizes
from rnnspec.checking.checks import assert_at_least, assert_at_most, assert_close, assert_identical
from rnnspec.checking.failures import PropertyFailure
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


# --- every assertion's failure, word for word: what it names, which case, which element ---------------

def _failure(check, *args, **kwargs):
    with pytest.raises(PropertyFailure) as info:
        check(*args, **kwargs)
    return info.value.failure


def test_identical_names_the_first_changed_element_and_the_case():
    failure = _failure(assert_identical, np.array([1.0, 2.0, 3.0]), np.array([1.0, np.nextafter(2.0, 3.0), 0.0]),
                       what="x", case="C")
    assert (failure.headline, failure.case) == ("x: 2 of 3 elements changed", "'C'")
    assert failure.details == ("first at (1,): got 2.0, expected 2.0000000000000004 (exact comparison)",)
    failure = _failure(assert_identical, np.zeros(3), np.zeros(2), what="x", case="C")
    assert (failure.headline, failure.case) == ("x: shape (3,), expected (2,)", "'C'")


def test_identical_matches_nan_with_nan_and_compares_integers_exactly():
    assert_identical(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), what="x", case=None)
    assert_identical(np.array([2**62, 7]), np.array([2**62, 7]), what="n", case=None)
    # 2**62 and 2**62 + 1 are the same float64: integers are compared as integers
    failure = _failure(assert_identical, np.array([2**62 + 1]), np.array([2**62]), what="n", case=None)
    assert failure.details == (f"first at (0,): got {2**62 + 1}, expected {2**62} (exact comparison)",)


def test_at_least_takes_no_slack_unless_given_one_and_names_the_one_given():
    failure = _failure(assert_at_least, 0.5, 0.75, what="s", case="C")
    assert (failure.headline, failure.case) == ("s: got 0.5, expected at least 0.75", "'C'")
    assert_at_least(1.0 - 1e-7, 1.0, what="s", case=None, atol=1e-6)
    failure = _failure(assert_at_least, 0.5, 0.75, what="s", case=None, rtol=1e-3, atol=1e-6)
    assert failure.details == ("shortfall 0.25 > allowed 0.000751 (atol=1e-06 + rtol=0.001*|bound|)",)
    failure = _failure(assert_at_most, 2.5, 2.0, what="n", case="C")
    assert failure.case == "'C'" and failure.details == ("excess 0.5 > allowed 0 (rtol=0*|bound|)",)


def test_runs_close_names_what_differs_with_its_label_and_case():
    from rnnspec.checking.checks import assert_runs_close
    from rnnspec.checking.calls import LayerRun

    out, h, c = np.zeros((2, 1, 3)), np.zeros((1, 1, 3)), np.ones((1, 1, 3))
    expected = LayerRun(out, (h, c))
    assert_runs_close(LayerRun(out, (h, c)), expected, tol=TOL, case=None)
    cases = [(LayerRun(out + 1, (h, c)), "reverse: output: 6 of 6 elements differ beyond the tolerance"),
             (LayerRun(out, (h,)), "reverse: 1 final states, expected 2"),
             (LayerRun(out, (h + 1, c)), "reverse: h_n: 3 of 3 elements differ beyond the tolerance"),
             (LayerRun(out, (h, c + 1)), "reverse: c_n: 3 of 3 elements differ beyond the tolerance")]
    for got, headline in cases:
        failure = _failure(assert_runs_close, got, expected, tol=TOL, case="C", label="reverse: ")
        assert (failure.headline, failure.case) == (headline, "'C'")


def test_grads_close_names_each_gradient_with_its_label_and_case():
    from rnnspec.checking.checks import assert_grads_close
    from rnnspec.checking.oracle import GradSet

    x, h0, c0, w = np.zeros((2, 1, 3)), np.zeros((1, 1, 4)), np.zeros((1, 1, 4)), np.zeros((16, 3))
    expected = GradSet(x, (h0, c0), {"weight_ih_l0": w})
    assert_grads_close(GradSet(x, (h0, c0), {"weight_ih_l0": w}), expected, tol=TOL, case=None, label="torch")
    cases = [(GradSet(x + 1, (h0, c0), {"weight_ih_l0": w}), "d loss/d input (torch)"),
             (GradSet(x, (h0 + 1, c0), {"weight_ih_l0": w}), "d loss/d h0 (torch)"),
             (GradSet(x, (h0, c0 + 1), {"weight_ih_l0": w}), "d loss/d c0 (torch)"),
             (GradSet(x, (h0, c0), {"weight_ih_l0": w + 1}), "d loss/d weight_ih_l0 (torch)")]
    for got, what in cases:
        failure = _failure(assert_grads_close, got, expected, tol=TOL, case="C", label="torch")
        assert failure.headline.startswith(f"{what}: ") and failure.case == "'C'", failure


def test_close_names_the_worst_excess_a_nan_first_and_the_case_of_a_shape_failure():
    # the excess over the allowed error ranks the bad elements: 2 off at 1000 (allowed 1) is less wrong
    # than 1.5 off at 0 (allowed 1e-6)
    tol = Tolerance(rtol=1e-3, atol=1e-6)
    failure = _failure(assert_close, np.array([1002.0, 1.5, 0.0]), np.array([1000.0, 0.0, 0.0]), tol=tol, what="y",
                       case="C")
    assert failure.headline == "y: 2 of 3 elements differ beyond the tolerance"
    assert failure.details[0].startswith("worst element (1,): got 1.5, expected 0"), failure.details
    failure = _failure(assert_close, np.array([5.0, np.nan]), np.array([0.0, 0.0]), tol=tol, what="y", case=None)
    assert failure.details[0].startswith("worst element (1,): got nan"), failure.details
    failure = _failure(assert_close, np.zeros(3), np.zeros(2), tol=tol, what="y", case="C")
    assert (failure.headline, failure.case) == ("y: shape (3,), expected (2,)", "'C'")


def test_close_records_its_comparison_under_its_name():
    """The error sizes an approximate target's report shows name the comparison the worst error was in."""
    with error_sizes.recording() as result:
        assert_close(np.array([1.0, 2.0]), np.array([1.0, 2.5]), tol=Tolerance(rtol=1.0, atol=1.0), what="h_n", case=None)
    assert (result().absolute.what, result().absolute.value, result().absolute.where) == ("h_n", 0.5, (1,))
