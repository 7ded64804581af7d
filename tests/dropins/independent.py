"""Faithful drop-ins for torch.nn.RNN / LSTM / GRU, their cells and the clipping functions,
written without rnnspec: what a user brings to `rnnspec verify`. Every computation goes through a
small overridable method, so a planted defect (defects.py) is one method changed."""

import math

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


class RNNBase(nn.Module):
    mode = "LSTM"  # LSTM, GRU, RNN_TANH or RNN_RELU

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, nonlinearity="tanh"):
        super().__init__()
        if self.mode.startswith("RNN"):
            self.mode = "RNN_" + nonlinearity.upper()
        self.hidden_size, self.num_layers, self.bias = hidden_size, num_layers, bias
        self.batch_first, self.dropout, self.proj_size = batch_first, float(dropout), proj_size
        self.num_directions = 2 if bidirectional else 1
        gates = {"LSTM": 4, "GRU": 3}.get(self.mode, 1) * hidden_size
        out = proj_size or hidden_size
        k = 1 / math.sqrt(hidden_size)
        for layer in range(num_layers):
            for d in range(self.num_directions):
                tail = f"_l{layer}" + ("_reverse" if d else "")
                fan_in = input_size if layer == 0 else out * self.num_directions
                shapes = {"weight_ih": (gates, fan_in), "weight_hh": (gates, out)}
                if bias:
                    shapes.update(bias_ih=(gates,), bias_hh=(gates,))
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                for name, shape in shapes.items():
                    setattr(self, name + tail, nn.Parameter(torch.empty(shape).uniform_(-k, k)))

    # --- the pieces a defect may change -------------------------------------------------------
    def sigmoid(self, a):
        return torch.sigmoid(a)

    def weights(self, layer, d):
        tail = f"_l{layer}" + ("_reverse" if d else "")
        get = lambda n: getattr(self, n + tail, None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"), get("weight_hr")

    def pre(self, x, h, w):
        w_ih, w_hh, b_ih, b_hh, _ = w
        gi, gh = x @ w_ih.t(), h @ w_hh.t()
        if b_ih is not None:
            gi, gh = gi + b_ih, gh + b_hh
        return gi, gh

    def lstm_step(self, x, state, w):
        h, c = state
        gi, gh = self.pre(x, h, w)
        i, f, g, o = (gi + gh).chunk(4, -1)
        c = self.sigmoid(f) * c + self.sigmoid(i) * torch.tanh(g)
        h = self.sigmoid(o) * torch.tanh(c)
        return (h if w[4] is None else h @ w[4].t(), c)

    def gru_step(self, x, state, w):
        (h,) = state
        gi, gh = self.pre(x, h, w)
        (ir, iz, i_n), (hr, hz, hn) = gi.chunk(3, -1), gh.chunk(3, -1)
        r, z = self.sigmoid(ir + hr), self.sigmoid(iz + hz)
        n = torch.tanh(i_n + r * hn)
        return ((1 - z) * n + z * h,)

    def rnn_step(self, x, state, w):
        gi, gh = self.pre(x, state[0], w)
        return ((torch.tanh if self.mode == "RNN_TANH" else torch.relu)(gi + gh),)

    def step(self, x, state, w):
        return {"LSTM": self.lstm_step, "GRU": self.gru_step}.get(self.mode, self.rnn_step)(x, state, w)

    def run(self, x, state, w, lengths, reverse):
        """x (T, B, I); returns outputs (T, B, R) and the final state, rows past their length frozen."""
        T = x.shape[0]
        outs = [None] * T
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            new = self.step(x[t], state, w)
            keep = (lengths > t).unsqueeze(-1)
            state = tuple(torch.where(keep, n, s) for n, s in zip(new, state))
            outs[t] = torch.where(keep, state[0], torch.zeros_like(state[0]))
        return torch.stack(outs), state

    def between_layers(self, y):
        return nn.functional.dropout(y, self.dropout, self.training)

    def initial_state(self, hx, batch, like):
        n, out = self.num_layers * self.num_directions, self.proj_size or self.hidden_size
        if hx is None:
            h = like.new_zeros(n, batch, out)
            return (h, like.new_zeros(n, batch, self.hidden_size)) if self.mode == "LSTM" else (h,)
        return tuple(hx) if self.mode == "LSTM" else (hx,)

    def forward(self, input, hx=None):
        packed = isinstance(input, PackedSequence)
        if packed:
            x, lengths = pad_packed_sequence(input)
        else:
            x = input
            unbatched = x.dim() == 2
            if unbatched:
                x = x.unsqueeze(1)
                hx = None if hx is None else (tuple(s.unsqueeze(1) for s in hx) if self.mode == "LSTM"
                                              else hx.unsqueeze(1))
            elif self.batch_first:
                x = x.transpose(0, 1)
            lengths = torch.full((x.shape[1],), x.shape[0])
        state0 = self.initial_state(hx, x.shape[1], x)
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(self.num_directions):
                k = layer * self.num_directions + d
                y, s = self.run(x, tuple(s0[k] for s0 in state0), self.weights(layer, d), lengths, d == 1)
                outs.append(y)
                finals.append(s)
            x = torch.cat(outs, -1)
            if layer < self.num_layers - 1:
                x = self.between_layers(x)
        h_n = tuple(torch.stack(parts) for parts in zip(*finals))
        if packed:
            x = pack_padded_sequence(x, lengths, enforce_sorted=False)
        elif unbatched:
            x, h_n = x.squeeze(1), tuple(s.squeeze(1) for s in h_n)
        elif self.batch_first:
            x = x.transpose(0, 1)
        return x, (h_n if self.mode == "LSTM" else h_n[0])


class LSTM(RNNBase):
    mode = "LSTM"


class GRU(RNNBase):
    mode = "GRU"


class RNN(RNNBase):
    mode = "RNN"

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False):  # torch.nn.RNN takes nonlinearity fourth
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         nonlinearity=nonlinearity)


