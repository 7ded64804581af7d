"""One step of each cell kind, in numpy, each forward beside its hand-written backward.

Forward: ``step(gi, state, p, tape=None) -> state``. ``gi`` is the input projection
``x @ W_ih.T + b_ih`` of this step, shape (B, G*H): the layer computes it for all steps with one
matrix product. ``state`` is ``(h,)`` or ``(h, c)``; ``p`` is a ``CellParams`` holding one
direction of one layer in torch's layout and gate order. Given a list as ``tape``, the step
appends what its backward needs.

Backward: ``step_backward(d_state, saved, p) -> (d_gi, d_state_prev, d_w_hh, d_b_hh, d_w_hr)``,
from the gradient of the loss with respect to the new state and what the forward saved.
Works for float32 and float64 alike: every operation keeps the dtype of its inputs.
"""

from __future__ import annotations

import numpy as np

from .params import CellParams

__all__ = ["CellParams", "STEPS", "BACKWARD_STEPS", "project_input", "sigmoid", "rnn_tanh_step", "rnn_relu_step",
           "rnn_linear_step", "lstm_step", "gru_step", "gru_reset_before_step", "rnn_step_backward",
           "lstm_step_backward", "gru_step_backward", "gru_reset_before_step_backward"]


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


def _recurrent_backward(d_pre: np.ndarray, h: np.ndarray, p: CellParams):
    """For pre = h @ W_hh.T + b_hh: (dh, dW_hh, db_hh) from d pre."""
    return d_pre @ p.w_hh, d_pre.T @ h, None if p.b_hh is None else d_pre.sum(0)


# ---- Elman RNN -------------------------------------------------------------------------------

def _rnn(act, gi, state, p, tape):
    (h,) = state
    h_new = act(_recurrent(h, p, plus=gi))
    if tape is not None:
        tape.append((h, h_new))
    return (h_new,)


def rnn_tanh_step(gi, state, p, tape=None):
    """Elman RNN step: h' = tanh(gi + h @ W_hh.T + b_hh)."""
    return _rnn(np.tanh, gi, state, p, tape)


def rnn_relu_step(gi, state, p, tape=None):
    """Elman RNN step with relu: h' = max(0, gi + h @ W_hh.T + b_hh)."""
    return _rnn(lambda a: np.maximum(a, 0), gi, state, p, tape)


def rnn_linear_step(gi, state, p, tape=None):
    """Linear RNN step, the analysis variant with identity activation: h' = gi + h @ W_hh.T + b_hh."""
    return _rnn(lambda a: a, gi, state, p, tape)


def rnn_step_backward(kind):
    """The backward of an Elman step with activation ``kind`` (tanh, relu or linear):

        da = dh' * act'(a)       tanh' = 1 - h'^2,  relu' = [h' > 0],  linear' = 1
        d gi = da,  dh = da @ W_hh,  dW_hh = da^T h,  db_hh = sum_b da
    """
    derivative = {"tanh": lambda h_new: 1 - h_new * h_new, "relu": lambda h_new: (h_new > 0).astype(h_new.dtype),
                  "linear": lambda h_new: np.ones_like(h_new)}[kind]

    def backward(d_state, saved, p):
        h, h_new = saved
        da = d_state[0] * derivative(h_new)
        dh, dw_hh, db_hh = _recurrent_backward(da, h, p)
        return da, (dh,), dw_hh, db_hh, None

    backward.__name__ = f"rnn_{kind}_step_backward"
    return backward


# ---- LSTM ------------------------------------------------------------------------------------

def lstm_step(gi, state, p, tape=None):
    """LSTM step, torch's gate order i, f, g, o (Hochreiter & Schmidhuber 1997; lecture 7 section 3).

        i, f, g, o = split(gi + h @ W_hh.T + b_hh)      each (B, H)
        c' = sigmoid(f) * c + sigmoid(i) * tanh(g)
        h' = sigmoid(o) * tanh(c')                    then h' = h' @ W_hr.T with a projection
    """
    h, c = state
    ingate, forgetgate, cellgate, outgate = np.split(_recurrent(h, p, plus=gi), 4, axis=-1)
    i, f, g, o = sigmoid(ingate), sigmoid(forgetgate), np.tanh(cellgate), sigmoid(outgate)
    c_new = f * c  # c' = f * c + i * g: (B, H)
    c_new += i * g
    tanh_c = np.tanh(c_new)
    h_new = o * tanh_c  # h' = o * tanh(c'): (B, H)
    if tape is not None:
        tape.append((h, c, i, f, g, o, tanh_c, h_new))
    if p.w_hr is not None:
        h_new = h_new @ p.w_hr.T  # (B, P)
    return h_new, c_new


