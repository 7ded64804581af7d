"""Copies of the torch reference with one defect planted in each: the suite must catch them all.

Each class is a torch.nn drop-in (the reference modules' constructor and forward) whose cell
step or direction runner has been copied and broken in one place. ``DEFECTS`` lists them with
the torch built-in they pose as and the property expected to catch them first.
"""

import torch

from reference_impls import torch_modules
from reference_impls.torch_cells import _affine
from reference_impls.torch_layers import run_direction


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



# --- issue: the lecture's claims. Copies of the connection and clipping references, each broken once.

def highway_carry_is_t(x, h, w_t, b_t):
    """Highway whose carry gate is T instead of 1 - T."""
    t = torch.sigmoid(x @ w_t.t() + b_t)
    return t * h(x) + t * x  # defect: carry gate T


def dense_drops_the_input(x, layers):
    """Dense block whose layers after the first read only the earlier outputs, not x."""
    features = [x]
    for k, layer in enumerate(layers):
        read = features if k == 0 else [torch.zeros_like(x)] + features[1:]  # defect: x replaced by zeros
        features.append(layer(torch.cat(read, dim=-1)))
    return torch.cat(features, dim=-1)


def residual_around_the_whole_stack(x, layers):
    """Residual stack whose one skip goes around the whole stack instead of around each layer."""
    y = x
    for layer in layers:
        y = layer(y)
    return y + x  # defect: the residual is added after the last layer only


def clip_norm_per_tensor(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Norm clipping of each gradient by its own norm, not by the total norm."""
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    norms = [torch.linalg.vector_norm(g, norm_type) for g in grads]
    for g, n in zip(grads, norms):
        g.mul_(torch.clamp(max_norm / (n + 1e-6), max=1.0))  # defect: per-tensor norm
    return torch.linalg.vector_norm(torch.stack(norms), norm_type)


def clip_norm_scales_up(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Norm clipping that rescales every gradient to max_norm, scaling small ones up."""
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads]), norm_type)
    for g in grads:
        g.mul_(max_norm / (total + 1e-6))  # defect: no min(., 1)
    return total


DEFECTS += (
    ("highway_carry_is_t", "highway", "highway_gate_closed_carries_input"),
    ("dense_drops_the_input", "dense", "dense_layers_read_the_input_unchanged"),
    ("residual_around_the_whole_stack", "residual_stack", "residual_stack_has_identity_path"),
    ("clip_norm_per_tensor", "torch.nn.utils.clip_grad_norm_", "clip_norm_caps_total_norm"),
    ("clip_norm_scales_up", "torch.nn.utils.clip_grad_norm_", "clip_norm_leaves_small_gradients_untouched"),
)
