"""How many examples of each tier each catalogued defect's catching property needs before it fails.

    python tests/dropins/measure_power.py [--seeds 0 1 2] [--only NAME ...] [--scale] [--tiers small ...]

For each entry of tests/defect_catalogue.py's CATALOGUE and each tier its catcher draws from
(small, realistic, magnitude: rnnspec.spec.scale), verify the catcher alone with that tier alone
(``RunSettings(tiers=(tier,), max_examples=n)``) at growing counts, and report the first count at
which the catcher fails, with the failure's origin ("-": not caught within the largest count).

What a count means. A run of ``n`` examples per property draws ``n`` small examples, and the
realistic and magnitude tiers their share of ``n`` (``tier_examples``); the magnitude tier is one
Hypothesis run per regime (``tier_runs``: saturating, overflow, large_state, zeros, subnormal),
each with an equal part of the tier's examples. So the count reported is the examples of each of
the tier's Hypothesis runs: for small and realistic, the tier's examples; for magnitude, the
examples of each regime (the tier draws that many of every regime, 5 times as many in all). The
``n`` passed is the smallest that gives the tier that count (``max_examples_for``).

The counts tried are 1, 2, 4, 8, 16, 25, 50, 100 for the small tier and 1, 2, 3, 4, 5, 6, 8, 12,
16, 24, 32 for the others (every count up to the default profile's 5 realistic examples, then
fewer: their cases are larger). Each entry is flagged when no tier catches it within the examples
its own settings give that tier (the quick profile's 8 small examples, or its max_examples; the
default profile's 25 small, 5 realistic and 4 magnitude for the scale entries): it needs more.
``--scale`` measures only the entries of dropins/scale_defects.py.
"""

import argparse
import statistics
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from defect_catalogue import CATALOGUE, SCALE  # noqa: E402

from rnnspec.spec.settings import RunSettings  # noqa: E402
from rnnspec.spec import PROPERTIES  # noqa: E402
from rnnspec.spec import scale  # noqa: E402
from rnnspec.running.verdicts import Status  # noqa: E402
from rnnspec.running.verifier import verify  # noqa: E402

COUNTS = {"small": (1, 2, 4, 8, 16, 25, 50, 100), "realistic": (1, 2, 3, 4, 5, 6, 8, 12, 16, 24, 32),
          "magnitude": (1, 2, 3, 4, 5, 6, 8, 12, 16, 24, 32)}
TIERS_OF = {p.id: p.tiers for p in PROPERTIES}


def runs_of(tier: str, n: int) -> list[int]:
    """The examples of each Hypothesis run of ``tier`` in a run of ``n`` examples per property with
    that tier alone (one run, or one per magnitude regime where rnnspec has tier_runs)."""
    if hasattr(scale, "tier_runs"):
        return [k for t, _, k in scale.tier_runs(n, (tier,)) if t == tier]
    return [k for t, k in scale.tier_examples(n, (tier,)).items() if t == tier]


def per_run(tier: str, n: int) -> int:
    """The count reported for ``tier`` at ``n``: the examples of each of its Hypothesis runs (the
    fewest, where they differ)."""
    return min(runs_of(tier, n), default=0)


def max_examples_for(tier: str, count: int) -> int | None:
    """The smallest ``n`` (max_examples) that gives each run of ``tier`` at least ``count`` examples
    (None: none up to 10,000 does)."""
    return next((n for n in range(1, 10_001) if per_run(tier, n) >= count), None)


def examples_to_detection(defect, tier: str, seed: int) -> tuple[int | None, str]:
    """(the first count of COUNTS[tier] at which the catcher fails with ``tier`` alone, its failure's
    origin), or (None, the last status)."""
    target = defect.target()
    status = "not run"
    for count in COUNTS[tier]:
        n = max_examples_for(tier, count)
        if n is None:
            break
        settings = RunSettings(profile=defect.profile, max_examples=n, dtype=defect.dtype, seed=seed, tiers=(tier,))
        (verdict,) = verify(target, settings=settings, select=[defect.catcher]) or (None,)
        if verdict is None:
            return None, "catcher does not apply"
        status = verdict.status.value
        if verdict.status is Status.FAILED:
            return per_run(tier, n), verdict.failure.origin
        if verdict.status is not Status.PASSED:
            return None, status
    return None, status


def budget(defect, tier: str) -> int:
    """The count its own settings give ``tier`` (0 where they draw none of it)."""
    settings, of = defect.settings(), TIERS_OF[defect.catcher]
    if hasattr(scale, "tier_runs"):
        counts = [k for t, _, k in scale.tier_runs(settings.examples, settings.tiers, of=of) if t == tier]
    else:
        counts = [k for t, k in scale.tier_examples(settings.examples, settings.tiers, of=of).items() if t == tier]
    return min(counts, default=0)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="measure only these entries")
    parser.add_argument("--scale", action="store_true", help=f"measure only the entries of {SCALE}")
    parser.add_argument("--tiers", nargs="+", choices=scale.TIERS, default=list(scale.TIERS),
                        help="measure only these tiers (of those each catcher draws from)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    print(f"{'entry':44s} {'catcher':30s} " + " ".join(f"{t:>{4 * len(args.seeds) + 1}s}" for t in args.tiers)
          + "   (origins)  [small, realistic: examples of the tier; magnitude: examples of each of its regimes]")
    worst = {}
    for defect in CATALOGUE:
        if (args.only and defect.name not in args.only) or (args.scale and defect.file != SCALE):
            continue
        cells, origins, caught_in_budget = [], set(), False
        for tier in args.tiers:
            if tier not in TIERS_OF[defect.catcher]:
                cells.append(f"{'n/a':>{4 * len(args.seeds) + 1}s}")
                continue
            found = [examples_to_detection(defect, tier, seed) for seed in args.seeds]
            counts = [n for n, _ in found]
            origins |= {o for n, o in found if n is not None}
            if None not in counts:
                worst[(defect.name, tier)] = max(counts)
            caught_in_budget |= counts[0] is not None and counts[0] <= budget(defect, tier)
            cells.append(" ".join(f"{n or '-':>4}" for n in counts) + " ")
        flag = "" if caught_in_budget else "  <- not caught within its settings' examples of any tier"
        print(f"{defect.name:44s} {defect.catcher:30s} {' '.join(cells)}  ({','.join(sorted(origins)) or '-'}){flag}",
              flush=True)
    found = list(worst.values())
    print(f"caught in {len(found)} (entry, tier) pairs under every seed {args.seeds}; median of the worst counts "
          f"{statistics.median(found) if found else '-'}, largest {max(found) if found else '-'}")


if __name__ == "__main__":
    main()
