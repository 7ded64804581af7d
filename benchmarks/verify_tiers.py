"""What a verify run costs, per tier and per property: the budget of the scale tiers, measured.

    python -m benchmarks.verify_tiers [TARGET --like LIKE ...] [--profile default] [--json PATH]

For each target (default: torch.nn.LSTM and the Python-loop drop-in tests/dropins/independent.py:LSTM)
runs ``rnnspec verify`` once per tier (``--tiers small``, ``realistic``, ``magnitude``) and once with
every tier, and prints the wall time of each property in each, and the totals. A benchmark, not a
test: the figures depend on the machine and its load; the closing notes quote them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

from rnnspec.running.probing import prepare
from rnnspec.spec.settings import RunSettings, activated
from rnnspec.spec.scale import TIERS
from rnnspec.targets import load_target
from rnnspec.running.verifier import verify

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TARGETS = (("torch.nn.LSTM", None), (f"{ROOT / 'tests' / 'dropins' / 'independent.py'}:LSTM", "torch.nn.LSTM"))


def timings(spec: str, like: str | None, *, profile: str, seed: int) -> dict:
    """{tiers: {"total": seconds, "properties": {id: seconds}, "statuses": {id: status}}}."""
    result = {}
    for tiers in [(t,) for t in TIERS] + [TIERS]:
        settings = RunSettings(profile=profile, seed=seed, tiers=tiers)
        start = time.perf_counter()
        with activated(settings):
            target = prepare(load_target(spec, like=like)).target
        verdicts = verify(target, settings=settings)
        result[",".join(tiers)] = {"total": time.perf_counter() - start,
                                   "properties": {v.id: v.seconds for v in verdicts if v.status != "skipped"},
                                   "statuses": {v.id: v.status.value for v in verdicts}}
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help="targets as `rnnspec verify` takes them (default: see above)")
    parser.add_argument("--like", help="the torch built-in the targets are drop-ins for")
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the timings as JSON")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    targets = [(t, args.like) for t in args.targets] or list(DEFAULT_TARGETS)
    report = {}
    for spec, like in targets:
        name = Path(spec).name if "/" in spec else spec
        report[name] = runs = timings(spec, like, profile=args.profile, seed=args.seed)
        columns = list(runs)
        print(f"\n{name}, profile {args.profile}, seed {args.seed}: seconds per property")
        print(f"{'property':48}" + "".join(f"{c:>28}" for c in columns))
        ids = sorted({p for r in runs.values() for p in r["properties"]})
        for pid in ids:
            print(f"{pid:48}" + "".join(f"{runs[c]['properties'].get(pid, float('nan')):28.2f}" for c in columns))
        print(f"{'total (with loading and probing)':48}" + "".join(f"{runs[c]['total']:28.1f}" for c in columns))
        failed = {c: [p for p, s in r["statuses"].items() if s not in ("passed", "skipped")] for c, r in runs.items()}
        if any(failed.values()):
            print(f"not passed: {failed}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
