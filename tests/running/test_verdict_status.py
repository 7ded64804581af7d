"""From failures to statuses to the exit code (rnnspec.running.verdicts, rnnspec.running.verifier.status_of).

An error fails the run, a hang fails the run, a failure is never a skip, a skip is never a pass,
and a known failure (xfailed) or a known failure that passed (xpassed: not strict) lets the run
pass. Cheap: verdicts are built as data; the few verify() calls run one property each.
"""

import json

import pytest
import torch

from rnnspec.checking.error_sizes import ErrorSize, Worst
from rnnspec.checking.failures import ORIGINS, Failure
from rnnspec.spec.settings import RunSettings
from planted_defects import RaisesLSTM, WrongNames
from rnnspec.targets import TorchLikeTarget
from rnnspec.running.verdicts import Status, Verdict, exit_code, overall_status, summary
from rnnspec.running.verifier import status_of, status_of_all, verify

FAILS_THE_RUN = {Status.FAILED, Status.ERROR, Status.HUNG}


def verdict(status, failures=(), reason=""):
    return Verdict("some_property", "semantics", "a claim", status, 0.1, failures, reason)


def failure(origin):
    return Failure(f"what went wrong ({origin})", origin=origin)


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_exactly_failed_error_and_hung_fail_a_run(status):
    assert status.is_failure == (status in FAILS_THE_RUN)
    verdicts = [verdict(Status.PASSED), verdict(status), verdict(Status.SKIPPED, reason="target lacks packed")]
    assert overall_status(verdicts) is (Status.FAILED if status in FAILS_THE_RUN else Status.PASSED)
    assert exit_code(verdicts) == (1 if status in FAILS_THE_RUN else 0)


def test_an_error_or_a_hang_alone_fails_the_run():
    for status in (Status.ERROR, Status.HUNG):
        assert exit_code([verdict(status, (failure("rnnspec" if status is Status.ERROR else "hang"),))]) == 1
        assert exit_code([verdict(Status.PASSED)] * 5 + [verdict(status)]) == 1


def test_known_failures_pass_the_run_and_a_passing_known_failure_too():
    assert exit_code([verdict(Status.XFAILED, (failure("property"),), "known failure (x)")]) == 0
    assert exit_code([verdict(Status.XPASSED, reason="known failure (x), but it passed")]) == 0
    assert exit_code([verdict(Status.XFAILED), verdict(Status.XPASSED), verdict(Status.FAILED)]) == 1


def test_a_skip_is_counted_as_a_skip_never_as_a_pass():
    assert summary([verdict(Status.SKIPPED)]) == "0 passed, 0 failed, 1 skipped"
    assert summary([verdict(s) for s in Status]) == (
        "1 passed, 1 failed, 1 error, 1 hung, 1 skipped, 1 xfailed, 1 xpassed")
    assert summary([verdict(Status.PASSED), verdict(Status.ERROR), verdict(Status.ERROR)]) == "1 passed, 0 failed, 2 error"


@pytest.mark.parametrize("origin, status", [
    ("property", Status.FAILED), ("target", Status.FAILED), ("hang", Status.HUNG),
    ("declaration", Status.ERROR), ("rnnspec", Status.ERROR), ("environment", Status.ERROR),
])
def test_each_origin_has_one_status_and_no_failure_is_a_skip_or_a_pass(origin, status):
    assert status_of(failure(origin)) is status
    assert status.is_failure
    assert status_of_all([failure(origin)]) is status


def test_every_origin_is_mapped():
    assert {status_of(failure(o)) for o in ORIGINS} == FAILS_THE_RUN


def test_a_defect_among_several_failures_makes_the_verdict_failed_else_the_first_decides():
    assert status_of_all([failure("rnnspec"), failure("property")]) is Status.FAILED
    assert status_of_all([failure("hang"), failure("target")]) is Status.FAILED
    assert status_of_all([failure("hang"), failure("declaration")]) is Status.HUNG
    assert status_of_all([failure("environment"), failure("hang")]) is Status.ERROR


def test_a_verdict_keeps_its_status_and_every_field_through_json():
    size = ErrorSize(Worst(0.5, "h_n", (0, 1)), Worst(2.0, "output", (1, 0, 0)), comparisons=3)
    for status in Status:
        v = Verdict("some_property", "semantics", "a claim", status.value, 0.25,
                    (failure("target"), failure("property")) if status.is_failure else (), reason="why",
                    error_size=size, printed="the target printed 1 line")
        assert v.status is status
        data = json.loads(json.dumps(v.to_dict()))
        assert data["status"] == status.value and data["message"] == v.message
        assert {k: data[k] for k in ("id", "topic", "claim", "seconds", "reason", "printed")} == {
            "id": "some_property", "topic": "semantics", "claim": "a claim", "seconds": 0.25, "reason": "why",
            "printed": "the target printed 1 line"}
        assert Verdict.from_dict(data) == v


def test_a_verdict_read_from_a_report_without_optional_fields_has_the_defaults():
    v = Verdict.from_dict({"id": "p", "topic": "semantics", "claim": "c", "status": "skipped", "seconds": 0.0})
    assert v == Verdict("p", "semantics", "c", Status.SKIPPED, 0.0)
    assert (v.failures, v.reason, v.error_size, v.printed, v.failure, v.message) == ((), "", None, "", None, "")
    assert v.to_dict()["error_size"] is None and Verdict.from_dict(v.to_dict()) == v


QUICK = RunSettings(profile="quick", max_examples=2)


def test_verify_an_error_fails_the_run():
    verdicts = verify(TorchLikeTarget(WrongNames, like="torch.nn.LSTM", name="wrong"), settings=QUICK,
                      select=["matches_reference"])
    assert [v.status for v in verdicts] == [Status.ERROR] and exit_code(verdicts) == 1


def test_verify_xfails_a_listed_failure_and_xpasses_a_listed_pass():
    raising = TorchLikeTarget(RaisesLSTM, like="torch.nn.LSTM", name="raises")
    (v,) = verify(raising, settings=QUICK, select=["matches_reference"])
    assert v.status is Status.FAILED  # a failure, not a skip: the target lacks nothing
    (v,) = verify(raising, settings=QUICK, select=["matches_reference"], xfails={"matches_reference": "kernels"})
    assert v.status is Status.XFAILED and v.reason == "known failure (kernels)" and v.failures, v
    assert exit_code([v]) == 0
    builtin = TorchLikeTarget(torch.nn.LSTM, like="torch.nn.LSTM")
    (v,) = verify(builtin, settings=QUICK, select=["parameter_layout"], xfails={"parameter_layout": ""})
    assert v.status is Status.XPASSED and "but it passed" in v.reason and exit_code([v]) == 0


def test_verify_a_missing_capability_is_a_skip_with_its_reason_not_a_pass():
    lacks = TorchLikeTarget(torch.nn.LSTM, like="torch.nn.LSTM", capabilities={"initial_state"})
    (v,) = verify(lacks, settings=QUICK, select=["packed_is_each_alone"])
    assert v.status is Status.SKIPPED and "target lacks packed" in v.reason, v
    assert summary([v]) == "0 passed, 0 failed, 1 skipped"
