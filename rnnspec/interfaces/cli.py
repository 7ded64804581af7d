"""The ``rnnspec`` command: ``spec``, ``verify TARGET``, ``bench TARGET``, ``matrix`` and ``explain``.

Exit codes of verify: 0 every applicable property passed, 1 one failed, 2 the target cannot be
loaded or the command is misused (one line on stderr, before any work). bench exits 0 when it
ran (rows it could not time are skipped with the reason) and 2 as verify does.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time

from rnnspec.interfaces import options
from rnnspec.rendering.files import write_text

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from rnnspec import __version__

    parser = options.Parser(prog="rnnspec", description="An executable specification of RNNs.")
    parser.add_argument("--version", action="version", version=f"rnnspec {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=options.Parser)

    spec = sub.add_parser("spec", help="print the spec registry (cells, layout, tolerances, properties)")
    spec.add_argument("--json", action="store_true", help="print one JSON object instead of tables")

    options.verify_parser(sub.add_parser("verify", help="run every applicable property on a target"))
    options.bench_parser(sub.add_parser("bench", help="time a target against torch's native layer: forward, backward, "
                                                      "GFLOP/s"))

    matrix = sub.add_parser("matrix", help="every installed framework against every property")
    matrix.add_argument("--json", metavar="PATH", type=options.writable_file, help="write the matrix as JSON")
    matrix.add_argument("--html", metavar="PATH", type=options.writable_file,
                        help="write the matrix as one self-contained HTML page")
    options.add_example_options(matrix.add_argument, prefix="--")
    matrix.add_argument("--frameworks", nargs="+", help="only these (default: every one rnnspec knows); a prefix such as keras or flax "
                        "selects each of its backends or APIs")
    matrix.add_argument("--strict", action="store_true", help="exit 1 when any target has a discrepancy")
    matrix.add_argument("--update", metavar="PATH",
                        help="an earlier --json matrix: rerun only --frameworks and replace their rows in it")
    matrix.add_argument("--resume", action="store_true",
                        help="with --update: skip the frameworks that PATH already holds (finish an interrupted run)")
    matrix.add_argument("-j", "--jobs", type=options.positive_int, default=1,
                        help="framework processes at once (default 1; each uses the cores its framework takes)")

    explain = sub.add_parser("explain", help="compute and draw the lecture's figures (PNG, tables, optional HTML)")
    explain.add_argument("--out", required=True, help="folder for the figures")
    explain.add_argument("--seed", type=options.seed, default=0, help="seed of every weight and input (default 0)")
    explain.add_argument("--format", choices=["png", "html"], default="png",
                         help="png: figures only; html: also one self-contained page")
    explain.add_argument("--hidden", type=int, default=32, help="hidden size of the recurrent cells")
    explain.add_argument("--length", type=int, default=60, help="sequence length for the gradient-flow figure")
    explain.add_argument("--depth", type=int, default=30, help="layers of the feed-forward stacks")
    return parser


def _usage_error(command: str, message: str) -> int:
    print(f"rnnspec {command}: {message}", file=sys.stderr)
    return 2


def _matrix(args) -> int:
    from rnnspec.interfaces.matrix import assemble, discrepancies, matrix_html, run_matrix, select_frameworks, update_matrix
    from rnnspec.interfaces.matrix.runner import CRASHED
    from rnnspec.rendering.report import write_json

    try:
        if args.resume and not args.update:
            raise ValueError("--resume needs --update PATH (the matrix to finish)")
        options.check_report_paths("", json=args.json, html=args.html)
        frameworks = select_frameworks(args.frameworks)
        old = None
        if args.update:
            try:
                with open(args.update, encoding="utf-8") as f:
                    old = json.load(f)
            except (OSError, ValueError) as e:  # (a JSONDecodeError says where, not which file)
                raise ValueError(f"--update {args.update}: cannot read a matrix from it: {e}") from None
            if not isinstance(old, dict) or not isinstance(old.get("rows"), list) or \
                    not isinstance(old.get("not_installed"), dict):
                raise ValueError(f"--update {args.update} is not a matrix (rnnspec matrix --json writes one)")
    except (ValueError, OSError) as e:
        return _usage_error("matrix", str(e))
    settings = options.run_settings(options.from_namespace(args))
    if old is not None:
        try:  # the same profile, examples, seed and tiers, checked before anything runs
            update_matrix(old, assemble(settings, [], {}))
        except ValueError as e:
            return _usage_error("matrix", f"--update {args.update}: {e}")
    if args.resume:  # done: a framework with rows, or one that does not import; a crashed one runs again
        crashed = {name for name, why in old["not_installed"].items() if why.startswith(CRASHED)}
        done = ({row["framework"] for row in old["rows"]} | set(old["not_installed"])) - crashed
        frameworks = [name for name in frameworks if name not in done]
    ended = []

    def framework_done(name: str, seconds: float, so_far: dict) -> None:
        ended.append(name)
        rows = [r for r in so_far["rows"] if r["framework"] == name]
        what = f"{len(rows)} rows, {sum(r['status'] != 'passed' for r in rows)} with discrepancies"
        why = so_far["not_installed"].get(name)
        if why is not None:
            what = f"{what}; crashed: {why[:160]}" if why.startswith(CRASHED) else f"not installed: {why[:120]}"
        print(f"[{len(ended)}/{len(frameworks)} frameworks] {name}: {what} ({seconds / 60:.1f} min)", file=sys.stderr, flush=True)
        if args.json:  # kept as each framework ends: an interrupted run goes on with --update PATH --resume
            write_json(update_matrix(old, so_far) if old is not None else so_far, args.json)

    try:
        result = run_matrix(settings, frameworks=frameworks, jobs=args.jobs, on_framework=framework_done,
                            on_row=lambda r: print(f"{r['status'].upper():7} {r['target']} [{r['framework']}, "
                                                   f"{r['dtype']}]  ({r['summary']})", flush=True))
    except KeyboardInterrupt as e:
        kept = f"{args.json} holds the {len(ended)} frameworks that ended; finish with --update {args.json} --resume" \
            if args.json else "nothing was written (no --json)"
        print(f"rnnspec matrix: interrupted ({getattr(e, 'signal', 'SIGINT')}): {kept}", file=sys.stderr)
        return _STOPPED_EXIT[getattr(e, "signal", "SIGINT")]
    if old is not None:
        result = update_matrix(old, result)
    for framework, reason in result["not_installed"].items():
        print(f"NOT INSTALLED {framework}: {reason}")
    for sentence in discrepancies(result):
        print(f"- {sentence}")
    if args.json:
        write_json(result, args.json)
    if args.html:
        write_text(matrix_html(result), args.html)
    return 1 if args.strict and discrepancies(result) else 0


def _explain(args) -> int:
    from pathlib import Path

    for name in ("hidden", "length", "depth"):
        if getattr(args, name) < 2:
            return _usage_error("explain", f"--{name}={getattr(args, name)} must be at least 2")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return _usage_error("explain", f"--out {args.out} is a file; expected a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not os.access(out, os.W_OK):
            raise PermissionError(f"{args.out} is not writable")
    except OSError as e:
        return _usage_error("explain", f"--out {args.out}: {e.strerror or e}")
    try:
        from rnnspec.rendering.explain import explain
    except ImportError as e:
        return _usage_error("explain", f"needs {e.name} (pip install 'rnnspec[figures]')")
    explain(out, seed=args.seed, fmt=args.format, hidden=args.hidden, length=args.length, depth=args.depth)
    return 0


def _spec(args) -> int:
    from rnnspec.rendering.spec_tables import print_spec, spec_dict

    if args.json:
        print(json.dumps(spec_dict(), indent=2))
    else:
        print_spec()
    return 0


def _verify(args) -> int:
    heartbeat = _Heartbeat("rnnspec verify")
    try:
        return _verify_with(args, heartbeat)
    finally:
        heartbeat.stop()


def _verify_isolated(args, heartbeat) -> int:
    from rnnspec.interfaces.isolated import Isolated, run_isolated
    from rnnspec.rendering.report import html_report, isolation_lines, verdict_line, write_json
    from rnnspec.running.verdicts import exit_code, overall_status, summary

    try:
        options.check_report_paths(args.target, json=args.json, html=args.html)
    except ValueError as e:
        return _usage_error("verify", str(e))
    heartbeat.now(f"starting the target's process ({args.target})")

    def finished(verdict):
        print(verdict_line(verdict, errors=args.errors), flush=True)

    def report(verdicts, partial=None) -> None:
        if got.skeleton is None or not (args.json or args.html):
            return
        status = "interrupted" if partial else overall_status(verdicts).value
        whole = {**got.skeleton, "status": status, "partial": bool(partial), "summary": summary(verdicts),
                 "properties": [v.to_dict() for v in verdicts], "process_state_changed": got.changes,
                 "isolated": True, **({"stopped": partial} if partial else {})}
        if args.json:
            write_json(whole, args.json)
        if args.html:
            write_text(html_report(whole), args.html)

    got = Isolated()
    try:
        got = run_isolated(options.without_report_options(args.argv), timeout=args.timeout, got=got, lacks=args.lacks,
                           on_start=lambda pid: heartbeat.now(f"running {pid}"), on_verdict=finished)
    except KeyboardInterrupt as e:
        name = getattr(e, "signal", "SIGINT")
        why = f"stopped by {name}, after {len(got.verdicts)} properties"
        print(f"{args.target}: interrupted: {why}", flush=True)
        report(got.verdicts, partial=why)
        _leave(_STOPPED_EXIT[name])
    if got.unusable is not None:
        return _usage_error("verify", got.unusable)
    if not got.verdicts:
        return _usage_error("verify", "no property applies to this target with this --select")
    for line in isolation_lines(got.changes):
        print(line)
    name = got.skeleton["target"] if got.skeleton else args.target
    print(f"{name}: {overall_status(got.verdicts)} ({summary(got.verdicts)}; isolated)")
    report(got.verdicts)
    return exit_code(got.verdicts)


def _verify_with(args, heartbeat) -> int:
    if args.isolate:
        return _verify_isolated(args, heartbeat)
    from rnnspec.rendering.report import header, html_report, isolation_lines, json_report, verdict_line, write_json
    from rnnspec.targets import TargetError
    from rnnspec.running.verdicts import exit_code, overall_status, summary
    from rnnspec.running.verifier import BUDGET_SPENT, RunInterrupted, read_xfails, unmatched_xfails, verify

    try:
        target, settings, prepared = options.load_verify_target(args, progress=heartbeat.now)
        try:
            xfails = read_xfails(args.xfails) if args.xfails else {}
        except (OSError, ValueError) as e:
            raise ValueError(f"--xfails {args.xfails}: cannot read it: {e}") from None
    except (TargetError, ValueError, OSError) as e:
        return _usage_error("verify", str(e))
    for line in header(target, settings, prepared):
        print(line, flush=True)
    live = sys.stdout.isatty()  # on a terminal, say which property is running until its verdict replaces it

    def started(prop):
        heartbeat.now(f"running {prop.id}")
        if live:
            print(f"running {prop.id} [{prop.topic}] ...", end="\r", flush=True)

    def finished(verdict):
        print(("\x1b[2K" if live else "") + verdict_line(verdict, errors=args.errors), flush=True)

    def write_reports(report: dict) -> None:
        if args.json:
            write_json(report, args.json)
        if args.html:
            write_text(html_report(report), args.html)

    try:
        verdicts = verify(target, settings=settings, select=args.select, xfails=xfails, on_start=started,
                          on_verdict=finished, budget=args.budget)
    except RunInterrupted as stop:
        why = str(stop)
        print(("\x1b[2K" if live else "") + f"{target.name}: interrupted: {why}; "
              + ("the reports are marked partial" if args.json or args.html else "no report asked for"), flush=True)
        write_reports(json_report(target, stop.verdicts, settings=settings, prepared=prepared, partial=why))
        _leave(_STOPPED_EXIT[stop.signal])  # a target's call may still be running in a thread inside torch
    if not verdicts:
        return _usage_error("verify", "no property applies to this target with this --select")
    for entry in unmatched_xfails(xfails, verdicts):
        print(f"warning: xfails entry {entry!r} matches no property run on this target", file=sys.stderr)
    for line in isolation_lines():
        print(line)
    print(f"{target.name}: {overall_status(verdicts)} ({summary(verdicts)})")
    spent = [v for v in verdicts if v.reason.startswith(BUDGET_SPENT)]
    write_reports(json_report(target, verdicts, settings=settings, prepared=prepared,
                              partial=f"--budget {args.budget:g} s spent: {len(spent)} properties not run" if spent else None))
    code = exit_code(verdicts)
    if prepared.hung or any(v.failure is not None and v.failure.origin == "hang" for v in verdicts):  # xfailed too
        # a hung call's thread may be inside torch (a backward pass, say), where interpreter shutdown
        # would abort the process: leave now, with the verdict's exit code
        _leave(code)
    return code


def _leave(code: int):
    """Exit now with ``code``, output flushed, without the interpreter's shutdown (which aborts the
    process, exit 134, when a thread is still inside torch: a hung or interrupted call)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class _Heartbeat:
    """Progress on stderr while nothing else shows: what the run is doing, said once a step has
    lasted ``after`` seconds and every ``every`` seconds after that (a slow target's probes or
    property: never a blank terminal for minutes). ``now(what)`` names the step."""

    def __init__(self, command: str, *, after: float = 5.0, every: float = 30.0):
        self.command, self.after, self.every = command, after, every
        # its own copy of descriptor 2: the probes and properties capture what the target prints there
        self.err = os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1) if _has_fileno(sys.stderr) else sys.stderr
        self.what, self.since, self.said = None, time.monotonic(), 0.0
        self.stopped = threading.Event()
        threading.Thread(target=self._beat, daemon=True, name="rnnspec-progress").start()

    def stop(self) -> None:
        self.stopped.set()

    def now(self, what: str) -> None:
        self.what, self.since, self.said = what, time.monotonic(), 0.0

    def _beat(self) -> None:
        while not self.stopped.wait(min(1.0, self.after)):
            what, lasted = self.what, time.monotonic() - self.since
            if what is not None and lasted >= self.after and lasted - self.said >= (self.every if self.said else 0):
                self.said = lasted
                try:
                    print(f"{self.command}: still {what} ({lasted:.0f} s) ...", file=self.err, flush=True)
                except (OSError, ValueError):  # its stream is gone (the command ended under a test's capture)
                    return


