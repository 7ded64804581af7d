"""A worked example: verifying an LSTM whose API is not torch's, through a small adapter.

``TinyLSTM`` below stands for the code you bring: an LSTM layer that takes a TensorDict
(``td["x"]`` of shape (B, T, I), optional ``td["h0"]``, ``td["c0"]`` of (B, H) and ``td["lengths"]``
of (B,)) and returns one (``"y"`` (B, T, H), ``"h_n"``, ``"c_n"`` (B, H)), with parameters of its
own layout (``w_x`` (I, 4H), ``w_h`` (H, 4H), one bias ``b`` (4H,)). rnnspec's properties call what
they verify as ``torch.nn.LSTM`` is called, so the adapter, ``TensorDictLSTM``, says three things:

1. What the target claims: a ``Declaration``. ``name`` is what a user types to get it back (the
   replay command of every failure repeats it); ``subject="layer"`` and ``cells=("lstm",)`` say it
   is an LSTM layer; ``capabilities`` lists the options TinyLSTM has (a time-major or batch-first
   call, an initial state, unbatched input, variable lengths, float64, gradients and parameters).
   TinyLSTM has one layer, one direction and always a bias, so ``multilayer``, ``bidirectional``,
   ``no_bias``, ``proj`` and ``dropout`` are not claimed: their properties are skipped with that
   reason, never run against a layer that cannot have them.

2. The weight mapping, from torch's layout (the weights rnnspec hands ``build``, named
   ``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``; gates i, f, g, o)::

       w_x = weight_ih_l0^T    w_h = weight_hh_l0^T    b = bias_ih_l0 + bias_hh_l0

   The built object keeps torch's four tensors as its parameters (``named_parameters()`` yields
   them, so the layout and gradient properties read torch's names and shapes) and computes
   TinyLSTM's weights from them on every call, through ``torch.func.functional_call``: autograd
   carries the gradients of ``w_x``, ``w_h`` and ``b`` back to torch's tensors.

3. The call: ``rnnspec.targets.calling.call_as_torch_layer`` gives a plain batch-major function
   ``run(x, state, lengths)`` torch's calling conventions (time-major or batch-first input,
   unbatched input, a PackedSequence with unsorted lengths, ``hx`` as an ``(h0, c0)`` pair, the
   ``(output, (h_n, c_n))`` it returns), so ``run`` only moves tensors in and out of TensorDicts:
   the states of torch's shape (1, B, H) to TinyLSTM's (B, H) and back.

Run it from the repository root (``pip install tensordict`` first)::

    rnnspec verify examples/tensordict_adapter.py:TARGET
    rnnspec verify examples/tensordict_adapter.py:TARGET --select packed_is_each_alone --profile thorough

Every property that applies runs and passes; a mistake in the adapter or in TinyLSTM (swap two
gates, drop ``bias_hh_l0``, forget to freeze a row past its length) fails with a shrunk
counterexample and the command that replays it. ``TARGETS`` lists the module's targets, as the
shipped adapters (``rnnspec.targets.adapters``) do.
"""

from __future__ import annotations

import math

import torch
from tensordict import TensorDict
from torch import nn
from torch.func import functional_call

from rnnspec.targets import Declaration, Target
from rnnspec.targets.calling import call_as_torch_layer

__all__ = ["TinyLSTM", "TensorDictLSTM", "TARGET", "TARGETS"]


