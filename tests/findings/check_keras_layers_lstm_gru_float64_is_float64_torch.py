"""Check (the corrected Keras finding): on Keras 3's torch backend, on CPU, the dedicated layers
``keras.layers.LSTM`` and ``keras.layers.GRU(reset_after=True)`` with ``dtype="float64"``, called
without a mask, compute in float64: with and without bias, with and without an initial state,
they agree with ``torch.nn.LSTM`` / ``torch.nn.GRU`` in float64 to float64 rounding (<1e-13).

Path (keras/src/layers/rnn/lstm.py and gru.py ``inner_loop``; keras/src/backend/torch/rnn.py):
``backend.lstm`` / ``backend.gru`` -> ``_fallback_lstm`` / ``_fallback_gru`` (no CUDA), a loop of
``torch.matmul`` in the kernel's dtype, which never goes through ``keras.ops.matmul``.
Exit 0 and "FINDING CONFIRMED" when it holds, else 1.
"""

import os
import sys

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

B, T, I, H = 3, 6, 4, 5


def gru_order(a):  # torch's r, z, n -> Keras' z, r, h
    r, z, n = np.split(a, 3)
    return np.concatenate([z, r, n])


def main() -> int:
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, torch {torch.__version__}, "
          f"CUDA available {torch.cuda.is_available()}")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, I))
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    torch.manual_seed(0)
    holds = True
    for name in ("LSTM", "GRU"):
        for bias in (True, False):
            for given_state in (False, True):
                ref = getattr(torch.nn, name)(I, H, bias=bias, batch_first=True).double()
                p = {k: v.detach().numpy() for k, v in ref.named_parameters()}
                w_ih, w_hh = p["weight_ih_l0"], p["weight_hh_l0"]
                if name == "GRU":
                    layer = keras.layers.GRU(H, reset_after=True, use_bias=bias, return_sequences=True,
                                             return_state=True, dtype="float64")
                    weights = [gru_order(w_ih).T, gru_order(w_hh).T]
                    if bias:
                        weights.append(np.stack([gru_order(p["bias_ih_l0"]), gru_order(p["bias_hh_l0"])]))
                    state, torch_state = [h0], torch.from_numpy(h0)[None]
                else:
                    layer = keras.layers.LSTM(H, use_bias=bias, unit_forget_bias=False, return_sequences=True,
                                              return_state=True, dtype="float64")
                    weights = [w_ih.T, w_hh.T] + ([p["bias_ih_l0"] + p["bias_hh_l0"]] if bias else [])
                    state, torch_state = [h0, c0], (torch.from_numpy(h0)[None], torch.from_numpy(c0)[None])
                layer.build((None, None, I))
                layer.set_weights(weights)
                got = layer(x, initial_state=state if given_state else None)
                got = [keras.ops.convert_to_numpy(g) for g in got]
                with torch.no_grad():
                    want = ref(torch.from_numpy(x), torch_state if given_state else None)
                want = [want[0].numpy()] + [s[0].numpy() for s in (want[1] if name == "LSTM" else (want[1],))]
                err = max(float(np.abs(g - w).max()) for g, w in zip(got, want))
                ok = all(g.dtype == np.float64 for g in got) and err < 1e-13
                print(f"keras.layers.{name}(use_bias={bias}, dtype='float64')(x, initial_state="
                      f"{'given' if given_state else 'None'}), no mask: max |keras - torch float64| over output "
                      f"and states = {err:.1e} ({'float64' if ok else 'NOT float64'})")
                holds &= ok
    print("FINDING CONFIRMED" if holds else "FINDING NOT REPRODUCED")
    return 0 if holds else 1


if __name__ == "__main__":
    sys.exit(main())
