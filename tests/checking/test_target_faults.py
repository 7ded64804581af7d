"""Careless and hostile targets (issue "Eighteen defects"): each fault is named as the target's, in
the property or check that sees it, never as a numerical mismatch elsewhere nor as rnnspec's own
error; and what a target does to process-wide state cannot change a later verdict."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from rnnspec.checking import isolation
from rnnspec.running.probing import prepare
from rnnspec.running.verifier import verify
from rnnspec.spec.settings import RunSettings, activated
from rnnspec.targets import TorchLikeTarget

QUICK = RunSettings(profile="quick")


def _verdicts(cls, select, *, like="torch.nn.LSTM", settings=QUICK, lacks=()):
    with activated(settings):  # as the CLI probes: under the run's settings (its timeout)
        target = prepare(TorchLikeTarget(cls, like=like, name=cls.__name__), lacks=lacks).target
    return {v.id: v for v in verify(target, select=select, settings=settings)}


# --- sys.exit in the target ----------------------------------------------------------------------

class ExitsLater(torch.nn.LSTM):
    calls = 0

    def forward(self, *args, **kwargs):
        type(self).calls += 1
        if type(self).calls > 8:  # after the probes: mid-run
            sys.exit(4)
        return super().forward(*args, **kwargs)


def test_sys_exit_mid_run_is_a_failure_of_the_target_not_the_end_of_rnnspec():
    ExitsLater.calls = 0
    v = _verdicts(ExitsLater, ["matches_reference"])["matches_reference"]
    assert v.status == "failed" and "the target called sys.exit(4)" in v.message, v.message
    assert v.failure.origin == "target" and "test_target_faults.py" in v.message  # where the target raised it


@pytest.mark.parametrize("where, message", [
    ("import", "called sys.exit(5) while it was imported"),
    ("call", "raised TargetExited: the target called sys.exit(3)"),
])
def test_sys_exit_at_import_or_on_the_first_call_exits_2_naming_it(tmp_path, where, message):
    (tmp_path / "exits.py").write_text(
        "import sys, torch\n" + ("sys.exit(5)\n" if where == "import" else "")
        + "class LSTM(torch.nn.LSTM):\n    def forward(self, *a, **k):\n        sys.exit(3)\n")
    done = subprocess.run([sys.executable, "-m", "rnnspec", "verify", "exits.py:LSTM", "--like", "torch.nn.LSTM"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 2 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


# --- what comes back ------------------------------------------------------------------------------

class OutputOnMeta(torch.nn.LSTM):
    def forward(self, input, hx=None):
        out, h = super().forward(input, hx)
        return (out.to("meta") if isinstance(out, torch.Tensor) else out), h


class ReturnsNumpy(torch.nn.GRU):
    def forward(self, input, hx=None):
        out, h = super().forward(input, hx)
        return (out.detach().numpy() if isinstance(out, torch.Tensor) else out), h


class FloatStates(torch.nn.LSTM):
    def forward(self, input, hx=None):
        out, (h, c) = super().forward(input, hx)
        return out, (h, c.float())


class ReturnsAViewOfItsInput(torch.nn.GRU):
    def forward(self, input, hx=None):
        out, h = super().forward(input, hx)
        if isinstance(input, torch.Tensor) and input.shape[-1] == out.shape[-1]:
            return input[..., :], h
        return out, h


class AllocatesFarTooMuch(torch.nn.LSTM):
    def forward(self, input, hx=None):
        torch.empty(2 ** 44, dtype=torch.float32)  # 64 TiB: refused by the allocator at once
        return super().forward(input, hx)


def test_an_allocation_far_beyond_the_machine_is_the_targets_failure_named():
    prepared_error = None
    try:
        _verdicts(AllocatesFarTooMuch, ["matches_reference"])
    except Exception as e:  # the plainest case raises it: exit 2 naming it
        prepared_error = str(e)
    assert prepared_error is not None and "cannot be used as torch.nn.LSTM" in prepared_error, prepared_error
    assert "can't allocate memory" in prepared_error or "not enough memory" in prepared_error, prepared_error


def test_a_returned_view_of_the_input_is_named():
    v = _verdicts(ReturnsAViewOfItsInput, ["matches_reference"], like="torch.nn.GRU")["matches_reference"]
    assert v.status == "failed" and "shares the input's memory" in v.message, v.message


@pytest.mark.parametrize("cls, like, message", [
    (OutputOnMeta, "torch.nn.LSTM", "output is on meta, the input on cpu: the target returned it on another device"),
    (ReturnsNumpy, "torch.nn.GRU", "output is a numpy.ndarray, expected a torch.Tensor"),
    (FloatStates, "torch.nn.LSTM", "c_n has dtype torch.float32, expected torch.float64"),
])
def test_every_returned_tensor_is_checked_for_type_device_and_dtype(cls, like, message):
    settings = RunSettings(profile="quick", dtype="float64") if cls is FloatStates else QUICK
    v = _verdicts(cls, ["matches_reference"], like=like, settings=settings)["matches_reference"]
    assert v.status == "failed" and message in v.message, v.message


class ReusesOneBuffer(torch.nn.LSTM):
    def forward(self, input, hx=None):
        out, h = super().forward(input, hx)
        if not isinstance(out, torch.Tensor):
            return out, h
        if getattr(self, "buffer", None) is None or self.buffer.shape != out.shape:
            self.buffer = torch.empty_like(out)
        self.buffer.copy_(out)
        return self.buffer, h


class Noisy(torch.nn.GRU):
    """Its result moves by 1e-3 from one call to the next (as an unseeded, racy or uninitialised kernel's would)."""

    calls = 0

    def forward(self, input, hx=None):
        out, h = super().forward(input, hx)
        type(self).calls += 1
        return (out + 1e-3 * (type(self).calls % 2) if isinstance(out, torch.Tensor) else out), h


@pytest.mark.parametrize("cls, like, message", [
    (ReusesOneBuffer, "torch.nn.LSTM", "overwrites a result it returned (one buffer reused for every call)"),
    (Noisy, "torch.nn.GRU", "the same call twice in a row (the target is nondeterministic)"),
])
def test_a_reused_buffer_and_nondeterminism_are_named(cls, like, message):
    v = _verdicts(cls, ["stateless_between_calls"], like=like)["stateless_between_calls"]
    assert v.status == "failed" and message in v.message, v.message


# --- constructors and gradients ------------------------------------------------------------------

class PassesArgsOn(torch.nn.LSTM):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)


