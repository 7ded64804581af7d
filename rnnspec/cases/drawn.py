"""Cases: one drawn configuration plus everything needed to rebuild its arrays from a seed.

Weights, inputs and states are made here, with numpy, from ``seed``: never by the
implementation under test. A case's repr is the counterexample a failure reports.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from rnnspec.references.np_clipping import total_norm
from rnnspec.spec import CellConfig, LayerConfig, cell_kind, cell_layout, layer_layout, tolerance
from rnnspec.spec.scale import SMALL, magnitude

__all__ = ["LayerCase", "CellCase", "ClipCase", "BlockCase", "ConstructorCase", "random_params"]


def random_params(layout, *, rng: np.random.Generator, scale: float, hidden_size: int, dtype) -> dict[str, np.ndarray]:
    """Weights ~ U(-k, k), k = scale / sqrt(hidden_size): torch's own initialisation times ``scale``."""
    k = scale / np.sqrt(hidden_size)
    return {name: rng.uniform(-k, k, size=shape).astype(dtype) for name, shape in layout}


def _scaled(values: np.ndarray, case, what: str) -> np.ndarray:
    """``values`` (float64 draws) times the case's magnitude scale of ``what``, in the case's dtype;
    an exact zero scale gives exact zeros (not -0.0), the overflow scale values of at least it."""
    regime = magnitude(case.magnitude)
    s = regime.scale_of(what, case.dtype)
    if getattr(regime, what) == "overflow":  # every element past the overflow point, signs kept
        values = np.sign(values) * (1 + np.abs(values))
    return (values * s if s else np.zeros_like(values)).astype(case.dtype)


def _regime(case, sizes: dict[str, int]) -> str:
    if case.tier == "magnitude":
        m = magnitude(case.magnitude)
        return f"magnitude tier: {m.name} ({m.why})"
    bounds = {"seq_len": SMALL.max_seq_len, "batch": SMALL.max_batch, "num_layers": SMALL.max_layers}
    beyond = [f"{k}={v}" for k, v in sizes.items() if v > bounds.get(k, SMALL.max_size)]
    if case.tier == "small" or not beyond:
        return f"{case.tier} tier"
    return f"{case.tier} tier: {', '.join(beyond)} (beyond the small tier)"


@dataclass(frozen=True)
class LayerCase:
    config: LayerConfig  # the layer under test
    dtype: str  # "float32" or "float64"
    batch: int  # rows B (1 when unbatched)
    seq_len: int  # steps T (the padded length when lengths are given)
    lengths: tuple[int, ...] | None  # valid steps per row, unsorted, for a PackedSequence (0 only where the
    #                                 target claims zero_length: then passed as lengths=); or None
    unbatched: bool  # input (T, I) with no batch axis
    with_state: bool  # an initial state is passed (else omitted: zeros)
    seed: int  # numpy seed of weights, input and state
    scale: float  # weight scale, times torch's default init range
    tier: str = "small"  # the tier it was drawn from (rnnspec.spec.scale.TIERS)
    magnitude: str = "plain"  # its magnitude regime (rnnspec.spec.scale.MAGNITUDES): scales weights, input, state

    def params(self) -> dict[str, np.ndarray]:
        rng = np.random.default_rng([self.seed, 0])
        c = self.config
        return random_params(layer_layout(c), rng=rng, scale=self.scale * magnitude(self.magnitude).weights,
                             hidden_size=c.hidden_size, dtype=self.dtype)

    def input(self) -> np.ndarray:
        """x laid out as the user passes it: (T, I), (B, T, I) when batch_first, else (T, B, I).

        With lengths, the padding past each row's length is random too, so a leak shows.
        """
        rng = np.random.default_rng([self.seed, 1])
        x = _scaled(rng.standard_normal((self.seq_len, self.batch, self.config.input_size)), self, "inputs")
        if self.unbatched:
            return x[:, 0]
        return x.transpose(1, 0, 2).copy() if self.config.batch_first else x

    def state(self):
        """The initial state (h0, or (h0, c0) for LSTM), or None when omitted."""
        if not self.with_state:
            return None
        return self.random_state()

    def random_state(self):
        rng = np.random.default_rng([self.seed, 2])
        c = self.config
        n = c.num_layers * c.num_directions
        lead = (n,) if self.unbatched else (n, self.batch)
        has_c = cell_kind(c.cell).has_cell_state
        h0 = _scaled(rng.uniform(-1, 1, size=lead + (c.output_size,)), self, "lstm_states" if has_c else "states")
        if has_c:
            return h0, _scaled(rng.uniform(-1, 1, size=lead + (c.hidden_size,)), self, "cell_states")
        return h0

    def tolerance(self, *, grad: bool = False):
        """The spec's tolerance for this case's dtype, length, depth, widths and magnitudes."""
        c = self.config
        return tolerance(self.dtype, seq_len=self.seq_len, num_layers=c.num_layers, grad=grad,
                         fan_in=max(c.input_size, c.output_size * c.num_directions) + c.output_size,
                         size=magnitude(self.magnitude).size(self.dtype))

    def regime(self) -> str:
        """The tier, and what puts the case in it: "realistic tier: hidden_size=65 (small tier: up to 6)"."""
        return _regime(self, {"input_size": self.config.input_size, "hidden_size": self.config.hidden_size,
                              "proj_size": self.config.proj_size, "seq_len": self.seq_len, "batch": self.batch,
                              "num_layers": self.config.num_layers})

    def loss_weights(self, shape, salt: int) -> np.ndarray:
        """Fixed random weights w for a scalar loss sum(w * y): every output element counts."""
        return np.random.default_rng([self.seed, 3, salt]).standard_normal(shape).astype(self.dtype)

    def replace(self, **changes) -> "LayerCase":
        return replace(self, **changes)


