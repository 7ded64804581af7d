"""The numbers behind ``rnnspec explain``: three experiments of lecture 7, computed with the
references. Each returns plain data (lists of floats); ``rnnspec.rendering.explain`` draws and tabulates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from rnnspec.cases import random_params
from rnnspec.references import torch_cells, torch_clipping, torch_connections
from rnnspec.references.params import direction_params
from rnnspec.spec import LayerConfig, layer_layout

__all__ = ["GradientFlow", "gradient_vs_distance", "StackFlow", "deep_stack_gradients", "ClippingRun",
           "clipping_trajectories", "CellMemory", "cell_memory"]


@dataclass
class GradientFlow:
    distances: list[int]  # T - t
    norms: dict[str, list[float]]  # cell -> ||dh_T/dh_t||_2 at each distance
    rnn_bound: list[float]  # sigma_max(W_hh)^(T-t) of the vanilla RNN (Pascanu et al. 2013)
    sigma_max: float


def gradient_vs_distance(*, hidden: int = 32, length: int = 50, seed: int = 0,
                         cells=("rnn_tanh", "lstm", "gru")) -> GradientFlow:
    """||dh_T/dh_t||_2 for each cell at matched sizes (input = hidden) and torch's default init,
    on one random sequence; h_t is the hidden state (the LSTM's c_t is carried, not held fixed)."""
    x = torch.randn(length, 1, hidden, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    norms, sigma = {}, 0.0
    for cell in cells:
        config = LayerConfig(cell, hidden, hidden)
        arrays = random_params(layer_layout(config), rng=np.random.default_rng([seed, 1]), scale=1.0,
                               hidden_size=hidden, dtype="float64")
        p = direction_params({k: torch.tensor(v) for k, v in arrays.items()}, 0, 0)
        step = torch_cells.STEPS[cell]
        state = (torch.zeros(1, hidden, dtype=torch.float64),) * (2 if cell == "lstm" else 1)
        hs = []
        for t in range(length):
            h = state[0].detach().requires_grad_() if t == 0 else state[0]
            h.retain_grad()
            hs.append(h)
            state = step(torch_cells.project_input(x[t], p), (h, *state[1:]), p)
        h_T = state[0][0]
        jac = np.zeros((length, hidden, hidden))
        for i in range(hidden):
            for h in hs:
                h.grad = None
            h_T[i].backward(retain_graph=True)
            for t, h in enumerate(hs):
                jac[t, i] = h.grad[0].numpy()
        norms[cell] = [float(np.linalg.norm(jac[length - d], 2)) for d in range(1, length + 1)]
        if cell == "rnn_tanh":
            sigma = float(np.linalg.norm(arrays["weight_hh_l0"], 2))
    distances = list(range(1, length + 1))
    return GradientFlow(distances, norms, [sigma**d for d in distances], sigma)


@dataclass
class CellMemory:
    steps: list[int]  # t
    sizes: dict[str, list[float]]  # run -> max over units of |state_t| (c_t for the LSTM, h_t for the RNN)


def cell_memory(*, hidden: int = 32, length: int = 1000, seed: int = 0) -> CellMemory:
    """How large the state grows over ``length`` steps of one random sequence, with the references:
    an LSTM with its forget and input gates saturated open and g saturated at +-1 (its cell adds
    exactly +-1 a step: c_t = c_0 + t*g, an unbounded memory), the same LSTM at torch's default
    init (it forgets), and a vanilla RNN, whose h stays within tanh's (-1, 1)."""
    x = torch.randn(length, 1, hidden, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    sign = torch.tensor(np.where(np.random.default_rng([seed, 2]).random(hidden) < 0.5, -1.0, 1.0))
    runs = {}
    for name, cell, open_gates in (("LSTM c_t, f = i = 1, g = +-1", "lstm", True),
                                   ("LSTM c_t, torch's init", "lstm", False), ("RNN h_t (tanh)", "rnn_tanh", False)):
        config = LayerConfig(cell, hidden, hidden)
        arrays = random_params(layer_layout(config), rng=np.random.default_rng([seed, 1]), scale=1.0,
                               hidden_size=hidden, dtype="float64")
        if open_gates:
            arrays["bias_ih_l0"][: 2 * hidden] += 1000  # input and forget gates: exactly 1
            arrays["bias_ih_l0"][2 * hidden : 3 * hidden] += 1000 * sign.numpy()  # g: exactly +-1
        p = direction_params({k: torch.tensor(v) for k, v in arrays.items()}, 0, 0)
        step = torch_cells.STEPS[cell]
        state = (torch.zeros(1, hidden, dtype=torch.float64),) * (2 if cell == "lstm" else 1)
        sizes = []
        with torch.no_grad():
            for t in range(length):
                state = step(torch_cells.project_input(x[t], p), state, p)
                sizes.append(float(state[-1].abs().max()))
        runs[name] = sizes
    return CellMemory(list(range(1, length + 1)), runs)


@dataclass
class StackFlow:
    layers: list[int]  # distance of a layer's input from the output, in layers
    norms: dict[str, list[float]]  # connection -> ||dJ/dx_l||_2, J a random projection of the output


def deep_stack_gradients(*, width: int = 16, depth: int = 30, seed: int = 0, gain: float = 1.0,
                         gate_bias: float = -3.0) -> StackFlow:
    """A deep feed-forward stack of tanh layers F_l(x) = tanh(x W_l^T + b_l), plain, residual,
    highway (transform gate bias ``gate_bias``) and dense (each layer adds `width` features);
    the gradient of a random projection of the output with respect to each layer's input."""
    rng = np.random.default_rng([seed, 2])

    def layer(fan_in, fan_out):
        w = torch.tensor(rng.standard_normal((fan_out, fan_in)) * gain / math.sqrt(fan_in))
        b = torch.tensor(rng.standard_normal(fan_out) * 0.1)
        return lambda v: torch.tanh(v @ w.t() + b)

    blocks = [layer(width, width) for _ in range(depth)]
    # Srivastava et al. (2015) start the transform gate's bias negative (-1 to -3, deeper: lower) so
    # that layers begin by carrying their input
    gates = [(torch.tensor(rng.standard_normal((width, width)) / math.sqrt(width)), torch.full((width,), gate_bias,
              dtype=torch.float64)) for _ in range(depth)]
    dense_blocks = [layer(width * (k + 1), width) for k in range(depth)]
    x0 = torch.tensor(rng.standard_normal((1, width)))
    wires = {
        "plain": lambda k, v: blocks[k](v),
        "residual": lambda k, v: torch_connections.residual(v, blocks[k]),
        "highway": lambda k, v: torch_connections.highway(v, blocks[k], *gates[k]),
    }
    norms = {}
    for name, wire in wires.items():
        inputs, v = [], x0
        for k in range(depth):
            v = v.detach().requires_grad_() if k == 0 else v
            v.retain_grad()
            inputs.append(v)
            v = wire(k, v)
        _project(v, seed).backward()
        norms[name] = [float(inputs[depth - d].grad.norm()) for d in range(1, depth + 1)]
    # dense: layer k reads [x, y_1, ..., y_k]; d J / d y_k is the gradient that reaches layer k's output
    features = [x0.detach().requires_grad_()]
    for k in range(depth):
        features.append(dense_blocks[k](torch.cat(features, dim=-1)))
        features[-1].retain_grad()
    _project(torch.cat(features, dim=-1), seed).backward()
    grads = [f.grad for f in features[:-1]]  # x and y_1 .. y_{L-1}: the inputs of the layers' outputs
    norms["dense"] = [float(grads[depth - d].norm()) for d in range(1, depth + 1)]
    return StackFlow(list(range(1, depth + 1)), norms)


def _project(y: torch.Tensor, seed: int) -> torch.Tensor:
    w = torch.tensor(np.random.default_rng([seed, 3]).standard_normal(y.shape))
    return (w * y).sum()


@dataclass
class ClippingRun:
    w_grid: list[float]  # the loss surface L(w), sampled
    loss_grid: list[float]
    trajectories: dict[str, list[float]]  # "no clipping" / "norm clipping" -> w at each iteration
    losses: dict[str, list[float]]  # -> loss at each iteration (inf or nan once it exploded)
    max_norm: float
    lr: float


def clipping_trajectories(*, length: int = 30, steps: int = 40, lr: float = 0.005, max_norm: float = 1.0,
                          w0: float = 1.12, target: float = 1.0) -> ClippingRun:
    """Gradient descent on w for the linear RNN h_t = w h_{t-1}, h_0 = 1, loss (h_T - target)^2:
    the gradient 2 (w^T - target) T w^(T-1) explodes with T, a fixed step then overshoots; with
    norm clipping (the torch reference of clip_grad_norm_) the same descent stays on the surface."""

    def loss_of(w: torch.Tensor) -> torch.Tensor:
        h = torch.ones((), dtype=torch.float64)
        for _ in range(length):
            h = w * h
        return (h - target) ** 2

    trajectories, losses = {}, {}
    for name, clip in (("no clipping", False), ("norm clipping", True)):
        w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        ws, ls = [], []
        for _ in range(steps):
            loss = loss_of(w)
            ws.append(w.item())
            ls.append(loss.item())
            if not math.isfinite(ls[-1]):
                break
            w.grad = None
            loss.backward()
            if clip:
                torch_clipping.clip_grad_norm_([w], max_norm)
            with torch.no_grad():
                w -= lr * w.grad
        trajectories[name], losses[name] = ws, ls
    grid = np.linspace(0.9, 1.15, 201)
    surface = [float(loss_of(torch.tensor(g, dtype=torch.float64))) for g in grid]
    return ClippingRun(list(map(float, grid)), surface, trajectories, losses, max_norm, lr)
