"""One step of each cell kind, in numpy: pure functions ``step(gi, state, p) -> state``.

``gi`` is the input projection ``x @ W_ih.T + b_ih`` of this step, shape (B, G*H): the layer
computes it for all steps with one matrix product. ``state`` is ``(h,)`` or ``(h, c)``; ``p`` is
a ``CellParams`` holding one direction of one layer in torch's layout and gate order.
Works for float32 and float64 alike: every operation keeps the dtype of its inputs.
"""

from __future__ import annotations

import numpy as np

from .params import CellParams

__all__ = ["CellParams", "STEPS", "project_input", "rnn_tanh_step", "rnn_relu_step", "rnn_linear_step", "lstm_step", "gru_step",
           "gru_reset_before_step", "sigmoid"]


def sigmoid(a: np.ndarray) -> np.ndarray:
    """0.5 * (1 + tanh(a/2)): equals 1/(1+exp(-a)) and never overflows; computed in one buffer."""
    s = a * 0.5
    np.tanh(s, out=s)
    s += 1
    s *= 0.5
    return s


def project_input(x: np.ndarray, p: CellParams) -> np.ndarray:
    """gi = x @ W_ih.T + b_ih, for x of any leading shape (..., I) -> (..., G*H), as one 2-D product."""
    gi = (x.reshape(-1, x.shape[-1]) @ p.w_ih.T).reshape(*x.shape[:-1], -1)
    if p.b_ih is not None:
        gi += p.b_ih
    return gi


def _recurrent(h: np.ndarray, p: CellParams, plus: np.ndarray | None = None) -> np.ndarray:
    """h @ W_hh.T + b_hh (+ plus), in one fresh (B, G*H) buffer."""
    gh = h @ p.w_hh.T
    if p.b_hh is not None:
        gh += p.b_hh
    if plus is not None:
        gh += plus
    return gh


def rnn_tanh_step(gi, state, p):
    """Elman RNN step: h' = tanh(gi + h @ W_hh.T + b_hh)."""
    (h,) = state
    return (np.tanh(_recurrent(h, p, plus=gi)),)


def rnn_relu_step(gi, state, p):
    """Elman RNN step with relu: h' = max(0, gi + h @ W_hh.T + b_hh)."""
    (h,) = state
    return (np.maximum(_recurrent(h, p, plus=gi), 0),)


def rnn_linear_step(gi, state, p):
    """Linear RNN step, the analysis variant with identity activation: h' = gi + h @ W_hh.T + b_hh."""
    (h,) = state
    return (_recurrent(h, p, plus=gi),)


def lstm_step(gi, state, p):
    """LSTM step, torch's gate order i, f, g, o (Hochreiter & Schmidhuber 1997; lecture 7 section 3).

        i, f, g, o = split(gi + h @ W_hh.T + b_hh)      each (B, H)
        c' = sigmoid(f) * c + sigmoid(i) * tanh(g)
        h' = sigmoid(o) * tanh(c')                    then h' = h' @ W_hr.T with a projection
    """
    h, c = state
    ingate, forgetgate, cellgate, outgate = np.split(_recurrent(h, p, plus=gi), 4, axis=-1)
    c_new = sigmoid(forgetgate)  # c' = sigmoid(f) * c + sigmoid(i) * tanh(g), in place: (B, H)
    c_new *= c
    c_new += sigmoid(ingate) * np.tanh(cellgate)
    h = sigmoid(outgate)  # h' = sigmoid(o) * tanh(c'): (B, H)
    h *= np.tanh(c_new)
    c = c_new
    if p.w_hr is not None:
        h = h @ p.w_hr.T  # (B, P)
    return h, c


def gru_step(gi, state, p):
    """GRU step as torch and cuDNN compute it: the reset gate multiplies W_hn h + b_hn.

        r = sigmoid(gi_r + gh_r),  z = sigmoid(gi_z + gh_z),   gh = h @ W_hh.T + b_hh
        n = tanh(gi_n + r * gh_n)
        h' = (1 - z) * n + z * h
    """
    (h,) = state
    i_r, i_z, i_n = np.split(gi, 3, axis=-1)
    h_r, h_z, h_n = np.split(_recurrent(h, p), 3, axis=-1)
    resetgate, updategate = sigmoid(i_r + h_r), sigmoid(i_z + h_z)
    newgate = np.tanh(i_n + resetgate * h_n)
    return ((1 - updategate) * newgate + updategate * h,)


def gru_reset_before_step(gi, state, p):
    """GRU step of Cho et al. 2014 and the lecture: the reset gate multiplies h before W_hn.

        r = sigmoid(gi_r + h @ W_hr.T + b_hr),  z = sigmoid(gi_z + h @ W_hz.T + b_hz)
        n = tanh(gi_n + (r * h) @ W_hn.T + b_hn)
        h' = (1 - z) * n + z * h
    """
    (h,) = state
    H = h.shape[-1]
    i_r, i_z, i_n = np.split(gi, 3, axis=-1)
    w_rz, w_n = p.w_hh[: 2 * H], p.w_hh[2 * H :]
    gh_rz = h @ w_rz.T if p.b_hh is None else h @ w_rz.T + p.b_hh[: 2 * H]
    h_r, h_z = np.split(gh_rz, 2, axis=-1)
    resetgate, updategate = sigmoid(i_r + h_r), sigmoid(i_z + h_z)
    h_n = (resetgate * h) @ w_n.T if p.b_hh is None else (resetgate * h) @ w_n.T + p.b_hh[2 * H :]
    newgate = np.tanh(i_n + h_n)
    return ((1 - updategate) * newgate + updategate * h,)


STEPS = {
    "rnn_tanh": rnn_tanh_step,
    "rnn_relu": rnn_relu_step,
    "rnn_linear": rnn_linear_step,
    "lstm": lstm_step,
    "gru": gru_step,
    "gru_reset_before": gru_reset_before_step,
}