class TinyLSTM(nn.Module):
    """One LSTM layer with a TensorDict API (the code under test; it knows nothing of rnnspec).

    In: ``x`` (B, T, I); optional ``h0``, ``c0`` (B, H) (zeros when absent) and ``lengths`` (B,)
    (each row's valid steps; all T when absent). Out: ``y`` (B, T, H), zeros past each row's
    length; ``h_n``, ``c_n`` (B, H), the state after each row's last valid step.
    Each step: ``i, f, g, o = split(x_t w_x + h w_h + b)``; ``c = σ(f)*c + σ(i)*tanh(g)``;
    ``h = σ(o)*tanh(c)``.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        k = 1 / math.sqrt(hidden_size)
        self.hidden_size = hidden_size
        self.w_x = nn.Parameter(torch.empty(input_size, 4 * hidden_size).uniform_(-k, k))
        self.w_h = nn.Parameter(torch.empty(hidden_size, 4 * hidden_size).uniform_(-k, k))
        self.b = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-k, k))

    def forward(self, td: TensorDict) -> TensorDict:
        x = td["x"]  # (B, T, I)
        batch, steps, _ = x.shape
        zeros = x.new_zeros(batch, self.hidden_size)
        h = td["h0"] if "h0" in td.keys() else zeros  # (B, H)
        c = td["c0"] if "c0" in td.keys() else zeros  # (B, H)
        lengths = td["lengths"] if "lengths" in td.keys() else torch.full((batch,), steps)  # (B,)
        ys = []
        for t in range(steps):
            i, f, g, o = (x[:, t] @ self.w_x + h @ self.w_h + self.b).chunk(4, dim=-1)  # 4 x (B, H)
            c_t = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h_t = torch.sigmoid(o) * torch.tanh(c_t)
            live = (t < lengths)[:, None]  # (B, 1): rows past their length keep their state
            h, c = torch.where(live, h_t, h), torch.where(live, c_t, c)
            ys.append(torch.where(live, h_t, zeros))
        return TensorDict({"y": torch.stack(ys, dim=1), "h_n": h, "c_n": c}, batch_size=[batch])


class TorchLSTMCalls:
    """A TinyLSTM called as ``torch.nn.LSTM`` is, over torch's parameters (see the module docstring)."""

    def __init__(self, module: TinyLSTM, params, *, batch_first: bool):
        self.module, self.batch_first = module, batch_first
        # torch's names and shapes: the leaves whose .grad the gradient properties read
        self.weights = {name: nn.Parameter(p.detach().clone()) for name, p in params.items()}

    def named_parameters(self):
        return iter(self.weights.items())

    def tiny_weights(self) -> dict[str, torch.Tensor]:
        """TinyLSTM's parameters computed from torch's (the weight mapping)."""
        w = self.weights
        return {"w_x": w["weight_ih_l0"].T, "w_h": w["weight_hh_l0"].T, "b": w["bias_ih_l0"] + w["bias_hh_l0"]}

    def run(self, x, state, lengths):
        """Batch-major: x (B, T, I), state None or (h0, c0) of (1, B, H), lengths None or (B,) ints
        -> output (B, T, H), (h_n, c_n) of (1, B, H)."""
        td = TensorDict({"x": x}, batch_size=[x.shape[0]])
        if state is not None:
            td["h0"], td["c0"] = state[0][0], state[1][0]  # (1, B, H) -> (B, H)
        if lengths is not None:
            td["lengths"] = torch.as_tensor(lengths)
        out = functional_call(self.module, self.tiny_weights(), (td,))
        return out["y"], (out["h_n"][None], out["c_n"][None])

    def __call__(self, input, hx=None):
        return call_as_torch_layer(self.run, input, hx, batch_first=self.batch_first)


class TensorDictLSTM(Target):
    """TinyLSTM as an rnnspec target: its declaration, and ``build``, which the properties call."""

    def __init__(self, name: str):
        super().__init__(Declaration(
            name=name, subject="layer", cells=("lstm",), like="torch.nn.LSTM",
            capabilities={"batch_first", "initial_state", "unbatched", "packed", "float64", "grad", "parameters"}))

    def build(self, config, params, *, dtype, training=False):
        # config has only what the capabilities allow: one layer, one direction, biases, no dropout
        module = TinyLSTM(config.input_size, config.hidden_size).to(dtype)
        return TorchLSTMCalls(module, params, batch_first=config.batch_first)


TARGET = TensorDictLSTM(name="examples/tensordict_adapter.py:TARGET")
TARGETS = {"TARGET": TARGET}
