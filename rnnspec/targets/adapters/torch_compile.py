"""torch's recurrent modules through TorchScript (tracing, scripting) and ``torch.compile``, as
rnnspec targets. No extra install. Weights are torch's own layout: the module is built and loaded
as the plain torch target is, then traced, scripted or compiled; its parameters stay the leaves
gradients are read from.

Paths covered (torch 2.13, CPU), each target named for the call a user writes:
  - ``Traced{RNN,LSTM,GRU,RNNCell,LSTMCell,GRUCell}``: ``torch.jit.trace(module, example)``, traced
    once per call structure (state given or not, batched or not) on an example input of *other*
    sizes than the call's (one step longer, one row more), then called on the real input: the
    properties check that the traced graph generalises to new shapes, which is how a traced
    module is used. PackedSequence inputs cannot be traced; those properties are skipped.
  - ``Scripted{RNNCell,LSTMCell,GRUCell}``: ``torch.jit.script(cell)``. The layers cannot be
    scripted in torch 2.13 (``torch.jit.script(nn.LSTM)`` returns a module with no ``forward``:
    tests/findings/confirm_torch_jit_script_rnn_layers_have_no_forward.py), hence traced layers.
  - ``Compiled{RNN,LSTM,GRU,RNNCell,LSTMCell,GRUCell}``: ``torch.compile(module)`` with torch's
    defaults (TorchDynamo + Inductor). With Dynamo's default ``allow_rnn=False`` Dynamo captures
    no graph for nn.RNN / LSTM / GRU and runs them eagerly, so ``CompiledRNN``/``LSTM``/``GRU``
    check eager torch under ``torch.compile``'s wrapper; the cells are captured and compiled by
    Inductor (tests/findings/confirm_torch_compile_runs_rnn_layers_eagerly.py).
  - ``CompiledUnrolled{LSTM,GRU}``: ``torch.compile(module, backend="aot_eager")`` with
    ``allow_rnn=True``. Dynamo then captures the layer as one ``torch.lstm`` / ``torch.gru`` call
    (not unrolled per step), which AOTAutograd decomposes (on CPU without grad to oneDNN's
    ``aten.mkldnn_rnn_layer``); this checks that lowering and AOTAutograd's gradients, at ~3 s of
    compilation per new shape on 2 cores, so it is left out of the matrix. ``CompiledUnrolledLSTM``
    fails in torch 2.13: in grad mode with an input that does not require grad, AOTAutograd raises
    AssertionError (tests/findings/confirm_torch_compile_allow_rnn_lstm_raises.py).
Not covered: ``allow_rnn=True`` with Inductor, the default backend (where ``nn.LSTM`` raises a
TypeError in the same case, the same finding), ``mode=`` / ``dynamic=`` /
``fullgraph=`` options, ``torch.export``, scripted or compiled modules that contain an RNN among
other layers, and CUDA (cuDNN) paths. Each built compiled module starts from a reset Dynamo
cache, so no example is silently run eagerly after Dynamo's recompile limit.
"""

from __future__ import annotations

import warnings

import torch

from rnnspec.targets.adapters import module_getattr
from rnnspec.targets.base import Declaration, Target
from rnnspec.targets.calling import as_tuple
from rnnspec.targets.torch_like import TorchLikeTarget

__all__ = ["TracedTarget", "ScriptedTarget", "CompiledTarget", "TARGETS", "TracedRNN", "TracedLSTM", "TracedGRU",
           "TracedRNNCell", "TracedLSTMCell", "TracedGRUCell", "ScriptedRNNCell", "ScriptedLSTMCell",
           "ScriptedGRUCell", "CompiledRNN", "CompiledLSTM", "CompiledGRU", "CompiledRNNCell",
           "CompiledLSTMCell", "CompiledGRUCell", "CompiledUnrolledLSTM", "CompiledUnrolledGRU"]

_MODULE = "rnnspec.targets.adapters.torch_compile"
_TORCH_NAMES = ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell")


def _torch_target(like: str) -> TorchLikeTarget:
    """The torch built-in ``like`` (``"torch.nn.LSTM"``, ...) as the plain torch target."""
    return TorchLikeTarget(getattr(torch.nn, like.rsplit(".", 1)[-1]), like=like, name=like)


def _other_sizes(t: torch.Tensor, *, time_dim: int | None, batch_dim: int | None) -> torch.Tensor:
    shape = list(t.shape)
    if time_dim is not None:
        shape[time_dim] += 1
    if batch_dim is not None:
        shape[batch_dim] += 1
    return torch.randn(shape, dtype=t.dtype)


