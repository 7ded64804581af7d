"""Copies of rnnspec's references with one defect planted in each.

tests/defect_catalogue.py lists the ones the suite must catch, with the property that must catch
each: the connections (highway, dense, residual) and norm clipping by each tensor's own norm.
``LSTMGatesSwapped`` and ``GRUPaddingLeaks`` are torch.nn drop-ins (the reference modules'
constructor and forward with the cell step or direction runner broken) that test_cli, test_reports
and test_layout use as a target that fails; the catalogue holds their independent twins
(dropins/defects.py: LSTMInputForgetSwapped, GRUPaddingLeaksIntoState).
"""

import torch

from rnnspec.references import torch_modules
from rnnspec.references.torch_cells import _affine
from rnnspec.references.torch_layers import run_direction


# --- layers: targets that fail, for the tests of the tooling ------------------------------------

def lstm_step_gates_swapped(gi, state, p):
    """The reference LSTM step with the input and forget gates in the wrong order (f, i, g, o)."""
    hx, cx = state
    forgetgate, ingate, cellgate, outgate = (gi + _affine(hx, p.w_hh, p.b_hh)).chunk(4, dim=1)  # defect
    cy = torch.sigmoid(forgetgate) * cx + torch.sigmoid(ingate) * torch.tanh(cellgate)
    hy = torch.sigmoid(outgate) * torch.tanh(cy)
    return (hy if p.w_hr is None else hy @ p.w_hr.t()), cy


def direction_padding_leaks(step, x, state, p, *, reverse=False, lengths=None):
    """Masks the padded outputs but lets the state run on through the padding."""
    out, final = run_direction(step, x, state, p, reverse=reverse, lengths=None)  # defect: lengths ignored
    if lengths is not None:
        out = out * (torch.arange(x.shape[0])[:, None] < lengths[None, :]).unsqueeze(-1).to(out.dtype)
    return out, final


class LSTMGatesSwapped(torch_modules.LSTM):
    step = staticmethod(lstm_step_gates_swapped)


class GRUPaddingLeaks(torch_modules.GRU):
    direction = staticmethod(direction_padding_leaks)


# --- connections and clipping: the lecture's claims, each reference broken once -----------------

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
    """Norm clipping of each gradient by its own norm, not by the total norm (which it returns)."""
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    norms = [torch.linalg.vector_norm(g, norm_type) for g in grads]
    for g, n in zip(grads, norms):
        g.mul_(torch.clamp(max_norm / (n + 1e-6), max=1.0))  # defect: per-tensor norm
    return torch.linalg.vector_norm(torch.stack(norms), norm_type)


# --- targets that cannot be used, for the runner's own tests (not in the catalogue) -------------
class RaisesLSTM(torch.nn.LSTM):
    """Its forward always raises: a FAILED verdict whose origin is the target."""

    def forward(self, input, hx=None):
        raise RuntimeError("kernel exploded")


class WrongNames(torch.nn.Module):
    """Parameters not named as torch's: an ERROR verdict (the target cannot be used as declared)."""

    def __init__(self, input_size, hidden_size, **kwargs):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(4 * hidden_size, input_size))
