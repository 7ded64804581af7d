"""One step of each cell kind in torch, differentiable by autograd: ``step(gi, state, p) -> state``.

Written from the equations, not from ``torch.nn``'s recurrent modules (the style of PyTorch's
``benchmarks/fastrnns/cells.py``). ``gi`` is this step's input projection ``x @ W_ih.T + b_ih``
(B, G*H); ``state`` is ``(h,)`` or ``(h, c)``; ``p`` a CellParams of torch tensors.
"""

from __future__ import annotations

import torch

from .params import CellParams

__all__ = ["STEPS", "project_input", "rnn_tanh_step", "rnn_relu_step", "rnn_linear_step", "lstm_step", "gru_step",
           "gru_reset_before_step"]


def _affine(a: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None) -> torch.Tensor:
    return a @ w.t() if b is None else torch.addmm(b, a, w.t()) if a.dim() == 2 else a @ w.t() + b


def project_input(x: torch.Tensor, p: CellParams) -> torch.Tensor:
    """gi = x @ W_ih.T + b_ih, for x of shape (..., I) -> (..., G*H)."""
    return _affine(x, p.w_ih, p.b_ih)


def rnn_tanh_step(gi, state, p):
    """Elman RNN step: h' = tanh(gi + h @ W_hh.T + b_hh)."""
    (h,) = state
    return (torch.tanh(gi + _affine(h, p.w_hh, p.b_hh)),)


def rnn_relu_step(gi, state, p):
    """Elman RNN step with relu: h' = relu(gi + h @ W_hh.T + b_hh)."""
    (h,) = state
    return (torch.relu(gi + _affine(h, p.w_hh, p.b_hh)),)


def rnn_linear_step(gi, state, p):
    """Linear RNN step, the analysis variant with identity activation: h' = gi + h @ W_hh.T + b_hh."""
    (h,) = state
    return (gi + _affine(h, p.w_hh, p.b_hh),)


def lstm_step(gi, state, p):
    """LSTM step, gate order i, f, g, o (Hochreiter & Schmidhuber 1997; lecture 7 section 3).

        i, f, g, o = chunk(gi + h @ W_hh.T + b_hh, 4)
        c' = sigmoid(f) * c + sigmoid(i) * tanh(g)
        h' = sigmoid(o) * tanh(c')                    then h' = h' @ W_hr.T with a projection
    """
    hx, cx = state
    ingate, forgetgate, cellgate, outgate = (gi + _affine(hx, p.w_hh, p.b_hh)).chunk(4, dim=1)
    cy = torch.sigmoid(forgetgate) * cx + torch.sigmoid(ingate) * torch.tanh(cellgate)  # (B, H)
    hy = torch.sigmoid(outgate) * torch.tanh(cy)  # (B, H)
    if p.w_hr is not None:
        hy = hy @ p.w_hr.t()  # (B, P)
    return hy, cy


def gru_step(gi, state, p):
    """GRU step as torch and cuDNN compute it (reset gate applied to W_hn h + b_hn).

        r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z), gh = h @ W_hh.T + b_hh
        n = tanh(gi_n + r * gh_n)
        h' = (1 - z) * n + z * h
    """
    (hx,) = state
    i_r, i_z, i_n = gi.chunk(3, dim=1)
    h_r, h_z, h_n = _affine(hx, p.w_hh, p.b_hh).chunk(3, dim=1)
    resetgate = torch.sigmoid(i_r + h_r)
    updategate = torch.sigmoid(i_z + h_z)
    newgate = torch.tanh(i_n + resetgate * h_n)
    return (newgate + updategate * (hx - newgate),)


def gru_reset_before_step(gi, state, p):
    """GRU step of Cho et al. 2014 and the lecture (reset gate applied to h before W_hn).

        r = sigmoid(gi_r + h @ W_hr.T + b_hr), z = sigmoid(gi_z + h @ W_hz.T + b_hz)
        n = tanh(gi_n + (r * h) @ W_hn.T + b_hn)
        h' = (1 - z) * n + z * h
    """
    (hx,) = state
    w_hr, w_hz, w_hn = p.w_hh.chunk(3, dim=0)
    b_hr, b_hz, b_hn = (None, None, None) if p.b_hh is None else p.b_hh.chunk(3)
    i_r, i_z, i_n = gi.chunk(3, dim=1)
    resetgate = torch.sigmoid(i_r + _affine(hx, w_hr, b_hr))
    updategate = torch.sigmoid(i_z + _affine(hx, w_hz, b_hz))
    newgate = torch.tanh(i_n + _affine(resetgate * hx, w_hn, b_hn))
    return (newgate + updategate * (hx - newgate),)


STEPS = {
    "rnn_tanh": rnn_tanh_step,
    "rnn_relu": rnn_relu_step,
    "rnn_linear": rnn_linear_step,
    "lstm": lstm_step,
    "gru": gru_step,
    "gru_reset_before": gru_reset_before_step,
}
