"""The runner: profiles and seeds per run, verdicts for targets that misbehave, never a crash."""

import pytest
import torch

from planted_defects import RaisesLSTM, WrongNames
from rnnspec.targets import TorchLikeTarget
from rnnspec.running.verifier import verify
from rnnspec.spec.settings import RunSettings


def counting_lstm(calls):
    def factory(*args, **kwargs):
        calls.append(args)
        return torch.nn.LSTM(*args, **kwargs)
    return factory


def test_profile_and_max_examples_apply_per_run():
    calls = []
    target = TorchLikeTarget(counting_lstm(calls), like="torch.nn.LSTM", name="counting")
    verify(target, select=["omitted_state_is_zeros"], settings=RunSettings(profile="quick"))
    quick = len(calls)
    calls.clear()
    verify(target, select=["omitted_state_is_zeros"], settings=RunSettings(profile="quick", max_examples=3))
    # omitted_state builds twice per example; quick: 8 small + 2 realistic + 5 magnitude (one per regime)
    assert len(calls) < quick <= 2 * (8 + 2 + 5), (len(calls), quick)
    calls.clear()
    verify(target, select=["omitted_state_is_zeros"], settings=RunSettings(profile="quick", tiers=("small",)))
    assert len(calls) <= 2 * 8, len(calls)


def test_same_seed_same_examples_other_seed_other_examples():
    def sizes(seed):
        calls = []
        verify(TorchLikeTarget(counting_lstm(calls), like="torch.nn.LSTM", name="c"), select=["matches_reference"], settings=RunSettings(profile="quick", seed=seed))
        return calls

    assert sizes(0) == sizes(0)
    assert sizes(0) != sizes(1)


def test_a_raising_target_fails_with_the_error_named():
    (v,) = verify(TorchLikeTarget(RaisesLSTM, like="torch.nn.LSTM", name="raises"), select=["matches_reference"], settings=RunSettings(profile="quick"))
    assert v.status == "failed" and "the target raised RuntimeError: kernel exploded" in v.message, v.message
    assert "replay: rnnspec verify raises --like torch.nn.LSTM --select matches_reference" in v.message


def test_wrong_parameter_names_are_an_error_verdict_naming_them():
    (v,) = verify(TorchLikeTarget(WrongNames, like="torch.nn.LSTM", name="wrong"), select=["matches_reference"], settings=RunSettings(profile="quick"))
    assert v.status == "error", v
    assert "missing [" in v.message and "'weight_ih_l0'" in v.message and "unexpected ['w']" in v.message, v.message


def test_properties_of_other_subjects_and_cells_do_not_apply():
    verdicts = verify(TorchLikeTarget(torch.nn.LSTMCell, like="torch.nn.LSTMCell"), select=["semantics", "gru"], settings=RunSettings(profile="quick"))
    assert verdicts and all(v.id.startswith("cell_") for v in verdicts)


class DtypeRecorder(TorchLikeTarget):
    """torch.nn.LSTM, noting the dtype of every build."""

    def __init__(self, seen):
        super().__init__(torch.nn.LSTM, like="torch.nn.LSTM", name="dtype-recorder")
        self.seen = seen

    def build(self, config, params, *, dtype, training=False):
        self.seen.add(dtype)
        return super().build(config, params, dtype=dtype, training=training)


@pytest.mark.slow  # every property at both dtypes: ~8 s
def test_dtype_narrows_every_draw_to_one_dtype():
    select = ["matches_reference", "bidirectional_sees_the_future", "stack_is_composition"]
    for dtype, expected in ((None, {torch.float32, torch.float64}), ("float32", {torch.float32}),
                            ("float64", {torch.float64})):
        seen = set()
        verify(DtypeRecorder(seen), select=select, settings=RunSettings(profile="quick", dtype=dtype))
        assert seen == expected, (dtype, seen)
    # the float32-vs-float64 comparison needs a float64 run: skipped under float32 only
    for dtype, skipped in ((None, False), ("float32", True), ("float64", False)):
        agree = verify(DtypeRecorder(set()), select=["float32_agrees_with_float64"], settings=RunSettings(profile="quick", dtype=dtype))[0]
        assert (agree.status == "skipped") == skipped, (dtype, agree)


def test_dtype_float64_on_a_float32_only_target_is_refused():
    import pytest

    target = TorchLikeTarget(torch.nn.LSTM, like="torch.nn.LSTM", capabilities={"batch_first"})
    with pytest.raises(ValueError, match="does not claim float64"):
        verify(target, settings=RunSettings(dtype="float64"))
