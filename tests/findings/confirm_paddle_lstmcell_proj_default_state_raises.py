"""Finding: ``paddle.nn.LSTMCell(I, H, proj_size=P)`` called without states (alone, or inside
``paddle.nn.RNN``) raises, because its ``state_shape`` is ``((H,), (P,))``: the zero h it makes is H
wide and the zero c P wide, swapped (h is P wide, c H wide) (paddlepaddle 3.3.1). Given explicit
states, the cell is torch's projected LSTM step; ``paddle.nn.LSTM(proj_size=P)`` always makes its
own zero states with the right shapes and is unaffected.

Path (python/paddle/nn/layer/rnn.py): ``LSTMCell.state_shape`` returns
``((self.hidden_size,), (self.proj_size or self.hidden_size,))`` and ``forward`` unpacks
``pre_hidden, pre_cell = states``; then ``matmul(pre_hidden, weight_hh^T)`` with weight_hh (4H, P)
fails (InvalidArgument). Shown without rnnspec: the call raises; with explicit zero states the
cell equals one step of ``torch.nn.LSTM(I, H, proj_size=P)`` with the same weights
(``weight_ho = weight_hr_l0^T``). Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys

import numpy as np
import paddle
import torch

B, I, H, P = 2, 3, 4, 2


def main() -> int:
    print(f"paddlepaddle {paddle.__version__}, torch {torch.__version__}")
    torch.manual_seed(0)
    ref = torch.nn.LSTM(I, H, proj_size=P, batch_first=True).double()
    paddle.set_default_dtype("float64")
    cell = paddle.nn.LSTMCell(I, H, proj_size=P)
    paddle.set_default_dtype("float32")
    print(f"paddle.nn.LSTMCell({I}, {H}, proj_size={P}).state_shape = {cell.state_shape} (h is {P} wide, c {H})")
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).set_value(getattr(ref, name + "_l0").detach().numpy())
    cell.weight_ho.set_value(ref.weight_hr_l0.detach().numpy().T)
    x = torch.randn(B, I, dtype=torch.float64)
    reproduced = cell.state_shape == ((H,), (P,))
    for where, call in (("the cell", lambda: cell(paddle.to_tensor(x.numpy()))),
                        ("paddle.nn.RNN(cell)", lambda: paddle.nn.RNN(cell)(paddle.to_tensor(x[:, None].numpy())))):
        try:
            call()
            print(f"{where} without states: returned")
            reproduced = False
        except ValueError as e:
            print(f"{where} without states: ValueError: {str(e).splitlines()[0][:160]}")
    h, (_, c) = cell(paddle.to_tensor(x.numpy()), (paddle.zeros([B, P], "float64"), paddle.zeros([B, H], "float64")))
    want, (want_h, want_c) = ref(x[:, None])
    err = max(float(np.abs(h.numpy() - want[:, 0].detach().numpy()).max()),
              float(np.abs(c.numpy() - want_c[0].detach().numpy()).max()))
    print(f"the cell with explicit zero states vs torch.nn.LSTM(proj_size={P}) one step, float64: "
          f"max |error| = {err:.1e}")
    reproduced &= err < 1e-12
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
