"""Lecture 7 section 2.3, gradient clipping: "if the norm of the gradient is greater than some
threshold, scale it down before applying SGD update. Intuition: take a step in the same direction,
but a smaller step" (Pascanu et al. 2013; Goodfellow et al. 2016, 10.11.1). Checked on functions
with the signatures of torch.nn.utils.clip_grad_norm_ and clip_grad_value_.
"""

import numpy as np
import torch
from hypothesis import assume
from hypothesis import strategies as st

from rnnspec.checking.binding import check
from rnnspec.checking.checks import assert_at_most, assert_close, assert_identical
from rnnspec.checking.failures import fail
from rnnspec.checking.timeouts import call_target
from rnnspec.references import np_clipping
from rnnspec.spec import Tolerance
from rnnspec.cases.strategies import clip_cases


def _parameters(case):
    """Leaf tensors of the case's shapes, each with the case's gradient as .grad (or none)."""
    params = []
    for shape, g in zip(case.shapes, case.grads()):
        p = torch.zeros(shape, dtype=getattr(torch, case.dtype), requires_grad=True)
        if g is not None:
            p.grad = torch.tensor(g)
        params.append(p)
    return params


def _clip_norm(target, case, params, max_norm):
    """Call the target as a user calls torch's: only the options that differ from the defaults."""
    options = {}
    if case.norm_type != 2.0:
        options["norm_type"] = case.norm_type
    if case.error_if_nonfinite:
        options["error_if_nonfinite"] = True
    return call_target(target.build(), params[0] if case.single_tensor else params, max_norm, **options)


def _grads(params):
    return [None if p.grad is None else p.grad.detach().clone() for p in params]


def _finite_case(target, data, **options):
    return data.draw(clip_cases(capabilities=target.capabilities, nonfinite=st.none(), **options), label="case")


@check("clip_norm_matches_reference")
def test_clip_norm_matches_reference(target, data):
    """clipped gradients and the returned total norm equal the reference, for norm types 1, 2, 3, inf, single tensors, parameters without .grad, NaN and inf, and error_if_nonfinite"""
    case = data.draw(clip_cases(capabilities=target.capabilities), label="case")
    grads, max_norm = case.grads(), case.max_norm()
    norm = np_clipping.total_norm(grads, case.norm_type)
    should_raise = case.error_if_nonfinite and not np.isfinite(norm)
    params = _parameters(case)
    try:
        result = _clip_norm(target, case, params, max_norm)
    except RuntimeError as e:
        if not should_raise:
            fail(f"raised RuntimeError ({e}) but the total norm {norm} is finite or error_if_nonfinite is False",
                 case=case)
        for p, g in zip(params, grads):
            if g is not None:
                assert_identical(p.grad, g, what="gradient after the error (must be left as it was)", case=case)
        return
    if should_raise:
        fail(f"the total norm is {norm} and error_if_nonfinite=True, expected RuntimeError; it returned {result!r}",
             case=case)
    expected, expected_norm = np_clipping.clip_by_total_norm(grads, max_norm, norm_type=case.norm_type)
    tol = case.tolerance()
    if result is None:
        fail("returned None, expected the total norm of the gradients before clipping", case=case)
    assert_close(torch.as_tensor(result), expected_norm, tol=tol, what="returned total norm", case=case)
    for k, (p, e) in enumerate(zip(params, expected)):
        if e is None:
            if p.grad is not None:
                fail(f"parameter {k} had no .grad and now has one", case=case)
            continue
        assert_close(p.grad, e, tol=tol, what=f"gradient of parameter {k} after clipping", case=case)


@check("clip_norm_caps_total_norm")
def test_clip_norm_caps_total_norm(target, data):
    """after norm clipping the total norm of the gradients is at most max_norm"""
    case = _finite_case(target, data)
    params, max_norm = _parameters(case), case.max_norm()
    _clip_norm(target, case, params, max_norm)
    after = float(np_clipping.total_norm([g if g is None else g.numpy() for g in _grads(params)], case.norm_type))
    tol = case.tolerance()
    assert_at_most(after, max_norm, rtol=tol.rtol, atol=tol.atol, what="total norm after clipping vs max_norm",
                   case=case)


