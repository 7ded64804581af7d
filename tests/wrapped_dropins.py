"""Drop-ins that are torch's layer in all but names or call: what a user brings with ``--rename``
and ``--lengths-arg`` (rnnspec.targets.renaming, rnnspec.targets.lengths), written without rnnspec.

- ``Tagger``: torch's LSTM kept as ``self.lstm`` beside nothing else (found automatically);
  ``Encoder``: under ``self.core.lstm``; ``TwoLSTMs``: under both ``.enc`` and ``.dec`` (ambiguous).
- ``OwnNamesLSTM``: torch's computation over parameters named ``W_ih_0``, ``b_hh_1_rev``, ...
- ``AbsoluteLengthsLSTM`` / ``RelativeLengthsLSTM``: ``forward(input, hx=None, lengths=None)``
  with integer lengths, or lengths relative to the padded length; ``NoLengthsLSTM`` takes none.
- ``TruncatedRelativeLengthsLSTM``: a planted defect, relative lengths turned into steps with
  ``.long()`` (truncation) where ``torch.round`` is needed: a row whose ``k / T`` float32 rounds
  down (k=5 of T=6) loses its last step when the model computes in float64.
"""

import torch
from torch import nn
from torch.func import functional_call
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


class Tagger(nn.Module):
    """torch.nn.LSTM's constructor and forward; the layer kept as ``self.lstm``."""

    def __init__(self, *args, **kwargs):
        super().__init__()
        self.lstm = nn.LSTM(*args, **kwargs)

    def forward(self, input, hx=None):
        return self.lstm(input, hx)


class Encoder(nn.Module):
    """The layer two submodules down, as ``self.core.lstm``."""

    def __init__(self, *args, **kwargs):
        super().__init__()
        self.core = Tagger(*args, **kwargs)

    def forward(self, input, hx=None):
        return self.core(input, hx)


class TwoLSTMs(nn.Module):
    """Two layers of torch's names, ``self.enc`` and ``self.dec``: which one is meant cannot be guessed."""

    def __init__(self, *args, **kwargs):
        super().__init__()
        self.enc, self.dec = nn.LSTM(*args, **kwargs), nn.LSTM(*args, **kwargs)

    def forward(self, input, hx=None):
        return self.enc(input, hx)


def own_name(torch_name: str) -> str:
    """weight_ih_l0 -> W_ih_0, bias_hh_l1_reverse -> b_hh_1_rev, weight_hr_l0 -> W_hr_0."""
    kind, which, layer, *reverse = torch_name.split("_")
    return f"{'W' if kind == 'weight' else 'b'}_{which}_{layer[1:]}" + ("_rev" if reverse else "")


# what maps those names back, typed as
#   --rename '^W_=weight_' --rename '^b_=bias_' --rename '_(\d+)=_l\1' --rename '_rev$=_reverse'
OWN_NAMES_RENAME = (("^W_", "weight_"), ("^b_", "bias_"), (r"_(\d+)", r"_l\1"), ("_rev$", "_reverse"))


class OwnNamesLSTM(nn.Module):
    """torch's LSTM computed over parameters of its own names (``own_name``)."""

    def __init__(self, *args, **kwargs):
        super().__init__()
        self._template = (nn.LSTM(*args, **kwargs),)  # a tuple: not a submodule, its parameters not ours
        for name, p in self._template[0].named_parameters():
            self.register_parameter(own_name(name), nn.Parameter(p.detach().clone()))

    def forward(self, input, hx=None):
        template = self._template[0]
        template.train(self.training)
        weights = {name: getattr(self, own_name(name)) for name, _ in template.named_parameters()}
        return functional_call(template, weights, (input, hx))


class AbsoluteLengthsLSTM(nn.LSTM):
    """torch's LSTM taking a padded batch and each row's length, packing inside."""

    def steps(self, lengths, input):
        return lengths

    def forward(self, input, hx=None, lengths=None):
        if isinstance(input, PackedSequence):
            raise TypeError(f"{type(self).__name__} takes a padded batch and lengths=, not a PackedSequence")
        if lengths is None:
            return super().forward(input, hx)
        packed = pack_padded_sequence(input, self.steps(lengths, input).cpu(), batch_first=self.batch_first,
                                      enforce_sorted=False)
        output, h_n = super().forward(packed, hx)
        return pad_packed_sequence(output, batch_first=self.batch_first)[0], h_n


class RelativeLengthsLSTM(AbsoluteLengthsLSTM):
    """Lengths relative to the padded length (SpeechBrain's convention), rounded back to steps."""

    def steps(self, lengths, input):
        padded = input.shape[1 if self.batch_first else 0]
        return torch.round(lengths.to(input) * padded).long()


class TruncatedRelativeLengthsLSTM(AbsoluteLengthsLSTM):
    """Planted defect: relative lengths truncated to steps (``.long()``) instead of rounded."""

    def steps(self, lengths, input):
        padded = input.shape[1 if self.batch_first else 0]
        return (lengths.to(input) * padded).long()


class NoLengthsLSTM(nn.LSTM):
    """forward(input, hx=None): nothing to pass lengths by."""

    def forward(self, input, hx=None):
        return super().forward(input, hx)
