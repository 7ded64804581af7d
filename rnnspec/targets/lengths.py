"""A layer whose forward takes padded input and lengths, called as torch's layers take a PackedSequence.

Many implementations take ``forward(x, hx=None, lengths=None)`` where torch takes a PackedSequence:
the lengths absolute (one integer per row) or relative (each row's length over the padded length,
as SpeechBrain's ``wav_lens``). ``LengthsArgument`` names that argument, and ``call`` turns the
PackedSequence the properties pass into what such a forward takes, and its padded output back into
a PackedSequence, so the variable-length properties check the target with no wrapper written:

    padded, lengths = pad_packed_sequence(packed)          # rows in the caller's order
    output, h_n = module(padded, hx, lengths=...)          # torch.long lengths, or float32 lengths / T
    return pack_padded_sequence(output, lengths, enforce_sorted=False), h_n

Outputs past a row's length are not the target's business (torch's packing drops them); ``h_n`` is
returned as the module returns it, rows in the caller's order, as torch's are.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from .base import TargetError

__all__ = ["LENGTHS_KINDS", "LengthsArgument"]

# kind -> what the forward's lengths argument holds, as a user reads it
LENGTHS_KINDS: dict[str, str] = {
    "absolute": "each row's length, a (B,) torch.long tensor",
    "relative": "each row's length over the padded length T, a (B,) float32 tensor in (0, 1] (convert back "
                "with torch.round(lengths * T): the product can fall just below k, as float32 13/22 * 22 does, or "
                "float32 5/6 * 6 computed in float64, so floor or .long() loses the row's last step)",
}


@dataclass(frozen=True)
class LengthsArgument:
    """The keyword argument through which a target's forward takes the lengths of a padded batch.
    Checked when made: ValueError naming a name that is not an identifier or an unknown kind."""

    name: str  # the forward's keyword, e.g. "lengths" (the layer is called module(padded, hx, **{name: lengths}))
    kind: str = "absolute"  # what it holds: a key of LENGTHS_KINDS

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"lengths_argument={self.name!r} must be the name of the forward's lengths argument, "
                             f"e.g. 'lengths'")
        if self.kind not in LENGTHS_KINDS:
            raise ValueError(f"lengths_kind={self.kind!r} is not one of {list(LENGTHS_KINDS)}")

    def check_forward(self, forward, *, what: str) -> None:
        """TargetError when ``forward`` (a module's forward, bound or not) cannot take the lengths by
        keyword; ``what`` names it in the message. A signature Python cannot read passes."""
        try:
            signature = inspect.signature(forward)
        except (TypeError, ValueError):
            return
        parameters = signature.parameters.values()
        if any(p.kind is p.VAR_KEYWORD for p in parameters):
            return
        taken = signature.parameters.get(self.name)
        if taken is None or taken.kind is taken.POSITIONAL_ONLY:
            listed = ", ".join(p.name for p in parameters if p.name != "self")
            raise TargetError(f"{what}.forward({listed}) takes no keyword argument {self.name!r}, which "
                              f"--lengths-arg {self.name} names; give the name of its lengths argument")

    def values(self, lengths: torch.Tensor, steps: int) -> torch.Tensor:
        """What the forward's argument gets for rows of ``lengths`` (torch.long) padded to ``steps``."""
        if self.kind == "relative":
            return lengths.to(torch.float32) / steps
        return lengths.to(torch.long)

    def call_padded(self, module, padded, hx, lengths, *, batch_first: bool):
        """``module`` on a padded batch with ``lengths`` (each row's, in steps) passed as it takes them."""
        steps = padded.shape[1 if batch_first else 0]
        return module(padded, hx, **{self.name: self.values(torch.as_tensor(lengths), steps)})

    def call(self, module, input, hx, *, batch_first: bool):
        """``module`` called as torch's layer is: a PackedSequence becomes padded input plus lengths
        and the padded output a PackedSequence again; any other input is passed through unchanged."""
        if not isinstance(input, PackedSequence):
            return module(input, hx)
        padded, lengths = pad_packed_sequence(input, batch_first=batch_first)  # (B, T, ·) or (T, B, ·)
        result = self.call_padded(module, padded, hx, lengths, batch_first=batch_first)
        if not (isinstance(result, tuple) and len(result) == 2) or isinstance(result[0], PackedSequence):
            return result  # the caller says what is wrong with it
        output, h_n = result
        return pack_padded_sequence(output, lengths, batch_first=batch_first, enforce_sorted=False), h_n
