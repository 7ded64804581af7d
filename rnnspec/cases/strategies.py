"""Hypothesis strategies for cases: configurations, sizes, seeds and scales.

Plural nouns, bounded by ``min_*``/``max_*``, every option keyword-only. Options a target lacks
(its capabilities) are never drawn; a property that needs one is skipped instead.
"""

from __future__ import annotations

from typing import Collection, Sequence

from hypothesis import strategies as st

from rnnspec.spec.settings import active
from rnnspec.cases.drawn import BlockCase, CellCase, ClipCase, LayerCase
from rnnspec.spec import CellConfig, LayerConfig, cell_kind
from rnnspec.spec.scale import MAC_BUDGET, MAGNITUDES, REALISTIC, SMALL, STEP_BUDGET, forward_macs, straddles

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


def _tier() -> str:
    return active().current_tier


def _bound(given: int | None, run: int) -> int:
    """The realistic tier's bound: the run's (--max-size, ...), capped by one the property gives."""
    return run if given is None else min(given, run)


def _at_most(values: list[int], *limits: int | None) -> list[int]:
    top = min([v for v in limits if v is not None], default=None)
    kept = [v for v in values if top is None or v <= top]
    return kept or [min(values)]


def _within_small(config: LayerConfig | CellConfig) -> bool:
    sizes = (config.input_size, config.hidden_size, getattr(config, "proj_size", 0))
    return max(sizes) <= SMALL.max_size and getattr(config, "num_layers", 1) <= SMALL.max_layers


def _past_small(values: list[int], small: int) -> list[int]:
    """Those of ``values`` past the small tier's bound, if any (else all): a realistic case whose
    sizes are all small gets a long sequence or a large batch, so that every realistic example,
    Hypothesis' first and smallest included, reaches past the small tier somewhere it can."""
    return [v for v in values if v > small] or values


def _magnitudes() -> SearchStrategy[str]:
    """The regime the runner is drawing (one run per regime), else any."""
    regime = active().magnitude
    return st.just(regime) if regime else st.sampled_from([m.name for m in MAGNITUDES])


def _with_state(capabilities: Collection[str], given: SearchStrategy[bool] | None, tier: str) -> SearchStrategy[bool]:
    """Drawn, except in the magnitude tier, where the initial state is part of the magnitudes."""
    if given is None and tier == "magnitude" and "initial_state" in capabilities:
        return st.just(True)
    return _flag("initial_state", capabilities, given)


@st.composite
def layer_configs(
    draw,
    *,
    cells: Sequence[str],
    capabilities: Collection[str],
    min_size: int = 1,
    max_size: int | None = None,
    max_layers: int | None = None,
    num_layers: SearchStrategy[int] | None = None,
    bidirectional: SearchStrategy[bool] | None = None,
    batch_first: SearchStrategy[bool] | None = None,
    bias: SearchStrategy[bool] | None = None,
    proj: SearchStrategy[bool] | None = None,
    dropout: SearchStrategy[float] | None = None,
) -> LayerConfig:
    """Layer configurations of one of ``cells``, with options among ``capabilities``, at the active
    tier's sizes (rnnspec.spec.scale): up to ``max_size`` (6) and ``max_layers`` (2) in the small and
    magnitude tiers; in the realistic tier straddles of powers of two up to the run's ``max_size``
    and 4 layers (capped by those the property gives), within the work budget."""
    _check_bounds(min_size=min_size, max_size=max_size if max_size is not None else max(min_size, SMALL.max_size))
    if not cells:
        raise ValueError(f"cells={cells!r} is empty; expected at least one cell kind")
    realistic = _tier() == "realistic"
    cell = draw(st.sampled_from(list(cells)))
    gates = cell_kind(cell).num_gates
    top_layers = _bound(max_layers, REALISTIC.max_layers) if realistic else (max_layers or SMALL.max_layers)
    layers = draw(num_layers if num_layers is not None else (st.integers(1, top_layers)
                                                             if "multilayer" in capabilities else st.just(1)))
    directions = 2 if draw(_flag("bidirectional", capabilities, bidirectional)) else 1
    if realistic:
        limit = _bound(max_size, active().max_size)
        sizes = straddles(max(limit, min_size), lo=min_size)

        def macs(i, h, p=0):
            return forward_macs(gates=gates, input_size=i, hidden_size=h, output_size=p or h, num_layers=layers,
                                directions=directions)

        hidden_size = draw(st.sampled_from([h for h in sizes if macs(min_size, h) <= MAC_BUDGET] or sizes[:1]))
        input_size = draw(st.sampled_from([i for i in sizes if macs(i, hidden_size) <= MAC_BUDGET] or sizes[:1]))
        projections = straddles(hidden_size - 1) if hidden_size > 1 else []
    else:
        top = max_size if max_size is not None else SMALL.max_size
        input_size = draw(st.integers(min_size, top))
        hidden_size = draw(st.integers(min_size, top))
        projections = list(range(1, hidden_size))
    with_proj = cell_kind(cell).supports_proj and hidden_size > 1 and draw(_flag("proj", capabilities, proj))
    with_bias = draw(bias if bias is not None else (st.booleans() if "no_bias" in capabilities else st.just(True)))
    return LayerConfig(
        cell=cell,
        input_size=input_size,
        hidden_size=hidden_size,
        num_layers=layers,
        bias=with_bias,
        batch_first=draw(_flag("batch_first", capabilities, batch_first)),
        bidirectional=directions == 2,
        proj_size=draw(st.sampled_from(projections)) if with_proj else 0,
        dropout=draw(dropout if dropout is not None else st.just(0.0)),
    )


