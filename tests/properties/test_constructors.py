"""The constructor properties (constructor_matches_like, cell_constructor_matches_like): how a
constructor is read (its signature, a typing.overload, torch's own kept unchanged), what counts as
a difference, and the verdicts on torch's built-ins, drop-ins and targets with no constructor."""

import pkgutil
import sys

import pytest
import torch

from rnnspec.properties.constructors import Unreadable, constructor_differences, describe, read_constructor
from rnnspec.spec.settings import RunSettings
from rnnspec.spec.options import CONSTRUCTORS, REQUIRED
from rnnspec.targets import Declaration, Target, TorchLikeTarget, load_target
from rnnspec.running.verdicts import Status
from rnnspec.running.verifier import verify

LAYER = "constructor_matches_like"
CELL = "cell_constructor_matches_like"


def _differences(factory, like="torch.nn.LSTM"):
    return constructor_differences(read_constructor(factory, like)[0], like)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="torch states its layers' constructors as typing.overloads, "
                                                       "which typing.get_overloads reads from Python 3.11")
@pytest.mark.parametrize("like", CONSTRUCTORS)
def test_the_spec_states_torchs_constructors_device_and_dtype_aside(like):
    parameters, read_from = read_constructor(pkgutil.resolve_name(like), like)
    got = [(p.name, REQUIRED if p.default is p.empty else p.default) for p in parameters]
    assert got == list(CONSTRUCTORS[like]) + [("device", None), ("dtype", None)], read_from


def test_a_subclass_keeping_torchs_init_has_torchs_constructor():
    class Quiet(torch.nn.GRU):  # (*args, **kwargs) to Python: read from torch's overload or as torch's own
        def forward(self, input, hx=None):
            return super().forward(input, hx)

    assert _differences(Quiet, "torch.nn.GRU") == []


def test_what_differs_is_named_one_line_each():
    def swapped(input_size, hidden_size, num_layers=1, batch_first=False, bias=True, dropout=0.0,
                bidirectional=False, proj_size=0):
        pass

    def keyword_only(input_size, hidden_size, num_layers=1, bias=True, *, batch_first=True, dropout=0.0,
                     bidirectional=False, proj_size=0, chunk):
        pass

    def swallowed(input_size, hidden_size, num_layers=1, **options):
        pass

    assert _differences(swapped) == ["positional argument 4 is batch_first; torch.nn.LSTM's is bias",
                                     "positional argument 5 is bias; torch.nn.LSTM's is batch_first"]
    assert _differences(keyword_only) == [
        "positional argument 5 is not taken: batch_first is keyword-only; torch.nn.LSTM's is batch_first",
        "batch_first defaults to True; torch.nn.LSTM's default is False",
        "positional argument 6 is not taken: dropout is keyword-only; torch.nn.LSTM's is dropout",
        "positional argument 7 is not taken: bidirectional is keyword-only; torch.nn.LSTM's is bidirectional",
        "positional argument 8 is not taken: proj_size is keyword-only; torch.nn.LSTM's is proj_size",
        "it also takes chunk, with no default: torch.nn.LSTM's callers do not pass it"]
    assert _differences(swallowed, "torch.nn.GRU")[0] == "positional argument 4 is not taken; torch.nn.GRU's is bias"


def test_more_arguments_after_torchs_with_defaults_and_equal_defaults_of_another_type_are_fine():
    def extended(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0, bidirectional=False,
                 layer_norm=False, *args, **kwargs):
        pass

    assert _differences(extended, "torch.nn.GRU") == []
    assert describe(read_constructor(extended, "torch.nn.GRU")[0]).startswith("(input_size, hidden_size, num_layers=1")


def test_args_before_torchs_last_positional_argument_cannot_be_read():
    class Forwarding(torch.nn.Module):
        def __init__(self, input_size, *args, **kwargs):
            super().__init__()

    where = r"takes \*args where torch.nn.LSTM takes hidden_size \(positional argument 2\)"
    with pytest.raises(Unreadable, match=where):
        read_constructor(Forwarding, "torch.nn.LSTM")


@pytest.mark.parametrize("like", CONSTRUCTORS)
def test_torchs_built_ins_pass(like):
    (verdict,) = [v for v in verify(TorchLikeTarget(pkgutil.resolve_name(like), like=like),
                                    settings=RunSettings(profile="quick"), select=[LAYER, CELL])]
    assert verdict.status is Status.PASSED, verdict.message


def test_an_unreadable_constructor_is_no_verdict_and_says_why():
    class Forwarding(torch.nn.LSTM):  # it changes what it passes on: its own arguments cannot be read
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("batch_first", True)
            super().__init__(*args, **kwargs)

    (verdict,) = verify(TorchLikeTarget(Forwarding, like="torch.nn.LSTM", name="f.py:Forwarding"),
                        settings=RunSettings(profile="quick"), select=[LAYER])
    assert verdict.status is Status.ERROR and "typing.overload" in verdict.failure.headline, verdict.message
    assert "Forwarding" in verdict.failure.case and "(*args, **kwargs)" in verdict.failure.case


def test_a_constructor_passing_args_and_kwargs_on_unchanged_is_its_bases():
    class PassesOn(torch.nn.LSTM):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.extra = "kept"

    (verdict,) = verify(TorchLikeTarget(PassesOn, like="torch.nn.LSTM", name="f.py:PassesOn"),
                        settings=RunSettings(profile="quick"), select=[LAYER])
    assert verdict.status is Status.PASSED, verdict.message


def test_a_target_without_the_capability_is_skipped_with_the_reason():
    class Adapter(Target):
        def __init__(self):
            super().__init__(Declaration(name="adapter", subject="cell", cells=("gru",), capabilities={"grad"}))

        def build(self, config, params, *, dtype, training=False):
            raise AssertionError("not built")

    (verdict,) = verify(Adapter(), settings=RunSettings(profile="quick"), select=[CELL])
    assert verdict.status is Status.SKIPPED and verdict.reason.startswith("target lacks constructor: "), verdict


def test_a_drop_in_with_torchs_order_and_defaults_passes_one_without_fails_naming_the_argument():
    from defect_catalogue import TESTS

    dropins = TESTS / "dropins"
    for name, like in (("RNN", "torch.nn.RNN"), ("LSTMCell", "torch.nn.LSTMCell")):
        verdicts = verify(load_target(f"{dropins / 'independent.py'}:{name}", like=like),
                          settings=RunSettings(profile="quick"), select=[LAYER, CELL])
        assert [v.status for v in verdicts] == [Status.PASSED], verdicts
    (verdict,) = verify(load_target(f"{dropins / 'defects.py'}:GRUBatchFirstByDefault", like="torch.nn.GRU"),
                        settings=RunSettings(profile="quick"), select=[LAYER])
    assert verdict.status is Status.FAILED
    assert verdict.failure.headline == ("the constructor differs from torch.nn.GRU's: batch_first defaults to True; "
                                        "torch.nn.GRU's default is False")
