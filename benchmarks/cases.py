"""The one registry of benchmark cases, read by asv (``bench_*.py``), pytest-benchmark
(``test_benchmarks.py``) and the ratio script (``ratios.py``), so no case is written twice.

A case is a frozen dataclass with a readable ``name``; ``case.build()`` makes its weights and
inputs once (seeded) and returns a ``Bench`` whose ``run()`` is one timed call. CUDA runs
synchronise before returning, so a timer around ``run()`` measures the work, not its launch.

FLOP counts (``Bench.flops``) count matrix products only, 2 FLOPs per multiply-add, forward+backward
3x the forward: ``rnnspec.interfaces.bench.timing.call_flops``, which ``rnnspec bench`` reports too, as it
does the fp32 peak (``peak_gflops``) and forward+backward (``forward_backward``) defined there.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from rnnspec.interfaces.bench.timing import call_flops, forward_backward, peak_gflops
from rnnspec.cases import random_params
from rnnspec.references import np_bptt, np_layers, torch_cells, torch_clipping, torch_layers
from rnnspec.spec import CellConfig, LayerConfig, cell_layout, layer_layout

__all__ = ["Bench", "LayerCase", "CellCase", "ClipCase", "LAYER_CASES", "CELL_CASES", "CLIP_CASES", "ALL_CASES",
           "DEVICES", "CELLS", "IMPLS", "by_name", "smoke", "sized", "peak_gflops", "synchronize"]

CELLS = ("rnn_tanh", "lstm", "gru")  # the cells with a torch built-in to compare with
IMPLS = ("native", "torch_reference", "compiled_reference", "numpy_reference")
DEVICES = ("cpu", "cuda") if torch.cuda.is_available() else ("cpu",)
_NATIVE_LAYER = {"rnn_tanh": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
_NATIVE_CELL = {"rnn_tanh": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}


def synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


@dataclass
class Bench:
    run: Callable[[], object]  # one call of the measured work (synchronised)
    flops: int  # matrix-product FLOPs of one call (see the module docstring)
    device: str


def _params(layout, *, hidden: int, device: str, requires_grad: bool, numpy: bool = False, dtype: str = "float32"):
    arrays = random_params(layout, rng=np.random.default_rng(0), scale=1.0, hidden_size=hidden, dtype=dtype)
    if numpy:
        return arrays
    return {k: torch.tensor(v, device=device, requires_grad=requires_grad) for k, v in arrays.items()}


@functools.lru_cache(maxsize=None)
def _compiled_step(cell: str):
    return torch.compile(torch_cells.STEPS[cell], dynamic=False)


def _timed(fn, device):
    def run():
        out = fn()
        synchronize(device)
        return out
    return run


@dataclass(frozen=True)
class LayerCase:
    cell: str  # rnn_tanh, lstm or gru
    impl: str  # one of IMPLS
    mode: str  # "forward" or "forward_backward"
    hidden: int  # input size = hidden size
    batch: int
    num_layers: int = 1
    bidirectional: bool = False
    seq_len: int = 100
    device: str = "cpu"
    dtype: str = "float32"  # or float64, the dtype the scale tiers' references run in (benchmarks.ratios --dtype)

    @property
    def name(self) -> str:
        shape = f"L{self.num_layers}" + ("-bidir" if self.bidirectional else "")
        wide = "" if self.dtype == "float32" else f"-{self.dtype}"  # float32 keeps the names asv has recorded
        return f"layer-{self.cell}-{self.impl}-{self.mode}-H{self.hidden}-B{self.batch}-{shape}-{self.device}{wide}"

    @property
    def config(self) -> LayerConfig:
        return LayerConfig(self.cell, self.hidden, self.hidden, num_layers=self.num_layers,
                           bidirectional=self.bidirectional)

    def flops(self) -> int:
        return call_flops(self.config, batch=self.batch, seq_len=self.seq_len, backward=self.mode == "forward_backward")

    def build(self) -> Bench:
        c, dev, grad = self.config, self.device, self.mode == "forward_backward"
        rng = np.random.default_rng(1)
        x_np = rng.standard_normal((self.seq_len, self.batch, self.hidden)).astype(self.dtype)
        if self.impl == "numpy_reference":
            params = _params(layer_layout(c), hidden=self.hidden, device=dev, requires_grad=False, numpy=True,
                             dtype=self.dtype)
            if not grad:
                return Bench(lambda: np_layers.rnn(c, params, x_np), self.flops(), dev)

            def numpy_forward_backward():  # the loss is the sum of every output, as for torch
                out, h, tape = np_bptt.forward(c, params, x_np)
                ones = tuple(np.ones_like(s) for s in h) if isinstance(h, tuple) else np.ones_like(h)
                return np_bptt.backward(tape, np.ones_like(out), ones)

            return Bench(numpy_forward_backward, self.flops(), dev)
        x = torch.tensor(x_np, device=dev, requires_grad=grad)
        if self.impl == "native":
            module = _NATIVE_LAYER[self.cell](self.hidden, self.hidden, num_layers=self.num_layers,
                                              bidirectional=self.bidirectional).to(dev, getattr(torch, self.dtype))
            leaves = [x, *module.parameters()]
            forward = functools.partial(module, x)
        else:
            params = _params(layer_layout(c), hidden=self.hidden, device=dev, requires_grad=grad, dtype=self.dtype)
            step = _compiled_step(self.cell) if self.impl == "compiled_reference" else None
            leaves = [x, *params.values()]
            forward = functools.partial(torch_layers.rnn, c, params, x, step=step)
        if grad:
            return Bench(_timed(forward_backward(forward, leaves), dev), self.flops(), dev)
        return Bench(_timed(torch.no_grad()(forward), dev), self.flops(), dev)


@dataclass(frozen=True)
class CellCase:
    cell: str
    impl: str  # native, torch_reference or numpy_reference
    mode: str  # "forward" or "forward_backward"
    hidden: int
    batch: int
    device: str = "cpu"

    @property
    def name(self) -> str:
        return f"cell-{self.cell}-{self.impl}-{self.mode}-H{self.hidden}-B{self.batch}-{self.device}"

    def flops(self) -> int:
        return call_flops(CellConfig(self.cell, self.hidden, self.hidden), batch=self.batch, seq_len=1,
                          backward=self.mode == "forward_backward")

    def build(self) -> Bench:
        c, dev, grad = CellConfig(self.cell, self.hidden, self.hidden), self.device, self.mode == "forward_backward"
        x_np = np.random.default_rng(1).standard_normal((self.batch, self.hidden)).astype("float32")
        if self.impl == "numpy_reference":
            if grad:
                raise NotImplementedError("numpy cells are benchmarked forward only (layers: forward and backward)")
            params = _params(cell_layout(c), hidden=self.hidden, device=dev, requires_grad=False, numpy=True)
            return Bench(lambda: np_layers.cell(c, params, x_np), self.flops(), dev)
        x = torch.tensor(x_np, device=dev, requires_grad=grad)
        if self.impl == "native":
            module = _NATIVE_CELL[self.cell](self.hidden, self.hidden).to(dev)
            leaves, call = [x, *module.parameters()], functools.partial(module, x)
        else:
            params = _params(cell_layout(c), hidden=self.hidden, device=dev, requires_grad=grad)
            leaves, call = [x, *params.values()], functools.partial(torch_layers.cell, c, params, x)
        if grad:
            return Bench(_timed(forward_backward(call, leaves), dev), self.flops(), dev)
        return Bench(_timed(torch.no_grad()(call), dev), self.flops(), dev)


# A realistic set to clip: a 2-layer LSTM language model, vocabulary 10k, embeddings 512, hidden 1024.
LM_SHAPES = ((10000, 512), (4096, 512), (4096, 1024), (4096,), (4096,), (4096, 1024), (4096, 1024), (4096,),
             (4096,), (10000, 1024), (10000,))


@dataclass(frozen=True)
class ClipCase:
    kind: str  # "norm" (clip_grad_norm_) or "value" (clip_grad_value_)
    impl: str  # "native" (torch.nn.utils) or "torch_reference"
    foreach: bool | None  # torch's foreach switch (None: torch decides)
    device: str = "cpu"

    @property
    def name(self) -> str:
        return f"clip-{self.kind}-{self.impl}-foreach_{self.foreach}-{self.device}"

    def build(self) -> Bench:
        gen = torch.Generator().manual_seed(0)
        params = [torch.zeros(s, device=self.device, requires_grad=True) for s in LM_SHAPES]
        for p in params:
            p.grad = torch.randn(p.shape, generator=gen).to(self.device)
        module = torch.nn.utils if self.impl == "native" else torch_clipping
        if self.kind == "norm":
            fn = functools.partial(module.clip_grad_norm_, params, 1.0, foreach=self.foreach)
        else:
            fn = functools.partial(module.clip_grad_value_, params, 0.01, foreach=self.foreach)
        return Bench(_timed(fn, self.device), 0, self.device)


def _layer_cases() -> list[LayerCase]:
    """Native layers at every size; the references where they finish in seconds; stacks at H=256."""
    cases = []
    for dev in DEVICES:
        for cell in CELLS:
            for mode in ("forward", "forward_backward"):
                for hidden in (64, 256, 1024):
                    for batch in (1, 64):
                        cases.append(LayerCase(cell, "native", mode, hidden, batch, device=dev))
                    if hidden < 1024 or mode == "forward":
                        cases.append(LayerCase(cell, "torch_reference", mode, hidden, 64, device=dev))
                    if dev == "cpu" and (mode == "forward" or hidden < 1024):
                        cases.append(LayerCase(cell, "numpy_reference", mode, hidden, 64))
                for layers, bidir in ((2, False), (1, True)):
                    for impl in ("native", "torch_reference"):
                        cases.append(LayerCase(cell, impl, mode, 256, 64, num_layers=layers, bidirectional=bidir,
                                               device=dev))
            # torch.compile of the cell step costs ~20 s a cell on 2 cores: one size, forward
            cases.append(LayerCase(cell, "compiled_reference", "forward", 256, 64, device=dev))
    return cases


def _cell_cases() -> list[CellCase]:
    return [CellCase(cell, impl, mode, 256, 64, device=dev) for dev in DEVICES for cell in CELLS
            for impl in ("native", "torch_reference", "numpy_reference")
            for mode in ("forward", "forward_backward")
            if not (impl == "numpy_reference" and (mode == "forward_backward" or dev != "cpu"))]


LAYER_CASES = _layer_cases()
CELL_CASES = _cell_cases()
CLIP_CASES = [ClipCase(kind, impl, foreach, device=dev) for dev in DEVICES for kind in ("norm", "value")
              for impl in ("native", "torch_reference") for foreach in ((True, False) if impl == "native" else (None,))]
ALL_CASES = {c.name: c for c in [*LAYER_CASES, *CELL_CASES, *CLIP_CASES]}


def smoke(case):
    """The same case at toy sizes: every code path, a fraction of a second (compiling aside)."""
    changes = {k: min(getattr(case, k), v) for k, v in (("hidden", 8), ("batch", 2), ("seq_len", 3))
               if hasattr(case, k)}
    return dataclasses.replace(case, **changes)


def sized(case):
    """The case as asv should run it: at toy sizes when RNNSPEC_BENCH_SMOKE=1 (CI's quick run of
    the whole suite, which checks that every benchmark runs and saves nothing), else as registered."""
    return smoke(case) if os.environ.get("RNNSPEC_BENCH_SMOKE") == "1" else case


def by_name(name: str):
    return sized(ALL_CASES[name])
