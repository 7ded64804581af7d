"""Finding: in torch 2.13 on CPU, ``torch.compile(torch.nn.LSTM(...))`` with Dynamo's
``allow_rnn=True`` raises on the first forward in grad mode when the input does not require grad
(the usual training call: the parameters do, the data does not): with the default Inductor backend a
TypeError ("expected Tensor() for op: torch.ops.aten.mkldnn_rnn_layer.default"), with
``backend="aot_eager"`` an AssertionError from AOTAutograd ("expected all
tensors_saved_with_vc_check to be Tensors"). The same call with an input that requires grad runs,
and so does ``nn.GRU`` (checked on aot_eager; on Inductor too, left out here for time). Dynamo
captures the layer as one ``torch.lstm`` op (see confirm_torch_compile_runs_rnn_layers_eagerly.py),
which AOTAutograd lowers on CPU to ``aten.mkldnn_rnn_layer`` (oneDNN). Exit 0 and "FINDING
CONFIRMED" when it reproduces, else 1.
"""

import sys

import torch
import torch._dynamo


def outcome(name: str, backend: str, *, input_grad: bool) -> str:
    torch._dynamo.reset()
    torch.manual_seed(0)
    module = getattr(torch.nn, name)(3, 4)
    x = torch.randn(5, 2, 3, requires_grad=input_grad)
    try:
        with torch._dynamo.config.patch(allow_rnn=True):
            y = torch.compile(module, backend=backend)(x)[0]
        y.sum().backward()
    except Exception as e:  # noqa: BLE001 (the finding is which exception)
        return f"{type(e).__name__}: {str(e).splitlines()[0][:110]}"
    return "ran" if torch.allclose(y, module(x)[0], atol=1e-6) else "ran, but differs from eager"


def main() -> int:
    print(f"torch {torch.__version__}")
    reproduced = True
    # (backend, layer, input requires grad); Inductor compiles slowly, so fewer of its cases
    cases = [("inductor", "LSTM", False), ("inductor", "LSTM", True), ("aot_eager", "LSTM", False),
             ("aot_eager", "LSTM", True), ("aot_eager", "GRU", False)]
    for backend, name, input_grad in cases:
        got = outcome(name, backend, input_grad=input_grad)
        print(f"torch.compile(nn.{name}, backend={backend!r}) with allow_rnn=True, "
              f"input requires_grad={input_grad}: {got}")
        expect_error = name == "LSTM" and not input_grad
        reproduced &= (got != "ran") if expect_error else (got == "ran")
    print("FINDING CONFIRMED" if reproduced else "FINDING NOT REPRODUCED")
    return 0 if reproduced else 1


if __name__ == "__main__":
    sys.exit(main())
