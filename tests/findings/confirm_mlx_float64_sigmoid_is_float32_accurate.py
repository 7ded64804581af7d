"""Finding: ``mlx.core.sigmoid`` on float64 arrays (mlx 0.32.4, CPU backend, Linux x86_64) returns
float64 accurate only to about float32 precision (~1e-8 off ``1 / (1 + exp(-x))`` computed in
float64), while ``mx.tanh``, ``mx.addmm`` and ``@`` are float64-accurate (~1e-16). So
``mlx.nn.LSTM`` and ``mlx.nn.GRU`` (whose gates use ``mx.sigmoid``) given float64 weights and
inputs are ~1e-8 off torch's float64 layers, and ``mlx.nn.RNN`` (tanh or relu, no sigmoid)
agrees with torch's float64 to ~1e-16.

Shown without rnnspec: the elementwise functions on random float64 arrays against numpy, and the
three layers with torch's weights (biases folded: LSTM/RNN ``b_ih + b_hh``; GRU ``b = b_ih +
[b_hr, b_hz, 0]``, ``bhn = b_hn``) against torch.nn.LSTM / GRU / RNN in float64. Exit 0 and
"FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys

import mlx.core as mx
import mlx.nn as nn
import numpy as np
import torch

B, T, I, H = 3, 6, 4, 5


def f64(a) -> mx.array:
    return mx.array(np.asarray(a), dtype=mx.float64)  # mx.array of float64 numpy is float32 by default


def layer_error(kind: str) -> float:
    torch.manual_seed(0)
    ref = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[kind](I, H, batch_first=True).double()
    p = {k: v.detach().numpy() for k, v in ref.named_parameters()}
    x = torch.randn(B, T, I, dtype=torch.float64)
    with torch.no_grad():
        want = ref(x)[0].numpy()
    layer = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[kind](I, H)
    b_ih, b_hh = p["bias_ih_l0"], p["bias_hh_l0"]
    if kind == "rnn":
        layer.update({"Wxh": f64(p["weight_ih_l0"]), "Whh": f64(p["weight_hh_l0"]), "bias": f64(b_ih + b_hh)})
    elif kind == "lstm":
        layer.update({"Wx": f64(p["weight_ih_l0"]), "Wh": f64(p["weight_hh_l0"]), "bias": f64(b_ih + b_hh)})
    else:
        b = b_ih + np.concatenate([b_hh[:2 * H], np.zeros(H)])
        layer.update({"Wx": f64(p["weight_ih_l0"]), "Wh": f64(p["weight_hh_l0"]), "b": f64(b),
                      "bhn": f64(b_hh[2 * H:])})
    out = layer(f64(x.numpy()))
    got = np.array(out[0] if kind == "lstm" else out)
    assert got.dtype == np.float64
    return float(np.abs(got - want).max())


def main() -> int:
    print(f"mlx {mx.__version__}, device {mx.default_device()}, torch {torch.__version__}")
    x = np.random.default_rng(0).standard_normal(10_000) * 4
    errors = {"sigmoid": float(np.abs(np.array(mx.sigmoid(f64(x))) - 1 / (1 + np.exp(-x))).max()),
              "tanh": float(np.abs(np.array(mx.tanh(f64(x))) - np.tanh(x)).max())}
    w, v = np.random.default_rng(1).standard_normal((2, 8, 8))
    errors["addmm"] = float(np.abs(np.array(mx.addmm(f64(v[0]), f64(w), f64(v).T)) - (v[0] + w @ v.T)).max())
    for name, err in errors.items():
        print(f"mx.{name} float64 vs numpy float64: max |error| = {err:.1e}")
    layers = {kind: layer_error(kind) for kind in ("lstm", "gru", "rnn")}
    for kind, err in layers.items():
        print(f"mlx.nn.{kind.upper()} vs torch.nn.{kind.upper()} (float64): max |error| = {err:.1e}")
    reproduced = (errors["sigmoid"] > 1e-10 and errors["tanh"] < 1e-14 and errors["addmm"] < 1e-12
                  and layers["lstm"] > 1e-10 and layers["gru"] > 1e-10 and layers["rnn"] < 1e-13)
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
