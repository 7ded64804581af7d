"""Lecture 7 section 4, GRU (Cho et al. 2014): "the biggest difference is that GRU is quicker to
compute and has fewer parameters". Two forms are in use: torch/cuDNN apply the reset gate after
the matrix product, r*(W_hn h + b_hn); Cho et al. and the lecture before it, W_hn (r*h) + b_hn.
These properties check the relations that hold exactly between the two (rnnspec.spec.GRU_RELATIONS),
each comparing the target with the reference of the other form.
"""

import numpy as np
from hypothesis import strategies as st

from rnnspec.checks import assert_close
from rnnspec.binding import check
from rnnspec.checks import assert_runs_close
from rnnspec.oracle import reference_layer
from rnnspec.running import run_layer
from rnnspec.spec import Tolerance
from rnnspec.strategies import layer_cases, layer_configs

_OTHER_FORM = {"gru": "gru_reset_before", "gru_reset_before": "gru"}


def _gru_case(target, data, *, bias=None, **case_options):
    """A layer case of the target's GRU form(s)."""
    cells = [c for c in target.cells if c in _OTHER_FORM]
    configs = layer_configs(cells=cells, capabilities=target.capabilities, bias=bias)
    return data.draw(layer_cases(cells=cells, capabilities=target.capabilities, configs=configs, **case_options),
                     label="case")


def _assert_forms_agree(target, case, params, label):
    other = case.replace(config=case.config.replace(cell=_OTHER_FORM[case.config.cell]))
    tol = case.tolerance()
    assert_runs_close(run_layer(target, case, params), reference_layer(other, params), tol=tol, case=case,
                      label=f"{label}: {case.config.cell} vs {other.config.cell} reference, ")


@check("gru_forms_agree_when_reset_open")
def test_gru_forms_agree_when_reset_open(target, data):
    case = _gru_case(target, data, bias=st.just(True))
    params = case.params()
    H = case.config.hidden_size
    for name in params:
        if name.startswith("bias_ih"):
            params[name][:H] += 60  # sigmoid(60 + ...) rounds to exactly 1 in float32 and float64
    _assert_forms_agree(target, case, params, "reset gate = 1")


@check("gru_forms_agree_with_diagonal_w_hn")
def test_gru_forms_agree_with_diagonal_w_hn(target, data):
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
    case = _gru_case(target, data, with_state=st.just(False), max_seq_len=1)
    params = case.params()
    H = case.config.hidden_size
    for name, value in params.items():
        if name.startswith("bias_hh"):
            value[2 * H :] = 0
    _assert_forms_agree(target, case, params, "one step from h0 = 0, b_hn = 0")


@check("gru_update_gate_saturated_copies_state")
def test_gru_update_gate_saturated_copies_state(target, data):
    case = _gru_case(target, data, bias=st.just(True), with_state=st.just(True), max_seq_len=30)
    params = case.params()
    H = case.config.hidden_size
    for name, value in params.items():
        if name.startswith("bias_ih"):
            value[H : 2 * H] += 1000  # update gate z = sigmoid(1000 + ...) is exactly 1
    got = run_layer(target, case, params)
    # h' = (1 - z)*n + z*h is h exactly, but n + z*(h - n) (torch's form) may round: a few ulps a step
    eps = float(np.finfo(case.dtype).eps)
    tol = Tolerance(rtol=4 * eps * case.seq_len, atol=4 * eps * case.seq_len)
    assert_close(got.states[0], case.state(), tol=tol, what="h_n with the update gate at 1 vs h_0", case=case)
