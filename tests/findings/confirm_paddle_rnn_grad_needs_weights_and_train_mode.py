"""Finding: gradients through Paddle's fused recurrent kernel (``paddle.nn.LSTM`` / ``GRU`` /
``SimpleRNN`` without ``proj_size``, CPU, paddlepaddle 3.3.1) need two things torch does not:
  - the layer in train mode: after ``layer.eval()`` (the kernel's ``is_test``) ``backward()`` raises
    ``PreconditionNotMet: Tensor holds no memory`` (torch's eval mode differentiates as usual);
  - the weights among what is differentiated: ``paddle.grad(outputs, [x])`` (or ``[x, h0, c0]``)
    raises ``InvalidArgument: Required tensor shall not be nullptr``, while
    ``paddle.grad(outputs, [x, *weights])`` works (``rnn_grad`` always writes the weights' gradients).
With both (train mode, dropout 0, so the same computation), the gradients equal torch's. The
rnnspec adapter runs the forward in eval mode when no gradient is wanted and in train mode when
one is, and always asks ``paddle.grad`` for every weight. Shown without rnnspec. Exit 0 and
"FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys

import numpy as np
import paddle
import torch

B, T, I, H = 2, 5, 3, 4


def main() -> int:
    print(f"paddlepaddle {paddle.__version__}, torch {torch.__version__}")
    torch.manual_seed(0)
    ref = torch.nn.GRU(I, H, batch_first=True).double()
    paddle.set_default_dtype("float64")
    layer = paddle.nn.GRU(I, H)
    paddle.set_default_dtype("float32")
    weights = [getattr(layer[0].cell, n) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    for w, name in zip(weights, ("weight_ih", "weight_hh", "bias_ih", "bias_hh")):
        w.set_value(getattr(ref, name + "_l0").detach().numpy())
    x_t = torch.randn(B, T, I, dtype=torch.float64, requires_grad=True)
    x = paddle.to_tensor(x_t.detach().numpy(), stop_gradient=False)
    reproduced = True

    layer.eval()
    try:
        layer(x)[0].sum().backward()
        print("eval mode, backward(): returned")
        reproduced = False
    except RuntimeError as e:
        print(f"eval mode, backward(): RuntimeError: {str(e).splitlines()[0]}")
    layer.train()
    try:
        paddle.grad([layer(x)[0].sum()], [x])
        print("train mode, paddle.grad(out, [x]): returned")
        reproduced = False
    except ValueError as e:
        print(f"train mode, paddle.grad(out, [x]): ValueError: {str(e).splitlines()[0]}")
    got = paddle.grad([layer(x)[0].sum()], [x, *weights])
    want = torch.autograd.grad(ref(x_t)[0].sum(), [x_t, *ref.parameters()])
    err = max(float(np.abs(g.numpy() - w.numpy()).max()) for g, w in zip(got, want))
    print(f"train mode, paddle.grad(out, [x, *weights]) vs torch.nn.GRU's gradients, float64: max |error| = {err:.1e}")
    reproduced &= err < 1e-12
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
