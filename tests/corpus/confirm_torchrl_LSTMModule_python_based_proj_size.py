"""torchrl.modules.LSTMModule(python_based=True, proj_size=P) inherits torchrl.modules.LSTM's
ignored weight_hr: in recurrent mode over T>=2 steps it crashes, where the default (nn.LSTM-backed)
LSTMModule with the same weights matches torch.nn.LSTM(proj_size=P).
Exit 0 (FINDING CONFIRMED) when the python-based module fails, 1 when it matches torch.
"""
import sys
import warnings

import torch
from tensordict import TensorDict
from torchrl.modules import LSTMModule

warnings.filterwarnings("ignore")
torch.manual_seed(0)
B, T, I, H, P = 2, 3, 3, 5, 2


def run(module, x, h0, c0):
    """Recurrent mode: a (B, T) TensorDict; the initial state sits at step 0 of the state keys."""
    hh, cc = torch.zeros(B, T, 1, P), torch.zeros(B, T, 1, H)
    hh[:, 0], cc[:, 0] = h0.transpose(0, 1), c0.transpose(0, 1)
    td = TensorDict({"x": x, "is_init": torch.zeros(B, T, 1, dtype=torch.bool),
                     "recurrent_state_h": hh, "recurrent_state_c": cc}, [B, T])
    return module(td)["y"]


ref = torch.nn.LSTM(I, H, proj_size=P, batch_first=True)
x, h0, c0 = torch.randn(B, T, I), torch.randn(1, B, P), torch.randn(1, B, H)
expected = ref(x, (h0, c0))[0]
results = {}
for python_based in (False, True):
    m = LSTMModule(I, H, proj_size=P, python_based=python_based, in_key="x", out_key="y",
                   default_recurrent_mode=True)
    m.lstm.load_state_dict(ref.state_dict())  # parameters live under the prefix "lstm."
    try:
        err = (run(m, x, h0, c0) - expected).abs().max().item()
        results[python_based] = f"max |error| {err:.3g}"
    except RuntimeError as e:
        results[python_based] = f"RuntimeError: {e}"
    print(f"LSTMModule(proj_size={P}, python_based={python_based}): {results[python_based]}")
if results[True].startswith("RuntimeError") and not results[False].startswith("RuntimeError"):
    print("FINDING CONFIRMED: LSTMModule(python_based=True) breaks proj_size (torchrl.modules.LSTM ignores weight_hr)")
    sys.exit(0)
print("not reproduced")
sys.exit(1)
