"""The target computes the spec's equations: outputs, states and gradients equal the references.

Lecture 7 draws the RNN, LSTM and GRU as equations; every implementation must compute exactly
those, under every option, in float32 and float64 (rnnspec.spec.tolerances says how exactly).
"""

import numpy as np
import torch
from hypothesis import strategies as st

from rnnspec.checking.binding import check
from rnnspec.checking.checks import assert_close, assert_grads_close, assert_runs_close, reference_tolerance
from rnnspec.checking.oracle import GradSet, reference_grads, reference_layer
from rnnspec.checking.calls import build, call_cell, call_layer, grad_of, loss, run_layer
from rnnspec.checking.states import as_hx, map_state, states, tensors
from rnnspec.checking.timeouts import backward
from rnnspec.references import np_layers, torch_layers
from rnnspec.cases.strategies import cell_cases, layer_cases


@check("matches_reference")
def test_matches_reference(target, data):
    """output and final states equal the numpy reference, for every cell kind and option"""
    case = data.draw(layer_cases(cells=target.cells, capabilities=target.capabilities), label="case")
    assert_runs_close(run_layer(target, case), reference_layer(case), tol=reference_tolerance(case.tolerance()), case=case)


@check("grads_match_reference")
def test_grads_match_reference(target, data):
    """gradients w.r.t. input, initial state and every parameter equal autograd through the torch reference and the hand-written numpy backward"""
    case = data.draw(layer_cases(cells=target.cells, capabilities=target.capabilities), label="case")
    params = case.params()
    module = build(target, case, params)
    x, hx = tensors(case.input(), requires_grad=True), tensors(case.state(), requires_grad=True)
    backward(loss(case, call_layer(module, case, x, hx)))
    got = GradSet(
        grad_of(x, what="d loss/d input", case=case),
        tuple(grad_of(s, what=f"d loss/d {n}", case=case) for n, s in zip(("h0", "c0"), states(hx))),
        {name: grad_of(p, what=f"d loss/d {name}", case=case) for name, p in module.named_parameters()}
        if "parameters" in target.capabilities else {},
    )
    tol = reference_tolerance(case.tolerance(grad=True))
    assert_grads_close(got, reference_grads(case, params, via="torch"), tol=tol, case=case,
                       label="target vs autograd through the torch reference")
    assert_grads_close(got, reference_grads(case, params, via="numpy"), tol=tol, case=case,
                       label="target vs the numpy backward")


@check("float32_agrees_with_float64")
def test_float32_agrees_with_float64(target, data):
    """float32 and float64 runs of the same case agree within the float32 tolerance"""
    case = data.draw(layer_cases(cells=target.cells, capabilities=target.capabilities, dtype=st.just("float32")),
                     label="case")
    wide = case.replace(dtype="float64")
    params = {k: v.astype(np.float64) for k, v in case.params().items()}
    hx = map_state(lambda s: s.astype(np.float64), case.state())
    got = run_layer(target, case)
    expected = run_layer(target, wide, params, x=tensors(case.input().astype(np.float64)), hx=tensors(hx))
    assert_runs_close(got, expected, tol=reference_tolerance(case.tolerance()), case=case, label="float32 vs float64 ")


@check("cell_matches_reference")
def test_cell_matches_reference(target, data):
    """one step equals the numpy reference cell, for every cell kind and option"""
    case = data.draw(cell_cases(cells=target.cells, capabilities=target.capabilities), label="case")
    x, hx = case.inputs()[0], case.state()
    got = call_cell(build(target, case), case, tensors(x), tensors(hx))
    expected = states(np_layers.cell(case.config, case.params(), x, hx))
    tol = reference_tolerance(case.tolerance())
    for name, g, e in zip(("h'", "c'"), got, expected):
        assert_close(g, e, tol=tol, what=name, case=case)


@check("cell_grads_match_reference")
def test_cell_grads_match_reference(target, data):
    """gradients w.r.t. input, state and every parameter equal autograd through the torch reference"""
    case = data.draw(cell_cases(cells=target.cells, capabilities=target.capabilities), label="case")
    params, x0, hx0 = case.params(), case.inputs()[0], case.state()
    module = build(target, case, params)
    x, hx = tensors(x0, requires_grad=True), tensors(hx0, requires_grad=True)
    backward(loss(case, call_cell(module, case, x, hx)))
    ref_params, ref_x, ref_hx = (tensors(a, requires_grad=True) for a in (params, x0, hx0))
    loss(case, states(torch_layers.cell(case.config, ref_params, ref_x, ref_hx))).backward()

    tol = reference_tolerance(case.tolerance(grad=True))
    assert_close(grad_of(x, what="d loss/d x", case=case), ref_x.grad, tol=tol, what="d loss/d x", case=case)
    for name, g, e in zip(("h", "c"), states(hx), states(ref_hx)):
        what = f"d loss/d {name}"
        assert_close(grad_of(g, what=what, case=case), e.grad, tol=tol, what=what, case=case)
    if "parameters" in target.capabilities:
        for name, p in module.named_parameters():
            what = f"d loss/d {name}"
            assert_close(grad_of(p, what=what, case=case), ref_params[name].grad, tol=tol, what=what, case=case)


@check("cell_unrolled_is_layer")
def test_cell_unrolled_is_layer(target, data):
    """the cell applied step by step over a sequence equals the one-layer reference layer"""
    case = data.draw(cell_cases(cells=target.cells, capabilities=target.capabilities), label="case")
    module, xs, state = build(target, case), case.inputs(), tensors(case.state())
    hs = []
    for t in range(case.seq_len):
        step = call_cell(module, case, tensors(xs[t]), state)  # (h,) or (h, c)
        hs.append(step[0])
        state = as_hx(step)
    layer_params = {k + "_l0": v for k, v in case.params().items()}
    hx = map_state(lambda s: s[None], case.state())  # a one-layer layer's state (1, B, H)
    out, h_n = np_layers.rnn(case.config.as_layer(), layer_params, xs, hx)
    tol = reference_tolerance(case.tolerance(steps=case.seq_len))
    assert_close(torch.stack(hs), out, tol=tol, what="h at every step", case=case)
    for name, g, e in zip(("final h", "final c"), states(state), states(h_n)):
        assert_close(g, e[0], tol=tol, what=name, case=case)
