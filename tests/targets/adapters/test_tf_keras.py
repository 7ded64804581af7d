"""Keras 2 through tf-keras (rnnspec.targets.adapters.tf_keras): the weight mapping lands each torch
gate block where Keras wants it, every path equals torch with the same weights (outputs, final
states and tape gradients, float32 and float64, bidirectional and masked), and rnnspec's properties
pass on a target or two (all of them in the slow tier)."""

import pytest
import torch

pytest.importorskip("tensorflow", reason="tensorflow is not installed (pip install tensorflow-cpu tf-keras)")
pytest.importorskip("tf_keras", reason="tf-keras is not installed (pip install tensorflow-cpu tf-keras)")

from torch.nn.utils.rnn import pack_padded_sequence  # noqa: E402

from rnnspec.spec.settings import RunSettings  # noqa: E402
from rnnspec.spec import CellConfig, LayerConfig  # noqa: E402
from rnnspec.targets import load_target  # noqa: E402
from rnnspec.targets.adapters import tf_keras  # noqa: E402
from rnnspec.running.verifier import verify  # noqa: E402

_TORCH = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn_tanh": torch.nn.RNN}


def _statuses(target, select=None, **settings):
    return {v.id: v.status for v in verify(target, select=select, settings=RunSettings(**settings))}


@pytest.mark.parametrize("cell, keras_order", [("lstm", [0, 1, 2, 3]), ("gru", [1, 0, 2]),
                                               ("gru_reset_before", [1, 0, 2]), ("rnn_tanh", [0])])
def test_gate_blocks_land_in_keras_order(cell, keras_order):
    """Keras' column block j of kernel / recurrent_kernel / bias holds torch's row block k."""
    H, I, G = 2, 3, len(keras_order)
    block = lambda offset, cols: torch.cat([torch.full((H, cols), k + offset) for k in range(G)])  # noqa: E731
    params = {"weight_ih": block(0.0, I), "weight_hh": block(0.5, H), "bias_ih": block(10.0, 1)[:, 0],
              "bias_hh": block(100.0, 1)[:, 0]}
    kernel, recurrent, bias = tf_keras.keras_weights(cell, params)
    assert kernel.shape == (I, G * H) and recurrent.shape == (H, G * H)
    for j, k in enumerate(keras_order):
        cols = slice(j * H, (j + 1) * H)
        assert (kernel[:, cols] == k).all() and (recurrent[:, cols] == k + 0.5).all()
        if cell == "gru":  # reset_after: (2, 3H) = [b_ih, b_hh], each reordered
            assert bias.shape == (2, G * H) and (bias[0, cols] == k + 10).all() and (bias[1, cols] == k + 100).all()
        else:  # one folded bias
            assert bias.shape == (G * H,) and (bias[cols] == 2 * k + 110).all()
    assert len(tf_keras.keras_weights(cell, {"weight_ih": params["weight_ih"], "weight_hh": params["weight_hh"]})) == 2


def _compare(target, module, config, x, hx, dtype, *, lengths=None):
    """Outputs, final states and the gradients of input, state and every parameter, target vs torch."""
    built = target.build(config, dict(module.named_parameters()), dtype=dtype)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == torch.float64 else dict(rtol=1e-5, atol=1e-5)
    inputs = [x, *(hx if isinstance(hx, tuple) else (hx,))]
    results = []
    for m, params in ((module, dict(module.named_parameters())), (built, built.params)):
        feed = pack_padded_sequence(x, lengths, enforce_sorted=False) if lengths is not None else x
        out, finals = m(feed, hx)
        out = out.data if lengths is not None else out
        finals = finals if isinstance(finals, tuple) else (finals,)
        loss = (out * torch.linspace(-1, 1, out.numel(), dtype=dtype).reshape(out.shape)).sum() + sum(
            f.sum() * (k + 2) for k, f in enumerate(finals))
        grads = torch.autograd.grad(loss, inputs + list(params.values()))
        results.append((out, *finals, *grads))
    for want, got in zip(*results, strict=True):
        torch.testing.assert_close(got, want, **tol)


@pytest.mark.parametrize("name, cell, bidirectional, dtype", [
    ("LSTM", "lstm", False, torch.float32), ("LSTM", "lstm", True, torch.float64),
    ("GRU", "gru", True, torch.float32), ("SimpleRNN", "rnn_tanh", False, torch.float64),
    ("RNNGRUCell", "gru", False, torch.float64)])
def test_layers_equal_torch_with_the_same_weights_and_gradients(name, cell, bidirectional, dtype):
    torch.manual_seed(0)
    module = _TORCH[cell](3, 4, bidirectional=bidirectional).to(dtype)
    config = LayerConfig(cell, 3, 4, bidirectional=bidirectional)
    D = 2 if bidirectional else 1
    x, h0 = torch.randn(5, 3, 3, dtype=dtype, requires_grad=True), torch.randn(D, 3, 4, dtype=dtype, requires_grad=True)
    hx = (h0, torch.randn(D, 3, 4, dtype=dtype, requires_grad=True)) if cell == "lstm" else h0
    _compare(tf_keras.TARGETS[name], module, config, x, hx, dtype)


