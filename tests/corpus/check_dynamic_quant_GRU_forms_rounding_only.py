"""The three gru_forms_agree_* failures of torch.ao.nn.quantized.dynamic.GRU are int8 rounding, not a
finding: where the two GRU forms agree (reset gate saturated at 1; W_hn diagonal with b_hn = 0; one
step from h0 = 0 with b_hn = 0), torch.nn.GRU equals the lecture's form (reset before W_hn) to float
rounding, and the int8 GRU converted from it differs from both by its usual int8 error (~1e-4 to
1e-2): within the --atol 0.05 given for it, beyond the registry's float32 tolerance (~1e-5) that
rnnspec/properties/test_gru.py's _assert_forms_agree still uses (it compares against a reference without
rnnspec.checking.checks.reference_tolerance, so --atol does not reach it). A false alarm of rnnspec's.
Exit 0 (ATTRIBUTED) when the float forms agree, the int8 GRU is within 0.05 of them and beyond 1e-5.
"""
import sys
import warnings

import torch
from torch.ao.quantization import quantize_dynamic

warnings.filterwarnings("ignore")
T, B, I, H = 3, 2, 3, 4
ATOL = 0.05


def reset_before(gru, x, h):
    """The lecture's GRU (Cho et al. 2014): n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)."""
    w_ir, w_iz, w_in = gru.weight_ih_l0.chunk(3)
    w_hr, w_hz, w_hn = gru.weight_hh_l0.chunk(3)
    b_ir, b_iz, b_in = gru.bias_ih_l0.chunk(3)
    b_hr, b_hz, b_hn = gru.bias_hh_l0.chunk(3)
    outputs = []
    for x_t in x:
        r = torch.sigmoid(x_t @ w_ir.T + b_ir + h @ w_hr.T + b_hr)
        z = torch.sigmoid(x_t @ w_iz.T + b_iz + h @ w_hz.T + b_hz)
        n = torch.tanh(x_t @ w_in.T + b_in + (r * h) @ w_hn.T + b_hn)
        h = (1 - z) * n + z * h
        outputs.append(h)
    return torch.stack(outputs)


def conditioned(condition, seed):
    torch.manual_seed(seed)
    gru = torch.nn.GRU(I, H)
    steps, h0 = T, torch.randn(1, B, H)
    with torch.no_grad():
        if condition == "reset gate = 1":
            gru.bias_ih_l0[:H] += 60
        else:
            gru.bias_hh_l0[2 * H:] = 0  # b_hn = 0
            if condition == "W_hn diagonal, b_hn = 0":
                gru.weight_hh_l0[2 * H:] = torch.diag(torch.randn(H))
            else:  # one step from h0 = 0, b_hn = 0
                steps, h0 = 1, torch.zeros(1, B, H)
    return gru, torch.randn(steps, B, I), h0


ok = True
for condition in ("reset gate = 1", "W_hn diagonal, b_hn = 0", "one step from h0 = 0, b_hn = 0"):
    forms = int8_error = 0.0
    for seed in range(3):
        gru, x, h0 = conditioned(condition, seed)
        q = quantize_dynamic(torch.nn.Sequential(gru), {torch.nn.GRU}, dtype=torch.qint8)[0]
        with torch.no_grad():
            torch_form, lecture_form, int8 = gru(x, h0)[0], reset_before(gru, x, h0[0]), q(x, h0)[0]
        forms = max(forms, (torch_form - lecture_form).abs().max().item())
        int8_error = max(int8_error, (int8 - lecture_form).abs().max().item())
    print(f"{condition}: torch.nn.GRU vs the lecture's form {forms:.2g}; int8 dynamic GRU vs it {int8_error:.2g}")
    ok &= forms < 1e-6 and 1e-5 < int8_error < ATOL
if ok:
    print(f"ATTRIBUTED: the forms agree in float; the int8 GRU differs by int8 rounding only (< --atol {ATOL})")
    sys.exit(0)
print("not as stated")
sys.exit(1)
