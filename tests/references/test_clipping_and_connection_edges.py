"""Gradient clipping and the skip connections at their edges, against torch.nn.utils and the
equations written out: the defaults, no gradients at all, empty gradients, a non-finite norm
(raised or propagated without a warning), norm -inf, mixed dtypes, NaN kept by value clipping,
projection shortcuts and dense connections over a time axis.

Found as blind spots by mutation testing (docs/mutation.md); each test is deterministic.
"""

import math
import warnings

import numpy as np
import pytest
import torch

from rnnspec.references import np_clipping, np_connections, torch_clipping, torch_connections


def _params(grads):
    """Leaf tensors with the given gradients (None: no .grad)."""
    params = []
    for g in grads:
        p = torch.zeros(() if g is None else g.shape, dtype=torch.float64 if g is None else torch.from_numpy(g).dtype,
                        requires_grad=True)
        if g is not None:
            p.grad = torch.from_numpy(g.copy())
        params.append(p)
    return params


def _torchs(grads, max_norm, **options):
    """torch.nn.utils.clip_grad_norm_'s clipped gradients and total norm."""
    params = _params(grads)
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm, **options)
    return [None if p.grad is None else p.grad.numpy() for p in params], norm


def _same(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert (g is None) == (e is None)
        if g is not None:
            assert g.dtype == e.dtype
            np.testing.assert_array_equal(g, e)


GRADS = [np.array([3.0, 4.0]), None, np.array([[1.0, -2.0], [0.5, 12.0]])]


def test_the_default_norm_is_the_2_norm_like_torchs():
    expected, expected_norm = _torchs(GRADS, 1.0)
    got, norm = np_clipping.clip_by_total_norm(GRADS, 1.0)
    assert float(np_clipping.total_norm(GRADS)) == pytest.approx(math.sqrt(9 + 16 + 1 + 4 + 0.25 + 144), rel=1e-15)
    assert float(norm) == pytest.approx(float(expected_norm), rel=1e-15)
    for g, e in zip(got, expected):
        assert (g is None) == (e is None)
        if g is not None:
            np.testing.assert_allclose(g, e, rtol=1e-15)
    params = _params(GRADS)
    assert float(torch_clipping.clip_grad_norm_(params, 1.0)) == pytest.approx(float(expected_norm), rel=1e-15)


def test_the_scale_is_max_norm_over_the_norm_plus_epsilon():
    got, norm = np_clipping.clip_by_total_norm([np.array([3.0, 4.0])], 1.0)
    np.testing.assert_allclose(got[0], np.array([3.0, 4.0]) * (1.0 / (5.0 + 1e-6)), rtol=1e-15)
    np.testing.assert_allclose(got[0], _torchs([np.array([3.0, 4.0])], 1.0)[0][0], rtol=1e-15)


def test_no_gradients_at_all_have_norm_zero_like_torchs():
    for grads in ([], [None, None]):
        expected = torch.nn.utils.clip_grad_norm_(_params(grads), 1.0)
        norm = np_clipping.total_norm(grads)
        assert norm.shape == () and norm.dtype == np.float32 and float(norm) == float(expected) == 0.0
        clipped, norm = np_clipping.clip_by_total_norm(grads, 1.0)
        assert clipped == list(grads) and norm.shape == () and norm.dtype == np.float32
        assert float(torch_clipping.clip_grad_norm_(_params(grads), 1.0)) == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0])
def test_an_empty_gradient_counts_as_norm_zero(norm_type, dtype):
    grads = [np.zeros((0, 3), dtype), np.array([3.0, -4.0], dtype)]
    expected = torch.nn.utils.get_total_norm([torch.from_numpy(g) for g in grads], norm_type)
    norm = np_clipping.total_norm(grads, norm_type)
    assert norm.dtype == dtype and float(norm) == pytest.approx(float(expected), rel=1e-15)
    assert float(torch_clipping.clip_grad_norm_(_params(grads), 10.0, norm_type)) == pytest.approx(float(expected), rel=1e-15)


@pytest.mark.parametrize("norm_type", [math.inf, -math.inf])
def test_an_empty_gradient_has_no_infinite_norm_as_in_torch(norm_type):
    grads = [np.zeros((0, 3)), np.array([3.0, -4.0])]
    with pytest.raises(RuntimeError, match="empty tensor"):
        torch.nn.utils.get_total_norm([torch.from_numpy(g) for g in grads], norm_type)
    with pytest.raises(RuntimeError) as raised:
        np_clipping.total_norm(grads, norm_type)
    assert str(raised.value) == f"the {norm_type} norm of an empty gradient is undefined"
    with pytest.raises(RuntimeError, match="empty gradient"):
        torch_clipping.clip_grad_norm_(_params(grads), 10.0, norm_type)


