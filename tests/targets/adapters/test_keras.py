"""Keras 3's recurrent layers and cells (rnnspec.targets.adapters.keras): the weight mapping puts
torch's gate blocks where Keras reads them (GRU reordered r, z, n -> z, r, h; biases folded or
stacked), each target equals torch's built-in with the same weights in float32 (forward, with and
without a mask and initial state), and a short verify of one layer and one cell passes. The matrix's
run of every target is tests/interfaces/matrix/test_matrix.py (slow tier)."""

import numpy as np
import pytest
import torch

pytest.importorskip("keras", reason="keras is not installed (pip install rnnspec[keras]; .ci/run installs it)")

from rnnspec.running.verifier import verify  # noqa: E402
from rnnspec.spec import CellConfig, LayerConfig  # noqa: E402
from rnnspec.spec.settings import RunSettings  # noqa: E402
from rnnspec.targets.adapters import keras as kt  # noqa: E402

_TORCH_LAYER = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn_tanh": torch.nn.RNN,
                "rnn_relu": lambda *a, **k: torch.nn.RNN(*a, nonlinearity="relu", **k)}
_TORCH_CELL = {"lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell, "rnn_tanh": torch.nn.RNNCell}


def _blocks(G: int, H: int, columns: int, offset: float) -> np.ndarray:
    """G gate blocks of H rows; block k holds k + offset."""
    return np.concatenate([np.full((H, columns), k + offset) for k in range(G)])


def test_lstm_keeps_torch_gate_order_and_folds_the_biases():
    H, I = 2, 3
    params = {"weight_ih": _blocks(4, H, I, 0), "weight_hh": _blocks(4, H, H, 0.5),
              "bias_ih": _blocks(4, H, 1, 10)[:, 0], "bias_hh": _blocks(4, H, 1, 100)[:, 0]}
    kernel, recurrent, bias = kt.keras_weights("lstm", params)
    assert kernel.shape == (I, 4 * H) and recurrent.shape == (H, 4 * H) and bias.shape == (4 * H,)
    for k in range(4):  # Keras' i, f, c, o is torch's i, f, g, o
        np.testing.assert_array_equal(kernel[:, 2 * k:2 * k + 2], k)
        np.testing.assert_array_equal(bias[2 * k:2 * k + 2], 2 * k + 110)


def test_gru_reorders_blocks_and_keeps_both_biases_only_in_torchs_form():
    H, I = 2, 3
    params = {"weight_ih": _blocks(3, H, I, 0), "weight_hh": _blocks(3, H, H, 0.5),
              "bias_ih": _blocks(3, H, 1, 10)[:, 0], "bias_hh": _blocks(3, H, 1, 100)[:, 0]}
    kernel, _, bias = kt.keras_weights("gru", params)  # reset_after=True: bias (2, 3H) = [b_ih, b_hh]
    np.testing.assert_array_equal(kernel[0], [1, 1, 0, 0, 2, 2])  # z, r, h = torch's blocks 1, 0, 2
    np.testing.assert_array_equal(bias, [[11, 11, 10, 10, 12, 12], [101, 101, 100, 100, 102, 102]])
    *_, folded = kt.keras_weights("gru_reset_before", params)  # reset_after=False: one folded bias
    np.testing.assert_array_equal(folded, [112, 112, 110, 110, 114, 114])
    assert len(kt.keras_weights("gru", {k: v for k, v in params.items() if k.startswith("weight")})) == 2


def _torch_params(module) -> dict:
    return {name: p.detach().clone() for name, p in module.named_parameters()}


@pytest.mark.parametrize("name", ["LSTM", "LSTMMasked", "GRU", "GRUMasked", "SimpleRNN", "SimpleRNNReLU",
                                  "RNNLSTMCell", "RNNGRUCell", "RNNSimpleRNNCell"])
def test_each_layer_target_equals_torch_with_the_same_weights(name):
    target = kt.TARGETS[name]
    (cell,) = target.declaration.cells
    torch.manual_seed(0)
    native = _TORCH_LAYER[cell](3, 4, batch_first=True)
    config = LayerConfig(cell=cell, input_size=3, hidden_size=4, batch_first=True)
    built = target.build(config, _torch_params(native), dtype=torch.float32)
    x = torch.randn(2, 5, 3)
    h0 = torch.randn(1, 2, 4)
    hx = (h0, torch.randn(1, 2, 4)) if cell == "lstm" else h0
    with torch.no_grad():
        expected, got = native(x, hx), built(x, hx)
    torch.testing.assert_close(got[0], expected[0], rtol=1e-5, atol=1e-5)
    for g, e in zip(got[1] if cell == "lstm" else (got[1],), expected[1] if cell == "lstm" else (expected[1],)):
        torch.testing.assert_close(g, e, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["LSTMCell", "GRUCell", "SimpleRNNCell"])
def test_each_cell_target_equals_torchs_cell(name):
    target = kt.TARGETS[name]
    (cell,) = target.declaration.cells
    torch.manual_seed(0)
    native = _TORCH_CELL[cell](3, 4)
    built = target.build(CellConfig(cell=cell, input_size=3, hidden_size=4), _torch_params(native), dtype=torch.float32)
    x = torch.randn(2, 3)
    with torch.no_grad():
        expected, got = native(x), built(x)
    for g, e in zip(got if cell == "lstm" else (got,), expected if cell == "lstm" else (expected,)):
        torch.testing.assert_close(g, e, rtol=1e-5, atol=1e-5)


def test_a_short_verify_of_a_layer_and_a_cell_passes_what_they_claim():
    settings = RunSettings(profile="quick", max_examples=3, dtype="float32")
    for name, select in (("GRUMasked", ["matches_reference", "packed_is_each_alone"]), ("LSTMCell", ["cell_matches_reference"])):
        verdicts = verify(kt.TARGETS[name], select=select, settings=settings)
        assert verdicts and all(v.status in ("passed", "skipped") for v in verdicts), [(v.id, v.status, v.message[:300]) for v in verdicts]
        assert any(v.status == "passed" for v in verdicts)