def _has_fileno(stream) -> bool:
    try:
        stream.fileno()
        return True
    except (AttributeError, OSError, ValueError):
        return False


def _bench(args) -> int:
    import torch

    from rnnspec.interfaces.bench import (bench, busy_note, header_lines, json_report, measure_peak_gflops, native_for,
                               table_lines)
    from rnnspec.spec.settings import check_device
    from rnnspec.running.probing import prepare
    from rnnspec.rendering.report import write_json
    from rnnspec.spec.scale import BENCH_SIZES
    from rnnspec.targets import TargetError

    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        device = check_device(args.device)
        loaded = options.loaded_target(args)
        native = native_for(loaded)
        prepared = prepare(loaded, lacks=args.lacks, keep=frozenset())
    except (TargetError, ValueError, OSError) as e:
        return _usage_error("bench", str(e))
    target, sizes = prepared.target, args.sizes or BENCH_SIZES
    modes = ("forward", "backward") if args.mode == "both" else (args.mode,)
    for line in header_lines(target, native=native, dtype=args.dtype, repeats=args.repeats, device=device,
                             unsupported=prepared.refused):
        print(line, flush=True)
    _progress("measuring the fp32 peak (a 2048x2048 matrix product)")
    before = measure_peak_gflops(device)
    results = bench(target, native=native, sizes=sizes, modes=modes, dtype=args.dtype, repeats=args.repeats,
                    device=device, probed=prepared.refused, on_start=lambda i, n, label: _progress(f"[{i}/{n}] {label}"))
    _progress("measuring the fp32 peak again")
    peak = max(before, measure_peak_gflops(device))  # the better of the two: a busy moment lowers one
    for line in table_lines(results, peak=peak) + [note for note in (busy_note(),) if note]:
        print(line)
    if args.json:
        write_json(json_report(target, native=native, results=results, peak=peak, repeats=args.repeats, device=device),
                   args.json)
    return 0


