"""Known failures and the HTML report, as a user of `rnnspec verify` meets them."""

import json
import subprocess
import sys

import torch

from rnnspec.rendering.report import html_report, json_report
from rnnspec.running.verifier import verify
from rnnspec.spec.settings import RunSettings
from rnnspec.targets import TorchLikeTarget

from locations import TESTS


class ScriptLSTM(torch.nn.LSTM):
    """A target whose failure message carries markup."""

    def forward(self, input, hx=None):
        raise RuntimeError("<script>alert('x')</script> & more")


def test_xfails_turn_known_failures_into_xfailed_and_passes_into_xpassed(tmp_path):
    target = f"{TESTS}/planted_defects.py:LSTMGatesSwapped"
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

