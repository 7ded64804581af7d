"""Finding: ``torch.compile(torch.nn.LSTM / GRU / RNN)`` with torch's defaults (torch 2.13) captures
no graph: Dynamo's ``torch._dynamo.config.allow_rnn`` is False, so it skips the RNN module and
runs it eagerly (the rnnspec ``torch_compile:Compiled{RNN,LSTM,GRU}`` targets therefore check
eager torch). With ``allow_rnn=True`` Dynamo captures one graph holding the whole layer as one
``torch.lstm`` / ``torch.gru`` / ``torch.rnn_tanh`` call (not unrolled per step). The cells
(nn.LSTMCell, ...) are captured either way. Shown with a backend that records the graphs it is
given. Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys

import torch
import torch._dynamo


def graphs_of(module, x, *, allow_rnn: bool) -> list:
    graphs = []

    def recording(gm, example_inputs):
        graphs.append([str(getattr(n.target, "__name__", n.target)) for n in gm.graph.nodes if n.op == "call_function"])
        return gm.forward

    torch._dynamo.reset()
    with torch._dynamo.config.patch(allow_rnn=allow_rnn), torch.no_grad():
        torch.compile(module, backend=recording)(x)
    return graphs


def main() -> int:
    print(f"torch {torch.__version__}, default allow_rnn {torch._dynamo.config.allow_rnn}")
    torch.manual_seed(0)
    x = torch.randn(4, 2, 3)
    reproduced = not torch._dynamo.config.allow_rnn
    for name in ("LSTM", "GRU", "RNN"):
        module = getattr(torch.nn, name)(3, 5)
        default, allowed = graphs_of(module, x, allow_rnn=False), graphs_of(module, x, allow_rnn=True)
        ops = [op for g in allowed for op in g if op in ("lstm", "gru", "rnn_tanh")]
        print(f"torch.compile(nn.{name}): {len(default)} graphs by default; with allow_rnn=True "
              f"{len(allowed)} graph(s), layer ops {ops}")
        reproduced &= len(default) == 0 and len(allowed) == 1 and len(ops) == 1
    cell = graphs_of(torch.nn.LSTMCell(3, 5), x[0], allow_rnn=False)
    print(f"torch.compile(nn.LSTMCell): {len(cell)} graph(s) by default")
    reproduced &= len(cell) == 1
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
