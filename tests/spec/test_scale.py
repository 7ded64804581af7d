"""The tiers of cases (rnnspec/spec/scale.py): how examples are split, what each tier draws, how
far the options push it, and what a failure in a tier says."""

import numpy as np
import pytest
from hypothesis import given, seed, settings, strategies as st

from rnnspec.interfaces import cli
from rnnspec.spec.settings import RunSettings, activated
from rnnspec.spec import CELLS, LAYER_CAPABILITIES, property_spec
from rnnspec.spec.scale import (MAC_BUDGET, MAGNITUDES, REALISTIC, SMALL, STEP_BUDGET, TIERS, forward_macs, magnitude,
                                straddles, tier_examples, tier_runs)
from rnnspec.cases.strategies import cell_cases, layer_cases
from rnnspec.targets import TorchLikeTarget
from rnnspec.running.verdicts import Status
from rnnspec.running.verifier import verify


def test_straddles_are_powers_of_two_and_their_neighbours_ascending():
    assert straddles(1025) == [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256,
                               257, 511, 512, 513, 1023, 1024, 1025]
    assert straddles(100, lo=7) == [7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100]
    assert straddles(1) == [1]


@pytest.mark.parametrize("examples, split", [
    (25, {"small": 25, "realistic": 5, "magnitude": 4}),
    (8, {"small": 8, "realistic": 2, "magnitude": 1}),
    (200, {"small": 200, "realistic": 40, "magnitude": 30}),
    (3, {"small": 3, "realistic": 1, "magnitude": 1}),  # the first count with a share for the scale tiers
    (2, {"small": 2}),
])
def test_each_profile_guarantees_realistic_and_magnitude_examples(examples, split):
    assert tier_examples(examples) == split


def test_the_runs_of_a_property_are_its_tiers_in_order_and_one_per_magnitude_regime():
    regimes = [m.name for m in MAGNITUDES]
    assert tier_runs(40) == [("small", None, 40), ("realistic", None, 8), *(("magnitude", r, 2) for r in regimes)]
    assert tier_runs(33) == [("small", None, 33), ("realistic", None, 7), *(("magnitude", r, 1) for r in regimes)]
    assert tier_runs(25, of=("small", "magnitude")) == [("small", None, 25), *(("magnitude", r, 1) for r in regimes)]
    assert tier_runs(25, ("realistic",), of=("small",)) == []


def test_straddles_end_at_the_bound_whether_or_not_it_is_a_power_of_two():
    assert straddles(64)[-3:] == [33, 63, 64] and straddles(65)[-3:] == [63, 64, 65]
    assert straddles(66)[-4:] == [63, 64, 65, 66]


def test_an_unknown_magnitude_is_refused_with_the_known_ones():
    with pytest.raises(ValueError) as info:
        magnitude("huge")
    assert str(info.value) == ("magnitude='huge' is not one of ['plain', 'saturating', 'overflow', 'large_state', "
                               "'zeros', 'subnormal']")


def test_a_tier_alone_gets_what_it_gets_in_a_full_run_so_its_replay_draws_the_same_examples():
    assert tier_examples(25, ("realistic",)) == {"realistic": 5}
    assert tier_examples(2, ("magnitude",)) == {"magnitude": 1}  # too few to share: one
    assert tier_examples(25, of=("small",)) == {"small": 25}  # a property drawing from small only
    assert tier_examples(25, ("realistic",), of=("small",)) == {}


def _drawn(strategy, tier: str, n: int = 60, **options) -> list:
    out = []

    @seed(0)
    @settings(max_examples=n, database=None, deadline=None)
    @given(strategy)
    def collect(case):
        out.append(case)

    with activated(RunSettings(tier=tier, **options)):
        collect()
    return out


def _layer_cases(**options):
    return layer_cases(cells=list(CELLS), capabilities=LAYER_CAPABILITIES, **options)


def test_the_small_tier_is_small():
    for case in _drawn(_layer_cases(), "small"):
        c = case.config
        assert max(c.input_size, c.hidden_size) <= SMALL.max_size and case.seq_len <= SMALL.max_seq_len
        assert case.batch <= SMALL.max_batch and c.num_layers <= SMALL.max_layers
        assert case.tier == "small" and case.magnitude == "plain"


def test_the_realistic_tier_reaches_wide_long_large_and_deep_cases_within_the_budget():
    cases = _drawn(_layer_cases(), "realistic", n=150)
    for case in cases:
        c = case.config
        per_row_step = forward_macs(gates=CELLS[c.cell].num_gates, input_size=c.input_size, hidden_size=c.hidden_size,
                                    output_size=c.output_size, num_layers=c.num_layers, directions=c.num_directions)
        assert per_row_step * case.seq_len * case.batch <= MAC_BUDGET or (case.seq_len == 1 and case.batch <= 2)
        assert case.seq_len * c.num_layers * c.num_directions <= STEP_BUDGET
        assert case.tier == "realistic" and case.scale == 1.0
        assert case.regime().endswith("(beyond the small tier)"), case  # the first, smallest example too
        if case.lengths is not None and case.batch > 1:
            assert {1, case.seq_len} <= set(case.lengths)  # spread from 1 to T
    assert max(max(c.config.input_size, c.config.hidden_size) for c in cases) >= 512
    assert max(c.seq_len for c in cases) >= 255
    assert max(c.batch for c in cases) >= 64
    assert max(c.config.num_layers for c in cases) == REALISTIC.max_layers
    assert any(c.config.proj_size > SMALL.max_size for c in cases)


def test_the_options_bound_the_realistic_tier():
    for case in _drawn(_layer_cases(), "realistic", max_size=20, max_seq_len=10, max_batch=3):
        assert max(case.config.input_size, case.config.hidden_size) <= 20
        assert case.seq_len <= 10 and case.batch <= 3


