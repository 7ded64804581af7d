"""torch.ao.nn.quantized.dynamic.LSTM / GRU (int8, via quantize_dynamic) are not causal: changing only
the LAST time step's input changes the outputs at EARLIER steps. On CPU the input projection W_ih x is
computed for the whole sequence at once, and the int8 activation scale is one per tensor, taken from
the whole (T, B, I) input; a larger last step coarsens the quantization of every step. torch.nn.LSTM's
earlier outputs do not move at all. By design of dynamic quantization (approximate), but the size is
not bounded by the quantization error of a "normal" input: an outlier at the last step moves earlier
steps by up to ~0.5-0.8 (tanh-bounded outputs).
Exit 0 (FINDING CONFIRMED) when earlier outputs move, 1 when they do not.
"""
import sys
import warnings

import torch
from torch.ao.quantization import quantize_dynamic

warnings.filterwarnings("ignore")
T, B, I, H = 6, 3, 4, 8
moved = {}
for cls in (torch.nn.LSTM, torch.nn.GRU):
    for scale in (5.0, 100.0):
        worst_q = worst_f = 0.0
        for seed in range(3):
            torch.manual_seed(seed)
            ref = cls(I, H)
            q = quantize_dynamic(torch.nn.Sequential(ref), {cls}, dtype=torch.qint8)[0]
            x = torch.randn(T, B, I)
            x2 = x.clone()
            x2[-1] *= scale  # only the last step changes
            with torch.no_grad():
                worst_q = max(worst_q, (q(x)[0][:-1] - q(x2)[0][:-1]).abs().max().item())
                worst_f = max(worst_f, (ref(x)[0][:-1] - ref(x2)[0][:-1]).abs().max().item())
        moved[(cls.__name__, scale)] = worst_q
        print(f"{cls.__name__}: last step x{scale:g} moves earlier outputs by: int8 dynamic {worst_q:.3g}, "
              f"torch float32 {worst_f:.3g}  ({type(q).__module__}.{type(q).__name__})")
if all(v > 1e-3 for v in moved.values()):
    print("FINDING CONFIRMED: int8 dynamic quantized LSTM/GRU outputs depend on later inputs (not causal)")
    sys.exit(0)
print("not reproduced")
sys.exit(1)
