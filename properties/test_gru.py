"""Lecture 7 section 4, GRU (Cho et al. 2014): "the biggest difference is that GRU is quicker to
compute and has fewer parameters". Two forms are in use: torch/cuDNN apply the reset gate after
the matrix product, r*(W_hn h + b_hn); Cho et al. and the lecture before it, W_hn (r*h) + b_hn.
These properties check the relations that hold exactly between the two (rnnspec.spec.GRU_RELATIONS),
each comparing the target with the reference of the other form.
"""

import numpy as np
from hypothesis import strategies as st

from rnnspec.harness import assert_runs_close, check, reference_layer, run_layer
from rnnspec.spec import tolerance
from rnnspec.strategies import layer_cases, layer_configs

_OTHER_FORM = {"gru": "gru_reset_before", "gru_reset_before": "gru"}


def _gru_case(target, data, *, bias=None, **case_options):
    cells = [c for c in target.cells if c in _OTHER_FORM]
    configs = layer_configs(cells=cells, capabilities=target.capabilities, bias=bias)
    return data.draw(layer_cases(cells=cells, capabilities=target.capabilities, configs=configs, **case_options),
                     label="case")


def _assert_forms_agree(target, case, params, label):
    other = case.replace(config=case.config.replace(cell=_OTHER_FORM[case.config.cell]))
    tol = tolerance(case.dtype, seq_len=case.seq_len, num_layers=case.config.num_layers)
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