def _progress(message: str) -> None:
    """What a long run is doing, on stderr (stdout keeps the results)."""
    print(f"rnnspec bench: {message} ...", file=sys.stderr, flush=True)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the main thread is, as Ctrl-C's KeyboardInterrupt is: every command stops
    the same way for both (what finished is reported), and exits 128 + the signal's number."""

    signal = "SIGTERM"


_STOPPED_EXIT = {"SIGINT": 130, "SIGTERM": 143}


def _on_sigterm(signum, frame):
    raise Terminated()


def main(argv=None) -> int:
    # Hypothesis caches what it learns under .hypothesis/ in the working folder: keep the user's
    # folder clean unless they chose a place (HYPOTHESIS_STORAGE_DIRECTORY)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(cache, "rnnspec", "hypothesis"))
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    args.argv = argv[1:]  # what followed the command's name (verify --isolate runs it again in a child)
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    else:  # (called in a thread: no signal handlers there)
        previous = None
    try:
        return {"spec": _spec, "verify": _verify, "bench": _bench, "explain": _explain,
                "matrix": _matrix}[args.command](args)
    except KeyboardInterrupt as e:  # before any verdict (loading, probing) or in a command without reports
        name = getattr(e, "signal", "SIGINT")
        print(f"rnnspec {args.command}: interrupted ({name}) before anything was reported", file=sys.stderr)
        _leave(_STOPPED_EXIT[name])
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
