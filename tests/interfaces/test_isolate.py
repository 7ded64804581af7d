"""``rnnspec verify --isolate`` (rnnspec.interfaces.isolated): the target in a child process, so that
``os._exit``, a crash or a call stuck in C code holding the GIL (which ``--timeout`` alone cannot
stop) is one property's verdict, named, and the run goes on: the report is complete."""

import json
import subprocess
import sys
import time

import pytest

HOSTILE = '''
import ctypes, os, torch

def _long(input):  # only the properties' cases: the probes call one step
    return isinstance(input, torch.Tensor) and input.dim() == 3 and min(input.shape[:2]) >= 2

class ExitsWhenBidirectional(torch.nn.LSTM):
    def forward(self, input, hx=None):
        if self.bidirectional and _long(input):
            os._exit(7)
        return super().forward(input, hx)

class SegfaultsWhenBidirectional(torch.nn.LSTM):
    def forward(self, input, hx=None):
        if self.bidirectional and _long(input):
            ctypes.string_at(0)
        return super().forward(input, hx)

class HoldsTheGilWhenBidirectional(torch.nn.GRU):
    def forward(self, input, hx=None):
        if self.bidirectional and _long(input):
            ctypes.PyDLL(None).sleep(600)  # C code with the GIL held: no thread of its process can run
        return super().forward(input, hx)
'''

SELECT = ["--select", "matches_reference", "--select", "bidirectional_is_forward_plus_flipped_reverse",
          "--select", "unidirectional_is_causal"]


def _verify(tmp_path, name, *extra):
    (tmp_path / "hostile.py").write_text(HOSTILE)
    like = "torch.nn.GRU" if "Gru" in name or "Gil" in name else "torch.nn.LSTM"
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "rnnspec", "verify", f"hostile.py:{name}", "--like", like,
                           "--profile", "quick", "--isolate", "--json", "r.json", *SELECT, *extra],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    return done, json.loads((tmp_path / "r.json").read_text()), time.monotonic() - start


@pytest.mark.parametrize("name, code", [("ExitsWhenBidirectional", "exited with 7"),
                                        pytest.param("SegfaultsWhenBidirectional", "SIGSEGV", marks=pytest.mark.slow)])
def test_a_target_that_ends_its_process_fails_that_property_and_the_run_goes_on(tmp_path, name, code):
    done, report, _ = _verify(tmp_path, name)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    statuses = {p["id"]: p["status"] for p in report["properties"]}
    # every property ran: the one that draws only bidirectional stacks failed, the unidirectional one passed
    assert set(statuses) == {"matches_reference", "bidirectional_is_forward_plus_flipped_reverse", "unidirectional_is_causal"}
    assert statuses["bidirectional_is_forward_plus_flipped_reverse"] == "failed", statuses
    assert statuses["unidirectional_is_causal"] == "passed", statuses
    died = [p for p in report["properties"] if p["status"] == "failed"]
    assert died and all("the target ended the process it ran in" in p["message"] and code in p["message"] for p in died)
    assert report["partial"] is False and report["isolated"] is True


@pytest.mark.slow  # the watchdog waits --timeout plus its grace
def test_a_call_stuck_in_c_code_holding_the_gil_is_hung_not_a_silent_hang(tmp_path):
    done, report, seconds = _verify(tmp_path, "HoldsTheGilWhenBidirectional", "--timeout", "1")
    assert done.returncode == 1 and seconds < 120, (seconds, done.stdout[-2000:], done.stderr[-2000:])
    hung = [p for p in report["properties"] if p["status"] == "hung"]
    assert len(hung) == 1 and "holding the GIL" in hung[0]["message"], report["properties"]
