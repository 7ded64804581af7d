"""torchrl.modules.LSTM's constructor is not torch.nn.LSTM's, positionally or by default.

torch:   LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout, bidirectional, proj_size)
torchrl: LSTM(input_size, hidden_size, num_layers=1, batch_first=True, bias=True, dropout, bidirectional, proj_size)
torchrl: GRU (input_size, hidden_size, num_layers=1, bias=True, batch_first=True, ...)
So LSTM(3, 5, 1, False) is bias=False in torch and batch_first=False in torchrl, and LSTM(3, 5) /
GRU(3, 5) read their input batch-major where torch reads it time-major. (The docstring says it
"behaves exactly like torch.nn.LSTM".) rnnspec passes every option by keyword, so it never sees this.
Exit 0 (FINDING CONFIRMED) when this reproduces, 1 otherwise.
"""
import sys
import warnings

import torch
from torchrl.modules import GRU, LSTM

warnings.filterwarnings("ignore")
problems = []
t, r = torch.nn.LSTM(3, 5, 1, False), LSTM(3, 5, 1, False)
print(f"LSTM(3, 5, 1, False): torch bias={t.bias} batch_first={t.batch_first}; torchrl bias={r.bias} batch_first={r.batch_first}")
if (t.bias, t.batch_first) != (r.bias, r.batch_first):
    problems.append("the 4th positional argument is bias in torch, batch_first in torchrl")
for name, tcls, rcls in (("LSTM", torch.nn.LSTM, LSTM), ("GRU", torch.nn.GRU, GRU)):
    t, r = tcls(3, 5), rcls(3, 5)
    print(f"{name}(3, 5): torch batch_first={t.batch_first}; torchrl batch_first={r.batch_first}")
    if t.batch_first != r.batch_first:
        problems.append(f"{name} default batch_first={r.batch_first} (torch: {t.batch_first})")
if problems:
    print("FINDING CONFIRMED: " + "; ".join(problems))
    sys.exit(0)
print("not reproduced: same positional order and defaults as torch")
sys.exit(1)
