"""PaddlePaddle's recurrent layers and cells (rnnspec.targets.adapters.paddle): each canonical tensor
lands where Paddle's cell keeps it (torch's names and gate orders; the projection transposed), the
built targets equal torch with the same weights, forward and gradients (Paddle's backward through
paddle.grad), and what was found about Paddle stays found: a version that changes it fails here,
so the adapter's docstring and the README are revisited."""

import importlib.util
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

if "tensorflow" in sys.modules and "paddle" not in sys.modules:  # confirm_paddle_import_after_tensorflow_segfaults.py
    pytest.skip("paddle imported after tensorflow crashes the process: run these tests before tensorflow's "
                "(plain pytest collects this file first) or alone", allow_module_level=True)
paddle = pytest.importorskip("paddle", reason="paddlepaddle is not installed (pip install paddlepaddle)")

from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

from rnnspec.spec.settings import RunSettings  # noqa: E402
from rnnspec.spec import CellConfig, LayerConfig, cell_layout, layer_layout  # noqa: E402
from rnnspec.targets import load_target  # noqa: E402
from rnnspec.targets.adapters import paddle as adapter  # noqa: E402
from rnnspec.running.verifier import verify  # noqa: E402

TORCH_LAYER = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn_tanh": torch.nn.RNN, "rnn_relu": torch.nn.RNN}


def _statuses(target, select, **settings):
    return {v.id: v.status for v in verify(target, select=select, settings=RunSettings(**settings))}


def _torch_layer(config: LayerConfig) -> torch.nn.Module:
    kwargs = {"nonlinearity": config.cell.removeprefix("rnn_")} if config.cell.startswith("rnn_") else {}
    if config.proj_size:
        kwargs["proj_size"] = config.proj_size
    return TORCH_LAYER[config.cell](config.input_size, config.hidden_size, num_layers=config.num_layers,
                                    bias=config.bias, batch_first=config.batch_first,
                                    bidirectional=config.bidirectional, **kwargs).double()


# --- the weight mapping ----------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh"])
def test_each_canonical_tensor_lands_in_the_paddle_cell_unchanged(cell):
    """Paddle keeps torch's names, shapes and gate blocks: block k of weight_ih is paddle's block k."""
    config = CellConfig(cell, 3, 2)
    params = {}
    for k, (name, shape) in enumerate(cell_layout(config)):
        rows = shape[0] // 2
        blocks = [np.full((2, *shape[1:]), 10.0 * k + g) for g in range(rows)]  # block g holds 10k + g
        params[name] = np.concatenate(blocks)
    target = adapter.TARGETS[{"lstm": "LSTMCell", "gru": "GRUCell", "rnn_tanh": "SimpleRNNCell"}[cell]]
    built = target.build(config, {n: torch.from_numpy(a) for n, a in params.items()}, dtype=torch.float64)
    with adapter._default_dtype("float64"):
        paddle_cell = built.new_module()
    leaves = adapter.load_cell(paddle_cell, params, dict.fromkeys(params, True), "")
    assert sorted(leaves) == sorted(params)
    for name, array in params.items():
        np.testing.assert_array_equal(getattr(paddle_cell, name).numpy(), array)


def test_projection_is_transposed_into_weight_ho_and_zero_biases_are_loaded_for_bias_false():
    config = LayerConfig("lstm", 3, 4, proj_size=2, bias=False, bidirectional=True)
    params = {n: np.random.default_rng(0).standard_normal(s) for n, s in layer_layout(config)}
    with adapter._default_dtype("float64"):
        module = adapter.paddle.nn.LSTM(3, 4, proj_size=2, direction="bidirect")
    leaves = adapter.load_cell(module[0].cell_bw, params, dict.fromkeys(params, False), "_l0_reverse")
    np.testing.assert_array_equal(module[0].cell_bw.weight_ho.numpy(), params["weight_hr_l0_reverse"].T)
    assert leaves["weight_hr_l0_reverse"][1] is True  # its gradient is transposed back
    for bias in ("bias_ih", "bias_hh"):
        np.testing.assert_array_equal(getattr(module[0].cell_bw, bias).numpy(), 0.0)
        assert ("zero", bias + "_l0_reverse") in leaves


