"""Hanging targets: a call into the target that does not return within ``--timeout`` (construction,
forward or backward) is HUNG, the properties after it are skipped, and the CLI exits with the
verdict while the hung call is still running (rnnspec.checking.timeouts)."""

import subprocess
import sys
import threading
import time

import torch

from rnnspec.running.verifier import verify
from rnnspec.spec.settings import RunSettings
from rnnspec.targets import TorchLikeTarget


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
        [sys.executable, "-m", "rnnspec", "verify", f"{__file__}:BackwardHangingLSTM", "--like",
         "torch.nn.LSTM", "--select", "grads_match_reference", "--profile", "quick", "--timeout", "0.5"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    assert "the target hangs" in result.stdout

