"""The references checked against each other and against themselves, before anything is checked
against them: numpy == torch for every cell kind and option, autograd's gradients of the torch
reference pass gradcheck, the hand-written numpy backward equals autograd and central
differences, the parameter counts follow the spec's formula, the numpy and torch references
of the connections (section 5) agree, and each gate sits where the registry's gate order says
(rnnspec.spec.CELLS), read from what the gate does when saturated.
"""

import math
import pkgutil

import numpy as np
import torch
from hypothesis import strategies as st

from rnnspec.checking.binding import check
from rnnspec.checking.checks import assert_close, assert_grads_close, assert_identical
from rnnspec.checking.failures import fail
from rnnspec.checking.oracle import reference_grads, reference_layer
from rnnspec.checking.calls import LayerRun, run_layer
from rnnspec.checking.states import as_hx, states, tensors
from rnnspec.properties.blocks import mlp, tensor
from rnnspec.references import np_connections, np_layers, torch_connections, torch_layers
from rnnspec.spec import CELLS, LAYER_CAPABILITIES, cell_kind, layer_layout, parameter_count
from rnnspec.spec.tolerances import FINITE_DIFFERENCES, rounding
from rnnspec.targets import TorchLikeTarget
from rnnspec.cases.strategies import block_cases, cell_cases, layer_cases, layer_configs

ALL_CELLS = tuple(CELLS)


@check("numpy_reference_equals_torch_reference")
def test_numpy_reference_equals_torch_reference(data):
    """the numpy and torch references agree on every cell kind (gru_reset_before included) and option"""
    case = data.draw(layer_cases(cells=ALL_CELLS, capabilities=LAYER_CAPABILITIES), label="layer case")
    c = case.config

    def mask(shape, layer):  # a fixed random mask per layer stands in for dropout's
        return np.random.default_rng([case.seed, 4, layer]).uniform(size=shape).astype(case.dtype)

    def np_dropout(y, layer):
        return y * mask(y.shape, layer)

    def torch_dropout(y, layer):
        return y * tensors(mask(tuple(y.shape), layer))

    params, x, hx = case.params(), case.input(), case.state()
    expected_out, expected_h = np_layers.rnn(c, params, x, hx, lengths=case.lengths, dropout=np_dropout)
    lengths = None if case.lengths is None else torch.tensor(case.lengths)
    out, h = torch_layers.rnn(c, tensors(params), tensors(x), tensors(hx), lengths=lengths, dropout=torch_dropout)
    tol = case.tolerance()
    assert_close(out, expected_out, tol=tol, what="torch reference output vs numpy reference", case=case)
    for name, g, e in zip(("h_n", "c_n"), states(h), states(expected_h)):
        assert_close(g, e, tol=tol, what=f"torch reference {name} vs numpy reference", case=case)

    cell = data.draw(cell_cases(cells=ALL_CELLS, capabilities=LAYER_CAPABILITIES), label="cell case")
    x1, hx1 = cell.inputs()[0], cell.state()
    expected = states(np_layers.cell(cell.config, cell.params(), x1, hx1))
    got = states(torch_layers.cell(cell.config, tensors(cell.params()), tensors(x1), tensors(hx1)))
    for name, g, e in zip(("h'", "c'"), got, expected):
        assert_close(g, e, tol=cell.tolerance(), what=f"torch reference cell {name} vs numpy", case=cell)


@check("torch_reference_gradcheck")
def test_torch_reference_gradcheck(data):
    """torch.autograd.gradcheck passes on the torch references in float64"""
    configs = layer_configs(cells=ALL_CELLS, capabilities=LAYER_CAPABILITIES, max_size=3)
    case = data.draw(layer_cases(cells=ALL_CELLS, capabilities=LAYER_CAPABILITIES, configs=configs, max_seq_len=3,
                                 max_batch=2, dtype=st.just("float64")), label="case")
    params = tensors(case.params(), requires_grad=True)
    names = list(params)
    x = tensors(case.input(), requires_grad=True)
    hx = states(tensors(case.state(), requires_grad=True))  # () when the case omits it
    lengths = None if case.lengths is None else torch.tensor(case.lengths)

    def f(x, *rest):
        state, p = as_hx(rest[: len(hx)]), dict(zip(names, rest[len(hx) :]))
        out, h = torch_layers.rnn(case.config, p, x, state, lengths=lengths)
        return (out, *states(h))

    inputs = (x, *hx, *(params[n] for n in names))
    try:
        torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)
    except Exception as e:  # gradcheck raises GradcheckError with the Jacobians in its message
        fail(f"gradcheck failed on the torch reference: {str(e)[:2000]}", case=case)