def _per_row_step(config: LayerConfig) -> int:
    return forward_macs(gates=cell_kind(config.cell).num_gates, input_size=config.input_size,
                        hidden_size=config.hidden_size, output_size=config.output_size,
                        num_layers=config.num_layers, directions=config.num_directions)


@st.composite
def layer_cases(
    draw,
    *,
    cells: Sequence[str],
    capabilities: Collection[str],
    configs: SearchStrategy[LayerConfig] | None = None,
    min_seq_len: int = 1,
    max_seq_len: int | None = None,
    min_batch: int = 1,
    max_batch: int | None = None,
    packed: SearchStrategy[bool] | None = None,
    zero_lengths: SearchStrategy[bool] | None = None,
    unbatched: SearchStrategy[bool] | None = None,
    with_state: SearchStrategy[bool] | None = None,
    dtype: SearchStrategy[str] | None = None,
    scale: SearchStrategy[float] | None = None,
) -> LayerCase:
    """Whole cases: a config, shapes, how the input is passed, and the seed of every array, at the
    active tier (rnnspec.spec.scale).

    Small and magnitude tiers: up to ``max_seq_len`` (6) steps and ``max_batch`` (4) rows; the
    magnitude tier draws a magnitude regime too. Realistic tier: steps and rows from the straddles
    of powers of two up to the run's ``max_seq_len`` and ``max_batch``, capped by those the
    property gives, within the work budget (MAC_BUDGET, STEP_BUDGET), packed lengths spread from
    1 to T.

    ``zero_lengths`` says whether a packed case has rows of length 0 (at least one): never unless
    given, and only for a target with the ``zero_length`` capability, since the PackedSequence
    through which properties pass lengths cannot hold such a row (they pass it as ``lengths=``).
    """
    tier = _tier()
    small_seq_len = max_seq_len if max_seq_len is not None else SMALL.max_seq_len
    small_batch = max_batch if max_batch is not None else SMALL.max_batch
    _check_bounds(min_seq_len=min_seq_len, max_seq_len=max(small_seq_len, min_seq_len) if tier == "realistic" else small_seq_len,
                  min_batch=min_batch, max_batch=small_batch)
    config = draw(configs if configs is not None else layer_configs(cells=cells, capabilities=capabilities))
    is_packed = draw(_flag("packed", capabilities, packed))
    # unbatched input is one special case of the API: drawn a quarter of the time
    rarely = st.sampled_from([False, False, False, True])
    is_unbatched = not is_packed and draw(unbatched if unbatched is not None else
                                          rarely if "unbatched" in capabilities else st.just(False))
    fewest = max(min_batch, 2 if is_packed else 1)  # a packed batch has rows of different lengths
    if tier == "realistic":
        settings = active()
        w = _per_row_step(config)
        seq_top = _bound(max_seq_len, settings.max_seq_len)
        by_steps = STEP_BUDGET // (config.num_layers * config.num_directions)
        lengths_ = _at_most(straddles(max(seq_top, min_seq_len), lo=min_seq_len), seq_top, by_steps,
                            MAC_BUDGET // (w * fewest))
        small_config = _within_small(config)
        seq_len = draw(st.sampled_from(_past_small(lengths_, SMALL.max_seq_len) if small_config else lengths_))
        batch_top = _bound(max_batch, settings.max_batch)
        batches = _at_most(straddles(max(batch_top, fewest), lo=fewest), batch_top, MAC_BUDGET // (w * seq_len))
        if small_config and seq_len <= SMALL.max_seq_len:  # no longer sequence allowed: a larger batch, if any
            batches = _past_small(batches, SMALL.max_batch)
        batch = 1 if is_unbatched else draw(st.sampled_from(batches))
    else:
        seq_len = draw(st.integers(min_seq_len, small_seq_len))
        batch = 1 if is_unbatched else draw(st.integers(fewest, max(small_batch, fewest)))
    lengths = None
    if is_packed:  # one row spans the padded length (and one has length 0, if asked); the others are drawn
        empty = draw(zero_lengths) if zero_lengths is not None else False
        if empty and "zero_length" not in capabilities:
            raise ValueError(f"zero_lengths drew True, but capabilities={sorted(capabilities)} lack 'zero_length'")
        fixed = [seq_len, 0] if empty else [seq_len]
        if tier == "realistic" and batch > len(fixed):
            fixed.append(1)  # lengths spread from 1 to T in one batch
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
        with_state=draw(_with_state(capabilities, with_state, tier)),
        seed=draw(seeds()),
        scale=draw(scale if scale is not None else (st.just(1.0) if tier != "small" else scales())),
        tier=tier,
        magnitude=draw(_magnitudes()) if tier == "magnitude" else "plain",
    )


@st.composite
def cell_cases(
    draw,
    *,
    cells: Sequence[str],
    capabilities: Collection[str],
    min_size: int = 1,
    max_size: int | None = None,
    max_batch: int | None = None,
    max_seq_len: int | None = None,
    unbatched: SearchStrategy[bool] | None = None,
    with_state: SearchStrategy[bool] | None = None,
    dtype: SearchStrategy[str] | None = None,
) -> CellCase:
    """Single-step cell cases; ``seq_len`` steps of input for properties that unroll the cell. Sizes
    of the active tier as for layers (small: up to 6, 4 rows, 5 steps)."""
    tier = _tier()
    _check_bounds(min_size=min_size, max_size=max_size if max_size is not None else max(min_size, SMALL.max_size))
    is_unbatched = draw(_flag("unbatched", capabilities, unbatched))
    cell = draw(st.sampled_from(list(cells)))
    if tier == "realistic":
        settings = active()
        gates = cell_kind(cell).num_gates
        sizes = straddles(max(_bound(max_size, settings.max_size), min_size), lo=min_size)
        hidden_size = draw(st.sampled_from([h for h in sizes if gates * h * (min_size + h) <= MAC_BUDGET] or sizes[:1]))
        input_size = draw(st.sampled_from([i for i in sizes if gates * hidden_size * (i + hidden_size) <= MAC_BUDGET]
                                          or sizes[:1]))
        w = gates * hidden_size * (input_size + hidden_size)
        small_cell = max(input_size, hidden_size) <= SMALL.max_size
        batches = _at_most(straddles(_bound(max_batch, settings.max_batch)), MAC_BUDGET // w)
        batch = 1 if is_unbatched else draw(st.sampled_from(_past_small(batches, SMALL.max_batch) if small_cell
                                                            else batches))
        seq_len = draw(st.sampled_from(_at_most(straddles(_bound(max_seq_len, settings.max_seq_len)),
                                                STEP_BUDGET, MAC_BUDGET // (w * batch))))
    else:
        top = max_size if max_size is not None else SMALL.max_size
        input_size, hidden_size = draw(st.integers(min_size, top)), draw(st.integers(min_size, top))
        batch = 1 if is_unbatched else draw(st.integers(1, max_batch if max_batch is not None else SMALL.max_batch))
        seq_len = draw(st.integers(1, max_seq_len if max_seq_len is not None else 5))
    return CellCase(
        config=CellConfig(
            cell=cell,
            input_size=input_size,
            hidden_size=hidden_size,
            bias=draw(st.booleans() if "no_bias" in capabilities else st.just(True)),
        ),
        dtype=draw(dtype if dtype is not None else dtypes(capabilities=capabilities)),
        batch=batch,
        seq_len=seq_len,
        unbatched=is_unbatched,
        with_state=draw(_with_state(capabilities, with_state, tier)),
        seed=draw(seeds()),
        scale=draw(scales()) if tier == "small" else 1.0,
        tier=tier,
        magnitude=draw(_magnitudes()) if tier == "magnitude" else "plain",
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


# The lecture's gradient-flow claims take one Jacobian per distance: the realistic tier reaches
# LONG_DISTANCE steps with hidden sizes up to LONG_DISTANCE_WIDTH (each Jacobian is H backward passes).
LONG_DISTANCE = 129
LONG_DISTANCE_WIDTH = 9


def single_sequence_cases(*, cells: Sequence[str], capabilities: Collection[str], max_seq_len: int = 8,
                          **config_options) -> SearchStrategy[LayerCase]:
    """One sequence through one forward layer from a given state, in float64 where the target can:
    the setting of the lecture's gradient-flow claims (dh_T/dh_0 and dc_T/dc_0). The realistic tier
    draws long distances: up to LONG_DISTANCE steps (or the run's max_seq_len), hidden sizes up to
    LONG_DISTANCE_WIDTH."""
    if _tier() == "realistic":
        config_options = {"max_size": LONG_DISTANCE_WIDTH, **config_options}
        max_seq_len = LONG_DISTANCE
    configs = layer_configs(cells=cells, capabilities=capabilities, num_layers=st.just(1),
                            bidirectional=st.just(False), **config_options)
    return layer_cases(cells=cells, capabilities=capabilities, configs=configs, max_seq_len=max_seq_len,
                       max_batch=1, packed=st.just(False), unbatched=st.just(False), with_state=st.just(True),
                       dtype=widest_dtype(capabilities=capabilities))
