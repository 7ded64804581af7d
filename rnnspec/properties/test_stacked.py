"""Lecture 7 section 7, multi-layer RNNs: "we can also make them deep in another dimension by
applying multiple RNNs ... the lower RNNs compute lower-level features and the higher RNNs
higher-level features". A stack is exactly its layers composed, with dropout between them only;
and (7.2, Britz et al. 2017) "skip-connections/dense-connections are needed to train deeper RNNs":
with residual skips the gradient to the input keeps an identity path.
"""

import numpy as np
import torch
from hypothesis import strategies as st

from rnnspec.checking.binding import check
from rnnspec.checking.checks import assert_close, assert_runs_close, reference_tolerance
from rnnspec.checking.oracle import reference_layer
from rnnspec.checking.calls import jacobian, rename_layer, run_layer
from rnnspec.checking.states import layer_state, tensors
from rnnspec.properties.blocks import recurrent_layer, tensor
from rnnspec.spec.tolerances import CLOSED_FORM_FLOAT64
from rnnspec.cases.strategies import block_cases, layer_cases, layer_configs


def _stacked_case(target, data, **config_options):
    configs = layer_configs(cells=target.cells, capabilities=target.capabilities, num_layers=st.integers(2, 3),
                            **config_options)
    return data.draw(layer_cases(cells=target.cells, capabilities=target.capabilities, configs=configs), label="case")


@check("stack_is_composition")
def test_stack_is_composition(target, data):
    """a stack of L layers equals L single layers applied in turn, layer l reading layer l-1's output"""
    case = _stacked_case(target, data)
    c, params, hx = case.config, case.params(), case.state()
    stack = run_layer(target, case, params)
    x, finals = tensors(case.input()), []
    for layer in range(c.num_layers):
        single = case.replace(config=c.replace(num_layers=1, input_size=c.layer_input_size(layer)))
        run = run_layer(target, single, rename_layer(params, layer=layer), x=x,
                        hx=tensors(layer_state(hx, layer, num_directions=c.num_directions)))
        x = run.output  # what the next layer reads
        finals.append(run.states)
    tol = case.tolerance()
    assert_close(stack.output, x, tol=tol, what="stack output vs last layer of the composition", case=case)
    stacked = [torch.cat(parts) for parts in zip(*finals)]  # each layer's h_n (and c_n), stacked as torch stacks them
    for name, got, expected in zip(("h_n", "c_n"), stack.states, stacked):
        assert_close(got, expected, tol=tol, what=f"stack {name} vs each layer's, stacked", case=case)


@check("dropout_one_silences_upper_inputs")
def test_dropout_one_silences_upper_inputs(target, data):
    """in training with dropout=1 every layer above the first reads zeros: the dropout sits between layers"""
    case = _stacked_case(target, data, dropout=st.just(1.0))
    got = run_layer(target, case, training=True)
    expected = reference_layer(case, dropout=lambda y, layer: np.zeros_like(y))
    assert_runs_close(got, expected, tol=reference_tolerance(case.tolerance()), case=case, label="training, dropout=1: ")


@check("residual_stack_has_identity_path")
def test_residual_stack_has_identity_path(target, data):
    """with residual skips between stacked RNN layers, dx_L/dx_0 = prod_l (I + J_l): an identity path to the input"""
    case = data.draw(block_cases(max_features=3, max_depth=3, max_batch=1, max_seq_len=3), label="case")
    layers = [recurrent_layer(case, k) for k in range(case.depth)]
    x = tensor(case.sequence())  # (T, B, D)
    # chain rule with the skips: d x_L / d x_0 = (I + J_L) ... (I + J_1), each J_l at layer l's input
    expected, v = np.eye(x.numel()), x
    for f in layers:
        expected = (np.eye(x.numel()) + jacobian(f, v)) @ expected
        v = f(v) + v
    got = jacobian(lambda s: target.build()(s, layers), x)
    assert_close(got, expected, tol=CLOSED_FORM_FLOAT64,
                 what="d output / d input of the residual stack vs prod_l (I + J_l)", case=case)
