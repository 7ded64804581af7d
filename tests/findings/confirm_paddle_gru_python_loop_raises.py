"""Finding: the python loop of ``paddle.nn.GRU`` and ``paddle.nn.SimpleRNN`` (``RNNBase.forward``
when ``could_use_cudnn`` is False) raises for every call, with or without an initial state
(paddlepaddle 3.3.1); ``paddle.nn.LSTM``'s python loop runs and equals torch.

Path (python/paddle/nn/layer/rnn.py ``RNNBase.forward``): the fused ``rnn`` kernel runs when
``self.could_use_cudnn and (not paddle.device.is_compiled_with_rocm() or sequence_length is None)``;
otherwise the loop calls ``split_states(initial_states, ..., state_components=1)``, which calls
``paddle.unstack`` on what ``forward`` made of the state: a tuple of one tensor when none is given,
a list of one tensor when one is (``[initial_states]``), so ``AttributeError: 'tuple'/'list' object
has no attribute 'ndim'``. A CPU build reaches the loop only for an LSTM with ``proj_size`` (then
``could_use_cudnn`` is False; the pair of LSTM states splits fine) or when a user sets
``could_use_cudnn = False``, as here; a ROCm build reaches it for every call with
``sequence_length``, so there GRU and SimpleRNN cannot take variable lengths. Shown without
rnnspec. Exit 0 and "FINDING CONFIRMED" when it reproduces, else 1.
"""

import sys

import numpy as np
import paddle
import torch

B, T, I, H = 2, 5, 3, 4


def loop_raises(cls, **kwargs) -> bool:
    layer = cls(I, H, **kwargs)
    layer.could_use_cudnn = False  # the branch a ROCm build takes with sequence_length
    x = paddle.randn([B, T, I])
    raised = True
    for state in (None, paddle.randn([1, B, H])):
        try:
            layer(x, state)
            raised = False
            print(f"paddle.nn.{cls.__name__} python loop, initial state {state is not None}: returned")
        except AttributeError as e:
            print(f"paddle.nn.{cls.__name__} python loop, initial state {state is not None}: AttributeError: {e}")
    return raised


def lstm_loop_equals_torch() -> bool:
    torch.manual_seed(0)
    ref = torch.nn.LSTM(I, H, batch_first=True).double()
    paddle.set_default_dtype("float64")
    layer = paddle.nn.LSTM(I, H)
    paddle.set_default_dtype("float32")
    layer.could_use_cudnn = False
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(layer[0].cell, name).set_value(getattr(ref, name + "_l0").detach().numpy())
    x = torch.randn(B, T, I, dtype=torch.float64)
    got, _ = layer(paddle.to_tensor(x.numpy()))
    err = float(np.abs(got.numpy() - ref(x)[0].detach().numpy()).max())
    print(f"paddle.nn.LSTM python loop vs torch.nn.LSTM, float64: max |error| = {err:.1e}")
    return err < 1e-12


def main() -> int:
    print(f"paddlepaddle {paddle.__version__}, torch {torch.__version__}")
    reproduced = all([loop_raises(paddle.nn.GRU), loop_raises(paddle.nn.SimpleRNN),
                      loop_raises(paddle.nn.SimpleRNN, activation="relu")])
    reproduced &= lstm_loop_equals_torch()
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