@dataclass(frozen=True)
class CellCase:
    config: CellConfig  # the cell under test
    dtype: str  # "float32" or "float64"
    batch: int  # rows B (1 when unbatched)
    seq_len: int  # steps, where a property unrolls the cell
    unbatched: bool  # input (I,) with no batch axis
    with_state: bool  # a state is passed (else omitted: zeros)
    seed: int  # numpy seed of weights, input and state
    scale: float  # weight scale, times torch's default init range
    tier: str = "small"  # the tier it was drawn from (rnnspec.spec.scale.TIERS)
    magnitude: str = "plain"  # its magnitude regime (rnnspec.spec.scale.MAGNITUDES): scales weights, input, state

    def params(self) -> dict[str, np.ndarray]:
        rng = np.random.default_rng([self.seed, 0])
        c = self.config
        return random_params(cell_layout(c), rng=rng, scale=self.scale * magnitude(self.magnitude).weights,
                             hidden_size=c.hidden_size, dtype=self.dtype)

    def inputs(self) -> np.ndarray:
        """x for every step: (T, B, I), or (T, I) when unbatched."""
        rng = np.random.default_rng([self.seed, 1])
        x = _scaled(rng.standard_normal((self.seq_len, self.batch, self.config.input_size)), self, "inputs")
        return x[:, 0] if self.unbatched else x

    def state(self):
        """h (B, H) or (h, c) for LSTM, or None when omitted."""
        if not self.with_state:
            return None
        rng = np.random.default_rng([self.seed, 2])
        lead = () if self.unbatched else (self.batch,)
        has_c = cell_kind(self.config.cell).has_cell_state
        h = _scaled(rng.uniform(-1, 1, size=lead + (self.config.hidden_size,)), self, "lstm_states" if has_c else "states")
        if has_c:
            return h, _scaled(rng.uniform(-1, 1, size=lead + (self.config.hidden_size,)), self, "cell_states")
        return h

    def tolerance(self, *, steps: int = 1, grad: bool = False):
        """The spec's tolerance for this case's dtype after ``steps`` steps of the cell (one, unless
        a property unrolls it: then ``steps=case.seq_len``), its widths and magnitudes."""
        c = self.config
        return tolerance(self.dtype, seq_len=steps, grad=grad, fan_in=max(c.input_size, c.hidden_size) + c.hidden_size,
                         size=magnitude(self.magnitude).size(self.dtype))

    def regime(self) -> str:
        """The tier, and what puts the case in it."""
        return _regime(self, {"input_size": self.config.input_size, "hidden_size": self.config.hidden_size,
                              "batch": self.batch, "seq_len": self.seq_len})

    def loss_weights(self, shape, salt: int) -> np.ndarray:
        return np.random.default_rng([self.seed, 3, salt]).standard_normal(shape).astype(self.dtype)

    def replace(self, **changes) -> "CellCase":
        return replace(self, **changes)


