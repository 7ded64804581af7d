"""float16 and bfloat16 (`--dtype`): torch's CPU built-ins pass, a faithful independent drop-in
passes where the planted precision defect (tests/defect_catalogue.py: LSTMGatesInBfloat16) fails,
the run selects the reduced_precision properties only, and the comparison's arithmetic."""

import numpy as np
import pytest
import torch
from hypothesis.errors import UnsatisfiedAssumption

from rnnspec.interfaces import cli
from rnnspec.checking.failures import PropertyFailure
from rnnspec.checking.reduced import assert_within_torch, in_dtype, rounded, widened, yardsticks
from rnnspec.spec.settings import RunSettings
from rnnspec.spec import PROPERTIES, REDUCED_DTYPES
from rnnspec.spec.scale import TIERS
from rnnspec.targets import load_target
from rnnspec.running.verdicts import Status
from rnnspec.running.verifier import check_dtype, run_skip, verify

from locations import TESTS

REDUCED = [p for p in PROPERTIES if p.topic == "reduced_precision"]


def _statuses(target, dtype, *, tiers=("small",)) -> dict:
    """The verdicts of the properties that ran (the realistic tier's float16 products at H ~ 1000
    take seconds each on a CPU: the fast tier draws small cases, the slow tier every tier)."""
    verdicts = verify(target, settings=RunSettings(dtype=dtype, profile="quick", tiers=tiers))
    return {v.id: v for v in verdicts if v.status is not Status.SKIPPED}


SMALL = ("small",)
BUILTINS = [pytest.param("torch.nn.LSTM", "float16", SMALL), pytest.param("torch.nn.GRU", "bfloat16", SMALL),
            pytest.param("torch.nn.RNNCell", "float16", SMALL), pytest.param("torch.nn.LSTMCell", "bfloat16", SMALL),
            pytest.param("torch.nn.RNN", "float16", SMALL), pytest.param("torch.nn.GRUCell", "bfloat16", SMALL),
            # every tier: the realistic tier's half-precision products at H ~ 1000 take many seconds on a CPU
            pytest.param("torch.nn.LSTM", "bfloat16", TIERS, marks=pytest.mark.slow),
            pytest.param("torch.nn.GRU", "float16", TIERS, marks=pytest.mark.slow),
            pytest.param("torch.nn.RNN", "bfloat16", TIERS, marks=pytest.mark.slow)]


@pytest.mark.parametrize("name, dtype, tiers", BUILTINS)
def test_torch_builtins_pass_in_reduced_precision(name, dtype, tiers):
    ran = _statuses(load_target(name), dtype, tiers=tiers)
    assert ran, f"no reduced_precision property ran on {name} in {dtype}"
    assert {v.id for v in ran.values()} <= {p.id for p in REDUCED}
    assert all(v.status is Status.PASSED for v in ran.values()), [v.message for v in ran.values()]


@pytest.mark.parametrize("dtype", REDUCED_DTYPES)
def test_reference_module_of_the_lecture_gru_passes(dtype):
    """gru_reset_before has no torch built-in: rnnspec's torch reference is its only yardstick."""
    target = load_target("rnnspec.references.torch_modules:GRUResetBefore", like="torch.nn.GRU",
                         cells=("gru_reset_before",))
    ran = _statuses(target, dtype)
    assert set(ran) == {"reduced_matches_reference", "reduced_grads_match_reference"}
    assert all(v.status is Status.PASSED for v in ran.values()), [v.message for v in ran.values()]


def test_planted_bfloat16_gates_fail_where_the_faithful_dropin_passes():
    """The control: the drop-in the defect is planted in passes the same run, so the failure is the defect's."""
    faithful = load_target(f"{TESTS / 'dropins/independent.py'}:LSTM", like="torch.nn.LSTM")
    planted = load_target(f"{TESTS / 'dropins/defects.py'}:LSTMGatesInBfloat16", like="torch.nn.LSTM")
    assert all(v.status is Status.PASSED for v in _statuses(faithful, "float16").values())
    failed = _statuses(planted, "float16")["reduced_matches_reference"]
    assert failed.status is Status.FAILED
    assert "in float16: largest error" in failed.message and "--dtype float16" in failed.message
    # in bfloat16 the defect computes what it is asked for: nothing to catch
    assert all(v.status is Status.PASSED for v in _statuses(planted, "bfloat16").values())


