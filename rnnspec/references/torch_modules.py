"""The torch references as ``torch.nn.Module`` drop-ins with the constructors and forward
signatures of ``torch.nn.RNN / LSTM / GRU`` and their cells.

Parameters carry torch's canonical names, so rnnspec loads weights into these exactly as into
the built-ins; ``GRUResetBefore`` is the lecture's GRU in the same layout. A subclass may swap
``step`` (the cell) or ``direction`` (one direction of one layer) to build a variant.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from rnnspec.spec import CellConfig, LayerConfig, cell_layout, layer_layout

from . import torch_layers

__all__ = ["ReferenceRNNBase", "RNN", "LSTM", "GRU", "GRUResetBefore", "ReferenceCellBase", "RNNCell",
           "LSTMCell", "GRUCell", "GRUResetBeforeCell"]


def _rnn_cell_kind(nonlinearity: str) -> str:
    if nonlinearity not in ("tanh", "relu", "linear"):
        raise ValueError(f"nonlinearity={nonlinearity!r}; expected 'tanh', 'relu' or 'linear'")
    return f"rnn_{nonlinearity}"


def _register(module: nn.Module, layout, hidden_size: int) -> None:
    k = 1.0 / math.sqrt(hidden_size)
    for name, shape in layout:
        module.register_parameter(name, nn.Parameter(torch.empty(shape).uniform_(-k, k)))


class ReferenceRNNBase(nn.Module):
    cell = "rnn_tanh"  # the cell kind; subclasses set it
    step = None  # None: the reference step of ``cell``
    direction = staticmethod(torch_layers.run_direction)

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0):
        super().__init__()
        self.config = LayerConfig(self.cell, input_size, hidden_size, num_layers=num_layers, bias=bias,
                                  batch_first=batch_first, bidirectional=bidirectional, proj_size=proj_size,
                                  dropout=float(dropout))
        _register(self, layer_layout(self.config), hidden_size)

    def _dropout(self, x, layer):
        return nn.functional.dropout(x, self.config.dropout, self.training)

    def forward(self, input, hx=None, lengths=None):
        """torch's forward; or, with ``lengths`` (a (B,) integer tensor, zeros allowed), padded input
        and padded output (zeros past each length), where a row of length 0 keeps its state: what a
        PackedSequence, which cannot hold such a row, gives for the others."""
        params = dict(self.named_parameters())
        packed = isinstance(input, PackedSequence)
        if packed:
            input, lengths = pad_packed_sequence(input, batch_first=self.config.batch_first)
        out, h_n = torch_layers.rnn(self.config, params, input, hx, lengths=lengths, dropout=self._dropout,
                                    step=self.step, direction=self.direction)
        if packed:
            out = pack_padded_sequence(out, lengths, batch_first=self.config.batch_first, enforce_sorted=False)
        return out, h_n


class RNN(ReferenceRNNBase):
    """torch.nn.RNN's API, nonlinearity fourth as in torch; it may also be "linear" (the identity, rnn_linear)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False):
        self.cell = _rnn_cell_kind(nonlinearity)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)


class LSTM(ReferenceRNNBase):
    cell = "lstm"


class GRU(ReferenceRNNBase):
    cell = "gru"


class GRUResetBefore(ReferenceRNNBase):
    cell = "gru_reset_before"


class ReferenceCellBase(nn.Module):
    cell = "rnn_tanh"

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        self.config = CellConfig(self.cell, input_size, hidden_size, bias=bias)
        _register(self, cell_layout(self.config), hidden_size)

    def forward(self, input, hx=None):
        return torch_layers.cell(self.config, dict(self.named_parameters()), input, hx)


class RNNCell(ReferenceCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh"):
        self.cell = _rnn_cell_kind(nonlinearity)
        super().__init__(input_size, hidden_size, bias)


class LSTMCell(ReferenceCellBase):
    cell = "lstm"


class GRUCell(ReferenceCellBase):
    cell = "gru"


class GRUResetBeforeCell(ReferenceCellBase):
    cell = "gru_reset_before"
