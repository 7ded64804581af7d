"""Copies of the torch reference with one defect planted in each: the suite must catch them all.

Each class is a torch.nn drop-in (the reference modules' constructor and forward) whose cell
step or direction runner has been copied and broken in one place. ``DEFECTS`` lists them with
the torch built-in they pose as and the property expected to catch them first.
"""

import torch

from rnnspec.reference_impls import torch_modules
from rnnspec.reference_impls.torch_cells import _affine
from rnnspec.reference_impls.torch_layers import run_direction


def lstm_step_gates_swapped(gi, state, p):
    """The reference LSTM step with the input and forget gates in the wrong order (f, i, g, o)."""
    hx, cx = state
    forgetgate, ingate, cellgate, outgate = (gi + _affine(hx, p.w_hh, p.b_hh)).chunk(4, dim=1)  # defect
    cy = torch.sigmoid(forgetgate) * cx + torch.sigmoid(ingate) * torch.tanh(cellgate)
    hy = torch.sigmoid(outgate) * torch.tanh(cy)
    return (hy if p.w_hr is None else hy @ p.w_hr.t()), cy


def lstm_step_without_b_hh(gi, state, p):
    """The reference LSTM step that forgets the recurrent bias b_hh."""
    hx, cx = state
    ingate, forgetgate, cellgate, outgate = (gi + hx @ p.w_hh.t()).chunk(4, dim=1)  # defect: no b_hh
    cy = torch.sigmoid(forgetgate) * cx + torch.sigmoid(ingate) * torch.tanh(cellgate)
    hy = torch.sigmoid(outgate) * torch.tanh(cy)
    return (hy if p.w_hr is None else hy @ p.w_hr.t()), cy


def gru_step_reset_moved(gi, state, p):
    """A GRU step that claims torch's form but applies the reset gate before W_hn (Cho et al.)."""
    (hx,) = state
    w_hr, w_hz, w_hn = p.w_hh.chunk(3, dim=0)
    b_hr, b_hz, b_hn = (None, None, None) if p.b_hh is None else p.b_hh.chunk(3)
    i_r, i_z, i_n = gi.chunk(3, dim=1)
    resetgate = torch.sigmoid(i_r + _affine(hx, w_hr, b_hr))
    updategate = torch.sigmoid(i_z + _affine(hx, w_hz, b_hz))
    newgate = torch.tanh(i_n + _affine(resetgate * hx, w_hn, b_hn))  # defect: reset inside the product
    return (newgate + updategate * (hx - newgate),)


def direction_not_flipped_back(step, x, state, p, *, reverse=False, lengths=None):
    """Runs the reverse direction on the flipped input but leaves its outputs in flipped order."""
    if not reverse:
        return run_direction(step, x, state, p, lengths=lengths)
    return run_direction(step, x.flip(0), state, p, lengths=lengths)  # defect: outputs never flipped back


def direction_padding_leaks(step, x, state, p, *, reverse=False, lengths=None):
    """Masks the padded outputs but lets the state run on through the padding."""
    out, final = run_direction(step, x, state, p, reverse=reverse, lengths=None)  # defect: lengths ignored
    if lengths is not None:
        out = out * (torch.arange(x.shape[0])[:, None] < lengths[None, :]).unsqueeze(-1).to(out.dtype)
    return out, final


class LSTMGatesSwapped(torch_modules.LSTM):
    step = staticmethod(lstm_step_gates_swapped)


class LSTMWithoutRecurrentBias(torch_modules.LSTM):
    step = staticmethod(lstm_step_without_b_hh)


class GRUResetMoved(torch_modules.GRU):
    step = staticmethod(gru_step_reset_moved)


class LSTMReverseNotFlipped(torch_modules.LSTM):
    direction = staticmethod(direction_not_flipped_back)


class GRUPaddingLeaks(torch_modules.GRU):
    direction = staticmethod(direction_padding_leaks)


# (class name, the torch built-in it poses as, the property that must catch it)
DEFECTS = (
    ("LSTMGatesSwapped", "torch.nn.LSTM", "matches_reference"),
    ("LSTMWithoutRecurrentBias", "torch.nn.LSTM", "matches_reference"),
    ("GRUResetMoved", "torch.nn.GRU", "matches_reference"),
    ("LSTMReverseNotFlipped", "torch.nn.LSTM", "bidirectional_is_forward_plus_flipped_reverse"),
    ("GRUPaddingLeaks", "torch.nn.GRU", "packed_is_each_alone"),
)

