"""torchrl.modules.LSTM/GRU take variable lengths as forward(x, hx, mask), a boolean mask laid out like
the input, not as a PackedSequence or lengths. h_n equals torch's packed h_n, but the output past each
row's length holds the frozen state where pad_packed_sequence gives zeros. Not a defect: a
semantic difference that a --lengths-arg adapter must handle (zero or ignore outputs past the length).
Exit 0 (FINDING CONFIRMED) when h_n agrees and the padded outputs are not zeros, 1 otherwise.
"""
import sys
import warnings

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from torchrl.modules import GRU, LSTM

warnings.filterwarnings("ignore")
torch.manual_seed(0)
T, B, I, H, lengths = 5, 3, 3, 4, [5, 2, 3]
mask = torch.arange(T)[:, None] < torch.tensor(lengths)[None, :]  # (T, B): batch_first=False
confirmed = True
for name, tcls, rcls in (("LSTM", torch.nn.LSTM, LSTM), ("GRU", torch.nn.GRU, GRU)):
    ref, tgt = tcls(I, H), rcls(I, H, batch_first=False)
    tgt.load_state_dict(ref.state_dict())
    x = torch.randn(T, B, I)
    out_p, h_p = ref(pack_padded_sequence(x, lengths, enforce_sorted=False))
    out_p = pad_packed_sequence(out_p, total_length=T)[0]
    out_m, h_m = tgt(x, None, mask)
    h_p, h_m = (h_p[0], h_m[0]) if name == "LSTM" else (h_p, h_m)
    err_h = (h_p - h_m).abs().max().item()
    err_valid = (out_p - out_m)[mask].abs().max().item()
    past = out_m[~mask].abs().max().item()
    print(f"{name}: h_n max |error| {err_h:.3g}; output within lengths {err_valid:.3g}; "
          f"output past lengths max |value| {past:.3g} (torch: 0)")
    confirmed &= err_h < 1e-5 and err_valid < 1e-5 and past > 0
if confirmed:
    print("FINDING CONFIRMED: torchrl's mask gives torch's h_n, but outputs past a row's length are its frozen state, not zeros")
    sys.exit(0)
print("not reproduced")
sys.exit(1)
