"""TorchRL's TensorDict recurrent modules (``torchrl.modules.LSTMModule``, ``GRUModule``) as rnnspec
targets. ``pip install torchrl tensordict`` (with torch pinned first: ``pip install torch==2.13.0 torchrl``).

Targets: ``LSTMModule`` and ``GRUModule`` (the default backend: torch's ``nn.LSTM``/``nn.GRU`` inside),
``LSTMModulePython`` and ``GRUModulePython`` (``python_based=True``: torchrl's own Python
``torchrl.modules.LSTM``/``GRU`` inside). Each is built as a torchrl user builds it,
``LSTMModule(input_size, hidden_size, num_layers=..., bias=..., dropout=..., proj_size=...,
bidirectional=..., python_based=..., in_key="x", out_key="y", default_recurrent_mode=True)``, and
called as one calls it on a whole sequence (recurrent mode), with a (B, T) TensorDict:

    "x"                         (B, T, I)       the input
    "is_init"                   (B, T, 1) bool  True where a trajectory starts (mid-row: a reset)
    "recurrent_state_h", "_c"   (B, T, L*D, H)  the initial state at step 0 (GRU: "recurrent_state");
                                                left out when torch's hx is None (the module uses zeros)
    out: "y" (B, T, D*H); ("next", "recurrent_state_h"/"_c") hold each trajectory's final state at
         its last step (zeros elsewhere)

Weight mapping from the canonical (torch) layout: none. The module keeps torch's parameters, names
and shapes included, in its wrapped layer (``module.lstm`` / ``module.gru``: ``lstm.weight_ih_l0``,
...), and the built object's ``named_parameters()`` yields them under torch's names (the module's
own tensors, so their ``.grad`` is the module's).

How torch's calls become TensorDict calls (``rnnspec.targets.calling.call_as_torch_layer`` does the
layout: batch_first or time-major, unbatched input, PackedSequence): torch's hx (L*D, B, H) is put
at step 0 of the state keys and h_n read from ("next", ...) at each row's last step. Variable
lengths are what TorchRL has for them, ``is_init``: a row of length ``l < T`` gets ``is_init`` True
at step ``l``, so TorchRL splits it into the row's trajectory (from the given state) and the padding
(a second trajectory from zeros), which is how the module sees a padded batch of trajectories.

Not claimed (those properties are skipped with the reason):
- ``constructor``: these are not drop-ins for torch.nn.LSTM's constructor (``in_key``/``out_key`` are
  required, ``batch_first`` must be True: the time axis is the TensorDict's last batch axis);
- ``zero_length``: ``is_init`` cannot express a trajectory of no steps;
- ``bidirectional`` for the python-based targets: TorchRL refuses it (``ValueError: python_based=True
  does not support bidirectional LSTMs``).
Single-step (sequential) mode, the other way TorchRL calls the module inside a rollout, is not checked.
"""

from __future__ import annotations

import torch
from tensordict import TensorDict
import torchrl.modules  # the module names LSTMModule etc. are this adapter's targets, so torchrl's stay qualified

from rnnspec.spec import capabilities_of
from rnnspec.targets.adapters import module_getattr
from rnnspec.targets.base import Declaration, Target, TargetError
from rnnspec.targets.calling import call_as_torch_layer

__all__ = ["TorchRLModule", "TARGETS", "LSTMModule", "GRUModule", "LSTMModulePython", "GRUModulePython"]

_MODULE = "rnnspec.targets.adapters.torchrl"

_NOT_CLAIMED = frozenset({"constructor"})
_NOTES = {
    "LSTMModulePython": "python_based=True runs torchrl.modules.LSTM, which accepts proj_size and registers "
                        "weight_hr_l{k} but never applies it (outputs hidden_size wide; a crash from the second step)",
}


