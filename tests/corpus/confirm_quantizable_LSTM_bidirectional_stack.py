"""torch.ao.nn.quantizable.LSTM(num_layers>=2, bidirectional=True) cannot run: layers after the first
are built with input size hidden_size, not 2 * hidden_size, so torch.nn.LSTM's weight_ih_l1
(4H, 2H) does not fit and a forward with the module's own weights raises. One bidirectional layer,
or a stack of one direction, is fine. (LSTM.from_float replaces the layers with torch's weights, so
the quantization flow is not affected; constructing it directly is.)
Exit 0 (FINDING CONFIRMED) when this reproduces, 1 otherwise.
"""
import sys
import warnings

import torch
from torch.ao.nn.quantizable import LSTM

warnings.filterwarnings("ignore")
torch.manual_seed(0)
T, B, I, H = 4, 2, 3, 5
ref = torch.nn.LSTM(I, H, num_layers=2, bidirectional=True)
tgt = LSTM(I, H, num_layers=2, bidirectional=True)
print(f"torch weight_ih_l1 {tuple(ref.weight_ih_l1.shape)}; quantizable layers.1.layer_fw.cell.igates.weight "
      f"{tuple(tgt.layers[1].layer_fw.cell.igates.weight.shape)}")
print(f"torch.nn.LSTM: output {tuple(ref(torch.randn(T, B, I))[0].shape)}")
try:
    out, _ = tgt(torch.randn(T, B, I))
    print(f"quantizable: output {tuple(out.shape)}")
except RuntimeError as e:
    print(f"quantizable: RuntimeError: {e}")
    print("FINDING CONFIRMED: quantizable LSTM cannot run a bidirectional stack")
    sys.exit(0)
print("not reproduced")
sys.exit(1)
