"""Lecture 7 section 6, bidirectional RNNs: "the forward RNN and the backward RNN ... concatenate
the hidden states". A bidirectional layer is exactly a forward layer and a reversed layer run on
the flipped input (each sequence flipped within its own length), outputs concatenated.
"""

import numpy as np
from hypothesis import strategies as st

from rnnspec.checks import assert_close
from rnnspec.harness import check, from_time_major, rename_layer, run_layer, states, tensors, time_major
from rnnspec.spec import tolerance
from rnnspec.strategies import layer_cases, layer_configs


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
    configs = layer_configs(cells=target.cells, capabilities=target.capabilities, bidirectional=st.just(True),
                            num_layers=st.just(1))
    case = data.draw(layer_cases(cells=target.cells, capabilities=target.capabilities, configs=configs), label="case")
    params, hx = case.params(), case.state()
    both = run_layer(target, case, params)

    one_way = case.replace(config=case.config.replace(bidirectional=False))

    def direction_state(d):
        if hx is None:
            return None
        s = tuple(a[d : d + 1] for a in states(hx))
        return tensors(s if len(s) == 2 else s[0])

    forward = run_layer(target, one_way, rename_layer(params, layer=0, direction=0), hx=direction_state(0))
    reverse = run_layer(target, one_way, rename_layer(params, layer=0, direction=1),
                        x=tensors(flip_in_time(case.input(), case)), hx=direction_state(1))
    expected = np.concatenate([forward.output.detach().numpy(), flip_in_time(reverse.output.detach().numpy(), case)],
                              axis=-1)
    tol = tolerance(case.dtype, seq_len=case.seq_len)
    assert_close(both.output, expected, tol=tol, what="output vs [forward, flip(reverse(flip(x)))]", case=case)
    for k, name in enumerate(("h_n", "c_n")[: len(both.states)]):
        stacked = np.concatenate([forward.states[k].detach().numpy(), reverse.states[k].detach().numpy()])
        assert_close(both.states[k], stacked, tol=tol, what=f"{name} vs [forward, reverse]", case=case)
