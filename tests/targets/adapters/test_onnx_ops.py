"""ONNX's RNN / LSTM / GRU operators built from the canonical parameters (rnnspec.targets.adapters.onnx_ops):
the gate reordering lands each torch block where ONNX wants it, the targets pass where they should, and
what was found about ONNX Runtime and ONNX's reference evaluator stays found (a version that changes it
fails here, so the adapter's docstring and README are revisited)."""

import numpy as np
import pytest
import torch

pytest.importorskip("onnx", reason="onnx is not installed (pip install rnnspec[onnx])")
pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install rnnspec[onnx])")

from rnnspec.spec.settings import RunSettings  # noqa: E402
from rnnspec.spec import LayerConfig, layer_layout  # noqa: E402
from rnnspec.targets import load_target  # noqa: E402
from rnnspec.targets.adapters import onnx_ops  # noqa: E402
from rnnspec.running.verifier import verify  # noqa: E402


def _statuses(target, select=None, **settings):
    return {v.id: v.status for v in verify(target, select=select, settings=RunSettings(**settings))}


def _blocks(cell: str, hidden: int, columns: int, *, offset: float = 0.0) -> torch.Tensor:
    """A (G*H, columns) weight whose block k (torch's gate k) holds k + offset everywhere."""
    G = len(onnx_ops._ONNX_GATE_ORDER[cell])
    return torch.cat([torch.full((hidden, columns), k + offset) for k in range(G)])


# --- the weight mapping ----------------------------------------------------------------------------

@pytest.mark.parametrize("cell, onnx_order", [
    ("lstm", [0, 3, 1, 2]),  # torch i, f, g, o -> ONNX i, o, f, c
    ("gru", [1, 0, 2]),  # torch r, z, n -> ONNX z, r, h
    ("gru_reset_before", [1, 0, 2]),
    ("rnn_tanh", [0]),
])
def test_gate_blocks_land_in_onnx_order(cell, onnx_order):
    H = 2
    config = LayerConfig(cell, 3, H, bidirectional=True)
    params = {}
    for name, shape in layer_layout(config):
        offset = 10.0 * name.endswith("_reverse") + 100.0 * name.startswith("bias_hh") + 0.5 * ("_hh" in name)
        params[name] = _blocks(cell, H, shape[1] if len(shape) == 2 else 1, offset=offset).reshape(shape)
    W, R, B = onnx_ops.onnx_weights(config, params, 0, np.float32)
    G = len(onnx_order)
    assert W.shape == (2, G * H, 3) and R.shape == (2, G * H, H) and B.shape == (2, 2 * G * H)
    for d, reverse in enumerate((0.0, 10.0)):
        for j, k in enumerate(onnx_order):  # ONNX's block j holds torch's block k
            rows = slice(j * H, (j + 1) * H)
            np.testing.assert_array_equal(W[d, rows], k + reverse)
            np.testing.assert_array_equal(R[d, rows], k + reverse + 0.5)
            np.testing.assert_array_equal(B[d, rows], k + reverse)  # Wb = bias_ih
            np.testing.assert_array_equal(B[d, G * H + j * H: G * H + (j + 1) * H], k + reverse + 100.5)  # Rb


def test_no_bias_omits_b_and_stacks_are_one_node_per_layer():
    config = LayerConfig("lstm", 3, 4, num_layers=3, bias=False, bidirectional=True)
    params = {n: torch.randn(s) for n, s in layer_layout(config)}
    assert onnx_ops.onnx_weights(config, params, 1, np.float32)[2] is None
    model = onnx_ops.onnx_layer_model(config, params, dtype=np.float32, layout=0, initial_state=True, lengths=True)
    lstms = [n for n in model.graph.node if n.op_type == "LSTM"]
    assert len(lstms) == 3 and all(n.input[3] == "" and n.input[4] == "sequence_lens" for n in lstms)
    assert model.opset_import[0].version == 7
    batchwise = onnx_ops.onnx_layer_model(config, params, dtype=np.float32, layout=1, initial_state=False,
                                          lengths=False)
    assert batchwise.opset_import[0].version == 14 and not [n for n in batchwise.graph.node if n.op_type == "Transpose"]


@pytest.mark.parametrize("runner", ["onnxruntime", "reference"])
def test_each_form_equals_torch_with_the_same_weights(runner):
    """GRU at linear_before_reset=1 is torch.nn.GRU and the LSTM's reordered gates are torch's,
    through a bidirectional batch_first stack with an initial state."""
    torch.manual_seed(0)
    for module, cell in ((torch.nn.GRU, "gru"), (torch.nn.LSTM, "lstm")):
        m = module(3, 4, num_layers=2, bidirectional=True, batch_first=True)
        config = LayerConfig(cell, 3, 4, num_layers=2, bidirectional=True, batch_first=True)
        built = onnx_ops.TARGETS[("Ort" if runner == "onnxruntime" else "Reference") + cell.upper()].build(
            config, dict(m.named_parameters()), dtype=torch.float32)
        x, h0 = torch.randn(2, 5, 3), torch.randn(4, 2, 4)
        hx = (h0, torch.randn(4, 2, 4)) if cell == "lstm" else h0
        with torch.no_grad():
            expected = m(x, hx)
        got = built(x, hx)
        torch.testing.assert_close(got[0], expected[0])
        torch.testing.assert_close(got[1], expected[1])


