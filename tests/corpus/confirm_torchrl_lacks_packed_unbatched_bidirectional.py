"""What torchrl.modules.LSTM and GRU refuse (limitations, raised by the library itself):
a PackedSequence (AttributeError), unbatched (T, I) input (ValueError) and bidirectional=True
(NotImplementedError; the GRU's message says "Bidirectional LSTMs"). torch.nn.LSTM/GRU accept all three.
Their own variable-length argument is forward(input, hx=None, mask=None) with a boolean mask laid out
like the input ((T, B) or (B, T) with batch_first), see confirm_torchrl_mask_is_not_packed.py.
Exit 0 (FINDING CONFIRMED) when all three are refused by both classes, 1 otherwise.
"""
import sys
import warnings

import torch
from torch.nn.utils.rnn import pack_padded_sequence
from torchrl.modules import GRU, LSTM

warnings.filterwarnings("ignore")
refused = []
for name, cls, tcls in (("LSTM", LSTM, torch.nn.LSTM), ("GRU", GRU, torch.nn.GRU)):
    cases = {
        "packed": lambda m: m(pack_padded_sequence(torch.randn(4, 2, 3), [4, 2], enforce_sorted=False)),
        "unbatched": lambda m: m(torch.randn(4, 3)),
        "bidirectional": None,
    }
    for option, call in cases.items():
        try:
            if call is None:
                cls(3, 5, bidirectional=True, batch_first=False)(torch.randn(4, 2, 3))
                tcls(3, 5, bidirectional=True)(torch.randn(4, 2, 3))
            else:
                call(tcls(3, 5))  # torch accepts it
                call(cls(3, 5, batch_first=False))
            print(f"{name} {option}: accepted")
        except Exception as e:
            print(f"{name} {option}: {type(e).__name__}: {e}")
            refused.append(f"{name} {option}")
if len(refused) == 6:
    print("FINDING CONFIRMED: torchrl LSTM/GRU lack packed, unbatched and bidirectional")
    sys.exit(0)
print(f"not reproduced: only {refused} refused")
sys.exit(1)
