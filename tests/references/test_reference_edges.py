"""The references at the edges the property strategies do not draw, each against torch's built-ins
given the same weights: float32 end to end (forward and the numpy backward), unbatched input,
no initial state and no loss on h_n, no bias, GRU/RNN returning one state, the torch-API
reference modules' constructors, initialisation, dropout, packed input and swappable step.

These are the blind spots mutation testing found (docs/mutation.md): each test is small and
deterministic, and compares with torch, not with another reference.
"""

import math

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnspec.references import np_bptt, np_cells, np_layers, torch_layers, torch_modules
from rnnspec.references.params import direction_params
from rnnspec.spec import CellConfig, LayerConfig, layer_layout

BUILTIN = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn_tanh": torch.nn.RNN, "rnn_relu": torch.nn.RNN}
BUILTIN_CELL = {"lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell, "rnn_tanh": torch.nn.RNNCell}


def _builtin(config: LayerConfig, dtype=torch.float64):
    torch.manual_seed(0)
    options = dict(num_layers=config.num_layers, bias=config.bias, batch_first=config.batch_first,
                   bidirectional=config.bidirectional, dtype=dtype)
    if config.proj_size:
        options["proj_size"] = config.proj_size
    if config.cell == "rnn_relu":
        options["nonlinearity"] = "relu"
    return BUILTIN[config.cell](config.input_size, config.hidden_size, **options)


def _numpy_params(module):
    return {name: p.detach().numpy().copy() for name, p in module.named_parameters()}


def _x(*shape, dtype=np.float64, seed=1):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _states(h):
    return h if isinstance(h, tuple) else (h,)


def _close(got, expected, *, rtol):
    np.testing.assert_allclose(got, expected.detach().numpy() if torch.is_tensor(expected) else expected,
                               rtol=rtol, atol=rtol)


# ---- the numpy backward in float32, unbatched, with its defaults --------------------------------

def _torch_grads(module, x, hx, d_out, d_h, lengths=None):
    """Autograd through the built-in: gradients of sum(out * d_out) + sum(h_n * d_h)."""
    x = torch.tensor(x, requires_grad=True)
    hx = None if hx is None else tuple(torch.tensor(s, requires_grad=True) for s in _states(hx))
    packed = lengths is not None
    if packed:
        inp = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
    else:
        inp = x
    h_arg = None if hx is None else hx if len(hx) == 2 else hx[0]
    out, h = module(inp, h_arg)
    if packed:
        out = pad_packed_sequence(out, total_length=x.shape[0])[0]
    loss = (out * torch.tensor(d_out)).sum()
    if d_h is not None:
        loss = loss + sum((s * torch.tensor(w)).sum() for s, w in zip(_states(h), _states(d_h)))
    loss.backward()
    return x.grad, None if hx is None else tuple(s.grad for s in hx), dict(module.named_parameters())


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
def test_numpy_backward_in_float32_keeps_float32_and_matches_torch(cell):
    config = LayerConfig(cell, 3, 4, num_layers=2, bidirectional=True)
    module = _builtin(config, torch.float32)
    params = _numpy_params(module)
    lengths = np.array([5, 2, 4])
    x, hx = _x(5, 3, 3, dtype=np.float32), tuple(_x(4, 3, 4, dtype=np.float32, seed=2 + k) for k in range(2))
    hx = hx if cell == "lstm" else hx[0]
    out, h, tape = np_bptt.forward(config, params, x, hx, lengths=lengths)
    d_out, d_h = _x(*out.shape, dtype=np.float32, seed=7), tuple(_x(*s.shape, dtype=np.float32, seed=8) for s in _states(h))
    d_h = d_h if cell == "lstm" else d_h[0]
    grads = np_bptt.backward(tape, d_out, d_h)
    dx, dhx, named = _torch_grads(module, x, hx, d_out, d_h, lengths=lengths)
    assert grads.input.dtype == np.float32
    _close(grads.input, dx, rtol=1e-4)
    for got, expected in zip(_states(grads.state), dhx):
        assert got.dtype == np.float32
        _close(got, expected, rtol=1e-4)
    for name, p in named.items():
        assert grads.params[name].dtype == np.float32, name
        _close(grads.params[name], p.grad, rtol=1e-4)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_numpy_backward_unbatched_with_and_without_a_loss_on_h_n(cell):
    config = LayerConfig(cell, 3, 4, bidirectional=True)
    module = _builtin(config)
    params = _numpy_params(module)
    x = _x(5, 3)  # (T, I): no batch axis
    out, h, tape = np_bptt.forward(config, params, x)
    assert out.shape == (5, 8) and all(s.shape == (2, 4) for s in _states(h))
    d_out = _x(*out.shape, seed=3)
    d_h = tuple(_x(*s.shape, seed=4 + k) for k, s in enumerate(_states(h)))
    d_h = d_h if cell == "lstm" else d_h[0]
    for loss_on_h_n in (None, d_h):  # d_h=None: no loss on h_n, the default
        grads = np_bptt.backward(tape, d_out, loss_on_h_n)
        module.zero_grad()
        zero_h = tuple(np.zeros_like(s) for s in _states(h))
        dx, dhx, named = _torch_grads(module, x, zero_h if cell == "lstm" else zero_h[0], d_out, loss_on_h_n)
        _close(grads.input, dx, rtol=1e-10)
        for got, expected in zip(_states(grads.state), dhx):
            _close(got, expected, rtol=1e-10)
        for name, p in named.items():
            _close(grads.params[name], p.grad, rtol=1e-10)


@pytest.mark.parametrize("cell, n_states", [("lstm", 2), ("gru", 1), ("rnn_tanh", 1)])
def test_numpy_backward_returns_the_state_gradient_laid_out_like_hx(cell, n_states):
    config = LayerConfig(cell, 3, 4, num_layers=2)
    params = _numpy_params(_builtin(config))
    out, h, tape = np_bptt.forward(config, params, _x(5, 2, 3))
    grads = np_bptt.backward(tape, np.ones_like(out))
    if n_states == 2:
        assert isinstance(grads.state, tuple) and [s.shape for s in grads.state] == [(2, 2, 4)] * 2
    else:
        assert isinstance(grads.state, np.ndarray) and grads.state.shape == (2, 2, 4)


@pytest.mark.parametrize("cell", ["lstm", "gru", "gru_reset_before", "rnn_tanh"])
@pytest.mark.parametrize("bias", [True, False])
def test_a_cells_backward_step_returns_none_for_what_it_has_not(cell, bias):
    """step_backward -> (d pre, d state, dW_hh, db_hh, dW_hr): db_hh None without bias, dW_hr None without a projection."""
    config = LayerConfig(cell, 3, 4, bias=bias)
    params = {name: _x(*shape, seed=k) for k, (name, shape) in enumerate(layer_layout(config))}
    _, h, tape = np_bptt.forward(config, params, _x(2, 2, 3))
    d_state = tuple(np.ones_like(s[0]) for s in _states(h))
    _, _, dw_hh, db_hh, dw_hr = np_cells.BACKWARD_STEPS[cell](d_state, tape.saved[0, 0][-1], direction_params(params, 0, 0))
    assert dw_hh.shape == params["weight_hh_l0"].shape
    assert dw_hr is None
    if bias:
        assert db_hh.shape == params["bias_hh_l0"].shape
    else:
        assert db_hh is None


# ---- the forward's dtypes, defaults and return forms ------------------------------------------

@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_numpy_forward_in_float32_without_hx_stays_float32(cell):
    config = LayerConfig(cell, 3, 4, bidirectional=True)
    module = _builtin(config, torch.float32)
    x = _x(5, 2, 3, dtype=np.float32)
    out, h = np_layers.rnn(config, _numpy_params(module), x)
    expected_out, expected_h = module(torch.tensor(x))
    assert out.dtype == np.float32 and all(s.dtype == np.float32 for s in _states(h))
    _close(out, expected_out, rtol=1e-5)
    for got, expected in zip(_states(h), _states(expected_h)):
        _close(got, expected, rtol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn_tanh"])
@pytest.mark.parametrize("unbatched", [False, True])
def test_numpy_and_torch_cells_match_torchs_cell_unbatched_and_in_float32(cell, unbatched):
    torch.manual_seed(0)
    module = BUILTIN_CELL[cell](3, 4)
    config = CellConfig(cell, 3, 4)
    x = _x(3, dtype=np.float32) if unbatched else _x(2, 3, dtype=np.float32)
    expected = module(torch.tensor(x))
    got_np = np_layers.cell(config, _numpy_params(module), x)
    got_torch = torch_layers.cell(config, dict(module.named_parameters()), torch.tensor(x))
    for got in (got_np, got_torch):
        assert isinstance(got, tuple) == (cell == "lstm")  # (h', c') for LSTM, h' alone otherwise
        for g, e in zip(_states(got), _states(expected)):
            assert tuple(g.shape) == tuple(e.shape) and str(g.dtype).endswith("float32")
            _close(g.detach().numpy() if torch.is_tensor(g) else g, e, rtol=1e-5)


@pytest.mark.parametrize("cell", ["gru", "rnn_tanh"])
def test_a_layer_without_a_cell_state_returns_h_n_alone(cell):
    config = LayerConfig(cell, 3, 4)
    module = _builtin(config)
    x = _x(5, 2, 3)
    _, h_np = np_layers.rnn(config, _numpy_params(module), x)
    _, h_torch = torch_layers.rnn(config, dict(module.named_parameters()), torch.tensor(x))
    assert isinstance(h_np, np.ndarray) and h_np.shape == (1, 2, 4)
    assert torch.is_tensor(h_torch) and tuple(h_torch.shape) == (1, 2, 4)


def test_run_direction_runs_forward_in_time_by_default():
    config = LayerConfig("gru", 3, 4)
    module = _builtin(config)
    params, x = _numpy_params(module), _x(5, 2, 3)
    expected, _ = module(torch.tensor(x))
    state = (np.zeros((2, 4)),)
    out_np, _ = np_layers.run_direction(np_cells.STEPS["gru"], x, state, direction_params(params, 0, 0))
    out_torch, _ = torch_layers.run_direction(torch_layers.STEPS["gru"], torch.tensor(x), (torch.zeros(2, 4, dtype=torch.float64),),
                                              direction_params(dict(module.named_parameters()), 0, 0))
    _close(out_np, expected, rtol=1e-10)
    _close(out_torch.detach().numpy(), expected, rtol=1e-10)


# ---- the torch-API reference modules -----------------------------------------------------------

LAYER_MODULES = [("RNN", torch.nn.RNN), ("LSTM", torch.nn.LSTM), ("GRU", torch.nn.GRU)]
CELL_MODULES = [("RNNCell", torch.nn.RNNCell), ("LSTMCell", torch.nn.LSTMCell), ("GRUCell", torch.nn.GRUCell)]
TORCH_OPTIONS = ("num_layers", "bias", "batch_first", "dropout", "bidirectional", "proj_size")


@pytest.mark.parametrize("name, builtin", LAYER_MODULES)
def test_a_reference_module_has_its_builtins_defaults(name, builtin):
    ours, theirs = getattr(torch_modules, name)(3, 4), builtin(3, 4)
    for option in TORCH_OPTIONS:
        if option != "proj_size" or name == "LSTM":
            assert getattr(ours.config, option) == getattr(theirs, option), option
    if name == "RNN":
        assert ours.config.cell == f"rnn_{theirs.nonlinearity}"
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]


@pytest.mark.parametrize("name, builtin", CELL_MODULES)
def test_a_reference_cell_module_has_its_builtins_defaults(name, builtin):
    ours, theirs = getattr(torch_modules, name)(3, 4), builtin(3, 4)
    assert ours.config.bias == theirs.bias
    if name == "RNNCell":
        assert ours.config.cell == f"rnn_{theirs.nonlinearity}"
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
           [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]


def test_options_given_to_a_reference_module_reach_its_config():
    lstm = torch_modules.LSTM(3, 8, 2, False, True, 0.25, True, 5)
    assert lstm.config == LayerConfig("lstm", 3, 8, num_layers=2, bias=False, batch_first=True, dropout=0.25,
                                      bidirectional=True, proj_size=5)
    rnn = torch_modules.RNN(3, 8, 2, "relu", False, True, 0.25, True)
    assert rnn.config == LayerConfig("rnn_relu", 3, 8, num_layers=2, bias=False, batch_first=True, dropout=0.25,
                                     bidirectional=True)
    assert torch_modules.RNNCell(3, 8, False, "relu").config == CellConfig("rnn_relu", 3, 8, bias=False)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "linear"])
