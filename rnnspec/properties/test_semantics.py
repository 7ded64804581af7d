"""API behaviour: what a recurrent layer or cell must do under every option torch offers.

Not a claim of the lecture but of the interface every implementation shares: omitted states are
zeros, rows of a batch are independent (each row alone gives what it gives in the batch), nothing
is remembered between calls or written into the arguments, variable-length batches are each
sequence alone (a row of length 0 keeps its state), dropout is off in eval mode, and the
constructor is torch's, positions and defaults included.
"""

import functools

import numpy as np
import torch
from hypothesis import strategies as st

from rnnspec.properties.constructors import Unreadable, constructor_differences, describe, describe_like, read_constructor
from rnnspec.checking.binding import check
from rnnspec.cases import ConstructorCase
from rnnspec.checking.checks import assert_close, assert_identical, assert_runs_close, reference_tolerance
from rnnspec.checking.failures import fail
from rnnspec.checking.oracle import reference_layer
from rnnspec.checking.calls import LayerRun, build, call_cell, call_layer, run_layer
from rnnspec.spec import cell_layout, layer_layout, parameter_count
from rnnspec.checking.states import from_time_major, map_state, state_rows, states, tensors, time_major
from rnnspec.cases.strategies import cell_cases, layer_cases, layer_configs
from rnnspec.targets import TargetError


def _cases(target, **options):
    return layer_cases(cells=target.cells, capabilities=target.capabilities, **options)


@check("omitted_state_is_zeros")
def test_omitted_state_is_zeros(target, data):
    """omitting the initial state gives the same result as passing zeros"""
    case = data.draw(_cases(target, with_state=st.just(False)), label="case")
    omitted = run_layer(target, case)
    zeros = run_layer(target, case, hx=tensors(map_state(np.zeros_like, case.random_state())))
    assert_runs_close(omitted, zeros, tol=case.tolerance(), case=case, label="hx=None vs zeros: ")


@check("unbatched_is_batch_of_one")
def test_unbatched_is_batch_of_one(target, data):
    """unbatched input (T, I) gives the batch-of-one result without its batch axis"""
    case = data.draw(_cases(target, unbatched=st.just(True), packed=st.just(False)), label="case")
    single = run_layer(target, case)
    batched_case = case.replace(unbatched=False, batch=1)
    batched = run_layer(target, batched_case)
    axis = 0 if case.config.batch_first else 1
    assert_close(single.output, batched.output.squeeze(axis), tol=case.tolerance(), what="unbatched output", case=case)
    for name, g, e in zip(("h_n", "c_n"), single.states, batched.states):
        assert_close(g, e.squeeze(1), tol=case.tolerance(), what=f"unbatched {name}", case=case)


@check("batch_first_is_transpose")
def test_batch_first_is_transpose(target, data):
    """batch_first=True on (B, T, I) equals batch_first=False on the transposed input"""
    configs = layer_configs(cells=target.cells, capabilities=target.capabilities, batch_first=st.just(True))
    case = data.draw(_cases(target, configs=configs, unbatched=st.just(False)), label="case")
    seq_case = case.replace(config=case.config.replace(batch_first=False))
    got = run_layer(target, case)
    expected = run_layer(target, seq_case)
    assert_close(got.output, expected.output.transpose(0, 1), tol=case.tolerance(), what="batch_first output", case=case)
    for name, g, e in zip(("h_n", "c_n"), got.states, expected.states):
        assert_close(g, e, tol=case.tolerance(), what=f"batch_first {name}", case=case)


@check("rows_are_independent")
def test_rows_are_independent(target, data):
    """permuting the batch rows permutes the outputs and final states the same way"""
    case = data.draw(_cases(target, unbatched=st.just(False), min_batch=2), label="case")
    perm = data.draw(st.permutations(range(case.batch)), label="row permutation")
    x, hx = case.input(), case.state()
    axis = 0 if case.config.batch_first else 1
    lengths = None if case.lengths is None else tuple(case.lengths[i] for i in perm)
    permuted = case.replace(lengths=lengths)
    got = run_layer(target, permuted, x=tensors(np.take(x, perm, axis=axis)), hx=tensors(state_rows(hx, perm)))
    base = run_layer(target, case)
    index = torch.tensor(perm)
    assert_close(got.output, base.output.index_select(axis, index), tol=case.tolerance(),
                 what=f"output of rows permuted by {perm}", case=case)
    for name, g, e in zip(("h_n", "c_n"), got.states, base.states):
        assert_close(g, e.index_select(1, index), tol=case.tolerance(), what=f"{name} of rows permuted by {perm}", case=case)


