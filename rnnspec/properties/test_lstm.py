"""Lecture 7 section 3, LSTM (Hochreiter & Schmidhuber 1997): "the LSTM architecture makes it
easier for the RNN to preserve information over many timesteps, e.g. if the forget gate is set to
remember everything on every timestep, then the info in the cell is preserved indefinitely".
The cell-state path is additive and gated by f alone: with W_hh = 0, dc_T/dc_0 = diag(prod_t f_t).
"""

import numpy as np
from hypothesis import strategies as st

from rnnspec.properties.saturation import saturating_margins
from rnnspec.checking.binding import check
from rnnspec.checking.checks import assert_close, assert_identical
from rnnspec.checking.calls import build, final_state_jacobian, run_layer
from rnnspec.checking.states import tensors, time_major
from rnnspec.references.np_cells import sigmoid
from rnnspec.cases.strategies import layer_cases, layer_configs, single_sequence_cases


@check("lstm_cell_gradient_is_forget_product")
def test_lstm_cell_gradient_is_forget_product(target, data):
    """with W_hh = 0, dc_T/dc_0 = diag(prod_t f_t): the forget gate alone controls the cell-state path"""
    case = data.draw(single_sequence_cases(cells=["lstm"], capabilities=target.capabilities), label="case")
    params = case.params()
    params["weight_hh_l0"][:] = 0  # the gates no longer see h: f_t depends on x_t only
    H = case.config.hidden_size
    x = time_major(case.input(), case)[:, 0].astype(np.float64)  # (T, I)
    gates = x @ params["weight_ih_l0"].T.astype(np.float64)
    if case.config.bias:
        gates = gates + params["bias_ih_l0"] + params["bias_hh_l0"]
    forget_product = np.prod(sigmoid(gates[:, H : 2 * H]), axis=0)  # prod_t f_t, (H,)
    module = build(target, case, params)
    J = final_state_jacobian(module, case, tensors(case.input()), tensors(case.state()), state=1)
    assert_close(J, np.diag(forget_product), tol=case.tolerance(grad=True),
                 what="dc_T/dc_0 vs diag(prod_t f_t)", case=case)


@check("lstm_saturated_gates_keep_memory")
def test_lstm_saturated_gates_keep_memory(target, data):
    """with the forget gate saturated open and the input gate shut, c_T = c_0 exactly, over any length"""
    configs = layer_configs(cells=["lstm"], capabilities=target.capabilities, bias=st.just(True))
    case = data.draw(layer_cases(cells=["lstm"], capabilities=target.capabilities, configs=configs, max_seq_len=30,
                                 with_state=st.just(True)), label="case")
    params = case.params()
    H = case.config.hidden_size
    for name, margin in saturating_margins(case, params).items():
        value, margin = params[name], margin.astype(params[name].dtype)
        value[:H] -= margin[:H]  # input gate: sigmoid(<= -1000) is exactly 0
        value[H : 2 * H] += margin[H : 2 * H]  # forget gate: sigmoid(>= 1000) is exactly 1
    c0 = case.state()[1]
    got = run_layer(target, case, params)
    assert_identical(got.states[1], c0, what="c_n with the forget gate open and the input gate shut vs c_0",
                     case=case)


@check("lstm_cell_is_unbounded_memory")
def test_lstm_cell_is_unbounded_memory(target, data):
    """with the forget and input gates saturated open and g saturated at +-1, each step adds exactly +-1 to c: c_T = c_0 + T*g, far beyond 1 over long sequences"""
    configs = layer_configs(cells=["lstm"], capabilities=target.capabilities, bias=st.just(True))
    case = data.draw(layer_cases(cells=["lstm"], capabilities=target.capabilities, configs=configs,
                                 packed=st.just(False)), label="case")
    params = case.params()
    H = case.config.hidden_size
    sign = np.where(np.random.default_rng([case.seed, 10]).random(H) < 0.5, -1.0, 1.0)  # g of each unit
    for name, margin in saturating_margins(case, params).items():
        value, margin = params[name], margin.astype(params[name].dtype)
        value[: 2 * H] += margin[: 2 * H]  # input and forget gates: sigmoid(>= 1000) is exactly 1
        value[2 * H : 3 * H] += margin[2 * H : 3 * H] * sign.astype(value.dtype)  # g: tanh(>= 1000 in size) is exactly +-1
    c0 = case.state()[1] if case.with_state else np.zeros_like(case.random_state()[1])
    expected = c0.copy()
    for _ in range(case.seq_len):  # one rounded addition per step, in the case's dtype, as c = 1*c + 1*g is
        expected = expected + sign.astype(expected.dtype)
    got = run_layer(target, case, params)
    assert_identical(got.states[1], expected, case=case,
                     what=f"c_n with f = i = 1 and g = +-1 vs c_0 + T*g (T={case.seq_len}, |c| up to "
                          f"{float(np.abs(expected).max()):.6g})")
