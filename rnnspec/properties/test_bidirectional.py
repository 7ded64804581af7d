"""Lecture 7 section 6, bidirectional RNNs: "the forward RNN and the backward RNN ... concatenate
the hidden states". A bidirectional layer is exactly a forward layer and a reversed layer run on
the flipped input (each sequence flipped within its own length), outputs concatenated. And the
restriction (6.3): "bidirectional RNNs are only applicable if you have access to the entire input
sequence": a unidirectional layer's output at t ignores later inputs, a bidirectional one's does not.
"""

import numpy as np
import torch
from hypothesis import strategies as st

from rnnspec.checking.binding import check
from rnnspec.checking.checks import as_array, assert_close
from rnnspec.checking.failures import fail
from rnnspec.checking.calls import rename_layer, run_layer
from rnnspec.spec import property_spec
from rnnspec.checking.states import from_time_major, layer_state, tensors, time_major
from rnnspec.cases.strategies import layer_cases, layer_configs, usable_dtypes


def flip_in_time(a: np.ndarray, case) -> np.ndarray:
    """Reverse each sequence within its own length; padding stays where it is."""
    tm = time_major(np.asarray(a), case)  # (T, B, ·)
    T, B = tm.shape[:2]
    lengths = np.asarray(case.lengths if case.lengths is not None else [T] * B)
    t = np.arange(T)[:, None]
    index = np.where(t < lengths[None, :], lengths[None, :] - 1 - t, t)  # (T, B)
    return from_time_major(np.take_along_axis(tm, index[..., None], axis=0), case)


@check("bidirectional_is_forward_plus_flipped_reverse")
def test_bidirectional_is_forward_plus_flipped_reverse(target, data):
    """a bidirectional layer's output is [forward(x), flip(reverse_layer(flip(x)))] and h_n stacks both"""
    configs = layer_configs(cells=target.cells, capabilities=target.capabilities, bidirectional=st.just(True),
                            num_layers=st.just(1))
    case = data.draw(layer_cases(cells=target.cells, capabilities=target.capabilities, configs=configs), label="case")
    params, hx = case.params(), case.state()
    both = run_layer(target, case, params)

    one_way = case.replace(config=case.config.replace(bidirectional=False))

    def direction(d, x=None):  # direction d of layer 0, run as a one-way layer
        hx_d = tensors(layer_state(hx, 0, num_directions=2, direction=d))
        return run_layer(target, one_way, rename_layer(params, layer=0, direction=d), x=x, hx=hx_d)

    forward = direction(0)
    reverse = direction(1, x=tensors(flip_in_time(case.input(), case)))
    expected = np.concatenate([forward.output.detach().numpy(), flip_in_time(reverse.output.detach().numpy(), case)],
                              axis=-1)
    tol = case.tolerance()
    assert_close(both.output, expected, tol=tol, what="output vs [forward, flip(reverse(flip(x)))]", case=case)
    for name, got, f, r in zip(("h_n", "c_n"), both.states, forward.states, reverse.states):
        assert_close(got, torch.cat([f, r]), tol=tol, what=f"{name} vs [forward, reverse]", case=case)


def _perturbed_after(case, t: int, feature: int | None = None) -> np.ndarray:
    """The case's input moved by +1 after step t: at every later step and feature, or only in
    ``feature`` at step t + 1 (one direction at a time, so no two changes can cancel)."""
    x = time_major(case.input(), case).copy()
    if feature is None:
        x[t + 1 :] += 1.0
    else:
        x[t + 1, ..., feature] += 1.0
    return from_time_major(x, case)


def _changed(a, b, tol) -> bool:
    a, b = as_array(a).astype(np.float64), as_array(b).astype(np.float64)
    return bool((np.abs(a - b) > tol.bound(np.abs(b))).any())


@check("unidirectional_is_causal")
def test_unidirectional_is_causal(target, data):
    """a unidirectional layer's output at step t does not change when inputs after t change"""
    configs = layer_configs(cells=target.cells, capabilities=target.capabilities, bidirectional=st.just(False))
    case = data.draw(layer_cases(cells=target.cells, capabilities=target.capabilities, configs=configs,
                                 min_seq_len=2, packed=st.just(False)), label="case")
    t = data.draw(st.integers(0, case.seq_len - 2), label="step t")
    before = run_layer(target, case)
    after = run_layer(target, case, x=tensors(_perturbed_after(case, t)))
    out_before, out_after = time_major(before.output, case), time_major(after.output, case)
    assert_close(out_after[: t + 1], out_before[: t + 1], tol=case.tolerance(),
                 what=f"output at steps <= {t} after changing the inputs after step {t}", case=case)


@check("bidirectional_sees_the_future")
def test_bidirectional_sees_the_future(target, data):
    """a bidirectional layer's output at step t changes when later inputs change: it needs the whole sequence"""
    # drawn on the cells the registry checks it on (a relu unit can be dead, hiding the dependence;
    # a relu-only target is skipped with that reason). "changes" must be measurable: float64 where
    # the target has it (else one layer), and weights at torch's own scale, so no tanh saturates and
    # no product of small weights sinks under rounding
    cells = property_spec("bidirectional_sees_the_future").applicable_cells(target.cells)
    wide = usable_dtypes(target.capabilities)[-1] == "float64"
    configs = layer_configs(cells=cells, capabilities=target.capabilities, bidirectional=st.just(True),
                            num_layers=None if wide else st.just(1))
    case = data.draw(layer_cases(cells=cells, capabilities=target.capabilities, configs=configs, min_seq_len=2,
                                 packed=st.just(False), dtype=st.just("float64" if wide else "float32"),
                                 scale=st.just(1.0)), label="case")
    t = data.draw(st.integers(0, case.seq_len - 2), label="step t")
    before = time_major(run_layer(target, case).output, case)
    R = case.config.output_size
    tol = case.tolerance()
    seen = False
    for feature in range(min(case.config.input_size, 8)):  # a few features show it; wide inputs cost a run each
        after = time_major(run_layer(target, case, x=tensors(_perturbed_after(case, t, feature))).output, case)
        if case.config.num_layers == 1:
            assert_close(after[: t + 1, ..., :R], before[: t + 1, ..., :R], tol=tol,
                         what=f"forward half of the output at steps <= {t} after changing input {feature} at "
                              f"step {t + 1}", case=case)
        seen = seen or _changed(after[: t + 1, ..., R:], before[: t + 1, ..., R:], tol)
    if not seen:
        fail(f"the reverse half of the output at steps <= {t} did not change when any input feature at step "
             f"{t + 1} changed: the layer does not see the future", case=case)
