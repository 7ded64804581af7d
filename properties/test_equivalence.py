"""The target computes the spec's function: outputs, states and gradients against the references.

Lecture 7 draws the RNN, LSTM and GRU as equations; every implementation must compute exactly
those, under every option, in float32 and float64 (rnnspec.spec.tolerances says how exactly).
"""

import numpy as np
import torch
from hypothesis import strategies as st

from rnnspec.checks import assert_close
from rnnspec.binding import check
from rnnspec.checks import assert_grads_close, assert_runs_close
from rnnspec.oracle import GradSet, reference_grads, reference_layer
from rnnspec.running import build, call_cell, call_layer, grad_of, loss, run_layer
from rnnspec.states import states, tensors
from rnnspec.timeouts import backward
from reference_impls import np_layers, torch_layers
from rnnspec.spec import tolerance
from rnnspec.strategies import cell_cases, layer_cases



@check("matches_reference")
def test_matches_reference(target, data):
    case = data.draw(layer_cases(cells=target.cells, capabilities=target.capabilities), label="case")
    assert_runs_close(run_layer(target, case), reference_layer(case), tol=case.tolerance(), case=case)


@check("grads_match_reference")
def test_grads_match_reference(target, data):
    case = data.draw(layer_cases(cells=target.cells, capabilities=target.capabilities), label="case")
    params = case.params()
    module = build(target, case, params)
    x, hx = tensors(case.input(), requires_grad=True), tensors(case.state(), requires_grad=True)
    backward(loss(case, call_layer(module, case, x, hx)))
    got = GradSet(
        grad_of(x, what="d loss/d input", case=case),
        tuple(grad_of(s, what=f"d loss/d {n}", case=case) for n, s in zip(("h0", "c0"), states(hx))) if hx is not None
        else (),
        {name: grad_of(p, what=f"d loss/d {name}", case=case) for name, p in module.named_parameters()}
        if "parameters" in target.capabilities else {},
    )
    tol = case.tolerance(grad=True)
    assert_grads_close(got, reference_grads(case, params, via="torch"), tol=tol, case=case,
                       label="target vs autograd through the torch reference")
    assert_grads_close(got, reference_grads(case, params, via="numpy"), tol=tol, case=case,
                       label="target vs the numpy backward")


@check("float32_agrees_with_float64")
def test_float32_agrees_with_float64(target, data):
    case = data.draw(layer_cases(cells=target.cells, capabilities=target.capabilities, dtype=st.just("float32")),
                     label="case")
    wide = case.replace(dtype="float64")
    params = {k: v.astype(np.float64) for k, v in case.params().items()}
    hx = case.state()
    hx = None if hx is None else tuple(np.float64(s) for s in states(hx))
    hx = hx if hx is None or len(hx) == 2 else hx[0]
    got = run_layer(target, case)
    expected = run_layer(target, wide, params, x=tensors(case.input().astype(np.float64)), hx=tensors(hx))
    assert_runs_close(got, expected, tol=case.tolerance(), case=case, label="float32 vs float64 ")


@check("cell_matches_reference")
def test_cell_matches_reference(target, data):
    case = data.draw(cell_cases(cells=target.cells, capabilities=target.capabilities), label="case")
    x, hx = case.inputs()[0], case.state()
    got = call_cell(build(target, case), case, tensors(x), tensors(hx))
    expected = states(np_layers.cell(case.config, case.params(), x, hx))
    tol = tolerance(case.dtype)
    for name, g, e in zip(("h'", "c'"), got, expected):
        assert_close(g, e, tol=tol, what=name, case=case)


@check("cell_grads_match_reference")
def test_cell_grads_match_reference(target, data):
    case = data.draw(cell_cases(cells=target.cells, capabilities=target.capabilities), label="case")
    params, x0, hx0 = case.params(), case.inputs()[0], case.state()
    module = build(target, case, params)
    x, hx = tensors(x0, requires_grad=True), tensors(hx0, requires_grad=True)
    backward(loss(case, call_cell(module, case, x, hx)))
    ref_params, ref_x, ref_hx = (tensors(a, requires_grad=True) for a in (params, x0, hx0))
    loss(case, states(torch_layers.cell(case.config, ref_params, ref_x, ref_hx))).backward()

    tol = tolerance(case.dtype, grad=True)
    assert_close(grad_of(x, what="d loss/d x", case=case), ref_x.grad, tol=tol, what="d loss/d x", case=case)
    if hx is not None:
        for k, (g, e) in enumerate(zip(states(hx), states(ref_hx))):
            what = f"d loss/d {('h', 'c')[k]}"
            assert_close(grad_of(g, what=what, case=case), e.grad, tol=tol, what=what, case=case)
    if "parameters" in target.capabilities:
        for name, p in module.named_parameters():
            what = f"d loss/d {name}"
            assert_close(grad_of(p, what=what, case=case), ref_params[name].grad, tol=tol, what=what, case=case)


@check("cell_unrolled_is_layer")
def test_cell_unrolled_is_layer(target, data):
    case = data.draw(cell_cases(cells=target.cells, capabilities=target.capabilities), label="case")
    module, xs, state = build(target, case), case.inputs(), tensors(case.state())
    hs = []
    for t in range(case.seq_len):
        state = call_cell(module, case, tensors(xs[t]), state)
        hs.append(state[0])
        state = state if len(state) == 2 else state[0]
    layer_params = {k + "_l0": v for k, v in case.params().items()}
    hx = case.state()
    hx = None if hx is None else tuple(s[None] for s in states(hx))
    hx = hx if hx is None or len(hx) == 2 else hx[0]
    out, h_n = np_layers.rnn(case.config.as_layer(), layer_params, xs, hx)
    tol = tolerance(case.dtype, seq_len=case.seq_len)
    assert_close(torch.stack(hs), out, tol=tol, what="h at every step", case=case)
    for name, g, e in zip(("final h", "final c"), states(state), states(h_n)):
        assert_close(g, e[0], tol=tol, what=name, case=case)