@check("row_alone_equals_row_in_batch")
def test_row_alone_equals_row_in_batch(target, data):
    """each row of a batch, run alone as a batch of one from its own initial state, gives what it gives in the batch"""
    # batches without lengths: packed_is_each_alone runs each row of a packed batch alone
    case = data.draw(_cases(target, packed=st.just(False), unbatched=st.just(False), min_batch=2), label="case")
    module = build(target, case)
    hx = case.state()
    whole = call_layer(module, case, tensors(case.input()), tensors(hx))
    x_tm, out_tm = time_major(case.input(), case), time_major(whole.output, case)
    alone = case.replace(batch=1)
    tol = case.tolerance()
    for b in range(case.batch):
        x_b = from_time_major(x_tm[:, b : b + 1], alone)  # row b, laid out as the case's
        run = call_layer(module, alone, tensors(np.ascontiguousarray(x_b)), tensors(state_rows(hx, [b])))
        assert_close(out_tm[:, b], time_major(run.output, alone)[:, 0], tol=tol,
                     what=f"output of row {b} in the batch vs alone", case=case)
        for name, g, e in zip(("h_n", "c_n"), whole.states, run.states):
            assert_close(g[:, b], e[:, 0], tol=tol, what=f"{name} of row {b} in the batch vs alone", case=case)


@check("stateless_between_calls")
def test_stateless_between_calls(target, data):
    """calling twice with the same arguments gives the same result: no state is kept between calls"""
    case = data.draw(_cases(target), label="case")
    other = case.replace(seed=(case.seed + 1) % 2**32)  # same shapes, other values

    returned = []

    def run(c):  # a copy of what came back: a target that reuses one buffer for every result must not compare it to itself
        got = call_layer(module, c, tensors(c.input()), tensors(c.state()))
        returned.append(got)
        return LayerRun(got.output.detach().clone(), tuple(t.detach().clone() for t in got.states))

    module = build(target, case)
    first, second = run(case), run(case)
    assert_runs_close(second, first, tol=case.tolerance(), case=case,
                      label="the same call twice in a row (the target is nondeterministic): second vs first: ")
    run(other)
    for name, kept, copy in zip(("output", "h_n", "c_n"), (returned[0].output, *returned[0].states),
                                (first.output, *first.states)):
        if not ((kept == copy) | (kept.isnan() & copy.isnan())).all():
            fail(f"the {name} the first call returned changed when the target was called again: it overwrites "
                 f"a result it returned (one buffer reused for every call)", case=case,
                 details=(f"  returned then {copy.flatten()[:6].tolist()}", f"  the same tensor now {kept.flatten()[:6].tolist()}"))
    assert_runs_close(run(case), first, tol=case.tolerance(), case=case,
                      label="after a call on other values, the first call again (state kept between calls): ")


@check("inputs_not_mutated")
def test_inputs_not_mutated(target, data):
    """the input, the initial state and the parameters are unchanged by a call"""
    case = data.draw(_cases(target, with_state=st.just(True) if "initial_state" in target.capabilities else None),
                     label="case")
    params = case.params()
    module = build(target, case, params)
    x, hx = tensors(case.input()), tensors(case.state())
    x_before, hx_before = x.clone(), map_state(torch.clone, hx)
    call_layer(module, case, x, hx)
    assert_identical(x, x_before, what="input after the call", case=case)
    for name, s, before in zip(("h0", "c0"), states(hx), states(hx_before)):
        assert_identical(s, before, what=f"{name} after the call", case=case)
    if "parameters" in target.capabilities:
        for name, p in module.named_parameters():
            assert_identical(p, params[name], what=f"parameter {name} after the call", case=case)


