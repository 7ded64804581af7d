"""Hypothesis strategies for cases: configurations, sizes, seeds and scales.

Plural nouns, bounded by ``min_*``/``max_*``, every option keyword-only. Options a target lacks
(its capabilities) are never drawn; a property that needs one is skipped instead.
"""

from __future__ import annotations

from typing import Collection, Sequence

from hypothesis import strategies as st

from rnnspec.settings import active
from rnnspec.cases import BlockCase, CellCase, ClipCase, LayerCase
from rnnspec.spec import CellConfig, LayerConfig, cell_kind

__all__ = ["usable_dtypes", "dtypes", "widest_dtype", "seeds", "scales", "layer_configs", "layer_cases", "cell_cases", "clip_cases", "block_cases",
           "single_sequence_cases"]

SearchStrategy = st.SearchStrategy


def _check_bounds(**bounds: int) -> None:
    names = list(bounds)
    for lo, hi in zip(names[::2], names[1::2]):
        if bounds[lo] < 1:
            raise ValueError(f"{lo}={bounds[lo]} must be at least 1")
        if bounds[lo] > bounds[hi]:
            raise ValueError(f"{lo}={bounds[lo]} is larger than {hi}={bounds[hi]}")


def usable_dtypes(capabilities: Collection[str]) -> list[str]:
    """The dtypes the active run settings allow (``--dtype``) that a target with ``capabilities`` supports."""
    return [d for d in active().dtypes if d != "float64" or "float64" in capabilities]


def dtypes(*, capabilities: Collection[str]) -> SearchStrategy[str]:
    return st.sampled_from(usable_dtypes(capabilities))