def test_rnn_reference_modules_take_each_nonlinearity(nonlinearity):
    assert torch_modules.RNN(3, 4, nonlinearity=nonlinearity).config.cell == f"rnn_{nonlinearity}"
    assert torch_modules.RNNCell(3, 4, nonlinearity=nonlinearity).config.cell == f"rnn_{nonlinearity}"


def test_an_unknown_nonlinearity_is_refused_by_name():
    with pytest.raises(ValueError) as raised:
        torch_modules.RNN(3, 4, nonlinearity="sigmoid")
    assert str(raised.value) == "nonlinearity='sigmoid'; expected 'tanh', 'relu' or 'linear'"


@pytest.mark.parametrize("make", [lambda: torch_modules.LSTM(3, 16, 2, bidirectional=True), lambda: torch_modules.GRUCell(3, 16)])
def test_reference_modules_initialise_like_torch_uniformly_within_one_over_sqrt_hidden(make):
    torch.manual_seed(0)
    values = torch.cat([p.detach().reshape(-1) for p in make().parameters()])
    k = 1 / math.sqrt(16)
    assert values.abs().max() <= k
    assert values.min() < -0.9 * k and values.max() > 0.9 * k  # the whole of (-k, k), not a part
    assert abs(float(values.mean())) < 0.1 * k


