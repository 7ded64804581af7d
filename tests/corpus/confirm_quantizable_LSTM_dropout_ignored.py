"""torch.ao.nn.quantizable.LSTM ignores dropout (documented: it warns "dropout option for quantizable
LSTM is ignored"). In training mode with dropout=1.0 between two layers, torch's upper layer sees only
zeros; the quantizable one computes the eval-mode result. Also: it starts in eval mode (self.training =
False in __init__), where torch modules start in training mode.
Exit 0 (FINDING CONFIRMED) when dropout is ignored, 1 otherwise.
"""
import sys
import warnings

import torch
from torch.ao.nn.quantizable import LSTM

torch.manual_seed(0)
T, B, I, H = 4, 2, 3, 5
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    tgt = LSTM(I, H, num_layers=2, dropout=1.0)
print("warnings:", [str(w.message)[:60] for w in caught])
print(f"training after construction: torch.nn.LSTM {torch.nn.LSTM(I, H).training}, quantizable {tgt.training}")
ref = torch.nn.LSTM(I, H, num_layers=2, dropout=1.0)
for layer in (0, 1):
    cell = tgt.layers[layer].layer_fw.cell
    with torch.no_grad():
        cell.igates.weight.copy_(getattr(ref, f"weight_ih_l{layer}")); cell.igates.bias.copy_(getattr(ref, f"bias_ih_l{layer}"))
        cell.hgates.weight.copy_(getattr(ref, f"weight_hh_l{layer}")); cell.hgates.bias.copy_(getattr(ref, f"bias_hh_l{layer}"))
x = torch.randn(T, B, I)
ref.train(); tgt.train()
train_ref, train_tgt = ref(x)[0], tgt(x)[0]
ref.eval()
eval_ref = ref(x)[0]
print(f"training, dropout=1: quantizable vs torch (train) max |error| {(train_tgt - train_ref).abs().max().item():.3g}; "
      f"quantizable vs torch (eval) {(train_tgt - eval_ref).abs().max().item():.3g}")
if (train_tgt - eval_ref).abs().max() < 1e-6 < (train_tgt - train_ref).abs().max():
    print("FINDING CONFIRMED: quantizable LSTM ignores dropout in training (documented by a warning)")
    sys.exit(0)
print("not reproduced")
sys.exit(1)
