"""Lecture 7 section 4, GRU (Cho et al. 2014): "the biggest difference is that GRU is quicker to
compute and has fewer parameters". Two forms are in use: torch/cuDNN apply the reset gate after
the matrix product, r*(W_hn h + b_hn); Cho et al. and the lecture before it, W_hn (r*h) + b_hn.
These properties check the relations that hold exactly between the two (rnnspec.spec.GRU_RELATIONS),
each comparing the target with the reference of the other form; that the update gate at 1 copies
the state; and "fewer parameters" (section 4.2) made exact: 3/4 of an LSTM's, at any sizes.
"""

import pkgutil

import numpy as np
from hypothesis import strategies as st

from rnnspec.properties.saturation import saturating_margins
from rnnspec.checking.binding import check
from rnnspec.checking.checks import assert_close, assert_runs_close, reference_tolerance
from rnnspec.checking.failures import fail
from rnnspec.checking.oracle import reference_layer
from rnnspec.checking.calls import run_layer
from rnnspec.spec import LAYER_CAPABILITIES, cell_kind, parameter_count
from rnnspec.spec.tolerances import rounding
from rnnspec.cases.strategies import layer_cases, layer_configs

_OTHER_FORM = {"gru": "gru_reset_before", "gru_reset_before": "gru"}


def _gru_case(target, data, *, bias=None, **case_options):
    """A layer case of the target's GRU form(s)."""
    cells = [c for c in target.cells if c in _OTHER_FORM]
    configs = layer_configs(cells=cells, capabilities=target.capabilities, bias=bias)
    return data.draw(layer_cases(cells=cells, capabilities=target.capabilities, configs=configs, **case_options),
                     label="case")


def _assert_forms_agree(target, case, params, label):
    other = case.replace(config=case.config.replace(cell=_OTHER_FORM[case.config.cell]))
    tol = reference_tolerance(case.tolerance())  # the target against a reference
    assert_runs_close(run_layer(target, case, params), reference_layer(other, params), tol=tol, case=case,
                      label=f"{label}: {case.config.cell} vs {other.config.cell} reference, ")


@check("gru_forms_agree_when_reset_open")
def test_gru_forms_agree_when_reset_open(target, data):
    """with the reset gate saturated at 1, the gru and gru_reset_before forms give the same output"""
    case = _gru_case(target, data, bias=st.just(True))
    params = case.params()
    H = case.config.hidden_size
    for name, margin in saturating_margins(case, params).items():
        params[name][:H] += margin[:H].astype(params[name].dtype)  # r = sigmoid(>= 1000) is exactly 1
    _assert_forms_agree(target, case, params, "reset gate = 1")


@check("gru_forms_agree_with_diagonal_w_hn")
def test_gru_forms_agree_with_diagonal_w_hn(target, data):
    """with b_hn = 0 and W_hn diagonal, the gru and gru_reset_before forms agree on every input"""
    case = _gru_case(target, data)
    params = case.params()
    H = case.config.hidden_size
    for name, value in params.items():
        if name.startswith("weight_hh"):
            value[2 * H :] = np.diag(np.diag(value[2 * H :]))
        if name.startswith("bias_hh"):
            value[2 * H :] = 0
    _assert_forms_agree(target, case, params, "W_hn diagonal, b_hn = 0")


@check("gru_forms_agree_first_step_from_zero")
def test_gru_forms_agree_first_step_from_zero(target, data):
    """from a zero state with b_hn = 0, the first step of the two GRU forms agrees"""
    case = _gru_case(target, data, with_state=st.just(False), max_seq_len=1)
    params = case.params()
    H = case.config.hidden_size
    for name, value in params.items():
        if name.startswith("bias_hh"):
            value[2 * H :] = 0
    _assert_forms_agree(target, case, params, "one step from h0 = 0, b_hn = 0")


@check("gru_update_gate_saturated_copies_state")
def test_gru_update_gate_saturated_copies_state(target, data):
    """with the update gate saturated at 1, h_T = h_0 over any length (to rounding)"""
    case = _gru_case(target, data, bias=st.just(True), with_state=st.just(True), max_seq_len=30)
    params = case.params()
    H = case.config.hidden_size
    for name, margin in saturating_margins(case, params).items():
        params[name][H : 2 * H] += margin[H : 2 * H].astype(params[name].dtype)  # z = sigmoid(>= 1000) is exactly 1
    got = run_layer(target, case, params)
    # h' = (1 - z)*n + z*h is h exactly, but n + z*(h - n) (torch's form) may round: a few ulps a step
    tol = rounding(case.dtype, ulps=4 * case.seq_len)
    assert_close(got.states[0], case.state(), tol=tol, what="h_n with the update gate at 1 vs h_0", case=case)


@check("gru_has_three_quarters_of_lstm_parameters")
def test_gru_has_three_quarters_of_lstm_parameters(data):
    """at any sizes GRU has exactly 3/4 and a vanilla RNN 1/4 of an LSTM's parameters (lecture 7 section 4.2)"""
    config = data.draw(layer_configs(cells=["lstm"], capabilities=set(LAYER_CAPABILITIES) - {"proj"}, max_size=64,
                                     max_layers=4), label="config")
    lstm, gru = parameter_count(config), parameter_count(config.replace(cell="gru"))
    rnn = parameter_count(config.replace(cell="rnn_tanh"))
    if 4 * gru != 3 * lstm or 4 * rnn != lstm:
        fail(f"lstm {lstm}, gru {gru}, rnn {rnn}: expected gru = 3/4 lstm and rnn = 1/4 lstm", case=config)
    for cell, expected in (("lstm", lstm), ("gru", gru), ("rnn_tanh", rnn)):
        kind = cell_kind(cell)
        module = pkgutil.resolve_name(kind.torch_layer)(config.input_size, config.hidden_size,
                                                        num_layers=config.num_layers, bias=config.bias,
                                                        bidirectional=config.bidirectional)
        got = sum(p.numel() for p in module.parameters())
        if got != expected:
            fail(f"{kind.torch_layer} has {got} parameters, the formula says {expected}", case=config)
