"""Attribution check for an earlier trial's finding: "a library's conversion of relative lengths drops
the last step from about 22 steps on". None of this corpus's targets takes relative lengths:
torchrl LSTM/GRU take forward(input, hx, mask) (a boolean mask), LSTMModule/GRUModule take is_init
markers in a TensorDict, and the torch.ao modules take a PackedSequence (absolute lengths). The
mechanism is float32 relative lengths (k / T) multiplied back by T and truncated to int, as
pack_padded_sequence does with float lengths: the first T where a length k loses a step is T = 22
(k = 13), matching "from about 22 steps on". A --lengths-kind relative must round, not truncate.
Exit 0 when the signatures take no relative lengths and the mechanism reproduces with torch alone.
"""
import inspect
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence
from torchrl.modules import GRU, LSTM, GRUModule, LSTMModule
import torch.ao.nn.quantizable as quantizable
import torch.ao.nn.quantized.dynamic as dynamic

for cls in (LSTM, GRU, LSTMModule, GRUModule, quantizable.LSTM, dynamic.LSTM, dynamic.GRU):
    print(f"{cls.__module__}.{cls.__name__}.forward{inspect.signature(cls.forward)}")

first = None
for T in range(1, 100):
    k = torch.arange(1, T + 1)
    relative = k.float() / T  # float32 relative lengths, as a data loader stores them
    lost = k[(relative * T).to(torch.int64) < k]
    if len(lost):
        first = (T, int(lost[0]))
        break
T, k = first
lengths = torch.tensor([k / T, 1.0]) * T  # float32
packed = pack_padded_sequence(torch.randn(T, 2, 1), lengths, enforce_sorted=False)
kept = int((packed.batch_sizes >= 2).sum())
print(f"first T where float32 k/T * T truncates below k: T={T}, k={k} ({(torch.tensor(k / T) * T).item()!r}); "
      f"pack_padded_sequence keeps {kept} steps of row 0, expected {k}")
if kept == k - 1:
    print("NOT THESE TARGETS: the relative-lengths truncation is a mechanism of relative lengths, which none of these targets takes")
    sys.exit(0)
sys.exit(1)
