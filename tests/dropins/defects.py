"""Planted defects in independent drop-ins: each class or function is a faithful drop-in
(independent.py) with one thing broken, the way real ports go wrong. tests/defect_catalogue.py
lists them with the torch object they pose as, the kind of mistake and the property that must
catch it."""

import torch
from torch import nn

from independent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell, clip_grad_norm, clip_grad_value


# --- gate order ---------------------------------------------------------------------------------
class LSTMInputForgetSwapped(LSTM):
    def lstm_step(self, x, state, w):
        h, c = state
        gi, gh = self.pre(x, h, w)
        f, i, g, o = (gi + gh).chunk(4, -1)
        c = self.sigmoid(f) * c + self.sigmoid(i) * torch.tanh(g)
        h = self.sigmoid(o) * torch.tanh(c)
        return (h if w[4] is None else h @ w[4].t(), c)


class LSTMCellOutputSwapped(LSTM):  # Keras-style i, f, c, o read as i, f, o, g
    def lstm_step(self, x, state, w):
        h, c = state
        gi, gh = self.pre(x, h, w)
        i, f, o, g = (gi + gh).chunk(4, -1)
        c = self.sigmoid(f) * c + self.sigmoid(i) * torch.tanh(g)
        h = self.sigmoid(o) * torch.tanh(c)
        return (h if w[4] is None else h @ w[4].t(), c)


class GRUResetUpdateSwapped(GRU):
    def gru_step(self, x, state, w):
        (h,) = state
        gi, gh = self.pre(x, h, w)
        (iz, ir, i_n), (hz, hr, hn) = gi.chunk(3, -1), gh.chunk(3, -1)
        r, z = self.sigmoid(ir + hr), self.sigmoid(iz + hz)
        return ((1 - z) * torch.tanh(i_n + r * hn) + z * h,)


# --- bias handling ------------------------------------------------------------------------------
class LSTMWithoutRecurrentBias(LSTM):
    def pre(self, x, h, w):
        w_ih, w_hh, b_ih, b_hh, _ = w
        return x @ w_ih.t() + (0 if b_ih is None else b_ih), h @ w_hh.t()


class RNNInputBiasTwice(RNN):
    def pre(self, x, h, w):
        gi, gh = super().pre(x, h, w)
        return gi + (0 if w[2] is None else w[2]), gh


class GRUNewGateBiasOutsideReset(GRU):
    def gru_step(self, x, state, w):
        (h,) = state
        w_ih, w_hh, b_ih, b_hh, _ = w
        gi = x @ w_ih.t() + (0 if b_ih is None else b_ih)
        gh = h @ w_hh.t()
        b = torch.zeros_like(gh) if b_hh is None else b_hh.expand_as(gh)
        (ir, iz, i_n), (hr, hz, hn), (br, bz, bn) = gi.chunk(3, -1), gh.chunk(3, -1), b.chunk(3, -1)
        r, z = self.sigmoid(ir + hr + br), self.sigmoid(iz + hz + bz)
        return ((1 - z) * torch.tanh(i_n + r * hn + bn) + z * h,)


# --- activations --------------------------------------------------------------------------------
class LSTMHardSigmoid(LSTM):
    def sigmoid(self, a):
        return torch.clamp(0.2 * a + 0.5, 0, 1)


class RNNIgnoresNonlinearity(RNN):
    def rnn_step(self, x, state, w):
        gi, gh = self.pre(x, state[0], w)
        return (torch.tanh(gi + gh),)


class LSTMSigmoidOnCell(LSTM):
    def lstm_step(self, x, state, w):
        h, c = state
        gi, gh = self.pre(x, h, w)
        i, f, g, o = (gi + gh).chunk(4, -1)
        c = self.sigmoid(f) * c + self.sigmoid(i) * torch.tanh(g)
        h = self.sigmoid(o) * torch.sigmoid(c)
        return (h if w[4] is None else h @ w[4].t(), c)


