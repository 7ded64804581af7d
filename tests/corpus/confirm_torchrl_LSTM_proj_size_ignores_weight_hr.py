"""torchrl.modules.LSTM accepts proj_size, registers weight_hr_l0, and never uses it.

Same weights in torch.nn.LSTM(proj_size=2) and torchrl.modules.LSTM(proj_size=2): at T=1 torchrl
returns the unprojected hidden state (last dim hidden_size, not proj_size); at T>=2 the unprojected
h_{t-1} reaches weight_hh (which expects proj_size columns) and the call crashes.
Exit 0 (FINDING CONFIRMED) when this reproduces, 1 when torchrl matches torch.
"""
import sys
import warnings

import torch
from torchrl.modules import LSTM

warnings.filterwarnings("ignore")
torch.manual_seed(0)
I, H, P, B = 3, 5, 2, 4
ref = torch.nn.LSTM(I, H, proj_size=P)
tgt = LSTM(I, H, proj_size=P, batch_first=False)
tgt.load_state_dict(ref.state_dict())  # same names, same shapes, weight_hr_l0 included
problems = []

x = torch.randn(1, B, I)  # T = 1
out_ref, (h_ref, _) = ref(x)
out_tgt, (h_tgt, _) = tgt(x)
print(f"T=1: torch output {tuple(out_ref.shape)} h_n {tuple(h_ref.shape)}; "
      f"torchrl output {tuple(out_tgt.shape)} h_n {tuple(h_tgt.shape)}")
if out_tgt.shape != out_ref.shape or h_tgt.shape != h_ref.shape:
    problems.append(f"T=1 shapes {tuple(out_tgt.shape)} / {tuple(h_tgt.shape)}, torch gives "
                    f"{tuple(out_ref.shape)} / {tuple(h_ref.shape)}")
    # projecting torchrl's output by weight_hr_l0 gives torch's output: the projection is what is missing
    projected = out_tgt @ ref.weight_hr_l0.detach().T
    print(f"T=1: torchrl output @ weight_hr_l0.T vs torch output: max |error| "
          f"{(projected - out_ref).abs().max().item():.3g}")
else:
    print(f"T=1 max |error| {(out_ref - out_tgt).abs().max().item():.3g}")

x = torch.randn(3, B, I)  # T = 3
ref(x)
try:
    out_tgt, _ = tgt(x)
    print(f"T=3: ran, max |error| {(ref(x)[0] - out_tgt).abs().max().item():.3g}")
except RuntimeError as e:
    print(f"T=3: torchrl raised RuntimeError: {e}")
    problems.append(f"T=3 raises RuntimeError: {e}")

if problems:
    print("FINDING CONFIRMED: torchrl.modules.LSTM ignores weight_hr (proj_size): " + "; ".join(problems))
    sys.exit(0)
print("not reproduced: torchrl.modules.LSTM applies proj_size like torch")
sys.exit(1)