def lstm_step_backward(d_state, saved, p):
    """The backward of ``lstm_step``; u = o * tanh(c') is h' before the projection.

        du = dh' @ W_hr  (dW_hr = dh'^T u)  with a projection, else du = dh'
        dc = dc' + du * o * (1 - tanh(c')^2),   do = du * tanh(c')
        di = dc * g,  df = dc * c,  dg = dc * i,  dc_prev = dc * f
        d pre = [di * i(1-i), df * f(1-f), dg * (1-g^2), do * o(1-o)]      (B, 4H), gate order i, f, g, o
        d gi = d pre,  dh = d pre @ W_hh,  dW_hh = d pre^T h,  db_hh = sum_b d pre
    """
    dh_new, dc_new = d_state
    h, c, i, f, g, o, tanh_c, u = saved
    dw_hr = None
    if p.w_hr is not None:
        dw_hr = dh_new.T @ u
        dh_new = dh_new @ p.w_hr
    dc = dc_new + dh_new * o * (1 - tanh_c * tanh_c)
    d_pre = np.concatenate([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g),
                            dh_new * tanh_c * o * (1 - o)], axis=-1)
    dh, dw_hh, db_hh = _recurrent_backward(d_pre, h, p)
    return d_pre, (dh, dc * f), dw_hh, db_hh, dw_hr


# ---- GRU, torch's form -----------------------------------------------------------------------

def gru_step(gi, state, p, tape=None):
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
    if tape is not None:
        tape.append((h, resetgate, updategate, newgate, h_n))
    return ((1 - updategate) * newgate + updategate * h,)


def gru_step_backward(d_state, saved, p):
    """The backward of ``gru_step``:

        dn = dh' * (1 - z),  dz = dh' * (h - n),  dh = dh' * z  (+ the path through gh below)
        dn_pre = dn * (1 - n^2),  dr = dn_pre * gh_n
        d gi = [dr * r(1-r), dz * z(1-z), dn_pre]
        d gh = [dr * r(1-r), dz * z(1-z), dn_pre * r]:  dh += d gh @ W_hh,  dW_hh = d gh^T h,  db_hh = sum_b d gh
    """
    (dh_new,) = d_state
    h, r, z, n, h_n = saved
    dn_pre = dh_new * (1 - z) * (1 - n * n)
    dr_pre = dn_pre * h_n * r * (1 - r)
    dz_pre = dh_new * (h - n) * z * (1 - z)
    d_gi = np.concatenate([dr_pre, dz_pre, dn_pre], axis=-1)
    d_gh = np.concatenate([dr_pre, dz_pre, dn_pre * r], axis=-1)
    dh, dw_hh, db_hh = _recurrent_backward(d_gh, h, p)
    return d_gi, (dh + dh_new * z,), dw_hh, db_hh, None


# ---- GRU, the lecture's form -----------------------------------------------------------------

def gru_reset_before_step(gi, state, p, tape=None):
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
    if tape is not None:
        tape.append((h, resetgate, updategate, newgate))
    return ((1 - updategate) * newgate + updategate * h,)


def gru_reset_before_step_backward(d_state, saved, p):
    """The backward of ``gru_reset_before_step``:

        dn_pre = dh' * (1 - z) * (1 - n^2),   dz_pre = dh' * (h - n) * z(1-z)
        d(r*h) = dn_pre @ W_hn:  dr_pre = d(r*h) * h * r(1-r),  dh = dh' * z + d(r*h) * r
        dW_hn = dn_pre^T (r*h),  db_hn = sum_b dn_pre
        d gi = [dr_pre, dz_pre, dn_pre];  dh += [dr_pre, dz_pre] @ W_h{r,z},  dW_h{r,z} = [.]^T h
    """
    (dh_new,) = d_state
    h, r, z, n = saved
    H = h.shape[-1]
    w_rz, w_n = p.w_hh[: 2 * H], p.w_hh[2 * H :]
    dn_pre = dh_new * (1 - z) * (1 - n * n)
    d_rh = dn_pre @ w_n
    dr_pre = d_rh * h * r * (1 - r)
    dz_pre = dh_new * (h - n) * z * (1 - z)
    d_rz = np.concatenate([dr_pre, dz_pre], axis=-1)
    dh = dh_new * z + d_rh * r + d_rz @ w_rz
    dw_hh = np.concatenate([d_rz.T @ h, dn_pre.T @ (r * h)], axis=0)
    db_hh = None if p.b_hh is None else np.concatenate([d_rz.sum(0), dn_pre.sum(0)])
    return np.concatenate([d_rz, dn_pre], axis=-1), (dh,), dw_hh, db_hh, None


STEPS = {
    "rnn_tanh": rnn_tanh_step,
    "rnn_relu": rnn_relu_step,
    "rnn_linear": rnn_linear_step,
    "lstm": lstm_step,
    "gru": gru_step,
    "gru_reset_before": gru_reset_before_step,
}

BACKWARD_STEPS = {
    "rnn_tanh": rnn_step_backward("tanh"),
    "rnn_relu": rnn_step_backward("relu"),
    "rnn_linear": rnn_step_backward("linear"),
    "lstm": lstm_step_backward,
    "gru": gru_step_backward,
    "gru_reset_before": gru_reset_before_step_backward,
}
