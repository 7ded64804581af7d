"""The registry's own checks, word for word: a malformed property, config or tolerance request is
refused with a message naming the field, the value and what was expected; the defaults a property
entry leaves out are the documented ones. (Killed mutants of mutation/report.py's run: these
messages are what a user reads first when a declaration is wrong.)"""

import math

import pytest

from rnnspec.spec import CELLS, TOPICS, CellConfig, LayerConfig, PropertySpec, parameter_count, property_spec, tolerance
from rnnspec.spec.layout import cell_layout
from rnnspec.spec.scale import TIERS
from rnnspec.spec.options import capabilities_of, missing_capability_reason
from rnnspec.spec.properties import SUBJECTS
from rnnspec.running.verdicts import Status, Verdict


def _message(build) -> str:
    with pytest.raises(ValueError) as info:
        build()
    return str(info.value)


def test_a_property_entry_is_refused_field_by_field():
    cases = {
        lambda: PropertySpec("p", "semantic", "a claim", "layer"):
            f"topic='semantic' of property 'p' is not a topic; expected one of {list(TOPICS)}",
        lambda: PropertySpec("p", "gru", "a claim", "model"):
            f"subject='model' of property 'p' is not a subject; expected one of {list(SUBJECTS)}",
        lambda: PropertySpec("p", "gru", "a claim", "layer", tiers=("realistic",)):
            "tiers=('realistic',) of property 'p' must include 'small' and name only some of "
            "['small', 'realistic', 'magnitude']",
        lambda: PropertySpec("p", "gru", "a claim", "layer", tiers=("small", "huge")):
            "tiers=('small', 'huge') of property 'p' must include 'small' and name only some of "
            "['small', 'realistic', 'magnitude']",
        lambda: PropertySpec("p", "gru", "two\nlines", "layer"): "claim='two\\nlines' of property 'p' must be one line",
        lambda: PropertySpec("p", "gru", "", "layer"): "claim='' of property 'p' must be one line",
        lambda: PropertySpec("p", "gru", "a claim", "layer", cells=("elman",)):
            f"cells=('elman',) of property 'p': not all cell kinds; expected some of {list(CELLS)}",
        lambda: PropertySpec("p", "gru", "a claim", "layer", cells_skip_reason="why"):
            "cells_skip_reason='why' of property 'p' says why other cell kinds are skipped, but cells=None names no "
            "kinds the claim is checked on",
    }
    for build, expected in cases.items():
        assert _message(build) == expected
    requires = _message(lambda: PropertySpec("p", "gru", "a claim", "cell", frozenset({"packed"})))
    assert requires.startswith("requires=['packed'] of property 'p': not capabilities of a cell target; expected some of ["), requires


def test_a_property_entry_without_tiers_takes_every_tier_for_layers_and_cells_and_small_otherwise():
    for subject in ("layer", "cell"):
        assert PropertySpec("p", "gru", "a claim", subject).tiers == TIERS
    for subject in ("clip_norm", "highway", "reference"):
        assert PropertySpec("p", "gru", "a claim", subject).tiers == ("small",)
    assert PropertySpec("p", "gru", "a claim", "layer", tiers=("small",)).tiers == ("small",)


def test_unknown_ids_configs_and_tolerances_are_refused_by_name():
    assert _message(lambda: property_spec("no_such")) == (
        "property 'no_such' is not in the spec; see `rnnspec spec` for the list")
    assert _message(lambda: CellConfig("lstm", 3, 0)) == "hidden_size=0 must be at least 1"
    assert _message(lambda: tolerance("float32", size=0.0)) == "size=0.0 must be positive"


def test_a_cell_counts_as_its_one_layer_and_lacks_are_listed_each_with_what_it_is():
    for cell in ("lstm", "gru", "rnn_tanh"):
        config = CellConfig(cell, 3, 5)
        sizes = [math.prod(shape) for _, shape in cell_layout(config)]
        assert parameter_count(config) == parameter_count(LayerConfig(cell, 3, 5)) == sum(sizes)
    text = missing_capability_reason({"packed", "grad"})
    assert text.startswith("target lacks grad: ") and "; packed: " in text and text.count("; ") == 1, text


def test_a_verdict_holds_its_failures_as_a_tuple():
    verdict = Verdict("p", "gru", "a claim", Status.PASSED, 0.0, failures=[])
    assert verdict.failures == () and isinstance(verdict.failures, tuple)


def test_an_entry_as_rnnspec_spec_prints_it():
    from rnnspec.spec.options import REQUIRED

    entry = PropertySpec("p", "gru", "a claim", "layer", frozenset({"grad", "packed"}), ("gru",), "GRU only",
                         ("small", "realistic"))
    assert entry.as_dict() == {"id": "p", "topic": "gru", "claim": "a claim", "subject": "layer",
                               "requires": ["grad", "packed"], "cells": ["gru"], "cells_skip_reason": "GRU only",
                               "tiers": ["small", "realistic"]}
    assert PropertySpec("p", "gru", "a claim", "cell").as_dict()["cells"] is None
    assert repr(REQUIRED) == "REQUIRED"  # how `rnnspec spec` shows an argument every caller passes


def test_a_property_may_require_an_opt_in_capability_and_name_every_cell_kind():
    assert PropertySpec("p", "semantics", "a claim", "layer", frozenset({"zero_length"})).requires == {"zero_length"}
    assert PropertySpec("p", "semantics", "a claim", "layer", cells=tuple(CELLS)).cells == tuple(CELLS)
    message = _message(lambda: PropertySpec("p", "gru", "a claim", "layer", frozenset({"wings"})))
    assert message.endswith(f"expected some of {sorted(capabilities_of('layer', opt_in=True))}"), message
