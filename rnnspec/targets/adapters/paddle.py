"""PaddlePaddle's recurrent layers and cells (``paddle.nn``) as rnnspec targets. ``pip install
paddlepaddle`` (the CPU build from PyPI; checked with paddlepaddle 3.3.1, torch 2.13.0).

Weight mapping from the canonical (torch) layout: none is needed but the projection. Paddle's
cells hold torch's tensors under torch's names and shapes (``weight_ih`` (G*H, I), ``weight_hh``
(G*H, H), ``bias_ih``, ``bias_hh`` (G*H,); ``x @ weight_ih^T + bias_ih``) in torch's gate orders,
read in python/paddle/nn/layer/rnn.py and confirmed by the tests with the same weights:
    LSTMCell  i, f, g, o (``chunked_gates[0..3]``), c = f*c + i*tanh(g), h = o*tanh(c);
              proj_size: ``h = h @ weight_ho`` with weight_ho (H, P) = weight_hr^T (torch's (P, H))
    GRUCell   r, z, c with the reset applied after the product, torch's form:
              c = tanh(W_ic x + b_ic + r * (W_hc h + b_hc)), h = (h - c) * z + c = (1-z)*c + z*h
    SimpleRNNCell  h = act(W_ih x + b_ih + W_hh h + b_hh), act tanh or relu
Layer l, direction d of ``paddle.nn.LSTM/GRU/SimpleRNN`` is the cell ``layer[l].cell`` (forward)
or ``layer[l].cell_fw`` / ``cell_bw`` (``direction="bidirect"``), whose tensors receive
``*_l{l}`` / ``*_l{l}_reverse``. Initial and final states are torch's: (L*D, B, H), h then c.

Paths covered (paddle 3.3.1, CPU, dygraph), each target as a Paddle user writes it:
  - ``LSTM``, ``GRU``, ``SimpleRNN``, ``SimpleRNNReLU``: ``paddle.nn.LSTM(I, H, num_layers,
    direction, time_major)(x, initial_states, sequence_length)``. ``RNNBase.forward`` runs the
    fused ``rnn`` operator (``_C_ops.rnn``, phi's CPU ``RnnKernel``: the whole stack, both
    directions, ``sequence_length``) whenever ``could_use_cudnn`` holds, which on a CPU build is
    whenever every cell has exactly its four tensors: always, except an LSTM with ``proj_size``
    (a fifth, ``weight_ho``), which runs ``RNNBase``'s python loop instead: per layer
    ``paddle.nn.RNN`` / ``BiRNN`` of the cells (``_rnn_dynamic_graph``: a loop over time; padded
    steps keep the state by a mask, the reverse direction flips the whole padded sequence). So
    ``LSTM`` checks the fused kernel without a projection and the python loop with one.
    ``time_major`` is ``not batch_first``: the adapter gives paddle the layout the case has.
    ``sequence_length`` (int64) carries a PackedSequence's lengths and the ``lengths=`` of
    ``zero_length`` cases (a row of length 0 keeps its initial state; the fused kernel outputs
    zeros past each row's length).
  - ``RNNLSTMCell``, ``RNNGRUCell``, ``RNNSimpleRNNCell``, ``RNNSimpleRNNReLUCell``: per layer
    ``paddle.nn.RNN(cell, time_major=...)`` or ``paddle.nn.BiRNN(cell_fw, cell_bw, ...)`` (the
    python loop above, which also runs for any user-written cell); a stack is the layers applied
    in turn (the adapter's wiring: ``RNNBase``'s own loop stack cannot run a GRU or SimpleRNN,
    see below). Outputs past a row's length are what the cell computed on the padding, which the
    adapter zeroes as torch pads them. ``RNNLSTMCell`` does not claim ``proj``: ``RNN(LSTMCell(...,
    proj_size=P))`` without initial states raises (below); with them it equals torch (the tests).
  - ``LSTMCell``, ``GRUCell``, ``SimpleRNNCell``, ``SimpleRNNReLUCell``: ``cell(x, states)``.
  - float32 and float64: layers built and called under ``paddle.set_default_dtype`` of the case's
    dtype, as a Paddle user making float64 layers does (``paddle.nn.RNN`` makes its zero initial
    states in the default dtype, not the input's: a float64 cell called with float32 as the default
    raises a dtype mismatch).
  - gradients: the forward runs in paddle on numpy copies of the canonical tensors (a fresh paddle
    layer per call, so every call has its own graph), and torch's backward runs ``paddle.grad`` of
    those outputs with torch's cotangents, with respect to the input, the initial state and the
    cells' parameters: the gradient properties check Paddle's own backward (``rnn_grad`` for the
    fused kernel). The fused kernel differentiates only in train mode and only with its weights
    among ``paddle.grad``'s inputs (below), so a call that wants a gradient runs ``layer.train()``
    (dropout 0: the same computation) and asks for every weight's gradient (zero biases of a
    bias-free config included), handing torch those it asked for; a call without runs ``eval()``.
bias=False: cells and the RNN(cell) targets are built with ``bias_ih_attr=False,
bias_hh_attr=False`` (paddle then adds constant zero biases that take no gradient). The
``LSTM``/``GRU``/``SimpleRNN`` targets do not claim ``no_bias``: Paddle's own bias-free layer
crashes the process (below), and zero biases in its place would pass for an API that does not run.

Not claimed: ``dropout`` (the fused kernel's dropout in training is not checked), float16 and
bfloat16, ``constructor`` (Paddle's constructors are not torch's: ``direction``, ``time_major``).
Not covered: static graph / ``paddle.jit.to_static`` (``_rnn_static_graph``, a ``While`` op),
GPU/cuDNN and ROCm, a user cell in ``RNN`` other than Paddle's three.

Discrepancies found (paddlepaddle 3.3.1, CPU), each confirmed without rnnspec in tests/findings/:
  - The fused kernel's backward is wrong for the reverse direction when ``sequence_length`` is
    given with a nonzero initial state and a row is shorter than the batch: the gradient of
    ``weight_hh_l{k}_reverse`` (LSTM, SimpleRNN; for the GRU also the input's, the initial state's
    and every reverse tensor's) differs from torch's by O(1), while the forward equals torch's
    (confirm_paddle_rnn_reverse_grad_wrong_with_lengths_and_state.py). Reported, not mapped: the
    ``LSTM``, ``GRU``, ``SimpleRNN``, ``SimpleRNNReLU`` targets claim packed, initial_state and grad,
    so ``grads_match_reference`` fails on such a case (tests/targets/adapters/test_paddle.py builds one); at
    seed 0 the quick and default profiles draw none. The RNN-of-cells targets (python loop) pass.
  - The fused kernel has no backward in eval mode (``is_test``: ``PreconditionNotMet: Tensor holds
    no memory``), and ``paddle.grad(outputs, [x])`` or ``[x, h0, c0]`` without the weights raises
    ``InvalidArgument: Required tensor shall not be nullptr``; torch differentiates both
    (confirm_paddle_rnn_grad_needs_weights_and_train_mode.py). Mapped around, as said above.
  - ``paddle.nn.LSTM/GRU/SimpleRNN(..., bias_ih_attr=False, bias_hh_attr=False)`` segfaults the
    process in the CPU ``RnnKernel`` on the first call: ``RNNBase.__init__`` re-registers only
    the weights under torch's names, so ``flatten_parameters`` hands the kernel 2 tensors per
    cell where it reads 4 (confirm_paddle_rnn_without_bias_segfaults.py). Reported: the layer
    targets do not claim ``no_bias``.
  - ``RNNBase``'s python loop (taken on ROCm builds with ``sequence_length``, or with
    ``could_use_cudnn=False``) raises for ``GRU`` and ``SimpleRNN``, with or without an initial
    state: ``split_states`` unstacks a list (confirm_paddle_gru_python_loop_raises.py). Only the
    LSTM (a pair of states) runs it; not a target for the other cells.
  - ``paddle.nn.LSTMCell(..., proj_size=P)`` called without states (directly or in
    ``paddle.nn.RNN``) raises: its ``state_shape`` is ``((H,), (P,))``, h and c swapped
    (confirm_paddle_lstmcell_proj_default_state_raises.py). Reported, not claimed: ``RNNLSTMCell``
    lacks ``proj`` (claimed, it failed 13 properties at quick, each on this one raise);
    ``paddle.nn.LSTM`` with ``proj_size`` always passes states and is torch's.
  - ``import paddle`` after ``import tensorflow`` in one process kills it with a segmentation fault
    (paddlepaddle 3.3.1, tensorflow-cpu 2.21.0; the other order works:
    confirm_paddle_import_after_tensorflow_segfaults.py). Importing this module where tensorflow
    is loaded and paddle is not raises ImportError saying so, instead of crashing the process (the
    matrix runs each framework in a process of its own).
"""