# --- verdicts --------------------------------------------------------------------------------------

def test_targets_pass_matches_reference_and_variable_lengths():
    select = ["matches_reference", "packed_is_each_alone", "batch_first_is_transpose", "omitted_state_is_zeros"]
    assert set(_statuses(onnx_ops.OrtLSTM, select, max_examples=4).values()) == {"passed"}
    assert set(_statuses(onnx_ops.OrtGRUResetBefore, select[:2], max_examples=4).values()) == {"passed"}
    reference = _statuses(onnx_ops.ReferenceGRU, ["matches_reference", "float32_agrees_with_float64",
                                                  "packed_is_each_alone"], max_examples=4)
    assert reference == {"matches_reference": "passed", "float32_agrees_with_float64": "passed",
                         "packed_is_each_alone": "skipped"}  # packed not claimed: sequence_lens is ignored


def test_what_fails_fails():
    relu = _statuses(onnx_ops.ReferenceRNNReLU, ["matches_reference"], max_examples=2)
    assert relu == {"matches_reference": "failed"}
    zero = _statuses(onnx_ops.OrtGRU, ["zero_length_rows_keep_their_state"], max_examples=4)
    assert zero == {"zero_length_rows_keep_their_state": "failed"}


def test_targets_type_back_and_claim_what_each_runner_runs():
    for name, target in onnx_ops.TARGETS.items():
        assert load_target(target.name) is target
        assert "grad" not in target.capabilities and "proj" not in target.capabilities
        assert ("float64" in target.capabilities) == name.startswith("Reference")
        assert ("packed" in target.capabilities) == name.startswith("Ort")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(onnx_ops.TARGETS))
def test_every_target_at_profile_quick(name):
    failed = {k for k, v in _statuses(onnx_ops.TARGETS[name], profile="quick").items() if v == "failed"}
    if name == "ReferenceRNNReLU":
        assert failed and "matches_reference" in failed
    elif name.startswith("Ort"):
        assert failed <= {"zero_length_rows_keep_their_state"}, failed
    else:
        assert not failed, failed


# --- the findings, pinned ----------------------------------------------------------------------------

def _model(cell="lstm", *, dtype=np.float32, layout=0, initial_state=False, lengths=False, bidirectional=True):
    config = LayerConfig(cell, 3, 4, bidirectional=bidirectional)
    params = {n: torch.randn(s) for n, s in layer_layout(config)}
    return onnx_ops.onnx_layer_model(config, params, dtype=dtype, layout=layout, initial_state=initial_state,
                                     lengths=lengths)


@pytest.mark.parametrize("cell", ["rnn_tanh", "lstm", "gru"])
def test_onnxruntime_refuses_float64_and_layout_1(cell):
    x = np.zeros((2, 2, 3))
    with pytest.raises(Exception, match="does not support double|Could not find an implementation"):
        onnx_ops.RUNNERS["onnxruntime"](_model(cell, dtype=np.float64)).run(None, {"X": x})
    with pytest.raises(Exception, match=r"layout == 1\) are not supported"):
        onnx_ops.RUNNERS["onnxruntime"](_model(cell, layout=1)).run(None, {"X": x.astype(np.float32)})


def test_sequence_lens_honoured_by_onnxruntime_ignored_by_the_reference_and_length_0_zeroes_the_state():
    torch.manual_seed(0)
    model = _model(initial_state=True, lengths=True)
    h0 = np.random.default_rng(0).standard_normal((2, 2, 4)).astype(np.float32)
    feed = {"X": np.random.default_rng(1).standard_normal((5, 2, 3)).astype(np.float32),
            "sequence_lens": np.array([5, 2], np.int32), "initial_h_l0": h0, "initial_c_l0": h0}
    ort = onnx_ops.RUNNERS["onnxruntime"](model).run(None, feed)
    reference = onnx_ops.RUNNERS["reference"](model).run(None, feed)
    full = onnx_ops.RUNNERS["onnxruntime"](model).run(None, {**feed, "sequence_lens": np.array([5, 5], np.int32)})
    assert np.abs(ort[0][2:, 1]).max() == 0  # zeros past row 1's length
    np.testing.assert_allclose(reference[0], full[0], atol=1e-5)  # the reference ran every row all 5 steps
    assert np.abs(reference[1][:, 1] - ort[1][:, 1]).max() > 1e-3
    zero = onnx_ops.RUNNERS["onnxruntime"](model).run(None, {**feed, "sequence_lens": np.array([5, 0], np.int32)})
    assert np.abs(zero[0][:, 1]).max() == 0 and np.abs(zero[1][:, 1]).max() == 0  # h_n zeros, not h0
    assert np.abs(h0[:, 1]).max() > 0


def test_reference_evaluator_has_no_relu_rnn():
    with pytest.raises(RuntimeError, match="Unknown activation function 'Relu'"):
        onnx_ops.RUNNERS["reference"](_model("rnn_relu")).run(None, {"X": np.zeros((2, 2, 3), np.float32)})
