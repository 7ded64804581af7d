"""Finding: in torch 2.13, ``torch.jit.script`` of ``torch.nn.RNN``, ``LSTM`` or ``GRU`` returns a
scripted module with no ``forward``: calling it raises AttributeError, so a TorchScript deployment
of these layers goes through ``torch.jit.trace`` (rnnspec's ``torch_compile:Traced*`` targets).
The cells (``nn.RNNCell``, ``LSTMCell``, ``GRUCell``) script and run (``torch_compile:Scripted*Cell``).
Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys
import warnings

import torch


def main() -> int:
    print(f"torch {torch.__version__}")
    torch.manual_seed(0)
    reproduced = True
    for name in ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"):
        module = getattr(torch.nn, name)(3, 4)
        x = torch.randn(2, 3) if name.endswith("Cell") else torch.randn(5, 2, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scripted = torch.jit.script(module)
        try:
            got = scripted(x)
        except AttributeError as e:
            print(f"torch.jit.script(nn.{name}) -> {type(scripted).__name__}; calling it raised AttributeError: {e}")
            reproduced &= not name.endswith("Cell")
            continue
        got, want = (got[0], module(x)[0]) if isinstance(got, tuple) else (got, module(x))
        print(f"torch.jit.script(nn.{name}) runs; equals the module: {torch.equal(got, want)}")
        reproduced &= name.endswith("Cell") and torch.equal(got, want)
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
