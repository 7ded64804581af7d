"""Lecture 7 section 5.3, dense connections (Huang et al. 2017, DenseNet): "directly connect
everything to everything". Layer l reads the concatenation [x, y_1, ..., y_{l-1}], so the input
reaches every layer directly: an identity block in the Jacobian of every layer's input.
"""

import numpy as np
import torch
from hypothesis import strategies as st

from rnnspec.checking.binding import check
from rnnspec.checking.checks import assert_close, assert_identical
from rnnspec.checking.failures import fail
from rnnspec.checking.calls import jacobian
from rnnspec.properties.blocks import mlp, tensor
from rnnspec.spec.tolerances import CLOSED_FORM_FLOAT64
from rnnspec.cases.strategies import block_cases


def _spied_layers(case, growth: int):
    """Layers of growth-rate ``growth`` that record what they read and what they return."""
    seen = []

    def spy(k, f):
        def layer(v):
            out = f(v)
            seen.append((k, v, out))
            return out
        return layer

    layers = [spy(k, mlp(case.mlp_weights(k, in_features=case.features + k * growth, out_features=growth)))
              for k in range(case.depth)]
    return layers, seen


def _case(data):
    case = data.draw(block_cases(), label="case")
    return case, data.draw(st.integers(1, 4), label="growth rate")


@check("dense_layers_read_the_input_unchanged")
def test_dense_layers_read_the_input_unchanged(target, data):
    """every layer's input begins with the original input unchanged: an identity block in its Jacobian"""
    case, growth = _case(data)
    dense, x, D = target.build(), tensor(case.input()), case.features
    layers, seen = _spied_layers(case, growth)
    dense(x, layers)
    if len(seen) != case.depth:
        fail(f"{len(seen)} layer calls for {case.depth} layers", case=case)
    for k, inp, _ in seen:
        if inp.shape[-1] < D:
            fail(f"layer {k} reads {inp.shape[-1]} features, fewer than the input's {D}", case=case)
        assert_identical(inp[..., :D], x, what=f"the first {D} features layer {k} reads vs the input x", case=case)

    for k in range(case.depth):
        def layer_input(v, k=k):
            fresh, record = _spied_layers(case, growth)
            dense(v, fresh)
            return record[k][1][..., :D]

        assert_close(jacobian(layer_input, x), np.eye(x.numel()), tol=CLOSED_FORM_FLOAT64,
                     what=f"d(layer {k}'s input, first {D} features)/dx vs I", case=case)


@check("dense_layers_read_all_earlier_outputs")
def test_dense_layers_read_all_earlier_outputs(target, data):
    """layer l reads exactly [x, y_1, ..., y_{l-1}] and the block returns [x, y_1, ..., y_L] (Huang et al. 2017)"""
    case, growth = _case(data)
    dense, x = target.build(), tensor(case.input())
    layers, seen = _spied_layers(case, growth)
    y = dense(x, layers)
    outputs = []
    for k, inp, out in seen:
        assert_identical(inp, torch.cat([x, *outputs], dim=-1), what=f"layer {k}'s input vs [x, y_1..y_{k}]",
                         case=case)
        outputs.append(out)
    assert_identical(y, torch.cat([x, *outputs], dim=-1), what="block output vs [x, y_1, ..., y_L]", case=case)
