"""torch.ao.nn.quantized.dynamic.LSTM / GRU have no correct gradients. The modules have no
nn.Parameters (the weights are packed int8 in _all_weight_values) and torch.quantized_lstm/_gru have
no autograd kernel: backward only warns ("an autograd kernel was not registered ... may lead to
silently incorrect behavior"). The input gets no gradient (None) for either; the LSTM's initial state
gets none either, but the GRU's initial state DOES get one, and it is wrong: only the z * h term of
h' = (1 - z) * n + z * h is differentiated (at T=1 h0.grad is the update gate z), far beyond the int8
error of the forward. Inference-only by design
(a limitation); the GRU's partial h0 gradient is silently wrong.
Exit 0 (FINDING CONFIRMED) when the input gets no gradient, 1 otherwise.
"""
import sys
import warnings

import torch
from torch.ao.quantization import quantize_dynamic

warnings.filterwarnings("ignore")
torch.manual_seed(0)
no_input_grad = []
for cls in (torch.nn.LSTM, torch.nn.GRU):
    ref = cls(3, 5)
    q = quantize_dynamic(torch.nn.Sequential(ref), {cls}, dtype=torch.qint8)[0]
    grads = {}
    for name, module in (("float32 torch", ref), ("int8 dynamic", q)):
        torch.manual_seed(1)
        x = torch.randn(4, 2, 3, requires_grad=True)
        h0 = torch.randn(1, 2, 5, requires_grad=True)
        out, _ = module(x, (h0, torch.zeros(1, 2, 5)) if cls is torch.nn.LSTM else h0)
        out.sum().backward()
        grads[name] = (x.grad, h0.grad)
    (gx_f, gh_f), (gx_q, gh_q) = grads["float32 torch"], grads["int8 dynamic"]
    h0_note = "None" if gh_q is None else f"max |error| vs float32 torch {(gh_q - gh_f).abs().max().item():.3g} (|grad| up to {gh_f.abs().max().item():.3g})"
    print(f"{cls.__name__}: parameters {[n for n, _ in q.named_parameters()]}; int8 x.grad {gx_q}; int8 h0.grad {h0_note}")
    no_input_grad.append(gx_q is None)
if all(no_input_grad):
    print("FINDING CONFIRMED: int8 dynamic quantized LSTM/GRU give no input gradient (and the GRU a wrong h0 gradient)")
    sys.exit(0)
print("not reproduced")
sys.exit(1)