from __future__ import annotations

import contextlib
import functools
import sys

if "tensorflow" in sys.modules and "paddle" not in sys.modules:
    raise ImportError("paddle would crash this process: importing paddlepaddle after tensorflow is a segmentation "
                      "fault (paddlepaddle 3.3.1, tensorflow 2.21.0); run the paddle targets in a process that has "
                      "not imported tensorflow, or import paddle first")

import numpy as np  # noqa: E402
import paddle  # noqa: E402
import torch  # noqa: E402

from rnnspec.spec import suffix
from rnnspec.targets.adapters import module_getattr
from rnnspec.targets.base import Declaration, Target
from rnnspec.targets.calling import call_as_torch_cell, call_as_torch_layer, length_mask

__all__ = ["PaddleLayer", "PaddleRNNOfCells", "PaddleCell", "load_cell", "TARGETS", "LSTM", "GRU", "SimpleRNN",
           "SimpleRNNReLU", "RNNLSTMCell", "RNNGRUCell", "RNNSimpleRNNCell", "RNNSimpleRNNReLUCell", "LSTMCell",
           "GRUCell", "SimpleRNNCell", "SimpleRNNReLUCell"]

_MODULE = "rnnspec.targets.adapters.paddle"

_LAYER_CAPABILITIES = frozenset({"multilayer", "bidirectional", "batch_first", "no_bias", "initial_state",
                                 "unbatched", "packed", "zero_length", "float64", "grad", "parameters"})
