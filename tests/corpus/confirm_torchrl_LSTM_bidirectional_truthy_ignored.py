"""torchrl.modules.LSTM refuses bidirectional=True but not bidirectional=1 (or numpy.True_).

The guard is `if bidirectional is True: raise NotImplementedError`. Any other truthy value builds
torch's bidirectional parameters (weight_ih_l0_reverse, ...) and then silently ignores them: the
output has hidden_size features, not 2 * hidden_size, and h_n one direction, not two.
Exit 0 (FINDING CONFIRMED) when this reproduces, 1 otherwise.
"""
import sys
import warnings

import torch
from torchrl.modules import LSTM

warnings.filterwarnings("ignore")
torch.manual_seed(0)
I, H, T, B = 3, 5, 4, 2
try:
    LSTM(I, H, bidirectional=True, batch_first=False)
    print("bidirectional=True: accepted")
except NotImplementedError as e:
    print(f"bidirectional=True: NotImplementedError: {e}")

ref = torch.nn.LSTM(I, H, bidirectional=True)
try:
    tgt = LSTM(I, H, bidirectional=1, batch_first=False)
except NotImplementedError as e:
    print(f"not reproduced: bidirectional=1 also raises NotImplementedError: {e}")
    sys.exit(1)
print("bidirectional=1: accepted; parameters:", sorted(n for n, _ in tgt.named_parameters()))
tgt.load_state_dict(ref.state_dict())
x = torch.randn(T, B, I)
out_ref, (h_ref, _) = ref(x)
out_tgt, (h_tgt, _) = tgt(x)
print(f"torch.nn.LSTM(bidirectional=True): output {tuple(out_ref.shape)}, h_n {tuple(h_ref.shape)}")
print(f"torchrl LSTM(bidirectional=1):     output {tuple(out_tgt.shape)}, h_n {tuple(h_tgt.shape)}")
if out_tgt.shape != out_ref.shape or h_tgt.shape != h_ref.shape:
    forward_only = (out_tgt - out_ref[..., :H]).abs().max().item()
    print(f"torchrl output vs torch's forward half: max |error| {forward_only:.3g} (the reverse direction is dropped)")
    print("FINDING CONFIRMED: torchrl.modules.LSTM(bidirectional=1) builds reverse weights and ignores them")
    sys.exit(0)
print("not reproduced: shapes match torch's bidirectional LSTM")
sys.exit(1)