def widest_dtype(*, capabilities: Collection[str]) -> SearchStrategy[str]:
    """float64 where the target and the run allow it, else float32: for properties that need precision."""
    return st.just(usable_dtypes(capabilities)[-1])


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
    zero_lengths: SearchStrategy[bool] | None = None,
    unbatched: SearchStrategy[bool] | None = None,
    with_state: SearchStrategy[bool] | None = None,
    dtype: SearchStrategy[str] | None = None,
    scale: SearchStrategy[float] | None = None,
) -> LayerCase:
    """Whole cases: a config, shapes, how the input is passed, and the seed of every array.

    ``zero_lengths`` says whether a packed case has rows of length 0 (at least one): never unless
    given, and only for a target with the ``zero_length`` capability, since the PackedSequence
    through which properties pass lengths cannot hold such a row (they pass it as ``lengths=``).
    """
    _check_bounds(min_seq_len=min_seq_len, max_seq_len=max_seq_len, min_batch=min_batch, max_batch=max_batch)
    config = draw(configs if configs is not None else layer_configs(cells=cells, capabilities=capabilities))
    seq_len = draw(st.integers(min_seq_len, max_seq_len))
    is_packed = draw(_flag("packed", capabilities, packed))
    # unbatched input is one special case of the API: drawn a quarter of the time
    rarely = st.sampled_from([False, False, False, True])
    is_unbatched = not is_packed and draw(unbatched if unbatched is not None else
                                          rarely if "unbatched" in capabilities else st.just(False))
    fewest = max(min_batch, 2 if is_packed else 1)  # a packed batch has rows of different lengths
    batch = 1 if is_unbatched else draw(st.integers(fewest, max(max_batch, fewest)))
    lengths = None
    if is_packed:  # one row spans the padded length (and one has length 0, if asked); the others are drawn
        empty = draw(zero_lengths) if zero_lengths is not None else False
        if empty and "zero_length" not in capabilities:
            raise ValueError(f"zero_lengths drew True, but capabilities={sorted(capabilities)} lack 'zero_length'")
        fixed = [seq_len, 0] if empty else [seq_len]
        rest = draw(st.lists(st.integers(0 if empty else 1, seq_len), min_size=batch - len(fixed),
                             max_size=batch - len(fixed)))
        lengths = tuple(draw(st.permutations([*fixed, *rest])))  # then all shuffled
    return LayerCase(
        config=config,
        dtype=draw(dtype if dtype is not None else dtypes(capabilities=capabilities)),
        batch=batch,
        seq_len=seq_len,
        lengths=lengths,
        unbatched=is_unbatched,
        with_state=draw(_flag("initial_state", capabilities, with_state)),
        seed=draw(seeds()),
        scale=draw(scale if scale is not None else scales()),
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


@st.composite
def clip_cases(
    draw,
    *,
    capabilities: Collection[str],
    min_params: int = 1,
    max_params: int = 4,
    max_side: int = 5,
    threshold_ratios: SearchStrategy[float] | None = None,
    nonfinite: SearchStrategy[str | None] | None = None,
) -> ClipCase:
    """Sets of parameter gradients with a threshold on either side of their norm."""
    _check_bounds(min_params=min_params, max_params=max_params)
    single = "single_tensor" in capabilities and draw(st.sampled_from([False, False, True]))
    n = 1 if single else draw(st.integers(min_params, max_params))
    shapes = tuple(draw(st.lists(st.tuples(*[st.integers(1, max_side)] * draw(st.integers(1, 2))), min_size=n,
                                 max_size=n)))
    has_grad = (True,) if single else (True,) + tuple(draw(st.lists(st.sampled_from([True, True, False]),
                                                                    min_size=n - 1, max_size=n - 1)))
    kinds = [None, None, None] + (["nan", "inf", "-inf"] if "nonfinite" in capabilities else [])
    return ClipCase(
        shapes=shapes,
        has_grad=has_grad,
        dtype=draw(dtypes(capabilities=capabilities)),
        seed=draw(seeds()),
        magnitude=draw(st.sampled_from([1.0, 1e-3, 1e3, 0.1, 10.0])),
        threshold_ratio=draw(threshold_ratios if threshold_ratios is not None
                             else st.sampled_from([0.5, 2.0, 0.1, 0.9, 1.1, 10.0])),
        norm_type=draw(st.sampled_from([2.0, 1.0, float("inf"), 3.0] if "norm_types" in capabilities else [2.0])),
        single_tensor=single,
        nonfinite=draw(nonfinite if nonfinite is not None else st.sampled_from(kinds)),
        error_if_nonfinite="error_if_nonfinite" in capabilities and draw(st.booleans()),
    )


@st.composite
def block_cases(
    draw,
    *,
    min_features: int = 1,
    max_features: int = 5,
    max_depth: int = 4,
    max_batch: int = 3,
    max_seq_len: int = 3,
    cells: Sequence[str] = ("rnn_tanh", "lstm", "gru"),
    scales: SearchStrategy[float] | None = None,
) -> BlockCase:
    """Feed-forward blocks (and stacks of recurrent layers) for the connection properties."""
    _check_bounds(min_features=min_features, max_features=max_features)
    return BlockCase(
        features=draw(st.integers(min_features, max_features)),
        hidden=draw(st.integers(1, max_features)),
        depth=draw(st.integers(1, max_depth)),
        batch=draw(st.integers(1, max_batch)),
        seq_len=draw(st.integers(1, max_seq_len)),
        cell=draw(st.sampled_from(list(cells))),
        seed=draw(seeds()),
        scale=draw(scales if scales is not None else st.sampled_from([1.0, 0.5, 2.0, 4.0])),
    )


def single_sequence_cases(*, cells: Sequence[str], capabilities: Collection[str], max_seq_len: int = 8,
                          **config_options) -> SearchStrategy[LayerCase]:
    """One sequence through one forward layer from a given state, in float64 where the target can:
    the setting of the lecture's gradient-flow claims (dh_T/dh_0 and dc_T/dc_0)."""
    configs = layer_configs(cells=cells, capabilities=capabilities, num_layers=st.just(1),
                            bidirectional=st.just(False), **config_options)
    return layer_cases(cells=cells, capabilities=capabilities, configs=configs, max_seq_len=max_seq_len,
                       max_batch=1, packed=st.just(False), unbatched=st.just(False), with_state=st.just(True),
                       dtype=widest_dtype(capabilities=capabilities))