@pytest.mark.parametrize("norm_type", [math.inf, -math.inf])
def test_infinite_norm_types_take_the_largest_and_the_smallest_magnitude(norm_type):
    grads = [np.array([3.0, -0.5]), np.array([[-7.0, 2.0]])]
    expected = torch.nn.utils.get_total_norm([torch.from_numpy(g) for g in grads], norm_type)
    assert float(expected) == (7.0 if norm_type > 0 else 0.5)
    assert float(np_clipping.total_norm(grads, norm_type)) == float(expected)
    assert float(torch_clipping.clip_grad_norm_(_params(grads), 100.0, norm_type)) == float(expected)


def test_a_non_finite_norm_raises_only_when_asked():
    finite, infinite = [np.array([3.0, 4.0])], [np.array([3.0, np.inf])]
    np_clipping.clip_by_total_norm(finite, 1.0, error_if_nonfinite=True)  # finite: no error
    torch_clipping.clip_grad_norm_(_params(finite), 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as raised:
        np_clipping.clip_by_total_norm(infinite, 1.0, error_if_nonfinite=True)
    assert str(raised.value) == "the total norm of order 2.0 of the gradients is non-finite (inf)"
    with pytest.raises(RuntimeError, match="non-finite"):
        torch_clipping.clip_grad_norm_(_params(infinite), 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):  # what the references follow
        torch.nn.utils.clip_grad_norm_(_params(infinite), 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("grads", [[np.array([1e30, 1e30], np.float32)], [np.array([1.0, np.inf], np.float32)]],
                         ids=["overflowing", "infinite"])
def test_a_non_finite_norm_propagates_like_torchs_without_a_warning(grads):
    expected, expected_norm = _torchs(grads, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got, norm = np_clipping.clip_by_total_norm(grads, 1.0)
    assert float(norm) == float(expected_norm) == math.inf
    _same(got, expected)


def test_each_gradient_keeps_its_dtype():
    grads = [np.array([3.0, 4.0], np.float32), None, np.array([12.0], np.float64)]
    got, _ = np_clipping.clip_by_total_norm(grads, 1.0)
    assert [None if g is None else g.dtype for g in got] == [np.float32, None, np.float64]


def test_value_clipping_keeps_nan_like_torchs():
    grads = [np.array([np.nan, -5.0, 0.25, 5.0]), None]
    params = _params(grads)
    torch.nn.utils.clip_grad_value_(params, 1.0)
    _same(np_clipping.clip_by_value(grads, 1.0), [params[0].grad.numpy(), None])


# ---- connections ------------------------------------------------------------------------------

def test_a_residual_with_a_projection_shortcut_adds_the_projected_input():
    rng = np.random.default_rng(0)
    x, w_f, w_s = rng.standard_normal((2, 5, 3)), rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    expected = np.tanh(x @ w_f.T) + x @ w_s.T
    np.testing.assert_allclose(np_connections.residual(x, lambda v: np.tanh(v @ w_f.T), shortcut=w_s), expected,
                               rtol=1e-14)
    t = torch.from_numpy
    got = torch_connections.residual(t(x), lambda v: torch.tanh(v @ t(w_f).T), shortcut=t(w_s))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)  # torch's tanh and numpy's differ by an ulp or so


def test_a_residual_whose_block_changes_the_size_asks_for_a_shortcut():
    message = ("residual: F(x) has shape {} but x has {}; "
               "pass shortcut=W_s of shape (F's features, x's features) to project x").format((2, 4), (2, 3))
    with pytest.raises(ValueError) as raised:
        np_connections.residual(np.ones((2, 3)), lambda v: np.ones((2, 4)))
    assert str(raised.value) == message
    with pytest.raises(ValueError) as raised:
        torch_connections.residual(torch.ones(2, 3), lambda v: torch.ones(2, 4))
    assert str(raised.value) == message


def test_dense_connections_concatenate_features_over_a_time_axis():
    """x (T, B, F): layer l reads every earlier feature set along the last axis, and so does the output."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 2, 3))
    w1, w2 = rng.standard_normal((5, 3)), rng.standard_normal((2, 8))
    y1 = np.tanh(x @ w1.T)
    y2 = np.tanh(np.concatenate([x, y1], axis=-1) @ w2.T)
    expected = np.concatenate([x, y1, y2], axis=-1)
    got = np_connections.dense(x, [lambda v: np.tanh(v @ w1.T), lambda v: np.tanh(v @ w2.T)])
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    t = torch.from_numpy
    got = torch_connections.dense(t(x), [lambda v: torch.tanh(v @ t(w1).T), lambda v: torch.tanh(v @ t(w2).T)])
    # torch's tanh differs from numpy's by an ulp on some elements (more with one OpenMP thread, as mutmut runs)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
