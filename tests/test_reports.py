"""Known failures, hanging targets and the HTML report, as a user of `rnnspec verify` meets them."""

import json
import os
import subprocess
import sys
import threading
import time

import pytest
import torch

from rnnspec.report import html_report, json_report
from rnnspec.targets import TorchLikeTarget
from rnnspec.verifier import verify
from rnnspec.settings import RunSettings

HERE = os.path.dirname(os.path.abspath(__file__))


# Released at the end of the test, so no thread is still inside torch (an autograd thread alive at
# interpreter exit aborts the process).
RELEASE = threading.Event()


class HangingLSTM(torch.nn.LSTM):
    def forward(self, input, hx=None):
        RELEASE.wait(30)
        return super().forward(input, hx)


def hanging_constructor(*args, **kwargs):
    RELEASE.wait(30)
    return torch.nn.LSTM(*args, **kwargs)


class _HangsBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        RELEASE.wait(30)
        return grad


class BackwardHangingLSTM(torch.nn.LSTM):
    def forward(self, input, hx=None):
        out, h = super().forward(input, hx)
        return _HangsBackward.apply(out), h


class ScriptLSTM(torch.nn.LSTM):
    """A target whose failure message carries markup."""

    def forward(self, input, hx=None):
        raise RuntimeError("<script>alert('x')</script> & more")


def test_a_hanging_target_is_an_error_and_the_rest_is_skipped():
    RELEASE.clear()
    start = time.perf_counter()
    verdicts = verify(TorchLikeTarget(HangingLSTM, like="torch.nn.LSTM", name="hangs"), select=["matches_reference", "omitted_state_is_zeros"], settings=RunSettings(profile="quick", timeout=0.5))
    assert time.perf_counter() - start < 20
    assert verdicts[0].status == "hung" and "did not return within 0.5 s" in verdicts[0].message
    assert verdicts[0].failure.origin == "hang" and "case: LayerCase(" in verdicts[0].message  # the case that hung
    assert "--timeout 0.5" in verdicts[0].failure.replay  # the replay hangs the same way
    assert verdicts[1].status == "skipped" and "hung on an earlier property" in verdicts[1].reason
    RELEASE.set()


def test_hanging_construction_and_backward_are_caught_too():
    RELEASE.clear()
    try:
        for factory, select in ((hanging_constructor, "matches_reference"),
                                (BackwardHangingLSTM, "grads_match_reference")):
            start = time.perf_counter()
            verdicts = verify(TorchLikeTarget(factory, like="torch.nn.LSTM", name="hangs"), select=[select], settings=RunSettings(profile="quick", timeout=0.5))
            assert time.perf_counter() - start < 20
            assert verdicts[0].status == "hung" and "did not return within 0.5 s" in verdicts[0].message, verdicts
    finally:
        RELEASE.set()
        for thread in threading.enumerate():
            if thread.name == "rnnspec-target-call":
                thread.join(10)


def test_the_cli_exits_with_the_verdict_while_a_hung_backward_is_still_running():
    # the hung thread is inside torch's autograd engine; a normal interpreter exit would abort (134)
    result = subprocess.run(
        [sys.executable, "-m", "rnnspec", "verify", f"{HERE}/test_reports.py:BackwardHangingLSTM", "--like",
         "torch.nn.LSTM", "--select", "grads_match_reference", "--profile", "quick", "--timeout", "0.5"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    assert "the target hangs" in result.stdout


def test_xfails_turn_known_failures_into_xfailed_and_passes_into_xpassed(tmp_path):
    target = f"{HERE}/planted_defects.py:LSTMGatesSwapped"
    xfails = tmp_path / "xfails.txt"
    xfails.write_text("# known\nmatches_reference  # gates in f, i, g, o order\nparameter_layout\nno_such_property\n")
    result = subprocess.run([sys.executable, "-m", "rnnspec", "verify", target, "--like", "torch.nn.LSTM",
                             "--select", "matches_reference", "--select", "parameter_layout", "--profile", "quick",
                             "--xfails", str(xfails), "--json", str(tmp_path / "r.json")],
                            capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "XFAILED matches_reference" in result.stdout and "gates in f, i, g, o order" in result.stdout
    assert "XPASSED parameter_layout" in result.stdout
    assert "xfails entry 'no_such_property' matches no property" in result.stderr
    statuses = {p["id"]: p["status"] for p in json.loads((tmp_path / "r.json").read_text())["properties"]}
    assert statuses == {"matches_reference": "xfailed", "parameter_layout": "xpassed"}


def test_html_report_is_self_contained_and_escapes_what_the_target_said():
    target = TorchLikeTarget(ScriptLSTM, like="torch.nn.LSTM", name="<b>bold</b>")
    verdicts = verify(target, select=["matches_reference"], settings=RunSettings(profile="quick"))
    page = html_report(json_report(target, verdicts, settings=RunSettings(profile="quick")))
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<link" not in page and "src=" not in page  # nothing to fetch
    assert "failed" in page and "matches_reference" in page


def test_the_pytest_plugin_runs_a_users_target_with_xfails(tmp_path):
    (tmp_path / "xfails.txt").write_text("matches_reference  # planted\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "properties", "-p", "no:cacheprovider", "-q",
         "--rnnspec-target", f"{HERE}/planted_defects.py:LSTMGatesSwapped", "--rnnspec-like", "torch.nn.LSTM",
         "--rnnspec-profile", "quick", "--rnnspec-xfails", str(tmp_path / "xfails.txt"), "-k", "matches_reference",
         "-W", "ignore"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 xfailed" in result.stdout, result.stdout[-2000:]


@pytest.mark.slow  # two xdist workers start
def test_the_pytest_plugin_writes_reports_under_xdist(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "properties", "-p", "no:cacheprovider", "-q", "-n", "2",
         "--rnnspec-target", f"{HERE}/planted_defects.py:LSTMGatesSwapped", "--rnnspec-like", "torch.nn.LSTM",
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
        [sys.executable, "-m", "pytest", "--pyargs", "properties", "-p", "no:cacheprovider", "-q",
         "--rnnspec-target", "mymod:LSTM", "--rnnspec-like", "torch.nn.LSTM", "--rnnspec-profile", "quick",
         "-k", "matches_reference and not reduced", "-W", "ignore"],  # cell_matches_reference: deselected
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed" in result.stdout and "skipped" not in result.stdout, result.stdout[-2000:]