class ChangesKwargs(torch.nn.LSTM):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("batch_first", True)
        super().__init__(*args, **kwargs)


def test_a_constructor_passing_args_and_kwargs_on_is_read_from_its_base():
    assert _verdicts(PassesArgsOn, ["constructor_matches_like"])["constructor_matches_like"].status == "passed"
    assert _verdicts(ChangesKwargs, ["constructor_matches_like"])["constructor_matches_like"].status == "error"


class _Refuses(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("no backward here")


class NoBackward(torch.nn.LSTM):
    def forward(self, input, hx=None):
        out, h = super().forward(input, hx)
        return (_Refuses.apply(out) if isinstance(out, torch.Tensor) else out), h


def test_a_drop_in_whose_backward_raises_fails_unless_it_declares_lacks_grad():
    prepared = prepare(TorchLikeTarget(NoBackward, like="torch.nn.LSTM", name="NoBackward"))
    assert "grad" in prepared.kept and "grad" in prepared.target.capabilities
    assert _verdicts(NoBackward, ["grads_match_reference"])["grads_match_reference"].status == "failed"
    declared = _verdicts(NoBackward, ["grads_match_reference"], lacks=("grad",))
    assert declared["grads_match_reference"].status == "skipped"


# --- process-wide and per-thread state ------------------------------------------------------------

class LeaksGlobalState(torch.nn.LSTM):
    def forward(self, input, hx=None):
        torch.set_grad_enabled(False)
        torch.set_default_dtype(torch.float64)
        torch.set_grad_enabled(True)  # (its own forward still differentiable)
        return super().forward(input, hx)


@pytest.mark.parametrize("timeout", [None, 60.0], ids=["no timeout (the plugin)", "timeout (the CLI)"])
def test_global_state_a_target_changes_is_put_back_and_said(timeout):
    settings = RunSettings(profile="quick", timeout=timeout)
    verdicts = _verdicts(LeaksGlobalState, ["matches_reference"], settings=settings)
    assert verdicts["matches_reference"].status == "passed"
    assert torch.get_default_dtype() == torch.float32 and torch.is_grad_enabled()
    assert any("default dtype torch.float32 -> torch.float64" in change for change in isolation.changes())


class FlushesSubnormals(torch.nn.LSTM):
    """Sets flush-to-zero when built, as a C library's init might; torch keeps it per thread."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        torch.set_flush_denormal(True)


@pytest.mark.skipif(not torch.set_flush_denormal(False), reason="this CPU has no flush-to-zero mode")
def test_per_thread_state_set_when_built_is_there_when_called():
    settings = RunSettings(profile="quick", timeout=60.0)  # the CLI's path: calls in rnnspec's target thread
    v = _verdicts(FlushesSubnormals, ["lstm_saturated_gates_keep_memory"], settings=settings)
    assert v["lstm_saturated_gates_keep_memory"].status == "failed", v["lstm_saturated_gates_keep_memory"].message
    assert torch.tensor(1e-40).item() != 0.0  # this thread keeps subnormals
    np.testing.assert_equal(np.float32(1e-40) != 0, True)
