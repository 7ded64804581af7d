"""float16 and bfloat16: a kernel in reduced precision is as accurate as torch in that precision.

No fixed tolerance separates a faithful float16 kernel from a sloppy one, so each case is judged
by torch: the float32 case's weights, inputs and states are rounded to the dtype; the target,
torch's built-in and rnnspec's torch reference (plain torch code) all run on them in the dtype;
and the target's largest error against the float64 reference on the same values may be at most
rnnspec.spec.tolerances.REDUCED_ERROR_MULTIPLE times the worse of the two (rnnspec.checking.reduced).
These run only under ``--dtype float16`` or ``--dtype bfloat16``.
"""

from hypothesis import strategies as st

from rnnspec.checking.binding import check
from rnnspec.checking.oracle import reference_grads, reference_layer
from rnnspec.checking.reduced import assert_within_torch, in_dtype, rounded, widened, yardsticks
from rnnspec.checking.calls import build, call_cell, call_layer, grad_of, loss
from rnnspec.spec.settings import active
from rnnspec.checking.states import states
from rnnspec.cases.strategies import cell_cases, layer_cases
from rnnspec.checking.timeouts import backward
from rnnspec.references import np_layers

_FLOAT32 = st.just("float32")  # the case drawn; its arrays are then rounded to the run's dtype


def _rounded_case(case, inputs):
    """The run's dtype and the case's parameters, ``inputs`` and state rounded to it (float32 arrays)."""
    dtype = active().dtype
    return dtype, rounded(case.params(), dtype), rounded(inputs, dtype), rounded(case.state(), dtype)


def _run(target, case, params, x, hx, dtype) -> list:
    """The layer's output and final states, in the dtype."""
    run = call_layer(build(target, case, params, dtype=dtype), case, in_dtype(x, dtype), in_dtype(hx, dtype))
    return [run.output, *run.states]


@check("reduced_matches_reference")
def test_reduced_matches_reference(target, data):
    """in float16 or bfloat16, output and final states are within 4 times torch's error (its built-in's or plain torch code's in the dtype) of the float64 reference on the same rounded weights and inputs"""
    case = data.draw(layer_cases(cells=target.cells, capabilities=target.capabilities, dtype=_FLOAT32), label="case")
    dtype, params, x, hx = _rounded_case(case, case.input())
    got = _run(target, case, params, x, hx, dtype)
    by = {t.name: _run(t, case, params, x, hx, dtype) for t in yardsticks(case.config.cell, "layer")}
    expected = reference_layer(case, widened(params), x=widened(x), hx=widened(hx))
    for k, (name, e) in enumerate(zip(("output", "h_n", "c_n"), (expected.output, *expected.states))):
        assert_within_torch(got[k], {n: r[k] for n, r in by.items()}, e, dtype=dtype, what=name, case=case)


def _grads(target, case, params, x, hx, dtype) -> dict:
    """d loss / d (input, initial state, each parameter) of the target run in the dtype."""
    module = build(target, case, params, dtype=dtype)
    x, hx = in_dtype(x, dtype, requires_grad=True), in_dtype(hx, dtype, requires_grad=True)
    backward(loss(case, call_layer(module, case, x, hx)))
    leaves = {"input": x, **dict(zip(("h0", "c0"), states(hx)))}
    if "parameters" in target.capabilities:
        leaves.update(module.named_parameters())
    return {f"d loss/d {name}": grad_of(t, what=f"d loss/d {name}", case=case) for name, t in leaves.items()}


@check("reduced_grads_match_reference")
def test_reduced_grads_match_reference(target, data):
    """in float16 or bfloat16, gradients w.r.t. input, initial state and every parameter are within 4 times torch's error (its built-in's or plain torch code's in the dtype) of the float64 reference's"""
    case = data.draw(layer_cases(cells=target.cells, capabilities=target.capabilities, dtype=_FLOAT32), label="case")
    dtype, params, x, hx = _rounded_case(case, case.input())
    got = _grads(target, case, params, x, hx, dtype)
    by = {t.name: _grads(t, case, params, x, hx, dtype) for t in yardsticks(case.config.cell, "layer")}
    ref = reference_grads(case, widened(params), via="numpy", x=widened(x), hx=widened(hx))
    expected = {"input": ref.input, **dict(zip(("h0", "c0"), ref.states)), **ref.params}
    for what, g in got.items():
        assert_within_torch(g, {n: r[what] for n, r in by.items()}, expected[what.removeprefix("d loss/d ")],
                            dtype=dtype, what=what, case=case)


@check("reduced_cell_matches_reference")
def test_reduced_cell_matches_reference(target, data):
    """in float16 or bfloat16, one step is within 4 times torch's error (its built-in's or plain torch code's in the dtype) of the float64 reference cell on the same rounded weights and inputs"""
    case = data.draw(cell_cases(cells=target.cells, capabilities=target.capabilities, dtype=_FLOAT32), label="case")
    dtype, params, x, hx = _rounded_case(case, case.inputs()[0])

    def step(t):
        return call_cell(build(t, case, params, dtype=dtype), case, in_dtype(x, dtype), in_dtype(hx, dtype))

    got = step(target)
    by = {t.name: step(t) for t in yardsticks(case.config.cell, "cell")}
    expected = states(np_layers.cell(case.config, widened(params), widened(x), widened(hx)))
    for k, (name, e) in enumerate(zip(("h'", "c'"), expected)):
        assert_within_torch(got[k], {n: r[k] for n, r in by.items()}, e, dtype=dtype, what=name, case=case)
