"""Feed-forward blocks and recurrent layers built from a BlockCase, in torch float64, for the
connection properties (not a property module itself)."""

import numpy as np
import torch

from rnnspec.cases import random_params
from rnnspec.references import torch_layers
from rnnspec.spec import LayerConfig, layer_layout


def mlp(weights: dict):
    """F(x) = tanh(x @ W1.T + b1) @ W2.T + b2."""
    w = {k: torch.tensor(v, dtype=torch.float64) for k, v in weights.items()}
    return lambda x: torch.tanh(x @ w["w1"].t() + w["b1"]) @ w["w2"].t() + w["b2"]


def recurrent_layer(case, k: int):
    """Layer k: a one-layer RNN of case.cell, features -> features, on (T, B, D) sequences."""
    config = LayerConfig(case.cell, case.features, case.features)
    params = random_params(layer_layout(config), rng=np.random.default_rng([case.seed, 10, k]), scale=case.scale,
                           hidden_size=case.features, dtype="float64")
    tparams = {n: torch.tensor(v) for n, v in params.items()}
    return lambda x: torch_layers.rnn(config, tparams, x)[0]


def tensor(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64))
