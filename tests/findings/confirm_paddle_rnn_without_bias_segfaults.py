"""Finding: ``paddle.nn.LSTM`` / ``GRU`` / ``SimpleRNN`` built without biases (``bias_ih_attr=False,
bias_hh_attr=False``, Paddle's way of torch's ``bias=False``) crash the process with a segmentation
fault on the first call, on the CPU build (paddlepaddle 3.3.1).

Path (python/paddle/nn/layer/rnn.py ``RNNBase.__init__``): each cell still makes its two biases
(constant zeros that take no gradient), so ``could_use_cudnn`` holds (4 tensors a cell) and the
forward runs the fused ``rnn`` kernel; but the loop that re-registers the tensors under torch's
names leaves the biases out, so ``flatten_parameters`` (which reads
``self.parameters(include_sublayers=False)``) hands the kernel 2 tensors a cell where phi's CPU
``RnnKernel`` reads 4, and it reads past them (``DenseTensor::ShareDataWith``). Shown without
rnnspec: the call runs in a child process, which dies by SIGSEGV (exit code -11); the same layer built with
biases set to zero equals ``torch.nn.LSTM(bias=False)`` with the same weights (what the rnnspec
adapter builds instead). Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import signal
import subprocess
import sys
import textwrap

import numpy as np
import paddle
import torch

CHILD = textwrap.dedent("""
    import paddle
    layer = paddle.nn.{cls}(3, 4, bias_ih_attr=False, bias_hh_attr=False)
    print("registered on the layer:", [n for n, _ in layer.named_parameters(include_sublayers=False)], flush=True)
    print("flattened for the kernel:", len(layer._all_weights), "tensors for 1 cell", flush=True)
    layer(paddle.randn([2, 5, 3]))
    print("RETURNED", flush=True)
""")


def crashes(cls: str) -> bool:
    done = subprocess.run([sys.executable, "-c", CHILD.format(cls=cls)], capture_output=True, text=True)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith(("registered", "flattened"))]
    segv = done.returncode == -signal.SIGSEGV or "Segmentation fault" in done.stdout + done.stderr
    print(f"paddle.nn.{cls}(3, 4, bias_ih_attr=False, bias_hh_attr=False)(x): exit code {done.returncode}, "
          f"segmentation fault: {segv}")
    for line in lines:
        print("   ", line)
    return segv and "RETURNED" not in done.stdout


def zero_biases_equal_torch() -> bool:
    torch.manual_seed(0)
    ref = torch.nn.LSTM(3, 4, bias=False, batch_first=True).double()
    paddle.set_default_dtype("float64")
    layer = paddle.nn.LSTM(3, 4)
    paddle.set_default_dtype("float32")
    cell = layer[0].cell
    cell.weight_ih.set_value(ref.weight_ih_l0.detach().numpy())
    cell.weight_hh.set_value(ref.weight_hh_l0.detach().numpy())
    cell.bias_ih.set_value(np.zeros(16))
    cell.bias_hh.set_value(np.zeros(16))
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    got, _ = layer(paddle.to_tensor(x.numpy()))
    err = float(np.abs(got.numpy() - ref(x)[0].detach().numpy()).max())
    print(f"paddle.nn.LSTM with zero biases vs torch.nn.LSTM(bias=False), float64: max |error| = {err:.1e}")
    return err < 1e-12


def main() -> int:
    print(f"paddlepaddle {paddle.__version__}, torch {torch.__version__}")
    reproduced = all([crashes("LSTM"), crashes("GRU"), crashes("SimpleRNN")])
    reproduced &= zero_biases_equal_torch()
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
