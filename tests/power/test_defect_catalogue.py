"""The catalogue of planted defects (tests/defect_catalogue.py) as data, and its control group.

Each entry names a defined defect and the property that must catch it (checked against the spec
when the catalogue is made); together they cover every kind of mistake the catalogue is for.
test_planted_defects.py checks that each catcher catches. The faithful drop-ins and reference
modules the defects are planted in raise no false alarm: seed 0 in the fast tier, seeds 1 and 2
in the slow one. `python tests/dropins/measure_power.py` measures how many examples each
catcher needs."""

import pytest

from defect_catalogue import CATALOGUE, DROPINS, FAITHFUL, PLANTED, SCALE, Defect
from rnnspec.spec.settings import RunSettings
from rnnspec.spec.scale import TIERS
from rnnspec.targets import load_target
from rnnspec.running.verdicts import Status
from rnnspec.running.verifier import verify

KINDS = {"gate order", "bias handling", "activation", "GRU reset placement", "GRU update-gate convention",
         "hidden forget-gate offset", "cell clipping", "projection", "direction", "variable lengths",
         "initial state", "dropout in eval", "coupling between batch rows", "silent precision loss",
         "state kept between calls", "input mutation", "crash on a valid input", "stacked-layer wiring",
         "order of returned states", "constructor", "cell", "clipping", "connections",
         "scale", "magnitude"}  # the two families only the realistic and magnitude tiers reach
# the details of those two families: where kernels and ports break (issue 12 asks for each)
SCALE_KINDS = {"tile remainder", "size-dispatched fast path", "sequence chunks", "truncated backprop", "micro-batches",
               "deep stacks", "packed lengths in large batches", "large cell state over long sequences",
               "overflow", "large cell state", "large state", "exact zeros", "subnormals"}


def test_the_catalogue_covers_every_kind_of_mistake():
    kinds = {d.kind.split(":")[0] for d in CATALOGUE}
    assert len(CATALOGUE) >= 70
    assert kinds == KINDS, f"missing {sorted(KINDS - kinds)}, not expected {sorted(kinds - KINDS)}"
    assert {d.file for d in CATALOGUE} == {DROPINS, PLANTED, SCALE}
    at_scale = [d for d in CATALOGUE if d.at_scale]
    assert len(at_scale) >= 15 and all(d.profile == "default" for d in at_scale)
    assert {d.kind.split(": ", 1)[1] for d in at_scale} == SCALE_KINDS
    assert {d.like for d in at_scale} >= {"torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNN", "torch.nn.LSTMCell",
                                          "torch.nn.GRUCell", "torch.nn.RNNCell"}
    assert {d.origin for d in CATALOGUE} == {"property", "target"}


def test_every_entry_names_a_defect_once():
    names = [d.name for d in CATALOGUE]
    assert len(names) == len(set(names)), f"named twice: {sorted({n for n in names if names.count(n) > 1})}"
    for defect in CATALOGUE:
        assert defect.target().like == defect.like


@pytest.mark.parametrize("changes, named", [
    ({"catcher": "matches_referense"}, "catcher='matches_referense'"),
    ({"catcher": "cell_matches_reference"}, "catcher='cell_matches_reference'"),  # a cell's property on a layer
    ({"like": "torch.nn.LSTMM"}, "like='torch.nn.LSTMM'"),
    ({"origin": "declaration"}, "origin='declaration'"),
    ({"file": "defects.py"}, "file='defects.py'"),
])
def test_a_wrong_entry_is_rejected_naming_the_field(changes, named):
    fields = {"name": "LSTMInputForgetSwapped", "like": "torch.nn.LSTM", "kind": "gate order",
              "catcher": "matches_reference", **changes}
    with pytest.raises(ValueError, match=f"{named} of defect 'LSTMInputForgetSwapped'"):
        Defect(**fields)


# the fast tier leaves out the realistic tier's two examples (most of the time: wide and long cases);
# the slow tier runs every tier at two other seeds
SEEDS_AND_TIERS = [pytest.param(0, ("small", "magnitude"), id="0-small-magnitude"),
                   *(pytest.param(seed, TIERS, id=f"{seed}-every-tier", marks=pytest.mark.slow) for seed in (1, 2))]


@pytest.mark.parametrize("seed, tiers", SEEDS_AND_TIERS)
@pytest.mark.parametrize("target, like", FAITHFUL, ids=[t.rsplit("/", 1)[-1] for t, _ in FAITHFUL])
def test_faithful_dropins_raise_no_false_alarm(target, like, seed, tiers):
    verdicts = verify(load_target(target, like=like), settings=RunSettings(profile="quick", seed=seed, tiers=tiers))
    bad = [v for v in verdicts if v.status not in (Status.PASSED, Status.SKIPPED)]
    assert not bad, "\n".join(f"{v.id}: {v.status}\n{v.message}" for v in bad)