def test_bounds_a_property_gives_cap_the_realistic_tier_too():
    for case in _drawn(_layer_cases(max_seq_len=1), "realistic"):
        assert case.seq_len == 1


def test_the_magnitude_tier_draws_every_regime_at_small_sizes():
    cases = _drawn(_layer_cases(), "magnitude", n=80)
    assert {c.magnitude for c in cases} == {m.name for m in MAGNITUDES}
    assert all(c.seq_len <= SMALL.max_seq_len and c.config.hidden_size <= SMALL.max_size for c in cases)


def _case(tier, magnitude, dtype="float32", cell="lstm"):
    (case,) = _drawn(_layer_cases(dtype=st.just(dtype), with_state=st.just(True)), tier, n=1)
    return case.replace(magnitude=magnitude, config=case.config.replace(cell=cell, proj_size=0))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_magnitudes_are_what_they_say(dtype):
    finfo = np.finfo(dtype)
    zeros = _case("magnitude", "zeros", dtype)
    assert not zeros.input().any() and not any(s.any() for s in zeros.state())
    assert not np.signbit(zeros.input()).any()  # +0.0, not -0.0
    tiny = _case("magnitude", "subnormal", dtype)
    x = np.abs(tiny.input())
    assert ((x > 0) & (x < finfo.smallest_normal)).any() and (x < finfo.smallest_normal).all()
    big = _case("magnitude", "large_state", dtype)
    assert np.abs(big.state()[1]).max() > 10
    over = _case("magnitude", "overflow", dtype)
    assert np.abs(over.input()).max() > np.log(finfo.max)


def test_a_failure_in_a_tier_names_it_and_its_replay_runs_that_tier_alone():
    class ClampsItsCell(torch_lstm()):  # a cell state clamped to [-5, 5]: only large states show it
        def forward(self, x, hx=None):
            out, (h, c) = super().forward(x, hx)
            return out, (h, c.clamp(-5, 5))

    target = TorchLikeTarget(ClampsItsCell, like="torch.nn.LSTM", name="tests.x:ClampsItsCell")
    (small,) = verify(target, settings=RunSettings(tiers=("small",)), select=["matches_reference"])
    assert small.status is Status.PASSED, small.message
    (v,) = verify(target, settings=RunSettings(), select=["matches_reference"])
    assert v.status is Status.FAILED, v.message
    assert v.failure.regime.startswith("magnitude tier: large_state"), v.message
    assert "regime: magnitude tier: large_state" in v.message
    assert v.failure.replay.endswith("--tiers magnitude")


def torch_lstm():
    import torch

    return torch.nn.LSTM


def test_a_small_only_property_is_skipped_with_its_reason_under_other_tiers():
    import torch

    (v,) = verify(TorchLikeTarget(torch.nn.LSTM, like="torch.nn.LSTM", name="torch.nn.LSTM"),
                  settings=RunSettings(tiers=("magnitude",)), select=["parameter_layout"])
    assert v.status is Status.SKIPPED and "small and realistic tiers only" in v.reason
    assert property_spec("constructor_matches_like").tiers == ("small",)
    assert property_spec("matches_reference").tiers == TIERS


@pytest.mark.parametrize("argv, message", [
    (["--tiers", "huge"], "'huge': expected some of small, realistic, magnitude"),
    (["--max-size", "0"], "0 must be at least 1"),
])
def test_scale_options_are_checked_in_one_line_with_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["verify", "torch.nn.LSTM", *argv])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_cell_cases_follow_the_tier_too():
    cases = _drawn(cell_cases(cells=list(CELLS), capabilities=LAYER_CAPABILITIES), "realistic", n=80)
    assert max(c.config.hidden_size for c in cases) >= 512 and all(c.tier == "realistic" for c in cases)


@pytest.mark.slow  # ~30 s: the shrinking runs realistic cases
def test_a_defect_from_some_size_on_shrinks_to_the_smallest_size_that_shows_it():
    class LastTileDropped(torch_lstm()):  # c_n of the units past the first 32 left at zero (a tile remainder)
        def forward(self, x, hx=None):
            out, (h, c) = super().forward(x, hx)
            if self.hidden_size > 32:
                c = c.clone()
                c[..., 32:] = 0
            return out, (h, c)

    target = TorchLikeTarget(LastTileDropped, like="torch.nn.LSTM", name="tests.x:LastTileDropped")
    (v,) = verify(target, settings=RunSettings(max_examples=50), select=["matches_reference"])
    assert v.status is Status.FAILED, v.message
    assert "hidden_size=33," in v.failure.case and v.failure.regime.startswith("realistic tier: hidden_size=33"), v.message
    assert "seq_len=1," in v.failure.case and "batch=1," in v.failure.case and "num_layers=1," in v.failure.case


def test_the_work_of_a_step_is_one_multiply_add_per_weight():
    """forward_macs counts, independently, what torch's layout holds: each weight (not bias) element
    is one multiply-add per row and step."""
    import math

    from rnnspec.spec import LayerConfig, layer_layout

    for config in (LayerConfig("lstm", 3, 5), LayerConfig("gru", 7, 4, num_layers=3, bidirectional=True),
                   LayerConfig("lstm", 6, 8, num_layers=2, bidirectional=True, proj_size=3),
                   LayerConfig("rnn_tanh", 2, 9, num_layers=2)):
        weights = sum(math.prod(shape) for name, shape in layer_layout(config) if name.startswith("weight"))
        assert forward_macs(gates=CELLS[config.cell].num_gates, input_size=config.input_size,
                            hidden_size=config.hidden_size, output_size=config.output_size,
                            num_layers=config.num_layers, directions=config.num_directions) == weights, config
