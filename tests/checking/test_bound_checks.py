"""The bound assertions: an upper or a lower bound with rounding allowed, failing in the common form."""

import pytest

from rnnspec.checking.checks import assert_at_least, assert_at_most
from rnnspec.checking.failures import PropertyFailure


def test_at_most_allows_an_absolute_slack_and_names_it():
    assert_at_most(1.0 + 1e-7, 1.0, what="norm", case=None, atol=1e-6)
    assert_at_most(0.0 + 1e-7, 0.0, what="norm", case=None, rtol=1e-3, atol=1e-6)
    with pytest.raises(PropertyFailure) as info:
        assert_at_most(1.1, 1.0, what="norm", case="C", rtol=1e-3, atol=1e-6)
    failure = info.value.failure
    assert failure.headline == "norm: got 1.1, expected at most 1"
    assert failure.details == ("excess 0.1 > allowed 0.001 (atol=1e-06 + rtol=0.001*|bound|)",)


def test_at_least_names_the_bound_and_the_shortfall():
    assert_at_least(1.0, 1.0, what="sigma_min", case=None)
    assert_at_least(1.0 - 1e-12, 1.0, what="sigma_min", case=None, rtol=1e-9)
    with pytest.raises(PropertyFailure) as info:
        assert_at_least(0.5, 0.75, what="smallest singular value", case="C", rtol=1e-9)
    failure = info.value.failure
    assert failure.headline == "smallest singular value: got 0.5, expected at least 0.75"
    assert failure.details[0].startswith("shortfall 0.25 > allowed 7.5e-10 (rtol=1e-09*|bound|)"), failure.details
    with pytest.raises(PropertyFailure):
        assert_at_least(float("nan"), 0.0, what="sigma_min", case=None)