_CELL_CAPABILITIES = frozenset({"no_bias", "initial_state", "unbatched", "float64", "grad", "parameters"})

_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


# --- the paddle <-> torch autograd bridge --------------------------------------------------------

class _PaddleFunction(torch.autograd.Function):
    """A paddle computation as a torch autograd node. ``run(arrays, wants_grad)`` computes in paddle
    from numpy copies of the torch tensors and returns (outputs, leaves): paddle outputs, and for
    each torch tensor the paddle tensor standing for it and whether its gradient is transposed
    (weight_ho = weight_hr^T), or None; and extra paddle tensors whose gradients paddle must be asked
    for too (zero biases: see load_cell). The backward is ``paddle.grad`` with torch's cotangents."""

    @staticmethod
    def forward(ctx, run, *tensors):
        outputs, leaves, extras = run([t.detach().cpu().numpy() for t in tensors], [t.requires_grad for t in tensors])
        ctx.outputs, ctx.leaves, ctx.extras = outputs, leaves, extras
        return tuple(_torch(o) for o in outputs)

    @staticmethod
    def backward(ctx, *grads):
        wanted = [k for k, leaf in enumerate(ctx.leaves) if leaf is not None and not leaf[0].stop_gradient]
        with _on_cpu():
            got = paddle.grad(list(ctx.outputs), [ctx.leaves[k][0] for k in wanted] + list(ctx.extras),
                              grad_outputs=[paddle.to_tensor(g.detach().cpu().numpy()) for g in grads],
                              retain_graph=True, allow_unused=True)  # torch may backward through it again
        result = [None] * len(ctx.leaves)
        for k, g in zip(wanted, got):
            if g is not None and ctx.needs_input_grad[k + 1]:
                result[k] = _torch(g.T if ctx.leaves[k][1] else g)
        return (None, *result)


