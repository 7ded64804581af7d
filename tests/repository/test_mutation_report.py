"""mutation/report.py: how survivors are explained and how the score counts them."""

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "mutation"))
from report import RECHECKED, equivalents, reason_for, render, score, with_recheck  # noqa: E402


def test_a_survivor_is_explained_by_its_own_line_or_the_first_pattern_that_matches():
    reasons = {"m.x_f__mutmut_1": "EQUIVALENT: own", "m.x_f__mutmut_*": "GAP: pattern", "m.*": "GAP: later"}
    assert reason_for("m.x_f__mutmut_1", reasons) == "EQUIVALENT: own"
    assert reason_for("m.x_f__mutmut_12", reasons) == "GAP: pattern"
    assert reason_for("m.x_g__mutmut_1", reasons) == "GAP: later"
    assert reason_for("n.x_f__mutmut_1", reasons) is None


def test_survivors_a_plain_run_kills_count_as_killed_and_the_rest_stay():
    by_module = {"m.py": {"a": "killed", "b": "survived", "c": "survived", "d": "timeout", "e": "no tests"}}
    rechecked = with_recheck(by_module, {"b": "killed", "c": "survived"})
    assert rechecked == {"m.py": {"a": "killed", "b": RECHECKED, "c": "survived", "d": "timeout", "e": "no tests"}}
    assert score(Counter(rechecked["m.py"].values())) == 3 / 4  # no tests are not in the denominator
    page = render(rechecked, {"c": "GAP: why"}, {"c": "-old\n+new"}, "the note")
    assert "**Score: 75.0%** (3 killed of 4 run, 1 of them survivors" in page
    assert "- `c`: GAP: why" in page and "  +new" in page and "GAP: 1 (" in page


def test_every_line_of_the_committed_reasons_says_equivalent_or_gap():
    for name, reason in equivalents().items():
        assert reason.split(":")[0] in ("EQUIVALENT", "GAP"), f"{name}: {reason}"