@check("clip_norm_keeps_direction")
def test_clip_norm_keeps_direction(target, data):
    """norm clipping multiplies every gradient by one factor in (0, 1]: the direction is unchanged"""
    case = _finite_case(target, data)
    before = case.grads()
    params = _parameters(case)
    _clip_norm(target, case, params, case.max_norm())
    after = _grads(params)
    flat_before = np.concatenate([g.ravel() for g in before if g is not None]).astype(np.float64)
    flat_after = np.concatenate([g.numpy().ravel() for g in after if g is not None]).astype(np.float64)
    k = int(np.argmax(np.abs(flat_before)))
    assume(flat_before[k] != 0)
    factor = flat_after[k] / flat_before[k]
    tol = case.tolerance()
    if not factor > 0:
        fail(f"the gradients were scaled by {factor:.9g}, expected a factor in (0, 1]", case=case)
    assert_at_most(factor, 1.0, rtol=tol.rtol, what="the factor the gradients were scaled by (expected in (0, 1])",
                   case=case)
    assert_close(flat_after, factor * flat_before, tol=tol,
                 what=f"clipped gradients vs one factor {factor:.6g} times the originals", case=case)


@check("clip_norm_leaves_small_gradients_untouched")
def test_clip_norm_leaves_small_gradients_untouched(target, data):
    """gradients whose total norm + 1e-6 is at most max_norm are left unchanged, bit for bit"""
    case = _finite_case(target, data, threshold_ratios=st.sampled_from([1.5, 2.0, 10.0]))
    grads, max_norm = case.grads(), case.max_norm()
    assume(float(np_clipping.total_norm(grads, case.norm_type)) + np_clipping.EPS <= max_norm)
    params = _parameters(case)
    _clip_norm(target, case, params, max_norm)
    for k, (p, g) in enumerate(zip(params, grads)):
        if g is not None:
            assert_identical(p.grad, g, what=f"gradient {k}, whose total norm is under max_norm", case=case)


@check("clip_norm_twice_changes_nothing")
def test_clip_norm_twice_changes_nothing(target, data):
    """clipping gradients already clipped changes them by no more than torch's epsilon allows"""
    case = _finite_case(target, data)
    params, max_norm = _parameters(case), case.max_norm()
    _clip_norm(target, case, params, max_norm)
    once = _grads(params)
    _clip_norm(target, case, params, max_norm)
    # the second scale is max_norm / (n + 1e-6) with n <= max_norm: at least 1 - 1e-6 / max_norm
    tol = Tolerance(rtol=np_clipping.EPS / max_norm + case.tolerance().rtol, atol=0.0)
    for k, (p, g) in enumerate(zip(params, once)):
        if g is not None:
            assert_close(p.grad, g, tol=tol, what=f"gradient {k} clipped twice vs once", case=case)


def _clip_value(target, case, params, clip_value):
    return call_target(target.build(), params[0] if case.single_tensor else params, clip_value)


@check("clip_value_matches_reference")
def test_clip_value_matches_reference(target, data):
    """value clipping equals the reference: elements clamped to [-v, v], NaN kept, parameters without .grad skipped"""
    case = data.draw(clip_cases(capabilities=target.capabilities), label="case")
    grads, v = case.grads(), case.clip_value()
    params = _parameters(case)
    _clip_value(target, case, params, v)
    for k, (p, e) in enumerate(zip(params, np_clipping.clip_by_value(grads, v))):
        if e is None:
            if p.grad is not None:
                fail(f"parameter {k} had no .grad and now has one", case=case)
            continue
        assert_identical(p.grad, e, what=f"gradient {k} clamped to [-{v:.6g}, {v:.6g}]", case=case)


@check("clip_value_bounds_and_keeps_sign")
def test_clip_value_bounds_and_keeps_sign(target, data):
    """after value clipping every element lies in [-v, v] with its sign kept; elements inside are unchanged"""
    case = _finite_case(target, data)
    grads, v = case.grads(), case.clip_value()
    params = _parameters(case)
    _clip_value(target, case, params, v)
    bound = np.asarray(v, dtype=case.dtype)
    for k, (p, g) in enumerate(zip(params, grads)):
        if g is None:
            continue
        got = p.grad.detach().numpy()
        assert_at_most(np.abs(got).max(initial=0), bound, what=f"largest |element| of gradient {k} vs clip_value",
                       case=case)
        if not np.array_equal(np.sign(got), np.sign(g)):
            fail(f"gradient {k} changed the sign of {int((np.sign(got) != np.sign(g)).sum())} elements", case=case)
        inside = np.abs(g) <= bound
        assert_identical(got[inside], g[inside], what=f"elements of gradient {k} already inside the bounds",
                         case=case)
