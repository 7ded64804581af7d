"""How many examples per property each planted defect needs before `rnnspec verify` catches it.

    python tests/dropins/measure_power.py [--seed 0]

For each defect in defects.CATALOGUE, verify with --max-examples 1, 2, 4, 8, 16, 25 (the
default profile's count) and report the first count that catches it.
"""

import argparse
import statistics
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from defects import CATALOGUE  # noqa: E402

from rnnspec.targets import load_target  # noqa: E402
from rnnspec.verifier import verify  # noqa: E402
from rnnspec.settings import RunSettings

COUNTS = (1, 2, 4, 8, 16, 25)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    needed = {}
    for name, like, kind in CATALOGUE:
        target = load_target(f"{HERE / 'defects.py'}:{name}", like=like)
        needed[name] = next((n for n in COUNTS if any(
            v.status in ("failed", "error") for v in verify(target, settings=RunSettings(profile="default", max_examples=n, seed=args.seed)))),
            None)
        print(f"{name:40s} {kind:38s} {needed[name] or 'missed'}", flush=True)
    found = [n for n in needed.values() if n is not None]
    print(f"detected {len(found)} of {len(needed)} ({len(found) / len(needed):.0%}); "
          f"median examples per property to detection {statistics.median(found)}")


if __name__ == "__main__":
    main()
