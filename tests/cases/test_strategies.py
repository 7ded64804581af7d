"""Strategies validate their arguments and draw only what the target can do."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnspec.spec import LAYER_CAPABILITIES, capabilities_of
from rnnspec.cases.strategies import cell_cases, layer_cases, layer_configs, scales


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layer_cases(cells=["lstm"], capabilities=(), min_seq_len=3, max_seq_len=2),
         "min_seq_len=3 is larger than max_seq_len=2"),
        (lambda: layer_configs(cells=["lstm"], capabilities=(), min_size=0), "min_size=0 must be at least 1"),
        (lambda: layer_configs(cells=[], capabilities=()), "cells=[] is empty"),
        (lambda: scales(min_scale=2, max_scale=1), "min_scale=2 must be positive and at most max_scale=1"),
    ],
)
def test_invalid_arguments_are_named_in_the_error(make, message):
    @settings(max_examples=1, database=None)
    @given(data=st.data())
    def draw_one(data):
        data.draw(make())

    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        draw_one()


@settings(max_examples=60, derandomize=True, database=None)
@given(case=layer_cases(cells=["lstm", "gru"], capabilities=()))
def test_no_capabilities_means_the_plainest_layer(case):
    c = case.config
    assert (c.num_layers, c.bidirectional, c.batch_first, c.bias, c.proj_size) == (1, False, False, True, 0)
    assert case.lengths is None and not case.unbatched and not case.with_state and case.dtype == "float32"


@settings(max_examples=60, derandomize=True, database=None)
@given(case=layer_cases(cells=["lstm"], capabilities=LAYER_CAPABILITIES, packed=st.just(True)))
def test_packed_cases_have_unsorted_lengths_padded_to_the_longest(case):
    assert case.batch >= 2 and len(case.lengths) == case.batch
    assert max(case.lengths) == case.seq_len and min(case.lengths) >= 1
    assert case.input().shape[:2] in ((case.seq_len, case.batch), (case.batch, case.seq_len))


ZERO_LENGTH = capabilities_of("layer", opt_in=True)


@settings(max_examples=30, derandomize=True, database=None)
@given(case=layer_cases(cells=["gru"], capabilities=ZERO_LENGTH, packed=st.just(True), zero_lengths=st.just(True)))
def test_asked_for_rows_of_length_0_a_packed_case_has_one_and_still_spans_its_padding(case):
    assert 0 in case.lengths and max(case.lengths) == case.seq_len and len(case.lengths) == case.batch


@settings(max_examples=30, derandomize=True, database=None)
@given(case=layer_cases(cells=["gru"], capabilities=ZERO_LENGTH, packed=st.just(True)))
def test_rows_of_length_0_are_not_drawn_unless_asked_for(case):
    assert min(case.lengths) >= 1  # every other property passes lengths as a PackedSequence


def test_asking_for_rows_of_length_0_without_the_capability_is_an_error_naming_it():
    @settings(max_examples=1, database=None)
    @given(data=st.data())
    def draw_one(data):
        data.draw(layer_cases(cells=["gru"], capabilities={"packed"}, packed=st.just(True), zero_lengths=st.just(True)))

    with pytest.raises(ValueError, match="zero_lengths drew True, but capabilities=\\['packed'\\] lack 'zero_length'"):
        draw_one()


@settings(max_examples=30, derandomize=True, database=None)
@given(case=cell_cases(cells=["lstm"], capabilities=LAYER_CAPABILITIES))
def test_cases_rebuild_the_same_arrays_from_their_seed(case):
    a, b = case.params(), case.params()
    assert all((a[k] == b[k]).all() for k in a)
    assert (case.inputs() == case.inputs()).all()
