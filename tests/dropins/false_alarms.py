"""The false-alarm sweep: the faithful drop-ins and torch's built-ins over many seeds, at a profile.

    python tests/dropins/false_alarms.py [--seeds 20] [--profile default] [--tiers realistic,magnitude] [--only NAME ...]

Every verdict must pass or be skipped with its reason; anything else is a false alarm (a
tolerance or strategy to fix, never a retry). Prints one line per target and seed, and a summary.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from defect_catalogue import FAITHFUL  # noqa: E402

from rnnspec.interfaces import options  # noqa: E402
from rnnspec.running.probing import prepare  # noqa: E402
from rnnspec.spec.scale import TIERS  # noqa: E402
from rnnspec.spec.settings import RunSettings, activated  # noqa: E402
from rnnspec.targets import load_target  # noqa: E402
from rnnspec.running.verifier import verify  # noqa: E402

BUILTINS = tuple((name, None) for name in ("torch.nn.RNN", "torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNNCell",
                                           "torch.nn.LSTMCell", "torch.nn.GRUCell", "torch.nn.utils.clip_grad_norm_",
                                           "torch.nn.utils.clip_grad_value_"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--tiers", type=options.tiers, default=TIERS, help="tiers of cases (default: all)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", help="targets whose name contains one of these")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    alarms, runs, start = [], 0, time.perf_counter()
    targets = [(spec, like) for spec, like in BUILTINS + FAITHFUL if not args.only or any(o in spec for o in args.only)]
    for spec, like in targets:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            settings = RunSettings(profile=args.profile, seed=seed, tiers=args.tiers)
            with activated(settings):
                target = prepare(load_target(spec, like=like)).target
            verdicts = verify(target, settings=settings)
            bad = [v for v in verdicts if v.status not in ("passed", "skipped")]
            runs += 1
            alarms += [(spec, seed, v) for v in bad]
            print(f"{'ALARM' if bad else 'ok   '} {Path(spec).name if '/' in spec else spec:40} seed {seed:2}  "
                  f"{sum(v.status == 'passed' for v in verdicts)} passed" + "".join(f"; {v.id} {v.status}" for v in bad),
                  flush=True)
    print(f"{runs} runs ({len(targets)} targets x {args.seeds} seeds, profile {args.profile}, tiers "
          f"{','.join(args.tiers)}) in "
          f"{time.perf_counter() - start:.0f} s: {len(alarms)} false alarms")
    for spec, seed, v in alarms:
        print(f"--- {spec} seed {seed}\n{v.message}")
    return 1 if alarms else 0


if __name__ == "__main__":
    sys.exit(main())
