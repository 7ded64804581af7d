"""Tiers of cases: where a property's examples are drawn, and how many of each a run draws.

- ``small``: sizes up to 6, up to 6 steps, batches up to 4, at most 2 layers, weights within 0.25
  to 2 times torch's initialisation. Counterexamples shrink to a handful of numbers.
- ``realistic``: the sizes kernels and ports dispatch on. Input, hidden and projection sizes,
  sequence lengths and batches are drawn from the straddles of powers of two (2^k - 1, 2^k,
  2^k + 1) up to the run's ``max_size`` (1025), ``max_seq_len`` (513) and ``max_batch`` (129);
  stacks of up to 4 layers, bidirectional and projected; packed lengths spread from 1 to T in one
  batch; every example reaches past the small tier somewhere. A case costs at most
  ``MAC_BUDGET`` multiply-adds per forward pass and ``STEP_BUDGET`` cell steps per call, so a wide
  case is short and a long one narrow (H=1025 comes with a few steps, T=513 with H up to about 100).
- ``magnitude``: small sizes with the magnitudes that break activations and accumulators
  (``MAGNITUDES``): saturated gates, pre-activations past ``exp``'s overflow in the case's dtype,
  cell states of 10 to 1e3, exact zeros, subnormal inputs and states.

A profile's count of examples per property is the small tier's; the realistic and magnitude tiers
add their share of it (``tier_examples``): at the default profile 25 small, 5 realistic and 4
magnitude examples, the magnitude tier's spread over its five regimes with at least one each
(``tier_runs``). Each tier (and each magnitude regime) is a Hypothesis run of its own, so every
property sees realistic cases and every magnitude regime rather than leaving them to chance. The
tiers run in that order and stop at the first that fails, so the smallest tier that shows a
defect is the one that reports it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TIERS", "TIER_SHARES", "SMALL", "REALISTIC", "MAC_BUDGET", "STEP_BUDGET", "Magnitude", "MAGNITUDES",
           "PLAIN", "magnitude", "tier_examples", "tier_runs", "straddles", "forward_macs", "EXP_OVERFLOW",
           "SUBNORMAL", "Bounds", "BenchSize", "BENCH_SIZES", "QUICK_BENCH_SIZES"]

TIERS: tuple[str, ...] = ("small", "realistic", "magnitude")

TIER_SHARES: dict[str, float] = {"realistic": 0.2, "magnitude": 0.15}  # added to the small tier's examples


@dataclass(frozen=True)
class Bounds:
    max_size: int  # input, hidden and projection sizes
    max_seq_len: int  # steps
    max_batch: int  # rows
    max_layers: int  # stacked layers


SMALL = Bounds(max_size=6, max_seq_len=6, max_batch=4, max_layers=2)
REALISTIC = Bounds(max_size=1025, max_seq_len=513, max_batch=129, max_layers=4)  # the defaults of --max-size, ...

# Work per realistic case: forward multiply-adds (batch x steps x per-step gate products, every
# layer and direction) and cell steps per call (steps x layers x directions, each a Python-level
# step in a loop drop-in and in the references). 5e7 multiply-adds are ~0.03 s of float64 BLAS here.
MAC_BUDGET = 50_000_000
STEP_BUDGET = 1100

# exp(x) overflows above these: log(finfo(dtype).max)
EXP_OVERFLOW: dict[str, float] = {"float32": 88.72, "float64": 709.78}
# a scale whose standard-normal multiples are subnormal: below finfo(dtype).smallest_normal, above its smallest subnormal
SUBNORMAL: dict[str, float] = {"float32": 1e-40, "float64": 1e-310}


def straddles(hi: int, *, lo: int = 1) -> list[int]:
    """1, 2, 3, then 2^k - 1, 2^k, 2^k + 1 for every k >= 2, then ``hi`` itself: ascending (so
    Hypothesis shrinks towards the smallest), from ``lo``, none above ``hi``. Half the values are
    past 17, so a uniform pick is as often long as short."""
    values = {1, 2, 3, hi}
    k = 4
    while k - 1 <= hi:
        values |= {k - 1, k, k + 1}
        k *= 2
    kept = sorted(v for v in values if lo <= v <= hi)
    return kept or [lo]


def forward_macs(*, gates: int, input_size: int, hidden_size: int, output_size: int, num_layers: int,
                 directions: int) -> int:
    """Multiply-adds of one step of one row through every layer and direction: the gate products
    W_ih x and W_hh h (and the projection W_hr h where there is one)."""
    total = 0
    for layer in range(num_layers):
        inp = input_size if layer == 0 else output_size * directions
        total += gates * hidden_size * (inp + output_size) + (hidden_size * output_size if output_size != hidden_size else 0)
    return total * directions


@dataclass(frozen=True)
class BenchSize:
    """One size `rnnspec bench` times: a one-layer, one-direction layer over T steps (a cell: T steps of it)."""

    batch: int  # rows B
    seq_len: int  # steps T
    input_size: int  # features of x, I
    hidden_size: int  # features of h, H


# `rnnspec bench`'s standard sizes (benchmarks/cases.py's layers at B=64, T=100): the common H=256
# and a large hidden size, where the matrix products dominate
BENCH_SIZES: tuple[BenchSize, ...] = (BenchSize(64, 100, 256, 256), BenchSize(64, 100, 1024, 1024))
# every code path of the bench in milliseconds: what its tests time
QUICK_BENCH_SIZES: tuple[BenchSize, ...] = (BenchSize(2, 3, 4, 5),)


@dataclass(frozen=True)
class Magnitude:
    """A magnitude regime: how the case's arrays are scaled from their plain draws.

    ``weights`` multiplies torch's initialisation range; ``inputs`` the standard-normal inputs;
    ``states`` the initial h (and ``cell_states`` the initial c of an LSTM). Each is a number, or
    ``"overflow"`` (8 times exp's overflow point in the case's dtype: |W x| ~ |x| sqrt(I / 3H) for
    torch's init, so most pre-activations pass it) or ``"subnormal"`` (``SUBNORMAL[dtype]``);
    ``size`` is how much larger than in the plain regime the terms of the gate products are,
    which the tolerance grows with (rnnspec.spec.tolerances)."""

    name: str
    why: str
    weights: float = 1.0
    inputs: float | str = 1.0
    states: float | str = 1.0
    cell_states: float | str = 1.0
    lstm_states: float | str | None = None  # the initial h of an LSTM, when not ``states`` (a large h0 would shut f)

    def scale_of(self, what: str, dtype: str) -> float:
        """The scale of ``what`` ("inputs", "states", "cell_states" or "lstm_states") in ``dtype``."""
        value = getattr(self, what)
        if value is None:  # lstm_states: as states
            value = self.states
        if value == "overflow":
            return 8 * EXP_OVERFLOW[dtype]
        if value == "subnormal":
            return SUBNORMAL[dtype]
        return float(value)

    def size(self, dtype: str) -> float:
        """How much larger than in the plain regime the terms of the gate products are (at least 1)."""
        return max(1.0, self.weights * max(self.scale_of("inputs", dtype), self.scale_of("states", dtype), 1.0))


MAGNITUDES: tuple[Magnitude, ...] = (  # the first is what a one-example magnitude run draws
    Magnitude("saturating", "every gate saturated: |pre-activation| ~ 10 to 50", weights=16.0, inputs=3.0),
    Magnitude("overflow", "pre-activations past exp's overflow point in the dtype", inputs="overflow"),
    Magnitude("large_state", "cell states of 10 to 1e3 (h0 of 10 where there is no cell)", states=10.0,
              cell_states=1e3, lstm_states=1.0),
    Magnitude("zeros", "exact zeros: inputs and initial states all 0", inputs=0.0, states=0.0, cell_states=0.0),
    Magnitude("subnormal", "subnormal inputs and initial states", inputs="subnormal", states="subnormal",
              cell_states="subnormal"),
)


PLAIN = Magnitude("plain", "torch's initialisation times the case's scale, standard-normal inputs, states in [-1, 1]")


def magnitude(name: str) -> Magnitude:
    """The regime called ``name``: "plain" (the small and realistic tiers) or one of MAGNITUDES."""
    for m in (PLAIN, *MAGNITUDES):
        if m.name == name:
            return m
    raise ValueError(f"magnitude={name!r} is not one of {[m.name for m in (PLAIN, *MAGNITUDES)]}")


def tier_examples(examples: int, tiers: tuple[str, ...] = TIERS, *, of: tuple[str, ...] = TIERS) -> dict[str, int]:
    """Examples per tier for a run of ``examples`` per property, restricted to ``tiers`` (the run's)
    among ``of`` (the property's). The small tier draws ``examples``; realistic and magnitude add
    their share of it (at least one each from 3 examples on). The split depends on ``examples``
    alone, so ``--tiers realistic`` replays exactly the realistic examples of a full run."""
    counts = {"small": examples}
    counts.update({t: (max(1, round(share * examples)) if examples >= 3 else 0) for t, share in TIER_SHARES.items()})
    chosen = {t: counts[t] for t in TIERS if t in tiers and t in of}
    if chosen and not any(chosen.values()):  # too few examples to share, and only other tiers asked for: one each
        chosen = {t: 1 for t in chosen}
    return {t: n for t, n in chosen.items() if n}


def tier_runs(examples: int, tiers: tuple[str, ...] = TIERS, *,
              of: tuple[str, ...] = TIERS) -> list[tuple[str, str | None, int]]:
    """The Hypothesis runs of one property: (tier, magnitude regime or None, examples), in order.
    The magnitude tier is one run per regime, each with an equal part of the tier's examples (at
    least one), so every regime is drawn at every profile."""
    runs = []
    for tier, n in tier_examples(examples, tiers, of=of).items():
        if tier == "magnitude":
            runs += [(tier, m.name, max(1, -(-n // len(MAGNITUDES)))) for m in MAGNITUDES]
        else:
            runs.append((tier, None, n))
    return runs
