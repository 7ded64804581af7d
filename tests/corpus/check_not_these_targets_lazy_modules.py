"""Attribution check for an earlier trial's finding: "a library that registers lazy modules in
sys.modules made Hypothesis raise ImportError when it read __file__ of every module (all verdicts
FlakyFailure)". Hypothesis (internal/conjecture/providers.py) reads getattr(module, "__file__") of
every new module in sys.modules while drawing. This imports and runs every target of this corpus
(torchrl LSTM/GRU/LSTMModule/GRUModule, quantizable LSTM, dynamic quantized LSTM/GRU), then looks for
lazy modules (importlib.util._LazyModule / LazyLoader) in sys.modules and for any module whose
__file__ raises. Exit 0 when there are none (the finding is not one of these libraries), 1 otherwise.
"""
import importlib.util
import sys
import warnings

import torch
from tensordict import TensorDict
import torch.ao.nn.quantizable as quantizable
from torch.ao.quantization import quantize_dynamic
from torchrl.modules import GRU, LSTM, GRUModule, LSTMModule

warnings.filterwarnings("ignore")
x = torch.randn(3, 2, 4)
LSTM(4, 5)(x), GRU(4, 5)(x), quantizable.LSTM(4, 5)(x)
for cls in (torch.nn.LSTM, torch.nn.GRU):
    quantize_dynamic(torch.nn.Sequential(cls(4, 5)), {cls}, dtype=torch.qint8)[0](x)
for Module in (LSTMModule, GRUModule):
    Module(4, 5, in_key="x", out_key="y")(TensorDict({"x": torch.randn(2, 4), "is_init": torch.zeros(2, 1, dtype=torch.bool)}, [2]))

lazy, raising = [], []
for name, module in list(sys.modules.items()):
    if type(module).__name__ == "_LazyModule" or isinstance(getattr(getattr(module, "__spec__", None), "loader", None), importlib.util.LazyLoader):
        lazy.append(name)
    try:
        getattr(module, "__file__", None)
    except BaseException as e:
        raising.append(f"{name}: {type(e).__name__}")
print(f"{len(sys.modules)} modules loaded; lazy modules: {lazy}; modules whose __file__ raises: {raising}")
if lazy or raising:
    print("FOUND: one of these libraries registers lazy modules")
    sys.exit(1)
print("NOT THESE TARGETS: none of torchrl, tensordict, torch.ao registers lazy modules in sys.modules")
sys.exit(0)