def test_a_masked_bidirectional_lstm_equals_torch_packed():
    torch.manual_seed(1)
    module = torch.nn.LSTM(3, 4, bidirectional=True)
    x = torch.randn(5, 3, 3, requires_grad=True)
    h0, c0 = (torch.randn(2, 3, 4, requires_grad=True) for _ in range(2))
    _compare(tf_keras.LSTM, module, LayerConfig("lstm", 3, 4, bidirectional=True), x, (h0, c0), torch.float32,
             lengths=torch.tensor([5, 2, 4]))


@pytest.mark.parametrize("name, cell, module", [
    ("LSTMCell", "lstm", torch.nn.LSTMCell), ("GRUCell", "gru", torch.nn.GRUCell),
    ("SimpleRNNReLUCell", "rnn_relu", lambda i, h: torch.nn.RNNCell(i, h, nonlinearity="relu"))])
def test_cells_are_one_step_of_torch(name, cell, module):
    torch.manual_seed(2)
    m = module(3, 4).double()
    built = tf_keras.TARGETS[name].build(CellConfig(cell, 3, 4), dict(m.named_parameters()), dtype=torch.float64)
    x, h = torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 4, dtype=torch.float64)
    hx = (h, torch.randn(2, 4, dtype=torch.float64)) if cell == "lstm" else h
    torch.testing.assert_close(built(x, hx), m(x, hx), rtol=1e-12, atol=1e-12)


def test_the_reset_before_gru_is_the_lecture_form():
    """GRU(reset_after=False) is the reference gru_reset_before step, not torch.nn.GRU."""
    from rnnspec.references.torch_cells import gru_reset_before_step, project_input
    from rnnspec.references.params import CellParams

    torch.manual_seed(3)
    m = torch.nn.GRUCell(3, 4).double()
    built = tf_keras.GRUResetBeforeCell.build(CellConfig("gru_reset_before", 3, 4), dict(m.named_parameters()),
                                              dtype=torch.float64)
    x, h = torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 4, dtype=torch.float64)
    p = CellParams(m.weight_ih, m.weight_hh, m.bias_ih, m.bias_hh)
    want = gru_reset_before_step(project_input(x, p), (h,), p)[0]
    torch.testing.assert_close(built(x, h), want, rtol=1e-12, atol=1e-12)
    assert (built(x, h) - m(x, h)).abs().max() > 1e-3  # and so not torch's form


def test_targets_type_back_and_claim_what_they_run():
    for name, target in tf_keras.TARGETS.items():
        assert load_target(target.name) is target
        assert {"grad", "float64", "parameters"} <= target.capabilities
        assert ("bidirectional" in target.capabilities) == (target.subject == "layer")
        assert "tf-keras 2." in target.notes


def test_verify_lstm_passes_at_quick():
    select = ["matches_reference", "grads_match_reference", "packed_is_each_alone",
              "bidirectional_is_forward_plus_flipped_reverse"]
    assert set(_statuses(tf_keras.LSTM, select, profile="quick", max_examples=2).values()) == {"passed"}


# TensorFlow flushes subnormals on CPU (tests/findings/confirm_tensorflow_flushes_subnormal_cell_state.py):
# the LSTM layers lose a subnormal cell state, the ReLU RNNs' gradient at a subnormal pre-activation is 0
_FLUSHED = {"LSTM": {"lstm_saturated_gates_keep_memory"}, "RNNLSTMCell": {"lstm_saturated_gates_keep_memory"},
            "SimpleRNNReLU": {"grads_match_reference"}, "RNNSimpleRNNReLUCell": {"grads_match_reference"},
            "SimpleRNNReLUCell": {"cell_grads_match_reference"}}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["LSTM", "GRUResetBefore", "SimpleRNNReLUCell"])  # a sample; every target: rnnspec matrix
def test_targets_pass_at_profile_quick_but_for_flushed_subnormals(name):
    got = _statuses(tf_keras.TARGETS[name], profile="quick", max_examples=4)
    failed = {k for k, v in got.items() if v in ("failed", "error", "hung")}
    assert failed == _FLUSHED.get(name, set()), got


def test_tensorflow_flushes_a_subnormal_cell_state():
    """A saturated-open forget gate must keep c exactly; TensorFlow on CPU flushes a subnormal c to 0
    (tests/findings/confirm_tensorflow_flushes_subnormal_cell_state.py), torch keeps it."""
    m = torch.nn.LSTMCell(1, 1)
    with torch.no_grad():
        m.bias_ih.copy_(torch.tensor([-1000.0, 1000.0, 0.0, 0.0]))
    built = tf_keras.LSTMCell.build(CellConfig("lstm", 1, 1), dict(m.named_parameters()), dtype=torch.float32)
    x, h, c = torch.zeros(1, 1), torch.zeros(1, 1), torch.full((1, 1), 1e-40)
    with torch.no_grad():
        assert m(x, (h, c))[1].item() == c.item()
        assert built(x, (h, c))[1].item() == 0.0