def _torch(t) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(t.numpy()))


def _paddle_call(run, *tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """``run`` applied to torch tensors; differentiable by torch's autograd (through ``paddle.grad``)."""
    if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
        return _PaddleFunction.apply(run, *tensors)
    outputs, _, _ = run([t.detach().cpu().numpy() for t in tensors], [False] * len(tensors))
    return tuple(_torch(o) for o in outputs)


def _leaf(array: np.ndarray, wants_grad: bool):
    return paddle.to_tensor(array, stop_gradient=not wants_grad)


@contextlib.contextmanager
def _on_cpu():
    """Paddle's device is process-wide: the CPU inside, what it was before outside (importing this
    module changes nothing)."""
    before = paddle.get_device()
    paddle.set_device("cpu")
    try:
        yield
    finally:
        paddle.set_device(before)


@contextlib.contextmanager
def _default_dtype(dtype: str):
    """Paddle layers made inside take their parameters' dtype from paddle's default dtype; on the CPU."""
    before = paddle.get_default_dtype()
    paddle.set_default_dtype(dtype)
    try:
        with _on_cpu():
            yield
    finally:
        paddle.set_default_dtype(before)


# --- the weight mapping -------------------------------------------------------------------------

def load_cell(cell, params: dict, wants: dict, tail: str) -> dict:
    """Set paddle ``cell``'s tensors from the canonical numpy ``params`` of one layer and direction
    (``tail`` as torch's names end: ``""``, ``_l0``, ``_l1_reverse``). A bias absent from ``params``
    is set to zero where the cell has a trainable one (a bias-free config in a cell built with
    biases); it keeps taking a gradient when the weights do (the fused kernel's backward needs every
    weight's), under the key ``("zero", name)``. Returns {canonical name: (paddle tensor, gradient
    transposed)}; ``wants[name]`` says whether its gradient is asked for."""
    leaves = {}
    for name in _NAMES:
        tensor = getattr(cell, name)
        if name + tail in params:
            tensor.set_value(params[name + tail])
            tensor.stop_gradient = not wants[name + tail]
            leaves[name + tail] = (tensor, False)
        elif not tensor.stop_gradient:
            tensor.set_value(np.zeros(tensor.shape, params["weight_ih" + tail].dtype))
            tensor.stop_gradient = not wants["weight_ih" + tail]
            leaves[("zero", name + tail)] = (tensor, False)
    if "weight_hr" + tail in params:  # torch's (P, H) projection; paddle's h @ weight_ho, (H, P)
        cell.weight_ho.set_value(np.ascontiguousarray(params["weight_hr" + tail].T))
        cell.weight_ho.stop_gradient = not wants["weight_hr" + tail]
        leaves["weight_hr" + tail] = (cell.weight_ho, True)
    return leaves


def _cell_kwargs(kind: str, *, bias: bool, proj_size: int = 0) -> dict:
    kwargs = {} if bias else {"bias_ih_attr": False, "bias_hh_attr": False}
    if kind == "lstm" and proj_size:
        kwargs["proj_size"] = proj_size
    if kind.startswith("rnn_"):
        kwargs["activation"] = kind.removeprefix("rnn_")
    return kwargs


def _new_cell(kind: str, input_size: int, hidden_size: int, **kwargs):
    cls = {"lstm": paddle.nn.LSTMCell, "gru": paddle.nn.GRUCell}.get(kind, paddle.nn.SimpleRNNCell)
    return cls(input_size, hidden_size, **kwargs)


# --- built targets ------------------------------------------------------------------------------

class _Built:
    """Canonical parameters as torch leaves, and the paddle computation that uses them."""

    def __init__(self, config, params, dtype: torch.dtype):
        self.config = config
        self.params = {name: p.detach().clone().requires_grad_(True) for name, p in params.items()}
        self.dtype = str(dtype).removeprefix("torch.")

    def named_parameters(self):
        """(torch's name, tensor) of each canonical parameter: the leaves gradients are read from."""
        return iter(self.params.items())

    def _call(self, compute, inputs: tuple[torch.Tensor, ...], *static):
        """``compute(module, inputs (paddle), *static) -> outputs (paddle)`` on a fresh module
        loaded with the parameters, bridged to torch."""
        names = tuple(self.params)

        def run(arrays, wants):
            n, grad = len(inputs), any(wants)
            with _default_dtype(self.dtype):  # also for the zero states paddle.nn.RNN makes (module docstring)
                ins = [_leaf(a, w) for a, w in zip(arrays[:n], wants[:n])]
                module = self.new_module()
                # every parameter takes a gradient when any tensor does: paddle.grad through the fused
                # kernel raises unless the weights are among its inputs (module docstring)
                loaded = self.load(module, dict(zip(names, arrays[n:])), dict.fromkeys(names, grad))
                module.train() if grad else module.eval()  # eval (is_test) keeps nothing for a backward
                outputs = compute(module, ins, *static)
            extras = [t for key, (t, _) in loaded.items() if isinstance(key, tuple) and not t.stop_gradient]
            return outputs, [*((t, False) for t in ins), *(loaded.get(name) for name in names)], extras

        return _paddle_call(run, *inputs, *self.params.values())


class _BuiltLayer(_Built):
    """Called as torch.nn.LSTM is, or with ``lengths=`` (padded input in the config's layout)."""

    def __call__(self, input, hx=None, lengths=None):
        return call_as_torch_layer(self._run, input, hx, batch_first=self.config.batch_first, lengths=lengths)

    def _run(self, x, state, lengths):
        """x (B, T, I) -> output (B, T, D*H) zero past each row's length, finals (h_n[, c_n])."""
        time_major = not self.config.batch_first
        x = x.transpose(0, 1) if time_major else x  # paddle gets the case's own layout
        lengths = None if lengths is None else tuple(int(v) for v in lengths)
        output, *finals = self._call(self.compute, (x, *(state or ())), lengths)
        output = output.transpose(0, 1) if time_major else output
        if lengths is not None:
            output = output * torch.as_tensor(length_mask(lengths, output.shape[1]), dtype=output.dtype)[..., None]
        return output, tuple(finals)

    def cells(self, module):
        """((tail, paddle cell), ...) of every layer and direction, in torch's order."""
        D = self.config.num_directions
        for layer in range(self.config.num_layers):
            sub = module[layer]
            for d, cell in enumerate([sub.cell] if D == 1 else [sub.cell_fw, sub.cell_bw]):
                yield suffix(layer, d), cell

    def load(self, module, params, wants):
        leaves = {}
        for tail, cell in self.cells(module):
            leaves.update(load_cell(cell, params, wants, tail))
        return leaves


class _NativeLayer(_BuiltLayer):
    """``paddle.nn.LSTM / GRU / SimpleRNN``: the fused ``rnn`` kernel (python loop for proj_size)."""

    def new_module(self):
        c = self.config
        cls = {"lstm": paddle.nn.LSTM, "gru": paddle.nn.GRU}.get(c.cell, paddle.nn.SimpleRNN)
        kwargs = _cell_kwargs(c.cell, bias=True, proj_size=c.proj_size)  # no_bias not claimed (see docstring)
        return cls(c.input_size, c.hidden_size, num_layers=c.num_layers, time_major=not c.batch_first,
                   direction="bidirect" if c.bidirectional else "forward", **kwargs)

    @staticmethod
    def compute(module, ins, lengths):
        x, *state = ins
        states = None if not state else (tuple(state) if len(state) == 2 else state[0])
        seq = None if lengths is None else paddle.to_tensor(np.asarray(lengths, np.int64))
        output, finals = module(x, states, seq)
        return (output, *(finals if isinstance(finals, (tuple, list)) else (finals,)))


class _LayerList(list):
    """Per layer ``paddle.nn.RNN`` or ``paddle.nn.BiRNN``; ``train``/``eval`` as a paddle Layer has them."""

    def train(self):
        for layer in self:
            layer.train()

    def eval(self):
        for layer in self:
            layer.eval()


class _RNNOfCellsLayer(_BuiltLayer):
    """A stack of ``paddle.nn.RNN(cell)`` / ``paddle.nn.BiRNN(cell_fw, cell_bw)``, one per layer."""

    def new_module(self):
        c, layers = self.config, _LayerList()
        kwargs = _cell_kwargs(c.cell, bias=c.bias, proj_size=c.proj_size)
        for layer in range(c.num_layers):
            make = functools.partial(_new_cell, c.cell, c.layer_input_size(layer), c.hidden_size, **kwargs)
            layers.append(paddle.nn.RNN(make(), time_major=not c.batch_first) if not c.bidirectional
                          else paddle.nn.BiRNN(make(), make(), time_major=not c.batch_first))
        return layers

    def compute(self, layers, ins, lengths):
        x, *state = ins
        D = self.config.num_directions
        seq = None if lengths is None else paddle.to_tensor(np.asarray(lengths, np.int64))
        finals = []
        for layer, rnn in enumerate(layers):
            initial = None
            if state:
                per_cell = [tuple(s[layer * D + d] for s in state) for d in range(D)]
                per_cell = [p if len(p) == 2 else p[0] for p in per_cell]
                initial = per_cell[0] if D == 1 else tuple(per_cell)
            x, final = rnn(x, initial, seq)
            finals += [final] if D == 1 else list(final)
        finals = [f if isinstance(f, (tuple, list)) else (f,) for f in finals]  # each (h[, c])
        return (x, *(paddle.stack(list(parts)) for parts in zip(*finals)))


class _BuiltCell(_Built):
    """Called as torch.nn.LSTMCell is: ``cell(x, states)``."""

    def new_module(self):
        c = self.config
        return _new_cell(c.cell, c.input_size, c.hidden_size, **_cell_kwargs(c.cell, bias=c.bias))

    def load(self, cell, params, wants):
        return load_cell(cell, params, wants, "")

    def __call__(self, input, hx=None):
        return call_as_torch_cell(self._run, input, hx)

    def _run(self, x, state):
        return self._call(self.compute, (x, *(state or ())))

    @staticmethod
    def compute(cell, ins):
        x, *state = ins
        _, new = cell(x, None if not state else (tuple(state) if len(state) == 2 else state[0]))
        return tuple(new) if isinstance(new, (tuple, list)) else (new,)


# --- targets ------------------------------------------------------------------------------------

class _PaddleTarget(Target):
    built: type[_Built]

    def __init__(self, *, name: str, subject: str, cell: str, capabilities: frozenset[str], api: str,
                 notes: str = ""):
        super().__init__(Declaration(name=name, subject=subject, cells=(cell,), capabilities=capabilities,
                                     api=api, notes=notes))

    def build(self, config, params, *, dtype, training=False):
        return self.built(config, params, dtype)


class PaddleLayer(_PaddleTarget):
    """``paddle.nn.LSTM`` / ``GRU`` / ``SimpleRNN``."""
    built = _NativeLayer


class PaddleRNNOfCells(_PaddleTarget):
    """``paddle.nn.RNN`` / ``BiRNN`` of Paddle's cells, stacked by the adapter."""
    built = _RNNOfCellsLayer


class PaddleCell(_PaddleTarget):
    """``paddle.nn.LSTMCell`` / ``GRUCell`` / ``SimpleRNNCell``."""
    built = _BuiltCell


_CELL_API = {"lstm": "paddle.nn.LSTMCell(I, H)", "gru": "paddle.nn.GRUCell(I, H)",
             "rnn_tanh": "paddle.nn.SimpleRNNCell(I, H)",
             "rnn_relu": "paddle.nn.SimpleRNNCell(I, H, activation='relu')"}
_LAYER_API = {"lstm": "paddle.nn.LSTM(I, H, num_layers, direction, time_major)",
              "gru": "paddle.nn.GRU(I, H, num_layers, direction, time_major)",
              "rnn_tanh": "paddle.nn.SimpleRNN(I, H, num_layers, direction, time_major)",
              "rnn_relu": "paddle.nn.SimpleRNN(I, H, num_layers, direction, time_major, activation='relu')"}
_PROJ_CELL_NOTE = ("proj not claimed: paddle.nn.LSTMCell(proj_size=P) called without states raises, its "
                   "state_shape is ((H,), (P,)), h and c swapped "
                   "(tests/findings/confirm_paddle_lstmcell_proj_default_state_raises.py); "
                   "with states it is torch's projected LSTM (tests/targets/adapters/test_paddle.py)")
_FUSED_NOTE = ("the fused rnn kernel's gradients for the reverse direction are wrong when sequence_length is "
               "given with a nonzero initial state (the forward is right): "
               "tests/findings/confirm_paddle_rnn_reverse_grad_wrong_with_lengths_and_state.py; "
               "no_bias not claimed: paddle.nn.LSTM/GRU/SimpleRNN with bias_ih_attr=False, "
               "bias_hh_attr=False segfault in the CPU rnn kernel "
               "(tests/findings/confirm_paddle_rnn_without_bias_segfaults.py); "
               "a call that wants gradients runs in train mode (dropout 0) and asks paddle.grad for every "
               "weight's gradient: the fused kernel has no backward in eval mode or without its weights "
               "(tests/findings/confirm_paddle_rnn_grad_needs_weights_and_train_mode.py)")


# layer target, RNN-of-cells target, cell target, cell kind
_SHIPPED = (("LSTM", "RNNLSTMCell", "LSTMCell", "lstm"), ("GRU", "RNNGRUCell", "GRUCell", "gru"),
            ("SimpleRNN", "RNNSimpleRNNCell", "SimpleRNNCell", "rnn_tanh"),
            ("SimpleRNNReLU", "RNNSimpleRNNReLUCell", "SimpleRNNReLUCell", "rnn_relu"))


def _targets() -> dict[str, Target]:
    targets: dict[str, Target] = {}
    for layer, of_cells, cell_name, cell in _SHIPPED:
        proj = frozenset({"proj"}) if cell == "lstm" else frozenset()
        targets[layer] = PaddleLayer(name=f"{_MODULE}:{layer}", subject="layer", cell=cell,
                                     capabilities=(_LAYER_CAPABILITIES - {"no_bias"}) | proj, api=_LAYER_API[cell],
                                     notes=_FUSED_NOTE)
        targets[of_cells] = PaddleRNNOfCells(  # proj not claimed: LSTMCell(proj_size) without states raises
            name=f"{_MODULE}:{of_cells}", subject="layer", cell=cell, capabilities=_LAYER_CAPABILITIES,
            api=f"paddle.nn.RNN({_CELL_API[cell]}) / paddle.nn.BiRNN(cell_fw, cell_bw), one per layer",
            notes=_PROJ_CELL_NOTE if proj else "")
        targets[cell_name] = PaddleCell(name=f"{_MODULE}:{cell_name}", subject="cell", cell=cell,
                                        capabilities=_CELL_CAPABILITIES, api=f"{_CELL_API[cell]}(x, states)")
    return targets


TARGETS: dict[str, Target] = _targets()
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: paddle.LSTM, ...