@check("parameter_count_formula")
def test_parameter_count_formula(data):
    """the closed-form parameter count equals the layout's and torch's built-ins' count"""
    config = data.draw(layer_configs(cells=ALL_CELLS, capabilities=LAYER_CAPABILITIES, max_size=12, max_layers=3),
                       label="config")
    layout = layer_layout(config)
    by_layout = sum(math.prod(shape) for _, shape in layout)
    if by_layout != parameter_count(config):
        fail(f"the formula gives {parameter_count(config)}, the layout {by_layout}", case=config)
    kind = cell_kind(config.cell)
    if kind.torch_layer is None:
        return
    extra = dict(kind.torch_kwargs)
    if config.proj_size:
        extra["proj_size"] = config.proj_size
    module = pkgutil.resolve_name(kind.torch_layer)(config.input_size, config.hidden_size, num_layers=config.num_layers,
                                             bias=config.bias, bidirectional=config.bidirectional, **extra)
    got = [(n, tuple(p.shape)) for n, p in module.named_parameters()]
    if got != layout:
        fail(f"{kind.torch_layer}'s parameters differ from the canonical layout", case=config,
             details=f"  torch: {got}\n  spec:  {layout}")


@check("connections_numpy_equals_torch")
def test_connections_numpy_equals_torch(data):
    """the numpy and torch references of residual, dense, highway and stacked connections agree"""
    case = data.draw(block_cases(), label="case")
    w, x = case.mlp_weights(0), case.input()

    def np_f(v):
        return np.tanh(v @ w["w1"].T + w["b1"]) @ w["w2"].T + w["b2"]

    t_f, tx = mlp(w), tensor(x)
    np_layers_ = [lambda v, k=k: np.tanh(v @ np.ones((2, v.shape[-1])).T * 0.1 * (k + 1)) for k in range(case.depth)]
    t_layers = [lambda v, k=k: torch.tanh(v @ torch.ones(2, v.shape[-1], dtype=v.dtype).t() * 0.1 * (k + 1))
                for k in range(case.depth)]
    rng = np.random.default_rng([case.seed, 12])
    w_t, b_t = rng.uniform(-1, 1, (case.features, case.features)), rng.uniform(-1, 1, case.features)
    same_size = [np_f] * case.depth
    pairs = {
        "residual": (np_connections.residual(x, np_f), torch_connections.residual(tx, t_f)),
        "dense": (np_connections.dense(x, np_layers_), torch_connections.dense(tx, t_layers)),
        "highway": (np_connections.highway(x, np_f, w_t, b_t),
                    torch_connections.highway(tx, t_f, tensor(w_t), tensor(b_t))),
        "residual_stack": (np_connections.residual_stack(x, same_size),
                           torch_connections.residual_stack(tx, [t_f] * case.depth)),
        "plain_stack": (np_connections.plain_stack(x, same_size), torch_connections.plain_stack(tx, [t_f] * case.depth)),
    }
    for name, (expected, got) in pairs.items():
        assert_close(got, expected, tol=case.tolerance(), what=f"{name}: torch vs numpy", case=case)


SATURATED = 1000.0  # sigmoid(+-1000 + ...) is exactly 1 or 0 and tanh(1000 + ...) exactly 1, in float32 and float64
GATED_CELLS = ("lstm", "gru", "gru_reset_before")  # the cell kinds whose weights stack more than one gate's block


def _saturated(case, gates: dict[str, int]) -> dict:
    """The case's parameters with each named gate's rows of every bias_ih moved by sign * SATURATED,
    the rows found where the registry's gate order (CELLS[cell].gates) puts that gate."""
    order, H = cell_kind(case.config.cell).gates, case.config.hidden_size
    params = case.params()
    for name, value in params.items():
        if name.startswith("bias_ih"):
            for gate, sign in gates.items():
                k = order.index(gate)
                value[k * H : (k + 1) * H] += sign * SATURATED
    return params


def _runs(case, params, hx):
    """(who, LayerRun) from state ``hx``: the numpy reference, the torch reference, and torch's
    built-in where the cell kind has one."""
    yield "numpy reference", reference_layer(case, params, hx=hx)
    lengths = None if case.lengths is None else torch.tensor(case.lengths)
    out, h = torch_layers.rnn(case.config, tensors(params), tensors(case.input()), tensors(hx), lengths=lengths)
    yield "torch reference", LayerRun(out, states(h))
    builtin = cell_kind(case.config.cell).torch_layer
    if builtin is not None:
        target = TorchLikeTarget(pkgutil.resolve_name(builtin), like=builtin, cells=(case.config.cell,))
        yield builtin, run_layer(target, case, params, hx=tensors(hx))


def _lstm_gates_do_what_they_are_named_for(case):
    h0, c0 = case.state()
    for who, run in _runs(case, _saturated(case, {"f": +1, "i": -1}), (h0, c0)):
        assert_identical(run.states[1], c0, what=f"{who}: c_n with f open and i shut vs c_0", case=case)
    for who, run in _runs(case, _saturated(case, {"f": -1, "i": +1, "g": +1}), (h0, c0)):
        assert_identical(run.states[1], np.ones_like(c0), what=f"{who}: c_n with f shut, i open and g at 1 vs 1",
                         case=case)
    for who, run in _runs(case, _saturated(case, {"o": -1}), (h0, c0)):
        assert_identical(run.output, np.zeros(tuple(run.output.shape)), what=f"{who}: output with o shut vs 0",
                         case=case)
        assert_identical(run.states[0], np.zeros_like(h0), what=f"{who}: h_n with o shut vs 0", case=case)


