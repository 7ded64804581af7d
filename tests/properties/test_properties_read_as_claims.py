"""Each property reads as its claim: one function per registry entry, in the module of its topic,
with the claim as its docstring; and where the registry says a claim cannot be checked, the
target is skipped with the reason, never passed."""

import importlib
import inspect
import pkgutil
from collections import defaultdict

import numpy as np
import pytest
import torch

import rnnspec.properties
from rnnspec.spec import PROPERTIES, TOPICS, PropertySpec, property_spec


def _property_functions():
    """(module name, function) for every @check-bound function defined in the properties package."""
    found = []
    for info in sorted(pkgutil.iter_modules(rnnspec.properties.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"rnnspec.properties.{info.name}")
        for obj in vars(module).values():
            if getattr(obj, "_rnnspec_property", None) is not None and obj.__module__ == module.__name__:
                found.append((module.__name__, obj))
    return found


def test_every_registry_property_has_exactly_one_function():
    by_id = defaultdict(list)
    for module, fn in _property_functions():
        by_id[fn._rnnspec_property.id].append(f"{module}.{fn.__name__}")
    assert {p.id: len(by_id[p.id]) for p in PROPERTIES if len(by_id[p.id]) != 1} == {}, dict(by_id)
    assert set(by_id) <= {p.id for p in PROPERTIES}


@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda p: p.id)
def test_the_function_states_its_claim_and_lives_in_its_topics_module(prop):
    ((module, fn),) = [(m, f) for m, f in _property_functions() if f._rnnspec_property.id == prop.id]
    assert fn.__doc__ == prop.claim, f"{module}.{fn.__name__}'s docstring is not the registry's claim"
    assert module == f"rnnspec.properties.test_{prop.topic}", f"{prop.id} has topic {prop.topic!r} but lives in {module}"


def test_one_module_per_topic_and_every_test_function_is_a_property():
    modules = {info.name for info in pkgutil.iter_modules(rnnspec.properties.__path__) if info.name.startswith("test_")}
    assert modules == {f"test_{topic}" for topic in TOPICS}
    for name in modules:
        module = importlib.import_module(f"rnnspec.properties.{name}")
        plain = [n for n, obj in vars(module).items() if n.startswith("test_") and inspect.isfunction(obj)
                 and getattr(obj, "_rnnspec_property", None) is None]
        assert plain == [], f"rnnspec.properties.{name} has test functions bound to no property: {plain}"


def test_a_declaration_that_names_what_rnnspec_does_not_know_is_an_error():
    with pytest.raises(ValueError, match="topic='semantic' of property 'p' is not a topic"):
        PropertySpec("p", "semantic", "a claim", "layer")
    with pytest.raises(ValueError, match="cells=\\('elman',\\) of property 'p'"):
        PropertySpec("p", "gru", "a claim", "layer", cells=("elman",))
    with pytest.raises(ValueError, match="cells_skip_reason='why' of property 'p' .* cells=None"):
        PropertySpec("p", "gru", "a claim", "layer", cells_skip_reason="why")
    with pytest.raises(ValueError, match="requires=\\['packed'\\] of property 'p'"):
        PropertySpec("p", "gru", "a claim", "cell", frozenset({"packed"}))


def test_where_a_claim_applies_is_read_from_the_registry():
    from rnnspec.targets import TorchLikeTarget, applicability

    sees = property_spec("bidirectional_sees_the_future")
    relu = TorchLikeTarget(torch.nn.RNN, like="torch.nn.RNN", cells=("rnn_relu",))
    both = TorchLikeTarget(torch.nn.RNN, like="torch.nn.RNN")
    assert sees.applicable_cells(both.cells) == ["rnn_tanh"]
    assert applicability(sees, both) == (True, None)
    applies, reason = applicability(sees, relu)
    assert applies and "rnn_relu" in reason and "dead" in reason, reason
    # a cell-limited claim without a skip reason does not concern other cells at all
    assert applicability(property_spec("lstm_saturated_gates_keep_memory"), relu) == (False, None)


def test_a_relu_only_target_is_skipped_by_bidirectional_sees_the_future_with_the_reason():
    from rnnspec.spec.settings import RunSettings
    from rnnspec.targets import TorchLikeTarget
    from rnnspec.running.verifier import verify

    relu = TorchLikeTarget(torch.nn.RNN, like="torch.nn.RNN", cells=("rnn_relu",))
    (verdict,) = verify(relu, settings=RunSettings(profile="quick"), select=["bidirectional_sees_the_future"])
    assert verdict.status == "skipped", verdict
    assert verdict.reason == property_spec("bidirectional_sees_the_future").cells_skip_reason


def test_state_helpers_keep_the_structure_and_torchs_layer_major_order():
    from rnnspec.checking.states import as_hx, layer_state, map_state, state_rows, states

    L, D, B, H = 3, 2, 4, 5
    h = np.arange(L * D * B * H, dtype=float).reshape(L * D, B, H)
    c = -h
    assert states(None) == () and as_hx(()) is None and map_state(np.abs, None) is None
    assert layer_state(None, 1, num_directions=D) is None and state_rows(None, [0]) is None
    hl, cl = layer_state((h, c), 1, num_directions=D)
    assert np.array_equal(hl, h[2:4]) and np.array_equal(cl, c[2:4])
    assert np.array_equal(layer_state(h, 2, num_directions=D, direction=1), h[5:6])
    assert np.array_equal(layer_state(h, 1, num_directions=1), h[1:2])
    rows = state_rows((h, c), [2, 0])
    assert isinstance(rows, tuple) and np.array_equal(rows[0], h[:, [2, 0]]) and np.array_equal(rows[1], c[:, [2, 0]])
    assert np.array_equal(state_rows(torch.tensor(h), [1]), torch.tensor(h)[:, 1:2])


def test_cases_give_the_registrys_tolerances():
    from rnnspec.cases import BlockCase, CellCase, ClipCase
    from rnnspec.spec import CellConfig, tolerance

    cell = CellCase(CellConfig("gru", 2, 3), "float32", batch=2, seq_len=9, unbatched=False, with_state=True, seed=0,
                    scale=1.0)
    assert cell.tolerance() == tolerance("float32")  # one step, unless a property unrolls the cell
    assert cell.tolerance(steps=9, grad=True) == tolerance("float32", seq_len=9, grad=True)
    clip = ClipCase(((2,),), (True,), "float64", 0, 1.0, 0.5, 2.0, False, None, False)
    assert clip.tolerance() == tolerance("float64")
    block = BlockCase(features=2, hidden=3, depth=4, batch=1, seq_len=1, cell="rnn_tanh", seed=0, scale=1.0)
    assert block.tolerance() == tolerance("float64", num_layers=4)


def test_named_tolerances_are_the_values_the_properties_used():
    from rnnspec.spec import Tolerance
    from rnnspec.spec.tolerances import CLOSED_FORM_FLOAT64, FINITE_DIFFERENCES, rounding

    assert CLOSED_FORM_FLOAT64 == Tolerance(rtol=1e-9, atol=1e-12)
    assert FINITE_DIFFERENCES == Tolerance(rtol=1e-5, atol=1e-6)
    for dtype in ("float32", "float64"):
        eps = float(np.finfo(dtype).eps)
        assert rounding(dtype, ulps=4 * 7) == Tolerance(rtol=4 * eps * 7, atol=4 * eps * 7)
    with pytest.raises(ValueError, match="dtype='int8' has no epsilon"):
        rounding("int8", ulps=1)
