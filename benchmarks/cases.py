"""The one registry of benchmark cases, read by asv (bench_*.py), pytest-benchmark
(test_benchmarks.py) and the ratio script (ratios.py), so no case is written twice.

A case builds its parameters and input once and returns a ``forward`` closure to time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from rnnspec.cases import random_params
from rnnspec.reference_impls import np_layers, torch_layers
from rnnspec.spec import LayerConfig, cell_kind, layer_layout

__all__ = ["BenchCase", "IMPLS", "CELLS", "forward_case"]

CELLS = ("rnn_tanh", "lstm", "gru")  # the cells with a torch built-in to compare with
IMPLS = ("native", "torch_reference", "numpy_reference")


@dataclass(frozen=True)
class BenchCase:
    cell: str  # rnnspec cell kind
    impl: str  # one of IMPLS
    batch: int = 64  # B
    seq_len: int = 100  # T
    hidden: int = 256  # input size = hidden size
    dtype: str = "float32"

    @property
    def name(self) -> str:
        return f"{self.cell}-{self.impl}-B{self.batch}-T{self.seq_len}-H{self.hidden}-{self.dtype}"

    @property
    def config(self) -> LayerConfig:
        return LayerConfig(self.cell, self.hidden, self.hidden)

    def forward(self) -> Callable[[], object]:
        """Build weights and input (seeded), return a no-grad forward closure."""
        rng = np.random.default_rng(0)
        params = random_params(layer_layout(self.config), rng=rng, scale=1.0, hidden_size=self.hidden,
                               dtype=self.dtype)
        x = rng.standard_normal((self.seq_len, self.batch, self.hidden)).astype(self.dtype)
        if self.impl == "numpy_reference":
            return lambda: np_layers.rnn(self.config, params, x)
        tx, tparams = torch.from_numpy(x), {k: torch.from_numpy(v) for k, v in params.items()}
        if self.impl == "torch_reference":
            def run():
                with torch.no_grad():
                    return torch_layers.rnn(self.config, tparams, tx)
            return run
        if self.impl == "native":
            kind = cell_kind(self.cell)
            module = {"torch.nn.RNN": torch.nn.RNN, "torch.nn.LSTM": torch.nn.LSTM, "torch.nn.GRU": torch.nn.GRU}[
                kind.torch_layer](self.hidden, self.hidden, **dict(kind.torch_kwargs)).to(getattr(torch, self.dtype))
            with torch.no_grad():
                for name, p in module.named_parameters():
                    p.copy_(tparams[name])

            def run():
                with torch.no_grad():
                    return module(tx)
            return run
        raise ValueError(f"impl={self.impl!r} is not one of {IMPLS}")


def forward_case(cell: str, impl: str, **sizes) -> BenchCase:
    return BenchCase(cell, impl, **sizes)