# --- built targets equal torch with the same weights -------------------------------------------------

# (target, config, packed): the fused kernel's bidirectional cases unpacked (its reverse gradients
# are wrong with sequence_length and an initial state: pinned below)
LAYER_CASES = [
    ("LSTM", LayerConfig("lstm", 3, 4, num_layers=2, bidirectional=True), False),
    ("LSTM", LayerConfig("lstm", 3, 4, num_layers=2), True),
    ("LSTM", LayerConfig("lstm", 3, 4, num_layers=2, proj_size=2, batch_first=True, bidirectional=True), True),  # loop
    ("GRU", LayerConfig("gru", 3, 4, num_layers=2, bidirectional=True, bias=False, batch_first=True), False),
    ("SimpleRNNReLU", LayerConfig("rnn_relu", 3, 4), True),
    ("RNNGRUCell", LayerConfig("gru", 3, 4, num_layers=2, bidirectional=True), True),
    ("RNNLSTMCell", LayerConfig("lstm", 3, 4, proj_size=3, bidirectional=True, batch_first=True), True),
    ("RNNSimpleRNNCell", LayerConfig("rnn_tanh", 3, 4, num_layers=2, bias=False), True),
]


def _forward_and_grads(model, config, *, packed: bool, seed: int = 0):
    """Output (B, T, D*H), finals and the gradients of one loss w.r.t. input, states and parameters."""
    gen = torch.Generator().manual_seed(seed)
    B, T, L = 3, 5, config.num_layers * config.num_directions
    x = torch.randn(B, T, config.input_size, dtype=torch.float64, generator=gen).requires_grad_(True)
    h0 = torch.randn(L, B, config.output_size, dtype=torch.float64, generator=gen).requires_grad_(True)
    c0 = torch.randn(L, B, config.hidden_size, dtype=torch.float64, generator=gen).requires_grad_(True)
    hx = (h0, c0) if config.cell == "lstm" else h0
    xs = x if config.batch_first else x.transpose(0, 1)
    if packed:
        out, finals = model(pack_padded_sequence(xs, torch.tensor([5, 2, 4]), batch_first=config.batch_first,
                                                 enforce_sorted=False), hx)
        out = pad_packed_sequence(out, batch_first=True)[0]
    else:
        out, finals = model(xs, hx)
        out = out if config.batch_first else out.transpose(0, 1)
    finals = finals if isinstance(finals, tuple) else (finals,)
    loss = (out * torch.linspace(-1, 1, out.numel(), dtype=out.dtype).view_as(out)).sum() + sum(f.sum() for f in finals)
    names = ["input", *(["h0", "c0"] if config.cell == "lstm" else ["h0"]), *(n for n, _ in model.named_parameters())]
    leaves = [x, *(hx if isinstance(hx, tuple) else (hx,)), *(p for _, p in model.named_parameters())]
    return out, finals, dict(zip(names, torch.autograd.grad(loss, leaves)))


@pytest.mark.parametrize("name, config, packed", LAYER_CASES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(LAYER_CASES)])
def test_layer_equals_torch_forward_and_gradients_with_initial_state(name, config, packed):
    torch.manual_seed(0)
    ref = _torch_layer(config)
    built = adapter.TARGETS[name].build(config, dict(ref.named_parameters()), dtype=torch.float64)
    out, finals, grads = _forward_and_grads(built, config, packed=packed)
    want, want_finals, want_grads = _forward_and_grads(ref, config, packed=packed)
    torch.testing.assert_close(out, want, rtol=1e-10, atol=1e-12)
    for got, expected in zip(finals, want_finals):
        torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-12)
    assert grads.keys() == want_grads.keys()
    for key in grads:
        torch.testing.assert_close(grads[key], want_grads[key], rtol=1e-10, atol=1e-12, msg=key)


