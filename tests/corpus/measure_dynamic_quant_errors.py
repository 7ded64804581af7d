"""Tolerance needs of the int8 dynamic quantized LSTM/GRU: max errors against float32 torch.nn.LSTM/GRU
with the same weights, on rnnspec-like cases (weights U(-k, k) * scale, k = 1/sqrt(hidden), inputs
N(0, 1), initial state U(-1, 1) or omitted), 20 seeds per row. Prints one row per size; not a
finding script (always exits 0). Relative error is |error| / |expected| over the elements with
|expected| >= 0.1 (below that the relative error is meaningless: outputs near 0 have any ratio).
"""
import warnings

import torch
from torch.ao.quantization import quantize_dynamic

warnings.filterwarnings("ignore")
SIZES = [  # (input, hidden, T, batch, layers, bidirectional)
    (1, 1, 1, 1, 1, False), (3, 4, 5, 2, 1, False), (4, 8, 10, 3, 2, False),
    (8, 16, 20, 4, 1, True), (16, 32, 30, 8, 2, False), (32, 64, 50, 8, 1, False),
]
print(f"{'cell':4} {'I':>3} {'H':>3} {'T':>3} {'B':>2} {'L':>1} {'bi':>2} {'scale':>5} | "
      f"{'out abs':>8} {'out rel':>8} {'h_n abs':>8} {'c_n abs':>8}")
for cls in (torch.nn.LSTM, torch.nn.GRU):
    for I, H, T, B, L, bi in SIZES:
        for scale in (1.0, 2.0):
            worst = {"out": 0.0, "rel": 0.0, "h": 0.0, "c": 0.0}
            for seed in range(20):
                torch.manual_seed(seed)
                ref = cls(I, H, num_layers=L, bidirectional=bi)
                k = scale / H ** 0.5
                with torch.no_grad():
                    for p in ref.parameters():
                        p.uniform_(-k, k)
                q = quantize_dynamic(torch.nn.Sequential(ref), {cls}, dtype=torch.qint8)[0]
                x = torch.randn(T, B, I)
                n = L * (2 if bi else 1)
                state = None if seed % 2 else torch.rand(n, B, H) * 2 - 1
                if state is not None and cls is torch.nn.LSTM:
                    state = (state, torch.rand(n, B, H) * 2 - 1)
                with torch.no_grad():
                    (o1, s1), (o2, s2) = ref(x, state), q(x, state)
                s1, s2 = (s1, s2) if cls is torch.nn.LSTM else ((s1,), (s2,))
                e = (o1 - o2).abs()
                big = o1.abs() >= 0.1
                worst["out"] = max(worst["out"], e.max().item())
                worst["rel"] = max(worst["rel"], (e[big] / o1.abs()[big]).max().item() if big.any() else 0.0)
                worst["h"] = max(worst["h"], (s1[0] - s2[0]).abs().max().item())
                if cls is torch.nn.LSTM:
                    worst["c"] = max(worst["c"], (s1[1] - s2[1]).abs().max().item())
            c = f"{worst['c']:8.3g}" if cls is torch.nn.LSTM else f"{'-':>8}"
            print(f"{cls.__name__:4} {I:3} {H:3} {T:3} {B:2} {L:1} {'y' if bi else 'n':>2} {scale:5.1f} | "
                  f"{worst['out']:8.3g} {worst['rel']:8.3g} {worst['h']:8.3g} {c}")