# --- GRU form and convention --------------------------------------------------------------------
class GRUResetBeforeProduct(GRU):
    def gru_step(self, x, state, w):
        (h,) = state
        w_ih, w_hh, b_ih, b_hh, _ = w
        H = h.shape[-1]
        gi = x @ w_ih.t() + (0 if b_ih is None else b_ih)
        ir, iz, i_n = gi.chunk(3, -1)
        b = (None, None, None) if b_hh is None else b_hh.chunk(3)
        lin = lambda v, k: v @ w_hh[k * H:(k + 1) * H].t() + (0 if b[k] is None else b[k])  # noqa: E731
        r, z = self.sigmoid(ir + lin(h, 0)), self.sigmoid(iz + lin(h, 1))
        return ((1 - z) * torch.tanh(i_n + lin(r * h, 2)) + z * h,)


class GRUUpdateConventionFlipped(GRU):
    def gru_step(self, x, state, w):
        (h,) = state
        gi, gh = self.pre(x, h, w)
        (ir, iz, i_n), (hr, hz, hn) = gi.chunk(3, -1), gh.chunk(3, -1)
        r, z = self.sigmoid(ir + hr), self.sigmoid(iz + hz)
        return (z * torch.tanh(i_n + r * hn) + (1 - z) * h,)


# --- hidden offsets and clipping inside the cell ------------------------------------------------
class LSTMForgetBiasOffset(LSTM):  # adds the "unit forget bias" at run time
    def pre(self, x, h, w):
        gi, gh = super().pre(x, h, w)
        H = gh.shape[-1] // 4
        return gi, gh + torch.cat([torch.zeros(H), torch.ones(H), torch.zeros(2 * H)]).to(gh)


class LSTMCellClip(LSTM):
    def lstm_step(self, x, state, w):
        h, c = super().lstm_step(x, state, w)
        return h, c.clamp(-0.5, 0.5)


# --- projection ---------------------------------------------------------------------------------
class LSTMProjectionBeforeOutputGate(LSTM):
    def lstm_step(self, x, state, w):
        h, c = state
        if w[4] is None:
            return super().lstm_step(x, state, w)
        gi, gh = self.pre(x, h, w)
        i, f, g, o = (gi + gh).chunk(4, -1)
        c = self.sigmoid(f) * c + self.sigmoid(i) * torch.tanh(g)
        return (torch.tanh(c) @ w[4].t()) * self.sigmoid(o).mean(-1, keepdim=True), c


# --- directions ---------------------------------------------------------------------------------
class LSTMReverseNotFlippedBack(LSTM):
    def run(self, x, state, w, lengths, reverse):
        if not reverse:
            return super().run(x, state, w, lengths, False)
        outs, final = super().run(x.flip(0), state, w, lengths, False)
        return outs, final


class GRUFinalStatesOfDirectionsSwapped(GRU):
    def forward(self, input, hx=None):
        out, h = super().forward(input, hx)
        if self.num_directions == 2:
            idx = torch.arange(h.shape[0]).view(-1, 2).flip(1).reshape(-1)
            h = h[idx]
        return out, h


class LSTMReverseUsesForwardWeights(LSTM):
    def weights(self, layer, d):
        return super().weights(layer, 0)


# --- variable lengths and padding ---------------------------------------------------------------
class GRUPaddingLeaksIntoState(GRU):
    def run(self, x, state, w, lengths, reverse):
        out, final = super().run(x, state, w, torch.full_like(lengths, x.shape[0]), reverse)
        mask = (torch.arange(x.shape[0]).unsqueeze(1) < lengths).unsqueeze(-1)
        return out * mask, final


class LSTMReverseStartsAtPadding(LSTM):
    def run(self, x, state, w, lengths, reverse):
        if not reverse:
            return super().run(x, state, w, lengths, False)
        T, outs = x.shape[0], []
        for t in range(T - 1, -1, -1):  # from the padded end: each row's reverse pass starts in its padding
            state = self.step(x[t], state, w)
            outs.append(state[0])
        out = torch.stack(outs[::-1])
        return out * (torch.arange(T).unsqueeze(1) < lengths).unsqueeze(-1), state


