"""A long run says what it is doing (probing a slow target, a slow property) instead of a blank
terminal, and ``--budget`` bounds the whole run: what did not start is skipped, saying so, and
the reports are marked partial."""

import io
import json
import subprocess
import sys
import time

from rnnspec.interfaces.cli import _Heartbeat


def test_the_heartbeat_names_a_step_that_lasts_and_repeats_while_it_does():
    beat = _Heartbeat("rnnspec verify", after=0.3, every=0.6)
    beat.err = io.StringIO()
    beat.now("probing slow.py:LSTM (the plainest case)")
    time.sleep(1.7)
    beat.now("a quick step")
    time.sleep(0.2)
    said = beat.err.getvalue().splitlines()
    assert said and all("still probing slow.py:LSTM (the plainest case)" in line for line in said), said
    assert 2 <= len(said) <= 4, said


def test_a_spent_budget_skips_what_did_not_start_and_marks_the_report_partial(tmp_path):
    done = subprocess.run([sys.executable, "-m", "rnnspec", "verify", "torch.nn.GRU", "--profile", "quick",
                           "--select", "matches_reference", "--select", "rows_are_independent", "--budget", "0.001",
                           "--json", "r.json"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    # the first property may start within the budget; none after it does
    skipped = [p for p in report["properties"] if p["status"] == "skipped"]
    assert skipped and all("budget was spent" in p["reason"] for p in skipped), report["properties"]
    assert report["properties"][-1] in skipped
    assert report["partial"] is True and f"--budget 0.001 s spent: {len(skipped)} properties not run" in report["stopped"]