def _gru_gates_do_what_they_are_named_for(case):
    h0 = case.state()
    # h' = (1 - z)*n + z*h is h exactly at z = 1, but torch's n + z*(h - n) may round: a few ulps a step
    tol = rounding(case.dtype, ulps=4 * case.seq_len)
    for who, run in _runs(case, _saturated(case, {"z": +1}), h0):
        assert_close(run.states[0], h0, tol=tol, what=f"{who}: h_n with z at 1 vs h_0", case=case)
    # r and z shut: h' = n, and n does not read h (gru: r*(W_hn h + b_hn) = 0; gru_reset_before: W_hn (r*h) = 0)
    shut, moved = _saturated(case, {"r": -1, "z": -1}), 2 * h0 + 1
    for (who, run), (_, other) in zip(_runs(case, shut, h0), _runs(case, shut, moved)):
        for what, got, expected in (("output", run.output, other.output), ("h_n", run.states[0], other.states[0])):
            assert_identical(got, expected, what=f"{who}: {what} with r and z shut, from h_0 vs from 2*h_0 + 1",
                             case=case)
    for who, run in _runs(case, _saturated(case, {"n": +1, "z": -1}), h0):
        assert_identical(run.states[0], np.ones_like(h0), what=f"{who}: h_n with n at 1 and z shut vs 1", case=case)


@check("registry_gate_order_names_each_gate")
def test_registry_gate_order_names_each_gate(data):
    """each gate at its place in the registry's gate order (CELLS[cell].gates) has that gate's effect when saturated (lstm: f open and i shut keep c, f shut and i, g open give c = 1, o shut gives h = 0; gru: z at 1 keeps h, r and z shut cut h off, n at 1 with z shut gives h = 1) in the numpy and torch references and torch's built-ins"""
    for cell in GATED_CELLS:  # every kind in every example: a misplaced name fails the first example
        configs = layer_configs(cells=[cell], capabilities=LAYER_CAPABILITIES, bias=st.just(True))
        case = data.draw(layer_cases(cells=[cell], capabilities=LAYER_CAPABILITIES, configs=configs,
                                     with_state=st.just(True)), label=f"{cell} case")
        if cell == "lstm":
            _lstm_gates_do_what_they_are_named_for(case)
        else:
            _gru_gates_do_what_they_are_named_for(case)


def _no_dropout_cases(**options):
    caps = set(LAYER_CAPABILITIES) - {"dropout"}
    return layer_cases(cells=ALL_CELLS, capabilities=caps, dtype=st.just("float64"), **options)


@check("numpy_backward_matches_autograd")
def test_numpy_backward_matches_autograd(data):
    """the hand-written numpy backward through time equals autograd through the torch reference, in float64, for every cell kind and option"""
    case = data.draw(_no_dropout_cases(), label="case")
    params = case.params()
    assert_grads_close(reference_grads(case, params, via="numpy"), reference_grads(case, params, via="torch"),
                       tol=case.tolerance(grad=True),
                       case=case, label="numpy backward vs autograd through the torch reference")


@check("numpy_backward_matches_finite_differences")
def test_numpy_backward_matches_finite_differences(data):
    """the numpy backward's directional derivatives equal central finite differences of the numpy forward"""
    configs = layer_configs(cells=ALL_CELLS, capabilities=set(LAYER_CAPABILITIES) - {"dropout"}, max_size=3)
    case = data.draw(_no_dropout_cases(configs=configs, max_seq_len=3, max_batch=2), label="case")
    params, x, hx = case.params(), case.input(), case.state()
    grads = reference_grads(case, params, via="numpy")

    def value(params, x, hx):
        out, h = np_layers.rnn(case.config, params, x, hx, lengths=case.lengths)
        return sum(float((t * case.loss_weights(t.shape, salt=k)).sum()) for k, t in enumerate((out, *states(h))))

    rng = np.random.default_rng([case.seed, 13])
    eps = 1e-6  # the step FINITE_DIFFERENCES is made for
    for k in range(3):  # three random directions through every input at once
        v_p = {n: rng.standard_normal(a.shape) for n, a in params.items()}
        v_x = rng.standard_normal(x.shape)
        v_h = tuple(rng.standard_normal(s.shape) for s in states(hx))

        def moved(sign):
            p = {n: a + sign * eps * v_p[n] for n, a in params.items()}
            h = as_hx(s + sign * eps * v for s, v in zip(states(hx), v_h))
            return value(p, x + sign * eps * v_x, h)

        numeric = (moved(+1) - moved(-1)) / (2 * eps)
        analytic = float((grads.input * v_x).sum() + sum((g * v).sum() for g, v in zip(grads.states, v_h))
                         + sum((grads.params[n] * v_p[n]).sum() for n in params))
        assert_close(np.array(analytic), np.array(numeric), tol=FINITE_DIFFERENCES,
                     what=f"directional derivative {k}: numpy backward vs central differences", case=case)