# --- initial state ------------------------------------------------------------------------------
class RNNIgnoresInitialState(RNN):
    def initial_state(self, hx, batch, like):
        return super().initial_state(None, batch, like)


class LSTMSwapsH0C0(LSTM):
    def initial_state(self, hx, batch, like):
        if hx is None or self.proj_size:
            return super().initial_state(hx, batch, like)
        h0, c0 = hx
        return c0, h0


class GRULayersOfH0Reversed(GRU):
    def initial_state(self, hx, batch, like):
        (h0,) = super().initial_state(hx, batch, like)
        D = self.num_directions
        return (h0.view(self.num_layers, D, *h0.shape[1:]).flip(0).reshape(h0.shape),)


# --- dropout ------------------------------------------------------------------------------------
class LSTMDropoutInEval(LSTM):
    def between_layers(self, y):
        return nn.functional.dropout(y, self.dropout, True)


# --- coupling between rows, precision, state, mutation ------------------------------------------
class GRUCentersInputOverBatch(GRU):
    def pre(self, x, h, w):
        return super().pre(x - x.mean(0, keepdim=True) if x.shape[0] > 1 else x, h, w)


class LSTMQuantizesWithBatchScale(LSTM):
    """Rounds each step's input to 8 bits with one scale for the whole batch (dynamic per-tensor
    quantization): a row's result depends on the largest input among the other rows."""

    def pre(self, x, h, w):
        scale = x.abs().max().clamp(min=1e-12) / 127
        return super().pre(torch.round(x / scale) * scale, h, w)


class LSTMSilentFloat32(LSTM):
    """Computes the gate pre-activations in float32 whatever the dtype it is given."""

    def pre(self, x, h, w):
        gi, gh = super().pre(x.float().to(x.dtype), h.float().to(h.dtype), w)
        return gi.float().to(gi.dtype), gh.float().to(gh.dtype)


class LSTMBfloat16Float32(LSTM):
    """Rounds its weights to bfloat16 (8 significant bits) whenever it runs in float32, as a mixed-precision
    kernel might; float64 stays exact. About 1e-3 relative error: a near miss, caught only because
    the float32 tolerances are as tight as the registry says (rtol 1e-4)."""

    def weights(self, layer, d):
        return tuple(w.to(torch.bfloat16).to(w.dtype) if w is not None and w.dtype == torch.float32 else w
                     for w in super().weights(layer, d))


class RNNRemembersLastState(RNN):
    """Starts from the previous call's final state when no state is given (and the shapes fit)."""

    def forward(self, input, hx=None):
        last = getattr(self, "_last", None)
        if hx is None and last is not None and isinstance(input, torch.Tensor) and input.dim() == 3:
            batch = input.shape[0 if self.batch_first else 1]
            hx = last if last.shape[1] == batch else None
        out, h = super().forward(input, hx)
        self._last = h.detach()
        return out, h


class GRUMutatesInput(GRU):
    def forward(self, input, hx=None):
        out, h = super().forward(input, hx)
        if isinstance(input, torch.Tensor):
            with torch.no_grad():
                input.mul_(0.5)
        return out, h


# --- size-one dimensions -----------------------------------------------------------------------
class RNNSqueezesSizeOneDims(RNN):
    """Squeezes the step's input to drop a batch of one, and so crashes when the input size is one."""

    def pre(self, x, h, w):
        return super().pre(x.squeeze(), h, w)


# --- stacking -----------------------------------------------------------------------------------
class LSTMStackReadsDirectionsSwapped(LSTM):
    """The layer above a bidirectional layer reads [reverse, forward] instead of [forward, reverse]."""

    def between_layers(self, y):
        if self.num_directions == 2:
            half = y.shape[-1] // 2
            y = torch.cat([y[..., half:], y[..., :half]], -1)
        return super().between_layers(y)


class RNNUpperLayersUseFirstLayerRecurrence(RNN):
    def weights(self, layer, d):
        w = list(super().weights(layer, d))
        w[1] = super().weights(0, d)[1]
        return tuple(w)


