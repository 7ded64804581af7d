"""The registry itself: every property implemented once, topics known, configs validated."""

import math

import pytest

from rnnspec.spec import (CELLS, PROPERTIES, TOPICS, CellConfig, LayerConfig, cell_kind, layer_layout,
                          parameter_count, parameter_count_formula, tolerance)
from rnnspec.running.verifier import property_functions, select_properties


def test_every_property_has_exactly_one_implementation():
    implemented = property_functions()
    declared = {p.id for p in PROPERTIES}
    assert len(declared) == len(PROPERTIES), "property ids must be unique"
    assert set(implemented) == declared, (
        f"declared without implementation: {sorted(declared - set(implemented))}; "
        f"implemented without declaration: {sorted(set(implemented) - declared)}"
    )


def test_every_property_names_a_known_topic_subject_and_capabilities():
    from rnnspec.spec import SUBJECTS, capabilities_of

    for p in PROPERTIES:
        assert p.topic in TOPICS, p
        assert p.subject in SUBJECTS, p
        assert set(p.requires) <= set(capabilities_of(p.subject, opt_in=True)), p
        assert p.cells is None or set(p.cells) <= set(CELLS), p
        assert p.claim and "\n" not in p.claim, p


def test_layout_of_a_bidirectional_projected_lstm_stack():
    config = LayerConfig("lstm", input_size=3, hidden_size=5, num_layers=2, bidirectional=True, proj_size=2)
    layout = dict(layer_layout(config))
    assert layout["weight_ih_l0"] == (20, 3)
    assert layout["weight_hh_l0_reverse"] == (20, 2)
    assert layout["weight_ih_l1"] == (20, 4)  # reads both directions' projected outputs
    assert layout["weight_hr_l1_reverse"] == (2, 5)
    assert parameter_count(config) == sum(math.prod(s) for s in layout.values())


def test_cell_config_as_layer():
    assert CellConfig("gru", 3, 4, bias=False).as_layer() == LayerConfig("gru", 3, 4, bias=False)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(cell="lstm", input_size=0, hidden_size=2), "input_size=0 must be at least 1"),
        (dict(cell="gru", input_size=1, hidden_size=2, proj_size=1), "proj_size=1 is only allowed for lstm"),
        (dict(cell="lstm", input_size=1, hidden_size=2, proj_size=2), "proj_size=2 must be in [0, hidden_size=2)"),
        (dict(cell="lstm", input_size=1, hidden_size=2, dropout=1.5), "dropout=1.5 must be in [0, 1]"),
        (dict(cell="elman", input_size=1, hidden_size=2), "cell='elman' is not a cell kind"),
    ],
)
def test_layer_config_rejects_with_a_message_naming_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        LayerConfig(**kwargs)


def test_tolerance_grows_with_length_and_depth_and_is_tighter_in_float64():
    base = tolerance("float32")
    assert tolerance("float32", seq_len=16).atol == pytest.approx(4 * base.atol)
    assert tolerance("float32", seq_len=4, num_layers=4).rtol == pytest.approx(4 * base.rtol)
    assert tolerance("float64").atol < base.atol and tolerance("float32", grad=True).atol > base.atol
    with pytest.raises(ValueError, match="dtype='float16' has no tolerance"):
        tolerance("float16")


def test_every_lecture_topic_has_a_property():
    assert {p.topic for p in PROPERTIES} == set(TOPICS)


def test_select_by_topic_and_id():
    assert {p.id for p in select_properties(["gru"])} >= {"gru_forms_agree_when_reset_open"}
    assert [p.id for p in select_properties(["stack_is_composition"])] == ["stack_is_composition"]
    with pytest.raises(ValueError, match="names no property id or topic"):
        select_properties(["no_such_thing"])


def test_opt_in_capabilities_are_known_but_claimed_only_where_declared():
    import torch

    from rnnspec.spec import capabilities_of
    from rnnspec.spec.options import OPT_IN_CAPABILITIES
    from rnnspec.targets import TorchLikeTarget

    assert OPT_IN_CAPABILITIES == {"zero_length"}
    assert "zero_length" in capabilities_of("layer", opt_in=True) and "zero_length" not in capabilities_of("layer")
    assert set(capabilities_of("layer", opt_in=True)) - set(capabilities_of("layer")) == OPT_IN_CAPABILITIES
    lstm = TorchLikeTarget(torch.nn.LSTM, like="torch.nn.LSTM")  # torch's PackedSequence refuses length 0
    assert "constructor" in lstm.capabilities and "zero_length" not in lstm.capabilities
    assert "constructor" in TorchLikeTarget(torch.nn.GRUCell, like="torch.nn.GRUCell").capabilities
    zero = [p for p in PROPERTIES if "zero_length" in p.requires]
    assert [p.id for p in zero] == ["zero_length_rows_keep_their_state"] and "packed" in zero[0].requires


@pytest.mark.parametrize("config", [LayerConfig("lstm", 3, 5), LayerConfig("gru", 4, 6, num_layers=3, bidirectional=True),
                                    LayerConfig("rnn_tanh", 2, 7, num_layers=2, bias=False),
                                    LayerConfig("lstm", 3, 8, num_layers=2, bidirectional=True, proj_size=5)])
def test_the_printed_parameter_count_formula_counts_the_parameters(config):
    """`rnnspec spec` prints the formula: evaluated as written, it gives parameter_count and the layout's size."""
    formula, legend = parameter_count_formula().split(", G = ", 1)
    G = cell_kind(config.cell).num_gates
    assert f"{config.cell.split('_')[0]} {G}" in legend
    P, H = config.proj_size, config.hidden_size
    values = dict(G=G, H=H, I=config.input_size, P=P, R=P or H, D=config.num_directions, L=config.num_layers,
                  bias=int(config.bias))
    counted = eval(formula.replace("[", "(").replace("]", ")"), {}, values)
    assert counted == parameter_count(config) == sum(math.prod(shape) for _, shape in layer_layout(config))
