"""Hypothesis strategies for cases: configurations, sizes, seeds and scales.

Plural nouns, bounded by ``min_*``/``max_*``, every option keyword-only. Options a target lacks
(its capabilities) are never drawn; a property that needs one is skipped instead.
"""

from __future__ import annotations

from typing import Collection, Sequence

from hypothesis import strategies as st

from rnnspec.cases import CellCase, LayerCase
from rnnspec.spec import CellConfig, LayerConfig, cell_kind

__all__ = ["dtypes", "seeds", "scales", "layer_configs", "layer_cases", "cell_cases"]

SearchStrategy = st.SearchStrategy


def _check_bounds(**bounds: int) -> None:
    names = list(bounds)
    for lo, hi in zip(names[::2], names[1::2]):
        if bounds[lo] < 1:
            raise ValueError(f"{lo}={bounds[lo]} must be at least 1")
        if bounds[lo] > bounds[hi]:
            raise ValueError(f"{lo}={bounds[lo]} is larger than {hi}={bounds[hi]}")


def dtypes(*, capabilities: Collection[str]) -> SearchStrategy[str]:
    return st.sampled_from(["float32", "float64"] if "float64" in capabilities else ["float32"])


def seeds() -> SearchStrategy[int]:
    return st.integers(0, 2**32 - 1)


def scales(*, min_scale: float = 0.25, max_scale: float = 2.0) -> SearchStrategy[float]:
    """Weight scales relative to torch's default init: below 1 damps, above 1 amplifies."""
    if not 0 < min_scale <= max_scale:
        raise ValueError(f"min_scale={min_scale} must be positive and at most max_scale={max_scale}")
    return st.sampled_from([1.0, min_scale, max_scale, 0.5 * (min_scale + max_scale)])


def _flag(capability: str, capabilities: Collection[str], given: SearchStrategy[bool] | None) -> SearchStrategy[bool]:
    if given is not None:
        return given
    return st.booleans() if capability in capabilities else st.just(False)


@st.composite
def layer_configs(
    draw,
    *,
    cells: Sequence[str],
    capabilities: Collection[str],
    min_size: int = 1,
    max_size: int = 6,
    max_layers: int = 2,
    num_layers: SearchStrategy[int] | None = None,
    bidirectional: SearchStrategy[bool] | None = None,
    batch_first: SearchStrategy[bool] | None = None,
    bias: SearchStrategy[bool] | None = None,
    proj: SearchStrategy[bool] | None = None,
    dropout: SearchStrategy[float] | None = None,
) -> LayerConfig:
    """Layer configurations of one of ``cells``, with options among ``capabilities``."""
    _check_bounds(min_size=min_size, max_size=max_size)
    if not cells:
        raise ValueError(f"cells={cells!r} is empty; expected at least one cell kind")
    cell = draw(st.sampled_from(list(cells)))
    input_size = draw(st.integers(min_size, max_size))
    hidden_size = draw(st.integers(min_size, max_size))
    layers = num_layers if num_layers is not None else (st.integers(1, max_layers) if "multilayer" in capabilities else st.just(1))
    with_proj = cell_kind(cell).supports_proj and hidden_size > 1 and draw(_flag("proj", capabilities, proj))
    with_bias = draw(bias if bias is not None else (st.booleans() if "no_bias" in capabilities else st.just(True)))
    return LayerConfig(
        cell=cell,
        input_size=input_size,
        hidden_size=hidden_size,
        num_layers=draw(layers),
        bias=with_bias,
        batch_first=draw(_flag("batch_first", capabilities, batch_first)),
        bidirectional=draw(_flag("bidirectional", capabilities, bidirectional)),
        proj_size=draw(st.integers(1, hidden_size - 1)) if with_proj else 0,
        dropout=draw(dropout if dropout is not None else st.just(0.0)),
    )


@st.composite
def layer_cases(
    draw,
    *,
    cells: Sequence[str],
    capabilities: Collection[str],
    configs: SearchStrategy[LayerConfig] | None = None,
    min_seq_len: int = 1,
    max_seq_len: int = 6,
    min_batch: int = 1,
    max_batch: int = 4,
    packed: SearchStrategy[bool] | None = None,
    unbatched: SearchStrategy[bool] | None = None,
    with_state: SearchStrategy[bool] | None = None,
    dtype: SearchStrategy[str] | None = None,
) -> LayerCase:
    """Whole cases: a config, shapes, how the input is passed, and the seed of every array."""
    _check_bounds(min_seq_len=min_seq_len, max_seq_len=max_seq_len, min_batch=min_batch, max_batch=max_batch)
    config = draw(configs if configs is not None else layer_configs(cells=cells, capabilities=capabilities))
    seq_len = draw(st.integers(min_seq_len, max_seq_len))
    is_packed = draw(_flag("packed", capabilities, packed))
    # unbatched input is one special case of the API: drawn a quarter of the time
    rarely = st.sampled_from([False, False, False, True])
    is_unbatched = not is_packed and draw(unbatched if unbatched is not None else
                                          rarely if "unbatched" in capabilities else st.just(False))
    batch = 1 if is_unbatched else draw(st.integers(max(min_batch, 2 if is_packed else 1), max(max_batch, 2)))
    lengths = None
    if is_packed:  # one row spans the padded length; the others are drawn; then all shuffled
        rest = draw(st.lists(st.integers(1, seq_len), min_size=batch - 1, max_size=batch - 1))
        lengths = tuple(draw(st.permutations([seq_len, *rest])))
    return LayerCase(
        config=config,
        dtype=draw(dtype if dtype is not None else dtypes(capabilities=capabilities)),
        batch=batch,
        seq_len=seq_len,
        lengths=lengths,
        unbatched=is_unbatched,
        with_state=draw(_flag("initial_state", capabilities, with_state)),
        seed=draw(seeds()),
        scale=draw(scales()),
    )


@st.composite
def cell_cases(
    draw,
    *,
    cells: Sequence[str],
    capabilities: Collection[str],
    min_size: int = 1,
    max_size: int = 6,
    max_batch: int = 4,
    max_seq_len: int = 5,
    unbatched: SearchStrategy[bool] | None = None,
    with_state: SearchStrategy[bool] | None = None,
    dtype: SearchStrategy[str] | None = None,
) -> CellCase:
    """Single-step cell cases; ``seq_len`` steps of input for properties that unroll the cell."""
    _check_bounds(min_size=min_size, max_size=max_size)
    is_unbatched = draw(_flag("unbatched", capabilities, unbatched))
    return CellCase(
        config=CellConfig(
            cell=draw(st.sampled_from(list(cells))),
            input_size=draw(st.integers(min_size, max_size)),
            hidden_size=draw(st.integers(min_size, max_size)),
            bias=draw(st.booleans() if "no_bias" in capabilities else st.just(True)),
        ),
        dtype=draw(dtype if dtype is not None else dtypes(capabilities=capabilities)),
        batch=1 if is_unbatched else draw(st.integers(1, max_batch)),
        seq_len=draw(st.integers(1, max_seq_len)),
        unbatched=is_unbatched,
        with_state=draw(_flag("initial_state", capabilities, with_state)),
        seed=draw(seeds()),
        scale=draw(scales()),
    )