# --- the order of returned states ---------------------------------------------------------------
class LSTMReturnsCBeforeH(LSTM):
    def forward(self, input, hx=None):
        out, (h, c) = super().forward(input, hx)
        return out, (c, h) if h.shape == c.shape else (h, c)


class LSTMCellStateOneStepLate(LSTM):
    """Returns as c_n each row's cell state from before its last step; the output and h_n are right.
    Only a comparison of c_n itself sees it (or the gradients, for a target that has them)."""

    def run(self, x, state, w, lengths, reverse):
        T = x.shape[0]
        outs, late = [None] * T, state[1]
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            new = self.step(x[t], state, w)
            keep = (lengths > t).unsqueeze(-1)
            late = torch.where(keep, state[1], late)
            state = tuple(torch.where(keep, n, s) for n, s in zip(new, state))
            outs[t] = torch.where(keep, state[0], torch.zeros_like(state[0]))
        return torch.stack(outs), (state[0], late)


# --- cells --------------------------------------------------------------------------------------
class LSTMCellLeaksCellState(LSTMCell):
    """Returns the new cell state scaled by 0.999, a leak no single step shows to the eye."""

    def forward(self, input, hx=None):
        h, c = super().forward(input, hx)
        return h, c * 0.999


class GRUCellIgnoresState(GRUCell):
    def forward(self, input, hx=None):
        return super().forward(input, None)


# --- the constructor ----------------------------------------------------------------------------
class LSTMBatchFirstFourth(LSTM):
    """batch_first before bias: torch's LSTM(4, 8, 1, False) has no biases, this one is time-major."""

    def __init__(self, input_size, hidden_size, num_layers=1, batch_first=False, bias=True, dropout=0.0,
                 bidirectional=False, proj_size=0):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size)


class GRUBatchFirstByDefault(GRU):
    """batch_first=True by default: GRU(4, 8) reads (B, T, I) where torch's reads (T, B, I)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=True, dropout=0.0,
                 bidirectional=False):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)


class GRUCellWithoutBiasByDefault(GRUCell):
    def __init__(self, input_size, hidden_size, bias=False):
        super().__init__(input_size, hidden_size, bias)


# --- clipping -----------------------------------------------------------------------------------
def clip_per_tensor_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    total = clip_grad_norm([], max_norm)
    for p in params:
        if p.grad is not None:
            total = clip_grad_norm([p], max_norm, norm_type, error_if_nonfinite)
    return total


def clip_scales_up(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    total = clip_grad_norm(params, float("inf"), norm_type, error_if_nonfinite)
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.grad.mul_(max_norm / (total + 1e-6))
    return total


def clip_returns_norm_after(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    clip_grad_norm(params, max_norm, norm_type, error_if_nonfinite)
    return clip_grad_norm(params, float("inf"), norm_type)


def clip_ignores_norm_type(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    return clip_grad_norm(parameters, max_norm, 2.0, error_if_nonfinite)


def clip_hides_nonfinite(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                torch.nan_to_num_(p.grad, nan=0.0, posinf=0.0, neginf=0.0)
    return clip_grad_norm(params, max_norm, norm_type, error_if_nonfinite)


def clip_value_upper_only(parameters, clip_value, foreach=None):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.grad.clamp_(max=clip_value)


def clip_value_zeroes_outliers(parameters, clip_value, foreach=None):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.grad[p.grad.abs() > clip_value] = 0.0


# --- reduced precision (float16, bfloat16): caught by --dtype float16 / bfloat16 ----------------
class LSTMGatesInBfloat16(LSTM):
    """Asked for float16, computes its gates and cell update in bfloat16 (8 times float16's
    epsilon), as code written for bfloat16 hardware does when it hard-codes the type: exact in
    float32, float64 and bfloat16."""

    def lstm_step(self, x, state, w):
        if x.dtype != torch.float16:
            return super().lstm_step(x, state, w)
        narrow = tuple(None if v is None else v.to(torch.bfloat16) for v in w)
        h, c = super().lstm_step(x.to(torch.bfloat16), tuple(s.to(torch.bfloat16) for s in state), narrow)
        return h.to(x.dtype), c.to(x.dtype)
