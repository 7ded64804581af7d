"""The pytest plugin (rnnspec.interfaces.pytest_plugin): a user's own suite runs rnnspec's properties
on their target with ``pytest --pyargs rnnspec.properties --rnnspec-target ...``, with known
failures, from their own folder, and under pytest-xdist with the same reports as ``verify``."""

import json
import subprocess
import sys

import pytest

from locations import TESTS



def test_the_pytest_plugin_runs_a_users_target_with_xfails(tmp_path):
    (tmp_path / "xfails.txt").write_text("matches_reference  # planted\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "rnnspec.properties", "-p", "no:cacheprovider", "-q",
         "--rnnspec-target", f"{TESTS}/planted_defects.py:LSTMGatesSwapped", "--rnnspec-like", "torch.nn.LSTM",
         "--rnnspec-profile", "quick", "--rnnspec-xfails", str(tmp_path / "xfails.txt"), "-k", "matches_reference",
         "-W", "ignore"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 xfailed" in result.stdout, result.stdout[-2000:]


@pytest.mark.slow  # two xdist workers start
def test_the_pytest_plugin_writes_reports_under_xdist(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "rnnspec.properties", "-p", "no:cacheprovider", "-q", "-n", "2",
         "--rnnspec-target", f"{TESTS}/planted_defects.py:LSTMGatesSwapped", "--rnnspec-like", "torch.nn.LSTM",
         "--rnnspec-profile", "quick", "--rnnspec-dtype", "float32", "-k", "(matches_reference or float32 or causal) and not reduced",
         "--rnnspec-json", "r.json", "--rnnspec-html", "r.html", "-W", "ignore"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]  # the planted defect fails
    report = json.loads((tmp_path / "r.json").read_text())
    got = {p["id"]: p["status"] for p in report["properties"]}
    assert got == {"matches_reference": "failed", "float32_agrees_with_float64": "skipped",
                   "unidirectional_is_causal": "passed"}, got
    failed = next(p for p in report["properties"] if p["id"] == "matches_reference")
    assert "worst element" in failed["message"] and "--dtype float32" in failed["message"]
    assert report["status"] == "failed" and report["dtype"] == "float32"
    assert "LSTMGatesSwapped" in (tmp_path / "r.html").read_text()


@pytest.mark.slow  # a pytest run in a subprocess
def test_the_plugin_runs_from_the_users_folder_and_deselects_what_does_not_apply(tmp_path):
    (tmp_path / "mymod.py").write_text("import torch\n\nclass LSTM(torch.nn.LSTM):\n    pass\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "rnnspec.properties", "-p", "no:cacheprovider", "-q",
         "--rnnspec-target", "mymod:LSTM", "--rnnspec-like", "torch.nn.LSTM", "--rnnspec-profile", "quick",
         "-k", "matches_reference and not reduced", "-W", "ignore"],  # cell_matches_reference: deselected
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed" in result.stdout and "skipped" not in result.stdout, result.stdout[-2000:]
