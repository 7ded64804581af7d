"""torch.ao.nn.quantizable.LSTM on unbatched input (T, I) returns the wrong shape instead of
torch's (T, H) / h_n (1, H): it reads x.size(1), the feature size, as the batch size, so the
output is (T, I, H) and h_n (1, I, H); with an unbatched state (1, H) it raises.
Exit 0 (FINDING CONFIRMED) when this reproduces, 1 otherwise.
"""
import sys
import warnings

import torch
from torch.ao.nn.quantizable import LSTM

warnings.filterwarnings("ignore")
torch.manual_seed(0)
T, I, H = 4, 3, 5
ref, tgt = torch.nn.LSTM(I, H), LSTM(I, H)
x = torch.randn(T, I)
out_ref, (h_ref, _) = ref(x)
out_tgt, (h_tgt, _) = tgt(x)
print(f"unbatched (T={T}, I={I}): torch.nn.LSTM output {tuple(out_ref.shape)} h_n {tuple(h_ref.shape)}; "
      f"quantizable output {tuple(out_tgt.shape)} h_n {tuple(h_tgt.shape)}")
try:
    tgt(x, (torch.zeros(1, H), torch.zeros(1, H)))
    print("with an unbatched state (1, H): ran")
except RuntimeError as e:
    print(f"with an unbatched state (1, H): RuntimeError: {e}")
if out_tgt.shape != out_ref.shape:
    print("FINDING CONFIRMED: quantizable LSTM returns the wrong shape for unbatched input")
    sys.exit(0)
print("not reproduced")
sys.exit(1)
