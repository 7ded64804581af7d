"""Configurations: what a layer or cell is, as frozen dataclasses with torch's option names."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .cells import cell_kind

__all__ = ["LayerConfig", "CellConfig"]


@dataclass(frozen=True)
class LayerConfig:
    """A recurrent layer (stack) as torch.nn.RNN / LSTM / GRU would build it."""

    cell: str  # a key of rnnspec.spec.CELLS
    input_size: int  # features of x
    hidden_size: int  # features of h (and c)
    num_layers: int = 1  # stacked layers; layer l > 0 reads layer l-1's output
    bias: bool = True  # b_ih and b_hh present
    batch_first: bool = False  # x is (B, T, I) instead of (T, B, I)
    bidirectional: bool = False  # a second, reversed direction per layer, outputs concatenated
    proj_size: int = 0  # LSTM only: h is projected to proj_size features by weight_hr
    dropout: float = 0.0  # dropout on each layer's output except the last, in training only

    def __post_init__(self) -> None:
        kind = cell_kind(self.cell)
        for name in ("input_size", "hidden_size", "num_layers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)} must be at least 1")
        if self.proj_size and not kind.supports_proj:
            raise ValueError(f"proj_size={self.proj_size} is only allowed for lstm, not cell={self.cell!r}")
        if not 0 <= self.proj_size < self.hidden_size and self.proj_size:
            raise ValueError(f"proj_size={self.proj_size} must be in [0, hidden_size={self.hidden_size})")
        if not 0.0 <= self.dropout <= 1.0:
            raise ValueError(f"dropout={self.dropout} must be in [0, 1]")

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def output_size(self) -> int:
        """Features of h, per direction: proj_size when projecting, else hidden_size."""
        return self.proj_size or self.hidden_size

    def layer_input_size(self, layer: int) -> int:
        return self.input_size if layer == 0 else self.output_size * self.num_directions

    def replace(self, **changes) -> "LayerConfig":
        return LayerConfig(**{**asdict(self), **changes})


@dataclass(frozen=True)
class CellConfig:
    """A single-step cell as torch.nn.RNNCell / LSTMCell / GRUCell would build it."""

    cell: str  # a key of rnnspec.spec.CELLS
    input_size: int  # features of x
    hidden_size: int  # features of h (and c)
    bias: bool = True  # b_ih and b_hh present

    def __post_init__(self) -> None:
        cell_kind(self.cell)
        for name in ("input_size", "hidden_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)} must be at least 1")

    def as_layer(self) -> LayerConfig:
        """The one-layer, one-direction layer that unrolls this cell over time."""
        return LayerConfig(self.cell, self.input_size, self.hidden_size, bias=self.bias)