@check("packed_is_each_alone")
def test_packed_is_each_alone(target, data):
    """a PackedSequence with unsorted lengths gives, per row, what that sequence gives run alone"""
    case = data.draw(_cases(target, packed=st.just(True)), label="case")
    module = build(target, case)
    hx = case.state()
    whole = call_layer(module, case, tensors(case.input()), tensors(hx))
    x_tm, out_tm = time_major(case.input(), case), time_major(whole.output, case)
    tol = case.tolerance()
    for b, n in enumerate(case.lengths):
        alone = case.replace(batch=1, seq_len=n, lengths=None)
        x_b = from_time_major(x_tm[:n, b : b + 1], alone)  # row b's first n steps, laid out as the case's
        run = call_layer(module, alone, tensors(np.ascontiguousarray(x_b)), tensors(state_rows(hx, [b])))
        assert_close(out_tm[:n, b], time_major(run.output, alone)[:, 0], tol=tol,
                     what=f"output of row {b} (length {n}) vs run alone", case=case)
        assert_close(out_tm[n:, b], torch.zeros_like(out_tm[n:, b]), tol=tol,
                     what=f"padding of row {b} past its length {n}", case=case)
        for name, g, e in zip(("h_n", "c_n"), whole.states, run.states):
            assert_close(g[:, b], e[:, 0], tol=tol, what=f"{name} of row {b} (length {n}) vs run alone", case=case)


def _call_with_lengths(module, case, x: torch.Tensor, hx):
    """Call a layer as a target claiming zero_length is called: ``module(x, hx, lengths=...)``, x
    padded and laid out as the case says, lengths a (B,) torch.long tensor that may hold zeros; the
    output comes back padded (zeros past each length). Structure and shapes checked as call_layer's."""
    with_lengths = functools.partial(module, lengths=torch.tensor(case.lengths, dtype=torch.long))
    return call_layer(with_lengths, case.replace(lengths=None), x, hx)  # padded in, padded out


@check("zero_length_rows_keep_their_state")
def test_zero_length_rows_keep_their_state(target, data):
    """in a batch with lengths, a row of length 0 keeps its initial state (zeros when omitted) and outputs zeros, and the other rows equal the reference"""
    case = data.draw(_cases(target, packed=st.just(True), zero_lengths=st.just(True)), label="case")
    run = _call_with_lengths(build(target, case), case, tensors(case.input()), tensors(case.state()))
    initial = case.state() if case.with_state else map_state(np.zeros_like, case.random_state())
    out_tm, tol = time_major(run.output, case), case.tolerance()
    for b in [b for b, n in enumerate(case.lengths) if n == 0]:
        assert_close(out_tm[:, b], torch.zeros_like(out_tm[:, b]), tol=tol, what=f"output of row {b} (length 0)",
                     case=case)
        for name, g, e in zip(("h_n", "c_n"), run.states, states(initial)):
            assert_close(g[:, b], e[:, b], tol=tol, what=f"{name} of row {b} (length 0) vs its initial state",
                         case=case)
    assert_runs_close(run, reference_layer(case), tol=reference_tolerance(tol), case=case,
                      label="with rows of length 0, vs the reference: ")


@check("dropout_inactive_in_eval")
def test_dropout_inactive_in_eval(target, data):
    """in eval mode a layer with dropout > 0 equals the same layer with dropout 0"""
    configs = layer_configs(cells=target.cells, capabilities=target.capabilities, num_layers=st.integers(2, 3),
                            dropout=st.sampled_from([0.25, 0.5, 1.0]))
    case = data.draw(_cases(target, configs=configs), label="case")
    with_dropout = run_layer(target, case, training=False)
    without = run_layer(target, case.replace(config=case.config.replace(dropout=0.0)))
    assert_runs_close(with_dropout, without, tol=case.tolerance(), case=case, label="eval with dropout vs none: ")