@dataclass(frozen=True)
class ClipCase:
    shapes: tuple[tuple[int, ...], ...]  # one shape per parameter
    has_grad: tuple[bool, ...]  # False: that parameter has no .grad
    dtype: str  # "float32" or "float64"
    seed: int  # numpy seed of the gradient values
    magnitude: float  # gradients ~ N(0, 1) * magnitude
    threshold_ratio: float  # max_norm (clip_value) = ratio * the total norm (the largest |element|)
    norm_type: float  # 1.0, 2.0, 3.0 or inf
    single_tensor: bool  # pass the one parameter itself, not a list
    nonfinite: str | None  # None, or "nan", "inf", "-inf" written into one gradient element
    error_if_nonfinite: bool  # passed to clip_grad_norm_

    def grads(self) -> list[np.ndarray | None]:
        rng = np.random.default_rng([self.seed, 5])
        grads = [(rng.standard_normal(s) * self.magnitude).astype(self.dtype) if g else None
                 for s, g in zip(self.shapes, self.has_grad)]
        if self.nonfinite is not None:
            first = next(g for g in grads if g is not None and g.size)
            first.reshape(-1)[rng.integers(first.size)] = float(self.nonfinite)
        return grads

    def max_norm(self) -> float:
        norm = float(total_norm(self.grads(), self.norm_type))
        return self.threshold_ratio * norm if np.isfinite(norm) and norm > 0 else self.threshold_ratio

    def clip_value(self) -> float:
        finite = [np.abs(g[np.isfinite(g)]).max() for g in self.grads() if g is not None and np.isfinite(g).any()]
        return self.threshold_ratio * max(finite) if finite and max(finite) > 0 else self.threshold_ratio

    def tolerance(self):
        """The spec's value tolerance for this case's dtype (clipping is one step of arithmetic)."""
        return tolerance(self.dtype)

    def replace(self, **changes) -> "ClipCase":
        return replace(self, **changes)


@dataclass(frozen=True)
class BlockCase:
    features: int  # D: size of x (and of every residual / highway block's output)
    hidden: int  # K: hidden width of each block F = W2 tanh(W1 x + b1) + b2
    depth: int  # L: blocks or layers in a stack
    batch: int  # rows of x
    seq_len: int  # steps, where the blocks are recurrent layers
    cell: str  # cell kind of the recurrent layers in a stacked case
    seed: int  # numpy seed of weights and input
    scale: float  # weight scale, times 1/sqrt(fan_in)

    def mlp_weights(self, k: int, *, in_features: int | None = None, out_features: int | None = None):
        """Weights of block k, a dict of float64 arrays: w1 (K, D), b1 (K,), w2 (P, K), b2 (P,),
        D = in_features or features, P = out_features or features."""
        rng = np.random.default_rng([self.seed, 6, k])
        D, K, P = in_features or self.features, self.hidden, out_features or self.features
        return {
            "w1": rng.uniform(-1, 1, (K, D)) * self.scale / np.sqrt(D),
            "b1": rng.uniform(-1, 1, K) * self.scale / np.sqrt(D),
            "w2": rng.uniform(-1, 1, (P, K)) * self.scale / np.sqrt(K),
            "b2": rng.uniform(-1, 1, P) * self.scale / np.sqrt(K),
        }

    def input(self) -> np.ndarray:
        """(B, D), float64."""
        return np.random.default_rng([self.seed, 7]).standard_normal((self.batch, self.features))

    def sequence(self) -> np.ndarray:
        """(T, B, D), float64: input of a stack of recurrent layers."""
        return np.random.default_rng([self.seed, 8]).standard_normal((self.seq_len, self.batch, self.features))

    def tolerance(self):
        """The spec's float64 value tolerance through ``depth`` blocks, for two implementations of
        the same blocks (a block against its closed form uses rnnspec.spec.tolerances.CLOSED_FORM_FLOAT64)."""
        return tolerance("float64", num_layers=self.depth)

    def replace(self, **changes) -> "BlockCase":
        return replace(self, **changes)


@dataclass(frozen=True)
class ConstructorCase:
    """A constructor as read, to compare with torch's (rnnspec.spec.options.CONSTRUCTORS); no arrays."""

    target: str  # the class or factory, as the user named it
    like: str  # the torch built-in whose constructor it must have
    signature: str  # its arguments as read, e.g. "(input_size, hidden_size, num_layers=1, ...)"
    read_from: str  # where they were read: its signature, its first typing.overload, or torch's own (inherited)
