"""The ``rnnspec`` command: ``rnnspec spec`` and ``rnnspec verify TARGET``.

Exit codes of verify: 0 every applicable property passed, 1 one failed, 2 the target cannot be
loaded or the command is misused.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from rnnspec.profiles import PROFILES

    parser = argparse.ArgumentParser(prog="rnnspec", description="An executable specification of RNNs.")
    sub = parser.add_subparsers(dest="command", required=True)

    spec = sub.add_parser("spec", help="print the spec registry (cells, layout, tolerances, properties)")
    spec.add_argument("--json", action="store_true", help="print one JSON object instead of tables")

    verify = sub.add_parser("verify", help="run every applicable property on a target")
    verify.add_argument("target", help="package.module:Name, package.module.Name or path/to/file.py:Name")
    verify.add_argument("--like", help="the torch built-in the target is a drop-in for, e.g. torch.nn.LSTM")
    verify.add_argument("--variant", help="the cell kinds it claims, comma-separated, e.g. gru_reset_before")
    verify.add_argument("--seed", type=int, default=0, help="seed of every property's examples (default 0)")
    verify.add_argument("--profile", choices=sorted(PROFILES), default="default",
                        help="examples per property: " + ", ".join(f"{k} {v}" for k, v in PROFILES.items()))
    verify.add_argument("--max-examples", type=int, help="override the profile's examples per property")
    verify.add_argument("--select", action="append", help="a property id or topic (repeatable)")
    verify.add_argument("--dtype", choices=["float32", "float64"],
                        help="draw only this dtype (default: every dtype the target claims)")
    verify.add_argument("--json", metavar="PATH", help="also write the report as JSON to PATH")
    verify.add_argument("--html", metavar="PATH", help="also write the report as one self-contained HTML page")
    verify.add_argument("--xfails", metavar="FILE",
                        help="known failures: one property id a line, '# reason' after it; unmatched entries warn")
    verify.add_argument("--timeout", type=float, default=60.0,
                        help="seconds one call into the target may take before it counts as hung (default 60)")
    matrix = sub.add_parser("matrix", help="every installed framework against every property")
    matrix.add_argument("--json", metavar="PATH", help="write the matrix as JSON")
    matrix.add_argument("--html", metavar="PATH", help="write the matrix as one self-contained HTML page")
    matrix.add_argument("--profile", choices=sorted(PROFILES), default="default")
    matrix.add_argument("--seed", type=int, default=0)
    matrix.add_argument("--max-examples", type=int, help="override the profile's examples per property")
    matrix.add_argument("--frameworks", nargs="+", help="only these (default: every one rnnspec knows); a prefix such as keras or flax "
                        "selects each of its backends or APIs")
    matrix.add_argument("--strict", action="store_true", help="exit 1 when any target has a discrepancy")
    matrix.add_argument("--update", metavar="PATH",
                        help="an earlier --json matrix: rerun only --frameworks and replace their rows in it")

    explain = sub.add_parser("explain", help="compute and draw the lecture's figures (PNG, tables, optional HTML)")
    explain.add_argument("--out", required=True, help="folder for the figures")
    explain.add_argument("--seed", type=int, default=0, help="seed of every weight and input (default 0)")
    explain.add_argument("--format", choices=["png", "html"], default="png",
                         help="png: figures only; html: also one self-contained page")
    explain.add_argument("--hidden", type=int, default=32, help="hidden size of the recurrent cells")
    explain.add_argument("--length", type=int, default=60, help="sequence length for the gradient-flow figure")
    explain.add_argument("--depth", type=int, default=30, help="layers of the feed-forward stacks")
    return parser


def _matrix(args) -> int:
    from rnnspec.matrix import matrix_html, run_matrix, select_frameworks, update_matrix
    from rnnspec.report import write_json

    try:
        select_frameworks(args.frameworks)
    except ValueError as e:
        print(f"rnnspec matrix: {e}", file=sys.stderr)
        return 2
    if args.max_examples is not None and args.max_examples < 1:
        print(f"rnnspec matrix: --max-examples={args.max_examples} must be at least 1", file=sys.stderr)
        return 2
    result = run_matrix(profile=args.profile, seed=args.seed, max_examples=args.max_examples, frameworks=args.frameworks,
                        on_row=lambda r: print(f"{r['status'].upper():7} {r['target']} [{r['dtype']}]  ({r['summary']})",
                                               flush=True))
    if args.update:
        with open(args.update, encoding="utf-8") as f:
            try:
                result = update_matrix(json.load(f), result)
            except ValueError as e:
                print(f"rnnspec matrix: --update {args.update}: {e}", file=sys.stderr)
                return 2
    for framework, reason in result["not_installed"].items():
        print(f"NOT INSTALLED {framework}: {reason}")
    for sentence in result["discrepancies"]:
        print(f"- {sentence}")
    if args.json:
        write_json(result, args.json)
    if args.html:
        with open(args.html, "w", encoding="utf-8") as f:
            f.write(matrix_html(result))
    return 1 if args.strict and result["discrepancies"] else 0


def _explain(args) -> int:
    from pathlib import Path

    from rnnspec.explain import explain

    for name in ("hidden", "length", "depth"):
        if getattr(args, name) < 2:
            print(f"rnnspec explain: --{name}={getattr(args, name)} must be at least 2", file=sys.stderr)
            return 2
    explain(Path(args.out), seed=args.seed, fmt=args.format, hidden=args.hidden, length=args.length, depth=args.depth)
    return 0


def _spec(args) -> int:
    from rnnspec.report import print_spec, spec_dict

    if args.json:
        print(json.dumps(spec_dict(), indent=2))
    else:
        print_spec()
    return 0


def _verify(args) -> int:
    from rnnspec.report import html_report, json_report, overall_status, summary, verdict_line, write_json
    from rnnspec.targets import TargetError, load_target
    from rnnspec.verifier import check_dtype, read_xfails, select_properties, unmatched_xfails, verify

    if args.max_examples is not None and args.max_examples < 1:
        print(f"rnnspec verify: --max-examples={args.max_examples} must be at least 1", file=sys.stderr)
        return 2
    if args.timeout <= 0:
        print(f"rnnspec verify: --timeout={args.timeout} must be positive", file=sys.stderr)
        return 2
    try:
        select_properties(args.select)
        xfails = read_xfails(args.xfails) if args.xfails else {}
        cells = tuple(args.variant.split(",")) if args.variant else None
        target = load_target(args.target, like=args.like, cells=cells)
        check_dtype(target, args.dtype)
    except (TargetError, ValueError, OSError) as e:
        print(f"rnnspec verify: {e}", file=sys.stderr)
        return 2
    what = f"cells {', '.join(target.cells)}" if target.cells else f"a {target.subject} function"
    dtypes = f", {args.dtype} only" if args.dtype else ""
    print(f"rnnspec verify {target.cli_args()}: {what}; profile {args.profile}, seed {args.seed}{dtypes}", flush=True)
    live = sys.stdout.isatty()  # on a terminal, say which property is running until its verdict replaces it

    def started(prop):
        if live:
            print(f"running {prop.id} [{prop.topic}] ...", end="\r", flush=True)

    def finished(verdict):
        print(("\x1b[2K" if live else "") + verdict_line(verdict), flush=True)

    verdicts = verify(target, seed=args.seed, profile=args.profile, max_examples=args.max_examples,
                      select=args.select, xfails=xfails, timeout=args.timeout, dtype=args.dtype,
                      on_start=started, on_verdict=finished)
    if not verdicts:
        print("rnnspec verify: no property applies to this target with this --select", file=sys.stderr)
        return 2
    for entry in unmatched_xfails(xfails, verdicts):
        print(f"warning: xfails entry {entry!r} matches no property run on this target", file=sys.stderr)
    print(f"{target.name}: {overall_status(verdicts)} ({summary(verdicts)})")
    report = json_report(target, verdicts, seed=args.seed, profile=args.profile, dtype=args.dtype)
    if args.json:
        write_json(report, args.json)
    if args.html:
        with open(args.html, "w", encoding="utf-8") as f:
            f.write(html_report(report))
    code = 0 if overall_status(verdicts) == "passed" else 1
    if any(v.message.startswith(f"[{v.id}] the target hangs") for v in verdicts):
        # a hung call's thread may be inside torch (a backward pass, say), where interpreter shutdown
        # would abort the process: leave now, with the verdict's exit code
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    return {"spec": _spec, "verify": _verify, "explain": _explain, "matrix": _matrix}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
