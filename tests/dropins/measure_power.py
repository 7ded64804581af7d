"""How many examples each catalogued defect's catching property needs before it fails.

    python tests/dropins/measure_power.py [--seeds 0 1 2] [--only NAME ...]

For each entry of tests/defect_catalogue.py's CATALOGUE, verify its catcher alone with
--max-examples 1, 2, 4, 8, 16, 25, 50, 100 under each seed and report the first count at which
the catcher fails (with the failure's origin). The quick profile draws 8 examples: an entry that
needs more under seed 0 must say so (its max_examples).
"""

import argparse
import statistics
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from defect_catalogue import CATALOGUE  # noqa: E402

from rnnspec.settings import RunSettings  # noqa: E402
from rnnspec.verdicts import Status  # noqa: E402
from rnnspec.verifier import verify  # noqa: E402

COUNTS = (1, 2, 4, 8, 16, 25, 50, 100)


def examples_to_detection(defect, seed: int) -> tuple[int | None, str]:
    """(the first count of COUNTS at which the catcher fails, its failure's origin), or (None, the last status)."""
    target = defect.target()
    status = "not run"
    for n in COUNTS:
        (verdict,) = verify(target, settings=RunSettings(profile="quick", max_examples=n, seed=seed),
                            select=[defect.catcher]) or (None,)
        if verdict is None:
            return None, "catcher does not apply"
        status = verdict.status.value
        if verdict.status is Status.FAILED:
            return n, verdict.failure.origin
        if verdict.status is not Status.PASSED:
            return None, status
    return None, status


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="measure only these entries")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    worst = {}
    for defect in CATALOGUE:
        if args.only and defect.name not in args.only:
            continue
        found = [examples_to_detection(defect, seed) for seed in args.seeds]
        counts = [n for n, _ in found]
        worst[defect.name] = None if None in counts else max(counts)
        budget = defect.max_examples or RunSettings(profile="quick").examples
        flag = "" if worst[defect.name] is not None and counts[0] <= budget else f"  <- needs more than {budget}"
        shown = " ".join(f"{n or '-':>3}" for n in counts)
        origins = ",".join(sorted({o for _, o in found}))
        print(f"{defect.name:38s} {defect.catcher:46s} {shown}  ({origins}){flag}", flush=True)
    found = [n for n in worst.values() if n is not None]
    print(f"caught {len(found)} of {len(worst)} under every seed {args.seeds}; median of the worst counts "
          f"{statistics.median(found) if found else '-'}, largest {max(found) if found else '-'}")


if __name__ == "__main__":
    main()