def test_reduced_run_skips_the_other_properties_and_normal_runs_skip_reduced():
    reduced, normal = RunSettings(dtype="bfloat16"), RunSettings()
    for prop in PROPERTIES:
        if prop.topic == "reduced_precision":
            assert run_skip(prop, reduced) is None
            assert "--dtype float16 or --dtype bfloat16" in run_skip(prop, normal)
        else:
            assert "runs the reduced_precision properties only" in run_skip(prop, reduced)
    assert reduced.dtypes == ("float32",)  # the cases drawn, then rounded


def test_dtype_the_target_does_not_claim_exits_2(capsys):
    assert cli.main(["verify", "torch.nn.LSTM", "--dtype", "float16", "--lacks", "float16"]) == 2
    err = capsys.readouterr().err
    assert "does not claim float16" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(ValueError, match="checks layers and cells"):
        check_dtype(load_target("torch.nn.utils.clip_grad_norm_"), "bfloat16")


def test_a_target_that_refuses_a_reduced_dtype_is_probed_out():
    from rnnspec.running.probing import prepare

    prepared = prepare(load_target(f"{__file__}:Float32Only", like="torch.nn.GRU"))
    assert set(prepared.unsupported) == {"float16", "bfloat16"}
    with pytest.raises(ValueError, match="does not claim bfloat16"):
        check_dtype(prepared.target, "bfloat16")


class Float32Only(torch.nn.GRU):
    """A GRU that refuses float16 and bfloat16, as kernels without half-precision paths do."""

    def forward(self, input, hx=None):
        dtype = getattr(input, "data", input).dtype  # a PackedSequence's too
        if dtype in (torch.float16, torch.bfloat16):
            raise NotImplementedError(f"no {dtype} kernel")
        return super().forward(input, hx)


def test_rounded_values_are_the_dtype_s_and_widen_exactly():
    x = np.array([1 / 3, 1e-3, 70000.0, -2.5], np.float32)
    for dtype in REDUCED_DTYPES:
        r = rounded({"w": x}, dtype)["w"]
        assert r.dtype == np.float32
        assert np.array_equal(in_dtype(r, dtype).float().numpy(), r)  # exact in the dtype
        assert np.array_equal(widened((r,))[0], r.astype(np.float64))
    assert rounded(None, "float16") is None and in_dtype(None, "float16") is None
    assert rounded(x, "float16")[2] == np.inf  # float16's largest is 65504
    assert rounded(x, "bfloat16")[0] == np.float32(torch.tensor(1 / 3).bfloat16().float())


@pytest.mark.filterwarnings("ignore:Using `reject` outside a property-based test")
def test_assert_within_torch_fails_past_the_multiple_and_on_nan():
    expected = np.array([1.0, -0.5])
    yard = {"torch": np.array([1.0 + 1e-3, -0.5])}
    assert_within_torch(np.array([1.0 + 3.9e-3, -0.5]), yard, expected, dtype="float16", what="h", case=None)
    with pytest.raises(PropertyFailure, match=r"h in float16: largest error 0.0041"):
        assert_within_torch(np.array([1.0, -0.5041]), yard, expected, dtype="float16", what="h", case=None)
    with pytest.raises(PropertyFailure):
        assert_within_torch(np.array([np.nan, -0.5]), yard, expected, dtype="float16", what="h", case=None)
    with pytest.raises(UnsatisfiedAssumption):  # the yardstick overflowed: no verdict, another case
        assert_within_torch(expected, {"torch": np.array([np.inf, 0.0])}, expected, dtype="float16", what="h",
                            case=None)


def test_yardsticks_are_the_builtin_and_the_reference():
    assert [t.name for t in yardsticks("lstm", "layer")] == ["torch.nn.LSTM", "rnnspec.references.torch_modules:LSTM"]
    assert [t.name for t in yardsticks("rnn_relu", "cell")] == ["torch.nn.RNNCell",
                                                                "rnnspec.references.torch_modules:RNNCell"]
    assert [t.name for t in yardsticks("gru_reset_before", "layer")] == ["rnnspec.references.torch_modules:GRUResetBefore"]
