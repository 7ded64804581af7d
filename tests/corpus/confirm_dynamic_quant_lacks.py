"""What the int8 dynamic quantized LSTM/GRU lack (limitations, raised by torch itself):
bias=False (quantize_dynamic: AssertionError "mod.bias must be True"), float64, float16 and
bfloat16 input (RuntimeError), unbatched (T, I) input (RuntimeError), and named parameters (none: the weights are
packed, so loading torch's weights by name is impossible; they must be converted from a float
torch.nn.LSTM/GRU by quantize_dynamic or Class.from_float). They do accept num_layers>1,
bidirectional, batch_first, a given state and PackedSequence. Exit 0 (FINDING CONFIRMED) when so.
"""
import sys
import warnings

import torch
from torch.ao.quantization import quantize_dynamic
from torch.nn.utils.rnn import pack_padded_sequence

warnings.filterwarnings("ignore")
torch.manual_seed(0)


def convert(module):
    return quantize_dynamic(torch.nn.Sequential(module), {type(module)}, dtype=torch.qint8)[0]


expected_refused = {"no_bias", "float64", "float16", "bfloat16", "unbatched"}
ok = True
for cls in (torch.nn.LSTM, torch.nn.GRU):
    tries = {
        "no_bias": lambda: convert(cls(3, 5, bias=False)),
        "float64": lambda: convert(cls(3, 5))(torch.randn(4, 2, 3, dtype=torch.float64)),
        "float16": lambda: convert(cls(3, 5))(torch.randn(4, 2, 3, dtype=torch.float16)),
        "bfloat16": lambda: convert(cls(3, 5))(torch.randn(4, 2, 3, dtype=torch.bfloat16)),
        "unbatched": lambda: convert(cls(3, 5))(torch.randn(4, 3)),
        "multilayer+bidirectional": lambda: convert(cls(3, 5, num_layers=2, bidirectional=True))(torch.randn(4, 2, 3)),
        "batch_first": lambda: convert(cls(3, 5, batch_first=True))(torch.randn(2, 4, 3)),
        "packed": lambda: convert(cls(3, 5))(pack_padded_sequence(torch.randn(4, 2, 3), [4, 2], enforce_sorted=False)),
    }
    refused = set()
    for option, call in tries.items():
        try:
            call()
            print(f"{cls.__name__} {option}: accepted")
        except (AssertionError, RuntimeError) as e:
            print(f"{cls.__name__} {option}: {type(e).__name__}: {str(e).splitlines()[0]}")
            refused.add(option)
    print(f"{cls.__name__}: named parameters after conversion: {[n for n, _ in convert(cls(3, 5)).named_parameters()]}")
    ok &= refused == expected_refused
if ok:
    print("FINDING CONFIRMED: dynamic quantized LSTM/GRU lack no_bias, float64, float16, bfloat16, unbatched, grad and parameters")
    sys.exit(0)
print("not reproduced")
sys.exit(1)