class _TensorDictLayer:
    """A TorchRL module called as ``torch.nn.LSTM``/``GRU`` is, through its TensorDict API in
    recurrent mode (see the module docstring)."""

    def __init__(self, module, *, wrapped: str, state_keys: tuple[str, ...], batch_first: bool):
        self.module, self.wrapped, self.state_keys, self.batch_first = module, wrapped, state_keys, batch_first

    def named_parameters(self):
        """torch's names (the wrapped layer's) over the module's own tensors."""
        return getattr(self.module, self.wrapped).named_parameters()

    def parameters(self):
        return (p for _, p in self.named_parameters())

    def run(self, x, state, lengths):
        """Batch-major: x (B, T, I), state None or a tuple of (L*D, B, H), lengths None or (B,) ints
        -> output (B, T, D*H), finals (tuple of (L*D, B, H))."""
        batch, steps = x.shape[:2]
        is_init = torch.zeros(batch, steps, 1, dtype=torch.bool)
        is_init[:, 0] = True  # each row starts a trajectory (InitTracker marks it so)
        last = torch.full((batch,), steps - 1)  # the step whose ("next", state) is h_n
        if lengths is not None:
            lengths = torch.as_tensor(lengths, dtype=torch.long)
            for row, length in enumerate(lengths.tolist()):
                if length < steps:
                    is_init[row, length] = True  # the padding is another trajectory
            last = lengths - 1
        td = TensorDict({"x": x, "is_init": is_init}, batch_size=[batch, steps])
        if state is not None:
            for key, s in zip(self.state_keys, state):
                stored = s.new_zeros(batch, steps, *s.transpose(0, 1).shape[1:])  # (B, T, L*D, H)
                stored[:, 0] = s.transpose(0, 1)
                td[key] = stored
        out = self.module(td)
        rows = torch.arange(batch)
        finals = tuple(out["next", key][rows, last].transpose(0, 1) for key in self.state_keys)  # (L*D, B, H)
        return out["y"], finals

    def __call__(self, input, hx=None):
        return call_as_torch_layer(self.run, input, hx, batch_first=self.batch_first)

    def train(self, mode: bool = True):
        self.module.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def __repr__(self) -> str:
        return f"_TensorDictLayer({self.module!r})"


class TorchRLModule(Target):
    """``LSTMModule`` or ``GRUModule`` in recurrent mode, with torch's or TorchRL's own layer inside."""

    def __init__(self, *, name: str, cell: str, python_based: bool, notes: str = ""):
        capabilities = set(capabilities_of("layer")) - _NOT_CLAIMED
        if cell != "lstm":
            capabilities.discard("proj")
        if python_based:
            capabilities.discard("bidirectional")
        super().__init__(Declaration(name=name, subject="layer", cells=(cell,), capabilities=capabilities,
                                     notes=notes))
        self.python_based = python_based

    def build(self, config, params, *, dtype, training=False):
        lstm = config.cell == "lstm"
        kwargs = dict(num_layers=config.num_layers, bias=config.bias, dropout=config.dropout,
                      bidirectional=config.bidirectional, python_based=self.python_based,
                      in_key="x", out_key="y", default_recurrent_mode=True)
        if config.proj_size:
            kwargs["proj_size"] = config.proj_size
        cls = torchrl.modules.LSTMModule if lstm else torchrl.modules.GRUModule
        try:
            module = cls(config.input_size, config.hidden_size, **kwargs)
        except Exception as e:  # the module's own refusal: the cause says what it was
            raise TargetError(f"torchrl.modules.{cls.__name__}({config.input_size}, {config.hidden_size}, "
                              f"**{kwargs}) raised {type(e).__name__}: {e}") from e
        module = module.to(dtype)
        wrapped = "lstm" if lstm else "gru"
        own = dict(getattr(module, wrapped).named_parameters())
        if set(own) != set(params):
            raise TargetError(f"{self.name}: module.{wrapped} has parameters {sorted(own)}, expected torch's "
                              f"{sorted(params)} for {config}")
        with torch.no_grad():
            for name, value in params.items():
                if own[name].shape != value.shape:
                    raise TargetError(f"{self.name}: module.{wrapped}.{name} has shape {tuple(own[name].shape)}, "
                                      f"expected {tuple(value.shape)} for {config}")
                own[name].copy_(value)
        module.train(training)
        state_keys = ("recurrent_state_h", "recurrent_state_c") if lstm else ("recurrent_state",)
        return _TensorDictLayer(module, wrapped=wrapped, state_keys=state_keys, batch_first=config.batch_first)


# name -> (cell kind, python_based)
_SHIPPED: dict[str, tuple[str, bool]] = {
    "LSTMModule": ("lstm", False),
    "GRUModule": ("gru", False),
    "LSTMModulePython": ("lstm", True),
    "GRUModulePython": ("gru", True),
}
TARGETS: dict[str, Target] = {
    name: TorchRLModule(name=f"{_MODULE}:{name}", cell=cell, python_based=python_based, notes=_NOTES.get(name, ""))
    for name, (cell, python_based) in _SHIPPED.items()}
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: torchrl.LSTMModule, ...
