"""The exit codes the README promises, one row per documented case, each run as a user runs it
(the console command in a subprocess, from a folder of its own)."""

import signal
import subprocess
import sys
import time

import pytest

from locations import DROPINS, TESTS

CASES = '''
import torch

class ChangesKwargs(torch.nn.LSTM):  # its constructor cannot be read: no verdict (ERROR)
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("batch_first", True)
        super().__init__(*args, **kwargs)
'''

QUICK = ["--profile", "quick"]
PLANTED = f"{TESTS / 'planted_defects.py'}:LSTMGatesSwapped"

TABLE = [
    # (what the README says, the command after `rnnspec`, the exit code)
    ("every applicable property passes", ["verify", "torch.nn.LSTM", "--select", "parameter_layout", *QUICK], 0),
    ("known failures (xfailed) pass", ["verify", PLANTED, "--like", "torch.nn.LSTM", "--select", "matches_reference",
                                       "--xfails", "xfails.txt", *QUICK], 0),
    ("a property fails", ["verify", PLANTED, "--like", "torch.nn.LSTM", "--select", "matches_reference", *QUICK], 1),
    ("a property errs (no verdict)", ["verify", "cases.py:ChangesKwargs", "--like", "torch.nn.LSTM",
                                      "--select", "constructor_matches_like", *QUICK], 1),
    ("the target cannot be loaded", ["verify", "no_such_module_xyz:LSTM"], 2),
    ("the target cannot be used as declared", ["verify", "collections.OrderedDict"], 2),
    ("the command is misused", ["verify", "torch.nn.LSTM", "--seed", "-1"], 2),
    ("a report path that cannot be written", ["verify", "torch.nn.LSTM", "--json", "no/such/r.json"], 2),
    ("bench misused", ["bench", "torch.nn.LSTM", "--device", "no_such_device"], 2),
    ("bench ran", ["bench", "torch.nn.GRU", "--size", "2,3,4,5", "--repeats", "1", "--mode", "forward"], 0),
]
SLOW = {"bench ran"}  # (it measures the fp32 peak: seconds)


@pytest.mark.parametrize("what, command, code", [
    pytest.param(*row, id=row[0], marks=[pytest.mark.slow] if row[0] in SLOW else []) for row in TABLE])
def test_the_documented_exit_code(tmp_path, what, command, code):
    (tmp_path / "cases.py").write_text(CASES)
    (tmp_path / "xfails.txt").write_text("matches_reference  # planted\n")
    done = subprocess.run([sys.executable, "-m", "rnnspec", *command], capture_output=True, text=True, cwd=tmp_path,
                          timeout=600)
    assert done.returncode == code, (what, done.returncode, done.stdout[-1500:], done.stderr[-1500:])
    if code == 2:  # one clear line, before any work
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr


@pytest.mark.slow  # (the fast tier stops verify with both signals in tests/interfaces/test_interrupts.py)
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["Ctrl-C", "SIGTERM"])
def test_stopped_runs_exit_128_plus_the_signal(tmp_path, sig, code):
    child = subprocess.Popen([sys.executable, "-m", "rnnspec", "verify", f"{DROPINS / 'independent.py'}:LSTM",
                              "--like", "torch.nn.LSTM"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=tmp_path)
    for line in child.stdout:
        if line.startswith("PASSED"):
            break
    time.sleep(0.5)
    child.send_signal(sig)
    child.communicate(timeout=60)
    assert child.returncode == code
