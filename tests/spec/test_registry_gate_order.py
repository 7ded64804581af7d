"""The registry's gate order (rnnspec.spec.CELLS[cell].gates) drives a computation.

Before, nothing read ``CellKind.gates``: swapping two names changed only what ``rnnspec spec``
prints. The reference property registry_gate_order_names_each_gate now saturates each gate where
the registry places it and checks what that gate does, so a registry whose names are in the wrong
places fails it; these tests swap every pair of names of each gated cell kind (the registry as it
is passes the property in the default run of rnnspec/properties/).
"""

import dataclasses
import itertools

import pytest

from rnnspec.properties.test_references import _gru_gates_do_what_they_are_named_for, _lstm_gates_do_what_they_are_named_for
from rnnspec.checking.binding import run_property
from rnnspec.running.verifier import property_functions
from rnnspec.cases import LayerCase
from rnnspec.checking.failures import PropertyFailure
from rnnspec.spec.settings import RunSettings, activated
from rnnspec.spec import CELLS, LayerConfig

PROPERTY = "registry_gate_order_names_each_gate"


def swaps(*cells) -> list:
    """(cell, its gates with two names swapped) for every pair of each cell kind's gates."""
    params = []
    for cell in cells:
        gates = CELLS[cell].gates
        for a, b in itertools.combinations(range(len(gates)), 2):
            swapped = list(gates)
            swapped[a], swapped[b] = swapped[b], swapped[a]
            params.append(pytest.param(cell, tuple(swapped), id=f"{cell}:{gates[a]}/{gates[b]}"))
    return params


def with_gates(monkeypatch, cell, gates):
    monkeypatch.setitem(CELLS, cell, dataclasses.replace(CELLS[cell], gates=gates))


def run_the_property():
    with activated(RunSettings(profile="quick")):
        run_property(property_functions()[PROPERTY], None)


def cases(cell):
    """A few fixed cases: one plain step, a packed bidirectional stack in float32, batch-first float64."""
    def case(seed, dtype, seq_len, lengths=None, **options):
        batch = len(lengths) if lengths else 2
        return LayerCase(LayerConfig(cell, 3, 4, **options), dtype, batch=batch, seq_len=seq_len, lengths=lengths,
                         unbatched=False, with_state=True, seed=seed, scale=1.0)
    return [case(0, "float64", 1), case(1, "float32", 5, lengths=(5, 2, 3), num_layers=2, bidirectional=True),
            case(2, "float64", 3, batch_first=True)]


@pytest.mark.parametrize("cell, gates", swaps("lstm"))
def test_swapping_two_lstm_gates_in_the_registry_fails_the_property(monkeypatch, cell, gates):
    with_gates(monkeypatch, cell, gates)
    with pytest.raises(PropertyFailure) as info:
        run_the_property()
    failure = info.value.failure
    assert failure.property_id == PROPERTY and failure.origin == "property", failure.render()
    assert failure.headline.startswith("numpy reference: "), failure.render()  # the references read no registry


@pytest.mark.parametrize("cell, gates", swaps("gru", "gru_reset_before"))
def test_swapping_two_gru_gates_in_the_registry_breaks_a_named_effect(monkeypatch, cell, gates):
    for case in cases(cell):
        _gru_gates_do_what_they_are_named_for(case)  # the registry as it is
    with_gates(monkeypatch, cell, gates)
    for case in cases(cell):
        with pytest.raises(PropertyFailure):
            _gru_gates_do_what_they_are_named_for(case)


def test_the_lstm_effects_hold_on_the_fixed_cases():
    for case in cases("lstm"):
        _lstm_gates_do_what_they_are_named_for(case)


@pytest.mark.slow
@pytest.mark.parametrize("cell, gates", swaps("gru", "gru_reset_before"))
def test_swapping_two_gru_gates_in_the_registry_fails_the_property(monkeypatch, cell, gates):
    with_gates(monkeypatch, cell, gates)
    with pytest.raises(PropertyFailure) as info:
        run_the_property()
    assert info.value.failure.headline.startswith("numpy reference: "), info.value.failure.render()
