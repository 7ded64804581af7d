"""Rows of length 0 (the opt-in ``zero_length`` capability): the references keep such a row's state
(both directions, every layer) and output zeros; numpy, torch and the hand-written backward agree
on them; and the property ``zero_length_rows_keep_their_state`` holds on a reference drop-in whose
forward takes ``lengths=``, and fails on torch's built-in (which takes no lengths) and on a drop-in
that runs an empty row for one step (``lengths.clamp(min=1)``, the usual way around
PackedSequence's refusal). That strategies draw such rows only when asked, for a target that
claims them, is in tests/cases/test_strategies.py.

rnnspec.targets.base checks a declaration against ``capabilities_of(subject)``, the default set,
which leaves the opt-in capabilities out; the tests that declare ``zero_length`` check it against
``capabilities_of(subject, opt_in=True)``, as that one-line change there would.
"""

import functools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnspec.references import np_bptt, np_layers, torch_layers, torch_modules
from rnnspec.checking.checks import assert_close, assert_grads_close
from rnnspec.checking.oracle import reference_grads
from rnnspec.spec.settings import RunSettings
from rnnspec.spec import CELLS, LayerConfig, capabilities_of, layer_layout
from rnnspec.checking.states import states, tensors
from rnnspec.cases.strategies import layer_cases
from rnnspec.targets import TorchLikeTarget
from rnnspec.running.verdicts import Status
from rnnspec.running.verifier import verify

ZERO_LENGTH = set(capabilities_of("layer", opt_in=True)) - {"dropout"}
PROPERTY = "zero_length_rows_keep_their_state"


def _lstm_case(hx_given: bool):
    config = LayerConfig("lstm", 3, 4, num_layers=2, bidirectional=True, proj_size=2, batch_first=True)
    rng = np.random.default_rng(0)
    params = {name: rng.uniform(-0.5, 0.5, shape) for name, shape in layer_layout(config)}
    x = rng.standard_normal((3, 5, 3))  # (B, T, I), rows of lengths 5, 0, 2
    hx = (rng.uniform(-1, 1, (4, 3, 2)), rng.uniform(-1, 1, (4, 3, 4))) if hx_given else None
    return config, params, x, hx, (5, 0, 2)


@pytest.mark.parametrize("hx_given", [True, False])
def test_a_row_of_length_0_keeps_its_state_and_outputs_zeros_in_both_references(hx_given):
    config, params, x, hx, lengths = _lstm_case(hx_given)
    h0 = hx if hx_given else (np.zeros((4, 3, 2)), np.zeros((4, 3, 4)))  # (L*D, B, R), (L*D, B, H)
    out, h_n = np_layers.rnn(config, params, x, hx, lengths=lengths)
    t_out, t_h_n = torch_layers.rnn(config, tensors(params), tensors(x), tensors(hx), lengths=torch.tensor(lengths))
    for output, final in ((out, h_n), (t_out.numpy(), tuple(s.numpy() for s in t_h_n))):
        assert np.array_equal(output[1], np.zeros_like(output[1]))  # batch_first: row 1 is output[1]
        for got, given_state in zip(final, h0):  # every layer and both directions, exactly
            assert np.array_equal(got[:, 1], given_state[:, 1])
        assert not np.array_equal(final[0][:, 2], h0[0][:, 2])  # the other rows did run


def test_the_numpy_backward_carries_the_gradient_of_an_empty_row_to_its_initial_state():
    config, params, x, hx, lengths = _lstm_case(True)
    out, h_n, tape = np_bptt.forward(config, params, x, hx, lengths=lengths)
    rng = np.random.default_rng(1)
    d_out, d_h = rng.standard_normal(out.shape), tuple(rng.standard_normal(s.shape) for s in h_n)
    grads = np_bptt.backward(tape, d_out, d_h)
    for d_state0, d_final in zip(grads.state, d_h):
        assert np.array_equal(d_state0[:, 1], d_final[:, 1])  # carried through unchanged
    assert np.array_equal(grads.input[1], np.zeros_like(grads.input[1]))  # its input is never read


@settings(max_examples=40, derandomize=True, database=None, deadline=None)
@given(case=layer_cases(cells=tuple(CELLS), capabilities=ZERO_LENGTH, packed=st.just(True),
                        zero_lengths=st.just(True), max_seq_len=4))
def test_numpy_torch_and_the_hand_written_backward_agree_on_rows_of_length_0(case):
    assert 0 in case.lengths
    params, x, hx = case.params(), case.input(), case.state()
    out, h = np_layers.rnn(case.config, params, x, hx, lengths=case.lengths)
    t_out, t_h = torch_layers.rnn(case.config, tensors(params), tensors(x), tensors(hx),
                                  lengths=torch.tensor(case.lengths))
    tol = case.tolerance()
    assert_close(t_out, out, tol=tol, what="torch reference output vs numpy", case=case)
    for name, g, e in zip(("h_n", "c_n"), states(t_h), states(h)):
        assert_close(g, e, tol=tol, what=f"torch reference {name} vs numpy", case=case)
    assert_grads_close(reference_grads(case, params, via="numpy"), reference_grads(case, params, via="torch"),
                       tol=case.tolerance(grad=True), case=case, label="numpy backward vs autograd")


class GRUStepsEmptyRows(torch_modules.GRU):
    """Clamps lengths to at least 1, as code does to get past PackedSequence: an empty row runs one step."""

    def forward(self, input, hx=None, lengths=None):
        return super().forward(input, hx, None if lengths is None else lengths.clamp(min=1))


@pytest.fixture
def opt_in_declarations(monkeypatch):
    """Declarations checked against every capability a target may declare, the opt-in ones too."""
    from rnnspec.targets import base

    monkeypatch.setattr(base, "capabilities_of", functools.partial(capabilities_of, opt_in=True))


def _verdict(factory, like="torch.nn.GRU"):
    """The property's verdict on ``factory`` declared with every layer capability, zero_length included."""
    target = TorchLikeTarget(factory, like=like, name=f"{factory.__module__}:{factory.__qualname__}",
                             capabilities=capabilities_of("layer", opt_in=True))
    (verdict,) = verify(target, settings=RunSettings(profile="quick"), select=[PROPERTY])
    return verdict


def test_the_reference_drop_in_keeps_empty_rows_and_a_clamping_one_is_caught(opt_in_declarations):
    assert _verdict(torch_modules.GRU).status is Status.PASSED
    assert _verdict(torch_modules.LSTM, like="torch.nn.LSTM").status is Status.PASSED
    caught = _verdict(GRUStepsEmptyRows)
    assert caught.status is Status.FAILED and "(length 0)" in caught.failure.headline, caught.message


def test_torchs_layers_do_not_claim_rows_of_length_0_and_cannot_take_them(opt_in_declarations):
    skipped = verify(TorchLikeTarget(torch.nn.GRU, like="torch.nn.GRU"), settings=RunSettings(profile="quick"),
                     select=[PROPERTY])
    assert [(v.status, v.reason.split(":")[0]) for v in skipped] == [(Status.SKIPPED, "target lacks zero_length")]
    claimed = _verdict(torch.nn.GRU)  # torch's forward takes no lengths=: declaring it is a false claim
    assert claimed.status is Status.FAILED and "lengths" in claimed.failure.headline, claimed.message
