"""Options a drop-in lacks: declared with --lacks or found by probing, reported once and left out
of every draw; an accepted option that computes wrongly still fails; --strict keeps them in; a
target that cannot run the plainest case is refused (exit 2, one line)."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rnnspec.running.probing import prepare, probe
from rnnspec.spec.settings import RunSettings
from rnnspec.targets import TargetError, TorchLikeTarget
from rnnspec.running.verifier import verify

HERE = Path(__file__).resolve().parent
QUICK = RunSettings(profile="quick")


class NoBidirectionalLSTM(torch.nn.LSTM):
    def __init__(self, *args, bidirectional=False, **kwargs):
        if bidirectional:
            raise NotImplementedError("bidirectional is not implemented")
        super().__init__(*args, **kwargs)


class NoPackedGRU(torch.nn.GRU):
    def forward(self, input, hx=None):
        if isinstance(input, torch.nn.utils.rnn.PackedSequence):
            raise TypeError("expected a Tensor")
        return super().forward(input, hx)


class ProjIgnoredLSTM(torch.nn.Module):
    """One forward, time-major LSTM layer that accepts proj_size, keeps weight_hr, and never uses it:
    a defect (wrong shapes at one step, a crash from the second), not a missing option."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0):
        super().__init__()
        if num_layers != 1 or bidirectional or batch_first:
            raise NotImplementedError("one forward, time-major layer only")
        H, R = hidden_size, proj_size or hidden_size
        self.weight_ih_l0 = torch.nn.Parameter(torch.zeros(4 * H, input_size))
        self.weight_hh_l0 = torch.nn.Parameter(torch.zeros(4 * H, R))
        if bias:
            self.bias_ih_l0, self.bias_hh_l0 = torch.nn.Parameter(torch.zeros(4 * H)), torch.nn.Parameter(torch.zeros(4 * H))
        if proj_size:
            self.weight_hr_l0 = torch.nn.Parameter(torch.zeros(proj_size, H))  # kept, never used
        self.has_bias, self.H, self.R = bias, H, R

    def forward(self, x, hx=None):
        if isinstance(x, torch.nn.utils.rnn.PackedSequence):
            raise TypeError("PackedSequence is not supported")
        single = x.dim() == 2
        x = x[:, None] if single else x
        if hx is None:
            h, c = x.new_zeros(x.shape[1], self.R), x.new_zeros(x.shape[1], self.H)
        else:
            h, c = (s[0] if not single else s[0][None] for s in hx)
        outputs = []
        for x_t in x:
            gates = x_t @ self.weight_ih_l0.t() + h @ self.weight_hh_l0.t()
            if self.has_bias:
                gates = gates + self.bias_ih_l0 + self.bias_hh_l0
            i, f, g, o = gates.chunk(4, -1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)  # the projection h @ weight_hr^T is missing
            outputs.append(h)
        out, h_n, c_n = torch.stack(outputs), h[None], c[None]
        return (out[:, 0], (h_n[:, 0], c_n[:, 0])) if single else (out, (h_n, c_n))


class NeedsUnits(torch.nn.Module):
    def __init__(self, *, units):
        super().__init__()


def test_probing_finds_what_raises_and_only_that():
    assert probe(TorchLikeTarget(torch.nn.LSTM, like="torch.nn.LSTM")).unsupported == {}
    found = probe(TorchLikeTarget(NoBidirectionalLSTM, like="torch.nn.LSTM")).unsupported
    assert list(found) == ["bidirectional"] and "NotImplementedError: bidirectional is not implemented" in found["bidirectional"]
    assert list(probe(TorchLikeTarget(NoPackedGRU, like="torch.nn.GRU")).unsupported) == ["packed"]
    ignored = probe(TorchLikeTarget(ProjIgnoredLSTM, like="torch.nn.LSTM")).unsupported
    assert "proj" not in ignored and {"bidirectional", "multilayer", "packed"} <= set(ignored), ignored


def test_a_probed_out_option_is_left_out_of_every_draw():
    prepared = prepare(TorchLikeTarget(NoPackedGRU, like="torch.nn.GRU"))
    assert "packed" not in prepared.target.capabilities and list(prepared.unsupported) == ["packed"]
    verdicts = {v.id: v for v in verify(prepared.target, settings=QUICK,
                                        select=["matches_reference", "packed_is_each_alone", "stack_is_composition"])}
    assert verdicts["matches_reference"].status == "passed" and verdicts["stack_is_composition"].status == "passed"
    assert verdicts["packed_is_each_alone"].status == "skipped" and "packed" in verdicts["packed_is_each_alone"].reason


def test_strict_keeps_the_option_and_the_properties_that_draw_it_fail():
    prepared = prepare(TorchLikeTarget(NoBidirectionalLSTM, like="torch.nn.LSTM"), strict=True)
    assert "bidirectional" in prepared.target.capabilities and list(prepared.unsupported) == ["bidirectional"]
    (v,) = verify(prepared.target, settings=QUICK, select=["bidirectional_is_forward_plus_flipped_reverse"])
    assert v.status == "failed" and v.failure.origin == "target" and "NotImplementedError" in v.failure.headline


def test_an_accepted_option_that_computes_wrongly_still_fails():
    prepared = prepare(TorchLikeTarget(ProjIgnoredLSTM, like="torch.nn.LSTM"))
    assert "proj" in prepared.target.capabilities
    (v,) = verify(prepared.target, settings=RunSettings(profile="default"), select=["matches_reference"])
    assert v.status == "failed" and "proj_size=" in v.failure.case and "proj_size=0" not in v.failure.case, v.message


def test_declared_lacks_are_left_out_and_repeated_in_the_replay():
    prepared = prepare(TorchLikeTarget(NoBidirectionalLSTM, like="torch.nn.LSTM", name="x.py:NoBi"),
                       lacks=("bidirectional",))
    assert prepared.unsupported == {} and prepared.lacks == ("bidirectional",)
    assert prepared.target.cli_args() == "x.py:NoBi --like torch.nn.LSTM --lacks bidirectional"
    with pytest.raises(ValueError, match="--lacks bidirectionl: not options of a layer target"):
        prepare(TorchLikeTarget(torch.nn.LSTM, like="torch.nn.LSTM"), lacks=("bidirectionl",))


def test_a_target_that_cannot_run_the_plainest_case_is_refused():
    with pytest.raises(TargetError, match="cannot be used as torch.nn.LSTM: the plainest case .* raised TypeError: .*unexpected keyword argument"):
        prepare(TorchLikeTarget(NeedsUnits, like="torch.nn.LSTM"))


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "rnnspec", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.slow  # four CLI subprocesses: ~8 s
def test_the_cli_reports_probed_out_options_once_and_refuses_unusable_targets(tmp_path):
    result = _cli("verify", f"{HERE / 'test_probing.py'}:NoPackedGRU", "--like", "torch.nn.GRU", "--profile", "quick",
                  "--select", "packed_is_each_alone", "--select", "matches_reference", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("not supported (probed): packed: TypeError: expected a Tensor") == 1, result.stdout
    unusable = _cli("verify", f"{HERE / 'test_probing.py'}:NeedsUnits", "--like", "torch.nn.LSTM", cwd=tmp_path)
    assert unusable.returncode == 2 and len(unusable.stderr.strip().splitlines()) == 1, unusable.stderr
    assert "cannot be used as torch.nn.LSTM" in unusable.stderr and not unusable.stdout
