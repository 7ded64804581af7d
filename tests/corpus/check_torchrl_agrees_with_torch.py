"""Not a finding: on every option they accept, torchrl's LSTM, GRU, LSTMModule and GRUModule compute
torch's LSTM/GRU (outputs, final states, omitted states and, for LSTM/GRU, gradients), float32 and float64, one and
two layers, both layouts. Also shows how to drive the TensorDict modules (what an adapter needs).
Exit 0 when everything agrees within 1e-5 (float32) / 1e-12 (float64), 1 otherwise.
"""
import sys
import warnings

import torch
from tensordict import TensorDict
from torchrl.modules import GRU, LSTM, GRUModule, LSTMModule

warnings.filterwarnings("ignore")
torch.manual_seed(0)
T, B, I, H = 4, 3, 3, 5
worst = {torch.float32: 0.0, torch.float64: 0.0}


def flat(state):
    return torch.cat([s.flatten() for s in (state if isinstance(state, tuple) else (state,))])


for tcls, rcls in ((torch.nn.LSTM, LSTM), (torch.nn.GRU, GRU)):
    for dtype in worst:
        for L in (1, 2):
            for bf in (False, True):
                ref, tgt = tcls(I, H, num_layers=L, batch_first=bf).to(dtype), rcls(I, H, num_layers=L, batch_first=bf).to(dtype)
                tgt.load_state_dict(ref.state_dict())
                x = torch.randn((B, T, I) if bf else (T, B, I), dtype=dtype, requires_grad=True)
                h = torch.randn(L, B, H, dtype=dtype)
                hx = (h, torch.randn(L, B, H, dtype=dtype)) if tcls is torch.nn.LSTM else h
                (o1, s1), (o2, s2) = ref(x, hx), tgt(x, hx)
                g1 = torch.autograd.grad(o1.sum() + flat(s1).sum(), [x, *ref.parameters()])
                g2 = torch.autograd.grad(o2.sum() + flat(s2).sum(), [x, *tgt.parameters()])
                errs = [(o1 - o2).abs().max(), (flat(s1) - flat(s2)).abs().max()] + [(a - b).abs().max() for a, b in zip(g1, g2)]
                (o3, s3), (o4, s4) = ref(x), tgt(x)  # state omitted: zeros in both
                errs += [(o3 - o4).abs().max(), (flat(s3) - flat(s4)).abs().max()]
                worst[dtype] = max(worst[dtype], max(e.item() for e in errs))
print(f"torchrl LSTM/GRU vs torch: worst |error| float32 {worst[torch.float32]:.3g}, float64 {worst[torch.float64]:.3g}")

module_worst = {torch.float32: 0.0, torch.float64: 0.0}
for Module, tcls in ((LSTMModule, torch.nn.LSTM), (GRUModule, torch.nn.GRU)):
    for dtype in module_worst:
        for kw in ({}, {"num_layers": 2}, {"bidirectional": True}):
            m = Module(I, H, in_key="x", out_key="y", default_recurrent_mode=True, **kw).to(dtype)
            inner = m.lstm if Module is LSTMModule else m.gru
            ref = tcls(I, H, batch_first=True, **kw).to(dtype)
            ref.load_state_dict(inner.state_dict())
            n = inner.num_layers * (2 if inner.bidirectional else 1)
            x, h0 = torch.randn(B, T, I, dtype=dtype), torch.randn(n, B, H, dtype=dtype)
            state = torch.zeros(B, T, n, H, dtype=dtype)  # (B, T, layers*directions, H); step 0 = initial state
            state[:, 0] = h0.transpose(0, 1)
            td = {"x": x, "is_init": torch.zeros(B, T, 1, dtype=torch.bool)}
            if Module is LSTMModule:
                c0 = torch.randn(n, B, H, dtype=dtype)
                cstate = torch.zeros_like(state)
                cstate[:, 0] = c0.transpose(0, 1)
                td.update(recurrent_state_h=state, recurrent_state_c=cstate)
                o, (h, c) = ref(x, (h0, c0))
            else:
                td.update(recurrent_state=state)
                o, h = ref(x, h0)
            out = m(TensorDict(td, [B, T]))
            h_key = ("next", "recurrent_state_h") if Module is LSTMModule else ("next", "recurrent_state")
            errs = [(out["y"] - o).abs().max(), (out[h_key][:, -1].transpose(0, 1) - h).abs().max()]  # h_n at the last step
            if Module is LSTMModule:
                errs.append((out["next", "recurrent_state_c"][:, -1].transpose(0, 1) - c).abs().max())
            module_worst[dtype] = max(module_worst[dtype], max(e.item() for e in errs))
print(f"LSTMModule/GRUModule (recurrent mode) vs torch: worst |error| float32 {module_worst[torch.float32]:.3g}, "
      f"float64 {module_worst[torch.float64]:.3g}")
ok = max(worst[torch.float32], module_worst[torch.float32]) < 1e-5 and max(worst[torch.float64], module_worst[torch.float64]) < 1e-12
print("AGREES with torch" if ok else "DISAGREES with torch")
sys.exit(0 if ok else 1)