@pytest.mark.parametrize("name, cell", [("LSTMCell", "lstm"), ("GRUCell", "gru"), ("SimpleRNNReLUCell", "rnn_relu")])
def test_cell_equals_torch_in_float32_with_gradients(name, cell):
    """GRUCell included: Paddle's reset gate multiplies (W_hc h + b_hc), torch's form."""
    torch.manual_seed(0)
    ref = {"lstm": torch.nn.LSTMCell(3, 4), "gru": torch.nn.GRUCell(3, 4),
           "rnn_relu": torch.nn.RNNCell(3, 4, nonlinearity="relu")}[cell]
    built = adapter.TARGETS[name].build(CellConfig(cell, 3, 4), dict(ref.named_parameters()), dtype=torch.float32)
    x = torch.randn(2, 3, requires_grad=True)
    hx = torch.randn(2, 4, requires_grad=True)
    hx = (hx, torch.randn(2, 4)) if cell == "lstm" else hx
    got, want = built(x, hx), ref(x, hx)
    got, want = (got if isinstance(got, tuple) else (got,)), (want if isinstance(want, tuple) else (want,))
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, rtol=1e-5, atol=1e-6)
    grads = torch.autograd.grad(sum(g.sum() for g in got), [x, *(p for _, p in built.named_parameters())])
    want_grads = torch.autograd.grad(sum(w.sum() for w in want), [x, *ref.parameters()])
    for g, w in zip(grads, want_grads):
        torch.testing.assert_close(g, w, rtol=1e-5, atol=1e-6)


def test_zero_length_rows_keep_their_initial_state_through_lengths():
    config = LayerConfig("gru", 3, 4, bidirectional=True, batch_first=True)
    params = {n: torch.randn(s, dtype=torch.float64) for n, s in layer_layout(config)}
    built = adapter.GRU.build(config, params, dtype=torch.float64)
    h0 = torch.randn(2, 2, 4, dtype=torch.float64)
    out, h_n = built(torch.randn(2, 5, 3, dtype=torch.float64), h0, lengths=torch.tensor([5, 0]))
    torch.testing.assert_close(h_n[:, 1], h0[:, 1], rtol=0, atol=0)
    assert not out[1].any()


def test_a_small_verify_passes_at_quick():
    got = _statuses(load_target("rnnspec.targets.adapters.paddle:GRUCell"),
                    ["cell_matches_reference", "cell_grads_match_reference"], profile="quick", max_examples=3)
    assert got == {"cell_matches_reference": "passed", "cell_grads_match_reference": "passed"}, got


# --- findings pinned (each confirmed without rnnspec by a script in tests/findings/) ------------------

def test_paddle_layer_without_biases_still_segfaults():
    """confirm_paddle_rnn_without_bias_segfaults.py: hence the LSTM/GRU/SimpleRNN targets do not
    claim no_bias (the cells and the RNN-of-cells targets, built with the same flags, do)."""
    assert not {n for n in ("LSTM", "GRU", "SimpleRNN", "SimpleRNNReLU") if "no_bias" in adapter.TARGETS[n].capabilities}
    assert "no_bias" in adapter.TARGETS["RNNGRUCell"].capabilities and "no_bias" in adapter.TARGETS["GRUCell"].capabilities
    child = textwrap.dedent("""
        import paddle
        paddle.nn.GRU(3, 4, bias_ih_attr=False, bias_hh_attr=False)(paddle.randn([2, 5, 3]))
        print("RETURNED")
    """)
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "RETURNED" not in done.stdout, (done.returncode, done.stdout[-500:])