class _Traced:
    """A module called through ``torch.jit.trace`` of itself, traced per call structure."""

    def __init__(self, module: torch.nn.Module, *, layer: bool, batch_first: bool):
        self.module, self.layer, self.batch_first, self.traced = module, layer, batch_first, {}

    def named_parameters(self):
        """The torch module's parameters, which the traced or compiled calls read."""
        return self.module.named_parameters()

    def _example(self, input, state):
        if self.layer:
            batched = input.dim() == 3
            time_dim, batch_dim = (1, 0) if batched and self.batch_first else (0, 1 if batched else None)
            x = _other_sizes(input, time_dim=time_dim, batch_dim=batch_dim)
            states = tuple(_other_sizes(s, time_dim=None, batch_dim=1 if batched else None) for s in state)
        else:
            batched = input.dim() == 2
            x = _other_sizes(input, time_dim=None, batch_dim=0 if batched else None)
            states = tuple(_other_sizes(s, time_dim=None, batch_dim=0 if batched else None) for s in state)
        return x, states

    def __call__(self, input, hx=None):
        state = as_tuple(hx) or ()
        key = (input.dim(), len(state))
        if key not in self.traced:
            x, states = self._example(input, state)
            args = (x,) if not states else (x, states if len(states) == 2 else states[0])
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")  # trace's notes on training-mode modules and loops
                self.traced[key] = torch.jit.trace(self.module, args, check_trace=False)
        args = (input,) if not state else (input, state if len(state) == 2 else state[0])
        return self.traced[key](*args)


class TracedTarget(Target):
    """The torch built-in ``like``, called through ``torch.jit.trace`` (no PackedSequence)."""

    def __init__(self, *, name: str, like: str):
        self.torch_target = _torch_target(like)
        super().__init__(Declaration(name=name, subject=self.torch_target.subject, cells=self.torch_target.cells,
                                     capabilities=self.torch_target.capabilities - {"packed", "constructor"}, like=like))

    def build(self, config, params, *, dtype, training=False):
        module = self.torch_target.build(config, params, dtype=dtype, training=training)
        return _Traced(module, layer=self.subject == "layer", batch_first=getattr(config, "batch_first", False))


class _Scripted:
    """A module called through ``torch.jit.script`` of itself (which shares its parameters)."""

    def __init__(self, module: torch.nn.Module):
        self.module = module
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.scripted = torch.jit.script(module)

    def named_parameters(self):
        """The torch module's parameters, which the scripted calls read."""
        return self.module.named_parameters()

    def __call__(self, input, hx=None):
        return self.scripted(input, hx)


class ScriptedTarget(Target):
    """The torch built-in cell ``like``, called through ``torch.jit.script``."""

    def __init__(self, *, name: str, like: str):
        self.torch_target = _torch_target(like)
        super().__init__(Declaration(name=name, subject=self.torch_target.subject, cells=self.torch_target.cells,
                                     capabilities=self.torch_target.capabilities - {"constructor"}, like=like))

    def build(self, config, params, *, dtype, training=False):
        return _Scripted(self.torch_target.build(config, params, dtype=dtype, training=training))


class _Compiled:
    """A module called through ``torch.compile(module)``, with Dynamo's ``allow_rnn`` as set."""

    def __init__(self, module: torch.nn.Module, compiled, *, allow_rnn: bool):
        self.module, self.compiled, self.allow_rnn = module, compiled, allow_rnn

    def named_parameters(self):
        """The torch module's parameters, which the traced or compiled calls read."""
        return self.module.named_parameters()

    def __call__(self, input, hx=None):
        import torch._dynamo

        # Dynamo's settings are per thread, and rnnspec may call from a worker thread (the timeout)
        with torch._dynamo.config.patch(allow_rnn=self.allow_rnn):
            return self.compiled(input, hx)


class CompiledTarget(Target):
    """The torch built-in ``like``, called through ``torch.compile(module, backend=backend)``, with
    Dynamo's ``allow_rnn`` (trace into nn.RNN / LSTM / GRU) as given."""

    def __init__(self, *, name: str, like: str, backend: str = "inductor", allow_rnn: bool = False):
        self.torch_target = _torch_target(like)
        super().__init__(Declaration(name=name, subject=self.torch_target.subject, cells=self.torch_target.cells,
                                     capabilities=self.torch_target.capabilities - {"constructor"}, like=like))
        self.backend, self.allow_rnn = backend, allow_rnn

    def build(self, config, params, *, dtype, training=False):
        import torch._dynamo

        module = self.torch_target.build(config, params, dtype=dtype, training=training)
        torch._dynamo.reset()
        return _Compiled(module, torch.compile(module, backend=self.backend), allow_rnn=self.allow_rnn)


TARGETS: dict[str, Target] = {
    **{f"Traced{n}": TracedTarget(name=f"{_MODULE}:Traced{n}", like=f"torch.nn.{n}") for n in _TORCH_NAMES},
    **{f"Scripted{n}": ScriptedTarget(name=f"{_MODULE}:Scripted{n}", like=f"torch.nn.{n}")
       for n in _TORCH_NAMES if n.endswith("Cell")},
    **{f"Compiled{n}": CompiledTarget(name=f"{_MODULE}:Compiled{n}", like=f"torch.nn.{n}") for n in _TORCH_NAMES},
    **{f"CompiledUnrolled{n}": CompiledTarget(name=f"{_MODULE}:CompiledUnrolled{n}", like=f"torch.nn.{n}",
                                              backend="aot_eager", allow_rnn=True) for n in ("LSTM", "GRU")},
}
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: torch_compile.TracedLSTM, ...
