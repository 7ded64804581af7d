"""Approximate targets (quantized, reduced precision): a per-target tolerance loosens only the
comparisons against the reference, structural properties keep their own thresholds, and the
verdicts carry the size of the error."""

import subprocess
import sys
from pathlib import Path

import torch

from rnnspec.spec.settings import RunSettings
from rnnspec.spec import Tolerance
from rnnspec.targets import Declaration, TorchLikeTarget
from rnnspec.running.verifier import verify

HERE = Path(__file__).resolve().parent
LOOSE = Tolerance(rtol=2e-2, atol=2e-2)


def _rounded(t: torch.Tensor) -> torch.Tensor:
    return torch.round(t * 256) / 256  # a 1/256 grid, as a low-precision kernel might leave it


class RoundedGRU(torch.nn.GRU):
    """Faithful up to rounding its outputs to a grid: approximate, not wrong."""

    def forward(self, input, hx=None):
        out, h = super().forward(input, hx)
        if isinstance(out, torch.nn.utils.rnn.PackedSequence):
            return out._replace(data=_rounded(out.data)), _rounded(h)
        return _rounded(out), _rounded(h)


class RoundedAcrossBatchGRU(RoundedGRU):
    """Also rounds with a step taken from the whole batch: rows are coupled (a real finding)."""

    def forward(self, input, hx=None):
        out, h = super().forward(input, hx)
        if isinstance(out, torch.nn.utils.rnn.PackedSequence):
            return out, h
        scale = out.detach().abs().max() + 1
        return torch.round(out * 64 / scale) * scale / 64, h


def _statuses(target, select, tolerance=None):
    settings = RunSettings(profile="quick", dtype="float32", tolerance=tolerance)
    return {v.id: v for v in verify(target, settings=settings, select=select)}


def test_the_tolerance_loosens_comparisons_against_the_reference_only():
    target = TorchLikeTarget(RoundedGRU, like="torch.nn.GRU")
    strict = _statuses(target, ["matches_reference"])
    assert strict["matches_reference"].status == "failed"
    loose = _statuses(target, ["matches_reference", "unidirectional_is_causal", "rows_are_independent"], LOOSE)
    assert all(v.status == "passed" for v in loose.values()), {k: v.message for k, v in loose.items()}
    size = loose["matches_reference"].error_size
    assert 1e-4 < size.absolute.value <= 1 / 512 + 1e-6, size  # half a grid step at most


def test_structural_properties_keep_their_thresholds_under_a_loose_tolerance():
    target = TorchLikeTarget(RoundedAcrossBatchGRU, like="torch.nn.GRU")
    verdicts = _statuses(target, ["matches_reference", "rows_are_independent", "row_alone_equals_row_in_batch"], LOOSE)
    assert verdicts["matches_reference"].status == "passed", verdicts["matches_reference"].message
    coupled = [v for k, v in verdicts.items() if k != "matches_reference"]
    assert any(v.status == "failed" for v in coupled), {v.id: v.status for v in coupled}


def test_a_declared_tolerance_applies_and_the_flags_reach_the_header_and_replay(tmp_path):
    class Declared(TorchLikeTarget):
        def __init__(self):
            super().__init__(RoundedGRU, like="torch.nn.GRU", name="declared")
            self._declaration = Declaration(**{**self.declaration.__dict__, "tolerance": LOOSE})

    (v,) = verify(Declared(), settings=RunSettings(profile="quick", dtype="float32"), select=["matches_reference"])
    assert v.status == "passed", v.message
    result = subprocess.run([sys.executable, "-m", "rnnspec", "verify", f"{HERE / 'test_approximate.py'}:RoundedGRU",
                             "--like", "torch.nn.GRU", "--profile", "quick", "--dtype", "float32", "--rtol", "1e-6",
                             "--atol", "1e-6", "--select", "matches_reference", "--errors"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "tolerance against the reference: at least atol=1e-06 + rtol=1e-06*|expected|" in result.stdout
    assert "--rtol 1e-06 --atol 1e-06" in result.stdout  # the replay repeats them
    assert "errors: max |error|" in result.stdout