class CellBase(nn.Module):
    """torch.nn.LSTMCell / GRUCell / RNNCell: one step of the layer above."""

    layer = LSTM

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh"):
        super().__init__()
        kwargs = {"nonlinearity": nonlinearity} if self.layer is RNN else {}
        self.inner = self.layer(input_size, hidden_size, bias=bias, **kwargs)
        for name, p in list(self.inner.named_parameters()):
            setattr(self, name[: -len("_l0")], p)

    def forward(self, input, hx=None):
        unbatched = input.dim() == 1
        x = input.unsqueeze(0) if unbatched else input
        if hx is None:
            zeros = x.new_zeros(x.shape[0], self.inner.hidden_size)
            state = (zeros, zeros) if self.layer is LSTM else (zeros,)
        else:
            state = tuple(s.unsqueeze(0) if unbatched else s for s in (hx if self.layer is LSTM else (hx,)))
        w = (self.weight_ih, self.weight_hh, getattr(self, "bias_ih", None), getattr(self, "bias_hh", None), None)
        new = self.inner.step(x, state, w)
        new = tuple(s.squeeze(0) for s in new) if unbatched else new
        return new if self.layer is LSTM else new[0]


class LSTMCell(CellBase):
    layer = LSTM


class GRUCell(CellBase):
    layer = GRU


class RNNCell(CellBase):
    layer = RNN


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """torch.nn.utils.clip_grad_norm_, from its documentation."""
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norm_type = float(norm_type)
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads]), norm_type)
    if error_if_nonfinite and not torch.isfinite(total):
        raise RuntimeError(f"the total norm of order {norm_type} is non-finite")
    scale = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    with torch.no_grad():
        for g in grads:
            g.mul_(scale)
    return total


def clip_grad_value(parameters, clip_value, foreach=None):
    """torch.nn.utils.clip_grad_value_, from its documentation."""
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)