@check("parameter_layout")
def test_parameter_layout(target, data):
    """parameter names and shapes are torch's canonical layout, and their count follows the formula"""
    case = data.draw(_cases(target), label="case")
    module = build(target, case)
    got = {name: tuple(p.shape) for name, p in module.named_parameters()}
    expected = dict(layer_layout(case.config))
    if got != expected:
        fail("parameters differ from torch's canonical layout", case=case,
             details=f"  got {got}\n  expected {expected}")
    count = sum(p.numel() for _, p in module.named_parameters())
    if count != parameter_count(case.config):
        fail(f"{count} parameters, expected {parameter_count(case.config)} by the formula", case=case)


def _check_constructor(target, data) -> None:
    factory = getattr(target, "factory", None)
    if factory is None:
        raise TargetError(f"{target.name} claims 'constructor' but has no class or factory to read (.factory): "
                          f"only a class given with --like (rnnspec.targets.TorchLikeTarget) has; declare it "
                          f"without 'constructor'")
    try:
        parameters, read_from = read_constructor(factory, target.like)
        unreadable, signature = None, describe(parameters)
    except Unreadable as e:
        parameters, read_from, unreadable, signature = None, "nowhere", e, e.signature
    case = data.draw(st.just(ConstructorCase(target.name, target.like, signature, read_from)), label="case")
    if unreadable is not None:
        raise TargetError(f"{target.name}'s constructor cannot be compared with {target.like}'s: {unreadable}. "
                          f"Give it explicit arguments or a typing.overload, or list this property in an --xfails file")
    problems = constructor_differences(parameters, target.like)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        fail(f"the constructor differs from {target.like}'s: {problems[0]}{more}", case=case,
             details=tuple(f"  {p}" for p in problems) + (f"  got      {describe(parameters)}, read from {read_from}",
                                                        f"  expected {describe_like(target.like)}"))


@check("constructor_matches_like")
def test_constructor_matches_like(target, data):
    """the constructor takes torch's arguments in torch's positional order with torch's defaults; any others come after them, with defaults"""
    _check_constructor(target, data)


@check("cell_constructor_matches_like")
def test_cell_constructor_matches_like(target, data):
    """the constructor takes torch's arguments in torch's positional order with torch's defaults; any others come after them, with defaults"""
    _check_constructor(target, data)


@check("cell_omitted_state_is_zeros")
def test_cell_omitted_state_is_zeros(target, data):
    """omitting the state gives the same result as passing zeros"""
    case = data.draw(cell_cases(cells=target.cells, capabilities=target.capabilities, with_state=st.just(False)),
                     label="case")
    module, x = build(target, case), tensors(case.inputs()[0])
    zeros = map_state(torch.zeros_like, tensors(case.replace(with_state=True).state()))
    omitted = call_cell(module, case, x, None)
    given = call_cell(module, case, x, zeros)
    for name, g, e in zip(("h'", "c'"), omitted, given):
        assert_close(g, e, tol=case.tolerance(), what=f"hx=None vs zeros: {name}", case=case)


@check("cell_unbatched_is_batch_of_one")
def test_cell_unbatched_is_batch_of_one(target, data):
    """unbatched input (I,) gives the batch-of-one result without its batch axis"""
    case = data.draw(cell_cases(cells=target.cells, capabilities=target.capabilities, unbatched=st.just(True)),
                     label="case")
    module = build(target, case)
    single = call_cell(module, case, tensors(case.inputs()[0]), tensors(case.state()))
    batched_case = case.replace(unbatched=False, batch=1)
    batched = call_cell(module, batched_case, tensors(batched_case.inputs()[0]), tensors(batched_case.state()))
    for name, g, e in zip(("h'", "c'"), single, batched):
        assert_close(g, e[0], tol=case.tolerance(), what=f"unbatched {name}", case=case)


@check("cell_parameter_layout")
def test_cell_parameter_layout(target, data):
    """parameter names and shapes are torch's canonical cell layout"""
    case = data.draw(cell_cases(cells=target.cells, capabilities=target.capabilities), label="case")
    got = {name: tuple(p.shape) for name, p in build(target, case).named_parameters()}
    expected = dict(cell_layout(case.config))
    if got != expected:
        fail("parameters differ from torch's canonical cell layout", case=case,
             details=f"  got {got}\n  expected {expected}")
