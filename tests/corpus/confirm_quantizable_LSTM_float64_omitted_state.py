"""torch.ao.nn.quantizable.LSTM in float64 works with an initial state and fails without one:
forward() builds the omitted state as torch.zeros(..., dtype=torch.float) whatever the input's
dtype, so the hidden-gate Linear multiplies float32 by float64. torch.nn.LSTM makes zeros of the
input's dtype. Exit 0 (FINDING CONFIRMED) when this reproduces, 1 otherwise.
"""
import sys
import warnings

import torch
from torch.ao.nn.quantizable import LSTM

warnings.filterwarnings("ignore")
torch.manual_seed(0)
T, B, I, H = 4, 2, 3, 5
ref = torch.nn.LSTM(I, H).double()
tgt = LSTM(I, H).double()
cell = tgt.layers[0].layer_fw.cell
with torch.no_grad():  # torch's weight_ih_l0 is igates, weight_hh_l0 is hgates (biases likewise)
    cell.igates.weight.copy_(ref.weight_ih_l0); cell.igates.bias.copy_(ref.bias_ih_l0)
    cell.hgates.weight.copy_(ref.weight_hh_l0); cell.hgates.bias.copy_(ref.bias_hh_l0)
x = torch.randn(T, B, I, dtype=torch.float64)
state = (torch.zeros(1, B, H, dtype=torch.float64), torch.zeros(1, B, H, dtype=torch.float64))
err = (ref(x, state)[0] - tgt(x, state)[0]).abs().max().item()
print(f"float64 with the state given (zeros): max |error| vs torch.nn.LSTM {err:.3g}")
print(f"float64, state omitted, torch.nn.LSTM: output {tuple(ref(x)[0].shape)} {ref(x)[0].dtype}")
try:
    out, _ = tgt(x)
    print(f"float64, state omitted, quantizable: output {tuple(out.shape)} {out.dtype}")
except RuntimeError as e:
    print(f"float64, state omitted, quantizable: RuntimeError: {e}")
    print("FINDING CONFIRMED: quantizable LSTM fails in float64 when the state is omitted")
    sys.exit(0)
print("not reproduced")
sys.exit(1)