def _load(ours, theirs):
    ours.load_state_dict(theirs.state_dict())
    return ours


@pytest.mark.parametrize("training", [False, True])
def test_a_reference_modules_dropout_is_torchs(training):
    """dropout=0 drops nothing in training, dropout>0 drops nothing in eval, dropout=1 drops every upper input."""
    x = torch.randn(4, 2, 3, dtype=torch.float64)
    for dropout in (0.0, 0.5, 1.0):
        torch.manual_seed(0)
        theirs = torch.nn.LSTM(3, 4, 2, dropout=dropout, dtype=torch.float64)
        ours = _load(torch_modules.LSTM(3, 4, 2, dropout=dropout).double(), theirs)
        ours.train(training), theirs.train(training)
        if training and dropout == 0.5:
            continue  # random masks: torch and the reference draw them differently
        (out, (h, c)), (e_out, (e_h, e_c)) = ours(x), theirs(x)
        for got, expected in ((out, e_out), (h, e_h), (c, e_c)):
            _close(got.detach().numpy(), expected, rtol=1e-10)


def test_a_reference_module_takes_a_packed_sequence_and_returns_one():
    torch.manual_seed(0)
    theirs = torch.nn.GRU(3, 4, bidirectional=True, dtype=torch.float64)
    ours = _load(torch_modules.GRU(3, 4, bidirectional=True).double(), theirs)
    x = torch.randn(5, 3, 3, dtype=torch.float64)
    packed = pack_padded_sequence(x, torch.tensor([2, 5, 3]), enforce_sorted=False)
    (out, h), (e_out, e_h) = ours(packed), theirs(packed)
    assert isinstance(out, type(e_out))
    _close(pad_packed_sequence(out)[0].detach().numpy(), pad_packed_sequence(e_out)[0], rtol=1e-10)
    _close(h.detach().numpy(), e_h, rtol=1e-10)


def test_a_subclass_swaps_the_step_and_the_direction():
    calls = []

    def step(gi, state, p):
        calls.append("step")
        return torch_layers.STEPS["gru"](gi, state, p)

    def direction(*args, **kwargs):
        calls.append("direction")
        return torch_layers.run_direction(*args, **kwargs)

    class Counted(torch_modules.GRU):
        pass

    Counted.step, Counted.direction = staticmethod(step), staticmethod(direction)
    torch.manual_seed(0)
    theirs = torch.nn.GRU(3, 4, dtype=torch.float64)
    ours = _load(Counted(3, 4).double(), theirs)
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    _close(ours(x)[0].detach().numpy(), theirs(x)[0], rtol=1e-10)
    assert calls == ["direction"] + ["step"] * 5