def test_gru_python_loop_of_rnnbase_still_raises():
    """confirm_paddle_gru_python_loop_raises.py: why the RNN-of-cells targets stack paddle.nn.RNN."""
    layer = paddle.nn.GRU(3, 4)
    layer.could_use_cudnn = False
    with pytest.raises(AttributeError, match="ndim"):
        layer(paddle.randn([2, 5, 3]))


def test_lstmcell_with_projection_still_swaps_its_default_state_shapes():
    """confirm_paddle_lstmcell_proj_default_state_raises.py: RNNLSTMCell fails proj cases without states."""
    cell = paddle.nn.LSTMCell(3, 4, proj_size=2)
    assert cell.state_shape == ((4,), (2,))
    with pytest.raises(ValueError, match="matmul"):
        cell(paddle.randn([2, 3]))


@pytest.mark.parametrize("name, cell, wrong", [
    ("LSTM", "lstm", {"weight_hh_l0_reverse"}),
    ("GRU", "gru", {"input", "h0", "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
                    "bias_hh_l0_reverse"}),
])
def test_fused_kernel_reverse_gradients_are_still_wrong_with_lengths_and_initial_state(name, cell, wrong):
    """confirm_paddle_rnn_reverse_grad_wrong_with_lengths_and_state.py: the forward equals torch,
    these gradients do not (the python loop's do, test above)."""
    config = LayerConfig(cell, 3, 4, bidirectional=True, batch_first=True)
    torch.manual_seed(0)
    ref = _torch_layer(config)
    built = adapter.TARGETS[name].build(config, dict(ref.named_parameters()), dtype=torch.float64)
    out, _, grads = _forward_and_grads(built, config, packed=True)
    want, _, want_grads = _forward_and_grads(ref, config, packed=True)
    torch.testing.assert_close(out, want, rtol=1e-10, atol=1e-12)
    assert {k for k in grads if not torch.allclose(grads[k], want_grads[k], rtol=1e-8, atol=1e-10)} == wrong


def test_fused_kernel_gradients_still_need_train_mode_and_the_weights():
    """confirm_paddle_rnn_grad_needs_weights_and_train_mode.py: why the bridge runs train mode for
    gradients and asks paddle.grad for every weight."""
    layer = paddle.nn.LSTM(3, 4)
    x = paddle.randn([2, 5, 3])
    x.stop_gradient = False
    with pytest.raises(ValueError, match="nullptr"):
        paddle.grad([layer(x)[0].sum()], [x])
    layer.eval()
    with pytest.raises(RuntimeError, match="holds no memory"):
        layer(x)[0].sum().backward()


# --- slow: every target at the quick profile ---------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", ["GRU", "LSTM", "RNNSimpleRNNReLUCell", "LSTMCell"])  # a sample; all: rnnspec matrix
def test_targets_at_quick(name):
    """A sample of the targets passes what it claims at the quick profile, 4 examples (about 5 s a
    target). The fused kernel's wrong reverse gradients (pinned above) are not drawn there:
    grads_match_reference passes on LSTM and GRU at seed 0 at the default profile's 25 examples, and
    fails on GRU at 60 (the case needs bidirectional, packed and an initial state at once; measured
    with paddlepaddle 3.3.1)."""
    results = {v.id: v.status for v in verify(adapter.TARGETS[name], settings=RunSettings(profile="quick",
                                                                                         max_examples=4))}
    assert not {k: s for k, s in results.items() if s not in ("passed", "skipped")}, results
    assert list(results.values()).count("passed") >= 6, results


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="tensorflow is not installed")
def test_the_adapter_refuses_to_import_after_tensorflow_instead_of_crashing():
    """paddle imported after tensorflow is a segmentation fault (confirm_paddle_import_after_tensorflow_segfaults.py):
    the adapter raises ImportError with the reason, which verify and the matrix report as not installed."""
    code = "import tensorflow\nimport rnnspec.targets.adapters.paddle"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "ImportError: paddle would crash this process" in done.stderr, done.stderr[-2000:]
