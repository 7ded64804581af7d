"""Finding: the backward of Paddle's fused recurrent kernel (``paddle.nn.LSTM`` / ``GRU`` /
``SimpleRNN``, ``direction="bidirect"``, CPU, paddlepaddle 3.3.1) is wrong for the reverse direction
when ``sequence_length`` is given with a nonzero initial state and some row is shorter than the
batch's steps: the forward equals torch, but the gradient of ``weight_hh_l0_reverse`` differs (LSTM,
SimpleRNN), and for the GRU so do the input's, the initial state's and every reverse tensor's.
With zero initial states, without ``sequence_length``, or in the forward direction the gradients
equal torch's; the python loop (``paddle.nn.BiRNN`` of the same cells) equals torch throughout.

Path: ``RNNBase._cudnn_impl`` -> ``_C_ops.rnn`` (phi's CPU ``RnnKernel`` / ``RnnGradKernel``).
That only ``weight_hh`` moves (LSTM, SimpleRNN) and only with h0 != 0 fits a backward that pairs the
reverse direction's first valid step with the state after the padded steps wrongly (a zero, not
h0), so the term ``dgates (x) h0`` is lost. Shown without rnnspec: the same weights in torch's
bidirectional layer with a PackedSequence of the same lengths, one loss, the gradients compared.
Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys

import numpy as np
import paddle
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

B, T, I, H = 3, 5, 3, 4
LENGTHS = [5, 2, 4]
NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def gradient_errors(kind: str, *, zero_state: bool, with_lengths: bool) -> dict[str, float]:
    torch.manual_seed(0)
    ref = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "SimpleRNN": torch.nn.RNN}[kind](
        I, H, bidirectional=True, batch_first=True).double()
    paddle.set_default_dtype("float64")
    layer = getattr(paddle.nn, kind)(I, H, direction="bidirect")
    paddle.set_default_dtype("float32")
    layer.train()  # the fused kernel keeps its backward state only in train mode (dropout is 0)
    cells = {"": layer[0].cell_fw, "_reverse": layer[0].cell_bw}
    for tail, cell in cells.items():
        for name in NAMES:
            getattr(cell, name).set_value(getattr(ref, f"{name}_l0{tail}").detach().numpy())
    x = torch.randn(B, T, I, dtype=torch.float64)
    mask = torch.arange(T)[None, :, None] < torch.tensor(LENGTHS)[:, None, None]
    x = torch.where(mask, x, 0.0) if with_lengths else x  # padding as torch's pad_packed_sequence gives it
    states = [torch.zeros(2, B, H, dtype=torch.float64) if zero_state else torch.randn(2, B, H, dtype=torch.float64)
              for _ in range(2 if kind == "LSTM" else 1)]
    weight = torch.linspace(-1, 1, B * T * 2 * H, dtype=torch.float64).view(B, T, 2 * H)

    x_t, states_t = x.clone().requires_grad_(True), [s.clone().requires_grad_(True) for s in states]
    hx = tuple(states_t) if kind == "LSTM" else states_t[0]
    if with_lengths:
        out, _ = ref(pack_padded_sequence(x_t, torch.tensor(LENGTHS), batch_first=True, enforce_sorted=False), hx)
        out = pad_packed_sequence(out, batch_first=True, total_length=T)[0]
    else:
        out, _ = ref(x_t, hx)
    want = torch.autograd.grad((out * weight).sum(), [x_t, *states_t, *ref.parameters()])

    x_p = paddle.to_tensor(x.numpy(), stop_gradient=False)
    states_p = [paddle.to_tensor(s.numpy(), stop_gradient=False) for s in states]
    seq = paddle.to_tensor(np.array(LENGTHS, np.int64)) if with_lengths else None
    out_p, _ = layer(x_p, tuple(states_p) if kind == "LSTM" else states_p[0], seq)
    params = [getattr(cells[tail], name) for tail in cells for name in NAMES]  # torch's order
    got = paddle.grad([(out_p * paddle.to_tensor(weight.numpy())).sum()], [x_p, *states_p, *params])
    shown = out_p.numpy() * mask.numpy() if with_lengths else out_p.numpy()  # torch pads with zeros
    forward_err = float(np.abs(shown - out.detach().numpy()).max())
    labels = ["x", *(["h0", "c0"][:len(states)]), *(n for n, _ in ref.named_parameters())]
    errors = {label: float(np.abs(g.numpy() - w.numpy()).max()) for label, g, w in zip(labels, got, want)}
    return {"forward": forward_err, **errors}


def main() -> int:
    print(f"paddlepaddle {paddle.__version__}, torch {torch.__version__}; float64, bidirectional, "
          f"lengths {LENGTHS} of {T} steps")
    reproduced = True
    for kind in ("LSTM", "GRU", "SimpleRNN"):
        for zero_state, with_lengths in ((False, True), (True, True), (False, False)):
            errors = gradient_errors(kind, zero_state=zero_state, with_lengths=with_lengths)
            wrong = {k: f"{v:.1e}" for k, v in errors.items() if v > 1e-9}
            verdict = (f"differ from torch: {wrong}" if wrong
                       else f"all equal torch (max |error| {max(errors.values()):.1e})")
            print(f"paddle.nn.{kind}, initial state {'zero' if zero_state else 'random'}, "
                  f"sequence_length {'given' if with_lengths else 'none'}: {verdict}")
            expected_wrong = not zero_state and with_lengths
            reproduced &= bool(wrong) == expected_wrong and "forward" not in wrong
            if expected_wrong:
                reproduced &= "weight_hh_l0_reverse" in wrong and not any(k.endswith("_l0") for k in wrong)
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
