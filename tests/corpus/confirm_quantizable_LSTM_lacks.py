"""What torch.ao.nn.quantizable.LSTM lacks by its API: proj_size (TypeError at construction) and
PackedSequence input (AttributeError); and it renames torch's parameters:
weight_ih_l{k}[_reverse] -> layers.{k}.layer_{fw|bw}.cell.igates.weight, weight_hh -> ...hgates.weight,
bias_ih -> ...igates.bias, bias_hh -> ...hgates.bias. With the renamed weights it equals torch.nn.LSTM
(float32, one-direction stacks, one bidirectional layer, batch_first, no bias) and has gradients.
Exit 0 (FINDING CONFIRMED) when both options are refused and the renamed weights reproduce torch.
"""
import re
import sys
import warnings

import torch
from torch.ao.nn.quantizable import LSTM
from torch.nn.utils.rnn import pack_padded_sequence

warnings.filterwarnings("ignore")
torch.manual_seed(0)
refused = []
try:
    LSTM(3, 5, proj_size=2)
except TypeError as e:
    print(f"proj_size: TypeError: {e}"); refused.append("proj")
try:
    LSTM(3, 5)(pack_padded_sequence(torch.randn(4, 2, 3), [4, 2], enforce_sorted=False))
except AttributeError as e:
    print(f"packed: AttributeError: {e}"); refused.append("packed")


def renamed(name):
    m = re.fullmatch(r"(weight|bias)_(ih|hh)_l(\d+)(_reverse)?", name)
    kind, gates, layer, rev = m.groups()
    return f"layers.{layer}.layer_{'bw' if rev else 'fw'}.cell.{'igates' if gates == 'ih' else 'hgates'}.{kind}"


worst = 0.0
for kw in ({}, {"num_layers": 2}, {"bidirectional": True}, {"batch_first": True}, {"bias": False}):
    ref, tgt = torch.nn.LSTM(3, 5, **kw), LSTM(3, 5, **kw)
    tgt.load_state_dict({renamed(n): p for n, p in ref.state_dict().items()})
    x = torch.randn(4, 2, 3, requires_grad=True)
    (o1, (h1, c1)), (o2, (h2, c2)) = ref(x), tgt(x)
    g1 = torch.autograd.grad(o1.sum() + h1.sum() + c1.sum(), x)[0]
    g2 = torch.autograd.grad(o2.sum() + h2.sum() + c2.sum(), x)[0]
    worst = max(worst, *((a - b).abs().max().item() for a, b in ((o1, o2), (h1, h2), (c1, c2), (g1, g2))))
print(f"with renamed weights, float32, given options: worst |error| vs torch.nn.LSTM (outputs, states, input grad) {worst:.3g}")
if refused == ["proj", "packed"] and worst < 1e-5:
    print("FINDING CONFIRMED: quantizable LSTM lacks proj and packed; renamed weights reproduce torch")
    sys.exit(0)
print("not reproduced")
sys.exit(1)
