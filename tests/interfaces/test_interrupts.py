"""Stopping a run: Ctrl-C (SIGINT) or SIGTERM during ``rnnspec verify``, the pytest plugin or
``rnnspec matrix`` stops within seconds, exits non-zero (130 / 143; pytest's 2), and leaves every
report either absent or complete, valid and marked partial with the verdicts of what finished."""

import json
import signal
import subprocess
import sys
import time

import pytest

from locations import DROPINS

TARGET = f"{DROPINS / 'independent.py'}:LSTM"  # a step-by-step Python LSTM: the run lasts long enough


def _stop_after(command: list[str], lines: int, sig, cwd) -> tuple[int, float, str, str]:
    """Start ``command``, send ``sig`` once ``lines`` verdict lines have come; (exit code, seconds to stop, out, err)."""
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    seen, sent = 0, None
    for line in child.stdout:
        seen += any(status in line.split() for status in ("PASSED", "FAILED", "SKIPPED"))  # verify's and pytest -v's
        if seen >= lines:
            child.send_signal(sig)
            sent = time.monotonic()
            break
    out, err = child.communicate(timeout=120)
    assert sent is not None, f"the run ended before {lines} verdicts: {out[-2000:]}{err[-2000:]}"
    return child.returncode, time.monotonic() - sent, out, err


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_verify_stops_and_writes_partial_reports(tmp_path, sig, code):
    returned, seconds, out, err = _stop_after(
        [sys.executable, "-m", "rnnspec", "verify", TARGET, "--like", "torch.nn.LSTM", "--json", "r.json",
         "--html", "r.html"], 3, sig, tmp_path)
    assert returned == code and seconds < 10, (returned, seconds, out[-1500:], err[-1500:])
    assert "Traceback" not in err and "terminate called" not in err, err[-2000:]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["partial"] is True and report["status"] == "interrupted", report.get("stopped")
    assert signal.Signals(sig).name in report["stopped"] and len(report["properties"]) >= 3
    assert "partial report" in (tmp_path / "r.html").read_text()
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []  # no temporary file left


@pytest.mark.slow  # a pytest run in a subprocess
def test_the_plugin_marks_its_reports_partial_when_interrupted(tmp_path):
    returned, seconds, out, err = _stop_after(
        [sys.executable, "-m", "pytest", "--pyargs", "rnnspec.properties", "-p", "no:cacheprovider", "-v", "-W", "ignore",
         "--rnnspec-target", TARGET, "--rnnspec-like", "torch.nn.LSTM", "--rnnspec-json", "r.json"], 3, signal.SIGINT, tmp_path)
    assert returned == 2 and seconds < 20, (returned, out[-1500:], err[-1500:])  # pytest's "interrupted"
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["partial"] is True and report["properties"], report
