"""quantize_dynamic converts torch.nn.LSTM(proj_size=P) without complaint into a
torch.ao.nn.quantized.dynamic.LSTM that ignores weight_hr (from_float reads only weight_ih/weight_hh
and the biases), and every forward then raises, even at T=1 (the packed weight_hh expects P columns,
the zero state has hidden_size). The dynamic LSTM's own constructor refuses proj_size (TypeError).
Exit 0 (FINDING CONFIRMED) when the converted module fails, 1 when it runs like torch.
"""
import sys
import warnings

import torch
from torch.ao.nn.quantized.dynamic import LSTM as DynamicLSTM
from torch.ao.quantization import quantize_dynamic

warnings.filterwarnings("ignore")
torch.manual_seed(0)
try:
    DynamicLSTM(3, 5, proj_size=2)
except TypeError as e:
    print(f"constructor: TypeError: {e}")
ref = torch.nn.LSTM(3, 5, proj_size=2)
q = quantize_dynamic(torch.nn.Sequential(ref), {torch.nn.LSTM}, dtype=torch.qint8)[0]
print(f"quantize_dynamic(LSTM(3, 5, proj_size=2)) -> {type(q).__module__}.{type(q).__name__} {q} (no error)")
try:
    out, _ = q(torch.randn(1, 2, 3))
    print(f"T=1: output {tuple(out.shape)}, torch {tuple(ref(torch.randn(1, 2, 3))[0].shape)}")
except RuntimeError as e:
    print(f"T=1: RuntimeError: {e}")
    print("FINDING CONFIRMED: quantize_dynamic silently drops proj_size; the converted LSTM cannot run")
    sys.exit(0)
print("not reproduced")
sys.exit(1)
