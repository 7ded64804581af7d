"""torch.ao.nn.quantized.dynamic.LSTM / GRU (int8, via quantize_dynamic), bidirectional, on a
PackedSequence of unequal lengths: the output is not [forward(x), flip(reverse(flip(x)))] run as two
one-way int8 modules with the same weights (~1e-3 apart), where torch.nn.LSTM/GRU agree to float
rounding (~1e-8) and the int8 modules agree exactly on a padded batch of equal lengths. The reverse
direction of a packed batch starts with only the longest rows, the flipped one-way run with all of
them, and the hidden state is quantized per step with one scale for the rows in flight: a row's
result depends on which other rows share its step. The same coupling as
confirm_dynamic_quant_couples_rows.py, seen through the bidirectional claim.
Exit 0 (FINDING CONFIRMED) when the int8 packed bidirectional output differs from its two directions
beyond float rounding, 1 otherwise.
"""
import sys
import warnings

import torch
from torch.ao.quantization import quantize_dynamic
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

warnings.filterwarnings("ignore")
T, B, I, H = 5, 3, 3, 4


def int8(module):
    return quantize_dynamic(torch.nn.Sequential(module), {type(module)}, dtype=torch.qint8)[0]


def flip(x, lengths):
    """Each row reversed within its length (padding stays at the end)."""
    y = x.clone()
    for b, length in enumerate(lengths):
        y[:length, b] = x[:length, b].flip(0)
    return y


def run(module, x, lengths):
    out, _ = module(pack_padded_sequence(x, lengths, enforce_sorted=False))
    return pad_packed_sequence(out, total_length=T)[0]


results = {}
for cls in (torch.nn.LSTM, torch.nn.GRU):
    for lengths in ([5, 5, 5], [5, 3, 2]):
        worst = {"float32 torch": 0.0, "int8 dynamic": 0.0}
        for seed in range(3):
            torch.manual_seed(seed)
            both = cls(I, H, bidirectional=True)
            weights = both.state_dict()
            forward, reverse = cls(I, H), cls(I, H)  # the same weights, one direction each
            forward.load_state_dict({k: v for k, v in weights.items() if not k.endswith("_reverse")})
            reverse.load_state_dict({k.removesuffix("_reverse"): v for k, v in weights.items() if k.endswith("_reverse")})
            x = torch.randn(T, B, I)
            valid = (torch.arange(T)[:, None] < torch.tensor(lengths)[None])[..., None]
            for kind, (b, f, r) in (("float32 torch", (both, forward, reverse)),
                                    ("int8 dynamic", (int8(both), int8(forward), int8(reverse)))):
                with torch.no_grad():
                    got = run(b, x, lengths)
                    expected = torch.cat([run(f, x, lengths), flip(run(r, flip(x, lengths), lengths), lengths)], -1)
                worst[kind] = max(worst[kind], ((got - expected) * valid).abs().max().item())
        results[(cls.__name__, tuple(lengths))] = worst
        print(f"{cls.__name__} bidirectional, lengths {lengths}: output vs [forward, flip(reverse(flip(x)))] "
              + ", ".join(f"{k} {v:.2g}" for k, v in worst.items()))
packed_apart = all(results[(c, (5, 3, 2))]["int8 dynamic"] > 1e-5 for c in ("LSTM", "GRU"))
float_exact = all(w["float32 torch"] < 1e-6 for w in results.values())
if packed_apart and float_exact:
    print("FINDING CONFIRMED: int8 dynamic bidirectional LSTM/GRU on a packed batch is not its two directions")
    sys.exit(0)
print("not reproduced")
sys.exit(1)
