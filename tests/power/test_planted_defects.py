"""The suite's power: each defect of the one catalogue (tests/defect_catalogue.py) is caught by the
property it names. That property fails (the claim does not hold, or the target raised, as the
entry says; an error would mean the defect was never tried), with a case and a replay command
that fails again. The slow tier verifies each defect against every property: none may error (a
drop-in that cannot even be built would show up there) and none reads as Hypothesis' bare summary
of several failures ("Hypothesis found N distinct failures", an ExceptionGroup): each failure is
reported as itself."""

import json
import shlex

import pytest

from defect_catalogue import CATALOGUE
from rnnspec.interfaces import cli
from rnnspec.running.verdicts import Status
from rnnspec.running.verifier import verify

IDS = [d.name for d in CATALOGUE]
BARE = ("Hypothesis found", "ExceptionGroup")  # what no verdict may read as


def _bare(verdicts) -> list[str]:
    return [f"{v.id}: {v.message}" for v in verdicts if any(b in json.dumps(v.to_dict()) for b in BARE)]
# the defects of the scale tiers are caught at the default profile (seconds each): in the slow tier
# (tests/spec/test_scale.py covers the tiers in the fast one)
CAUGHT = [pytest.param(d, marks=pytest.mark.slow if d.at_scale else (), id=d.name) for d in CATALOGUE]


@pytest.mark.parametrize("defect", CAUGHT)
def test_planted_defect_is_caught_by_its_catcher(defect, tmp_path):
    verdicts = verify(defect.target(), settings=defect.settings(), select=[defect.catcher])
    assert [v.id for v in verdicts] == [defect.catcher], f"{defect.catcher} does not apply to {defect.spec}"
    (verdict,) = verdicts
    assert verdict.status is Status.FAILED, (
        f"{defect.name} ({defect.kind}) was not caught by {defect.catcher}: {verdict.status}\n{verdict.message}")
    failure = verdict.failure
    assert failure.origin == defect.origin, (
        f"{defect.catcher} failed on {defect.name} with origin {failure.origin!r}, expected {defect.origin!r}:\n"
        f"{verdict.message}")
    assert failure.property_id == defect.catcher
    assert failure.case, f"the failure names no case:\n{verdict.message}"
    assert failure.replay, f"the failure has no replay command:\n{verdict.message}"
    assert not _bare(verdicts), _bare(verdicts)
    if defect.at_scale:  # seconds to catch: the replay is checked here, not by catching it again below
        assert failure.regime.startswith(("realistic tier", "magnitude tier")), verdict.message
        _assert_replay_fails_again(defect, failure.replay, tmp_path)


SCALE = [d for d in CATALOGUE if d.at_scale]


@pytest.mark.slow
@pytest.mark.parametrize("defect", SCALE, ids=[d.name for d in SCALE])
def test_a_defect_of_the_scale_tiers_is_invisible_to_the_small_tier(defect):
    """what the tiers add: the small tier alone, at the same profile, passes it"""
    (verdict,) = verify(defect.target(), settings=defect.settings().replace(tiers=("small",)), select=[defect.catcher])
    assert verdict.status is Status.PASSED, verdict.message


def _assert_replay_fails_again(defect, replay: str, tmp_path) -> None:
    report = tmp_path / "replay.json"
    assert cli.main(shlex.split(replay)[1:] + ["--json", str(report)]) == 1, f"replaying {replay!r} did not fail again"
    replayed = json.loads(report.read_text())["properties"]
    assert [(p["id"], p["status"], p["failures"][0]["origin"]) for p in replayed] == [
        (defect.catcher, "failed", defect.origin)], f"replaying {replay!r} gave {replayed}"


# the small tier's entries: every fifth replay in the fast tier (a replay probes and verifies
# again), all of them in the slow one; the scale tiers' replays are checked where they are caught
REPLAYED = [pytest.param(d, marks=() if k % 5 == 0 else pytest.mark.slow, id=d.name)
            for k, d in enumerate(CATALOGUE) if not d.at_scale]


@pytest.mark.parametrize("defect", REPLAYED)
def test_the_replay_of_the_catch_fails_again(defect, tmp_path):
    (verdict,) = verify(defect.target(), settings=defect.settings(), select=[defect.catcher])
    _assert_replay_fails_again(defect, verdict.failure.replay, tmp_path)


# every property on every small-tier defect, and on every third of the scale tiers' (their Python
# loops at realistic sizes take 10-25 s each: the sample keeps the slow tier within CI's budget)
WITH_EVERY_PROPERTY = [d for d in CATALOGUE if not d.at_scale] + SCALE[::3]


@pytest.mark.slow
@pytest.mark.parametrize("defect", WITH_EVERY_PROPERTY, ids=[d.name for d in WITH_EVERY_PROPERTY])
def test_no_property_errors_on_a_planted_defect(defect):
    # the quick profile for every entry: the defects of the scale tiers are caught at the default
    # profile by test_planted_defect_is_caught_by_its_catcher; here every property must only run
    verdicts = verify(defect.target(), settings=defect.settings().replace(profile="quick"))
    errors = [v for v in verdicts if v.status in (Status.ERROR, Status.HUNG)]
    assert not errors, "\n".join(f"{v.id}: {v.status}\n{v.message}" for v in errors)
    assert not _bare(verdicts), "\n".join(_bare(verdicts))
    if not defect.at_scale:
        assert {v.id: v.status for v in verdicts}[defect.catcher] is Status.FAILED, (
            f"{defect.catcher} did not catch {defect.name} when run with every property")
