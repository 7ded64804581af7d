"""The performance matrix: every framework of the conformance matrix (``rnnspec.interfaces.matrix.FRAMEWORKS``)
timed as ``rnnspec bench`` times a target, as a ratio to torch's native layer measured in the same
process, with GFLOP/s and the fraction of the machine's fp32 peak::

    python -m rnnspec.interfaces.bench.perf_matrix --threads 1 --out docs/perf.json --markdown docs/perf.md \\
        --figure docs/figures/perf.png

What is timed: each framework's layer targets (its ``target_commands``, loaded as ``rnnspec verify``
loads them, verify-only flags such as ``--atol`` ignored), by default the first of each cell kind
(and, apart, the first without gradients, e.g. torch.ao's int8 LSTM), all of them with
``--every-target``. Cells and clipping functions are left out; a framework that has cells and no
layer (Equinox) has its cells timed, unrolled over the T steps in Python, against torch's cell
unrolled the same way. Each framework runs in a process of its own (as the conformance matrix
runs it: its ``env``, e.g. ``KERAS_BACKEND``), frameworks one after another; torch's native layer
is timed interleaved with each target in that process (``rnnspec.interfaces.bench.bench``). The fp32 peak is
measured once, in this process, before and after the run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import sys
import time
from typing import Callable

from rnnspec.interfaces.matrix.frameworks import FRAMEWORKS
from rnnspec.interfaces.workers import emit, run_worker
from rnnspec.rendering.files import write_json, write_text

__all__ = ["run_perf_matrix", "thread_env", "markdown", "figure", "main"]

MODE_LABELS = {"forward": "fwd", "backward": "fwd+bwd"}
SELECTION = ("each framework's layer targets, loaded as `rnnspec verify` loads them (verify-only flags ignored): by "
             "default the first of each cell kind, and apart the first without gradients (torch.ao's int8 layers); "
             "every one with --every-target. Cells and clipping functions are left out, except that a framework with "
             "cells and no layer (Equinox) has its cells timed, unrolled over the T steps in Python, against torch's "
             "cell unrolled the same way")


def thread_env(threads: int | None) -> dict[str, str]:
    """Environment that holds every library of a framework's process to ``threads`` threads where it
    reads one (OpenMP/MKL for torch, XLA's CPU client for JAX); onnxruntime's sessions keep their own
    default (the adapter builds them)."""
    if not threads:
        return {}
    env = {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    if threads == 1:
        env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    return env


# ---------------------------------------------------------------- the worker: one framework, one process


def _selected(targets, *, every: bool):
    """(loaded target, native, prepared) of the layers to time (see the module docstring)."""
    layers = [t for t in targets if t[0].subject == "layer"]
    chosen = layers or [t for t in targets if t[0].subject == "cell"]
    if every:
        return chosen
    seen, kept = set(), []
    for t in chosen:
        key = (t[0].cells[0], "grad" in t[0].capabilities)
        if key not in seen:
            seen.add(key)
            kept.append(t)
    return kept


def _load(command: str):
    """(target, its native layer or None, prepared, why no native) for ``command`` (as typed after
    ``rnnspec verify``), probed as verify probes it; None for a target that is not a layer or cell."""
    from rnnspec.interfaces.bench import native_for
    from rnnspec.interfaces.options import load_verify_target, parse_verify
    from rnnspec.targets import TargetError

    target, _, prepared = load_verify_target(parse_verify(shlex.split(command)), keep=frozenset())  # bench times what runs
    if target.subject not in ("layer", "cell"):
        return None
    try:
        return target, native_for(target), prepared, None
    except TargetError as e:  # a variant torch has no built-in for (keras's GRU with reset_after=False)
        return target, None, prepared, str(e)


def worker_messages(name: str, *, sizes, repeats, every: bool = False):
    """Yields the worker's messages for framework ``name``: {"version"}, then per target {"target"} and
    one {"row"} per size and mode; or one {"not_installed": reason}."""
    from rnnspec.interfaces.bench import bench
    from rnnspec.interfaces.matrix.frameworks import FRAMEWORKS

    framework = FRAMEWORKS[name]
    try:
        commands = framework.target_commands()
    except Exception as e:  # not installed, or broken
        yield {"not_installed": f"{type(e).__name__}: {e}"}
        return
    yield {"version": framework.version()}
    loaded = []
    for command in commands:
        try:
            found = _load(command)
        except Exception as e:  # a target that does not load: said, the others go on
            yield {"target": {"command": command, "error": f"not loaded: {type(e).__name__}: {str(e).splitlines()[0]}"}}
            continue
        if found is not None:
            loaded.append((*found, command))
    for target, native, prepared, no_native, command in _selected(loaded, every=every):
        if native is None:
            yield {"target": {"command": command, "error": f"not timed: {no_native}"}}
            continue
        yield {"target": {"name": target.name, "api": target.api, "subject": target.subject, "cell": target.cells[0],
                          "native": native.name, "command": command, "probed_out": prepared.unsupported}}
        for size, n in zip(sizes, repeats):
            for r in bench(target, native=native, sizes=(size,), repeats=n, probed=prepared.refused):
                yield {"row": {"target": target.name, "repeats": n, **dataclasses.asdict(r)}}


def _worker(args) -> int:
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    for message in worker_messages(args.worker, sizes=args.sizes, repeats=_per_size(args.repeats, args.sizes),
                                   every=args.every_target):
        emit(message)
    return 0


# ---------------------------------------------------------------- the runner: every framework


def _per_size(repeats: tuple[int, ...], sizes) -> list[int]:
    """One count of timed calls per size: ``repeats`` in order, its last for any further size."""
    return [repeats[min(i, len(repeats) - 1)] for i in range(len(sizes))]


def _sizes_arg(sizes) -> str:
    return ";".join(f"{s.batch},{s.seq_len},{s.input_size},{s.hidden_size}" for s in sizes)


def _run_framework(name, *, sizes, repeats, threads, every, timeout, on_message):
    """One framework's worker process; returns None, or why it produced no (or only some) rows."""
    env = {**os.environ, **FRAMEWORKS[name].env, **thread_env(threads)}
    command = [sys.executable, "-m", "rnnspec.interfaces.bench.perf_matrix", "--worker", name, "--sizes", _sizes_arg(sizes),
               "--repeats", ",".join(map(str, repeats))]
    command += ["--threads", str(threads)] if threads else []
    command += ["--every-target"] if every else []
    return run_worker(command, env=env, on_message=on_message, timeout=timeout)


def _row(message: dict, peak: float) -> dict:
    from rnnspec.interfaces.bench.measure import BenchResult
    from rnnspec.interfaces.bench.report import _row as bench_row
    from rnnspec.spec.scale import BenchSize

    fields = {k: v for k, v in message.items() if k not in ("target", "repeats")}
    result = BenchResult(**{**fields, "size": BenchSize(**fields["size"])})
    return {"target": message["target"], "repeats": message["repeats"], **bench_row(result, peak)}


def run_perf_matrix(*, frameworks=None, sizes, repeats=(5, 3), threads: int | None = 1, every: bool = False,
                    timeout: float | None = None, on_row: Callable[[str, dict], None] | None = None) -> dict:
    """Every selected framework's targets at ``sizes``, forward and backward, one process each, one
    after another. Returns the JSON object (``--out``); ``on_row(framework, message)`` sees each row."""
    import torch

    from rnnspec.interfaces.bench import FLOP_CONVENTION, machine, measure_peak_gflops
    from rnnspec.interfaces.bench.report import PEAK_CONVENTION, TIME_CONVENTION
    from rnnspec.interfaces.matrix.frameworks import select_frameworks
    from rnnspec.rendering.report import library_versions

    if threads:
        torch.set_num_threads(threads)
    counts = _per_size(tuple(repeats), sizes)
    start, before = time.perf_counter(), measure_peak_gflops()
    results, messages = {}, {}
    for name in select_frameworks(frameworks):
        got = messages[name] = []

        def seen(message, name=name, got=got):
            got.append(message)
            if on_row and "row" in message:
                on_row(name, message["row"])
        failed = _run_framework(name, sizes=sizes, repeats=counts, threads=threads, every=every, timeout=timeout,
                                on_message=seen)
        results[name] = {"failed": failed}
    peak = max(before, measure_peak_gflops())
    frameworks_out, not_installed = {}, {}
    for name, got in messages.items():
        missing = [m["not_installed"] for m in got if "not_installed" in m]
        if missing:
            not_installed[name] = missing[0]
            continue
        targets = []
        for m in got:
            if "target" in m:
                targets.append({**m["target"], "rows": []})
            elif "row" in m:
                targets[-1]["rows"].append(_row(m["row"], peak))
        version = next((m["version"] for m in got if "version" in m), None)
        entry = {"version": version, "targets": targets}
        if results[name]["failed"]:
            if not targets:
                not_installed[name] = results[name]["failed"]
                continue
            entry["failed"] = results[name]["failed"]
        frameworks_out[name] = entry
    return {"versions": {**library_versions(), **_framework_versions(frameworks_out)},
            "machine": machine(), "threads": threads, "thread_env": thread_env(threads), "peak_gflops_fp32": peak,
            "sizes": [dataclasses.asdict(s) for s in sizes], "repeats": counts, "wall_s": time.perf_counter() - start,
            "conventions": {"time": TIME_CONVENTION, "flops": FLOP_CONVENTION, "fraction_of_peak": PEAK_CONVENTION,
                            "ratio": "target time / native time, native = torch's built-in (`like`) timed "
                                     "interleaved with the target in the target's framework's process",
                            "selection": SELECTION},
            "frameworks": frameworks_out, "not_installed": not_installed}


def _framework_versions(frameworks: dict) -> dict:
    from rnnspec.interfaces.matrix.frameworks import FRAMEWORKS

    return {FRAMEWORKS[name].package: entry["version"] for name, entry in frameworks.items() if entry["version"]}


# ---------------------------------------------------------------- the page: markdown and figure


def _size_key(size: dict) -> str:
    return f"H={size['hidden_size']}"


def _columns(perf: dict) -> list[tuple[str, str]]:
    return [(_size_key(s), mode) for s in perf["sizes"] for mode in MODE_LABELS]


def _cell(row: dict | None) -> str:
    if row is None:
        return ""
    if row["status"] == "skipped":
        return "skipped"
    rate = row["target_gflops"]
    return f"{row['ratio']:.2f}x · {rate:.1f} · {row['fraction_of_peak']:.0%}" if rate >= 1 else \
        f"{row['ratio']:.2f}x · {rate:.2g} · {row['fraction_of_peak']:.1%}"


def _short(target: dict) -> str:
    """The target's name after its module (``keras:LSTM`` -> ``LSTM``; ``torch.nn.LSTM`` as it is)."""
    return target["name"].split(":")[-1]


def _label(name: str, target: dict) -> str:
    return f"{name}: {_short(target)}"


def markdown(perf: dict) -> str:
    """The page: what ran where, one table line per target (ratio · GFLOP/s · of peak per size and
    mode), the skip reasons, the frameworks not installed."""
    m, v = perf["machine"], perf["versions"]
    sizes = ", ".join(f"B={s['batch']} T={s['seq_len']} I={s['input_size']} H={s['hidden_size']} "
                      f"({n} timed calls)" for s, n in zip(perf["sizes"], perf["repeats"]))
    lines = ["# Performance matrix", "",
             f"Every framework of the conformance matrix against torch's native layer, float32, at {sizes}; "
             f"{perf['threads']} thread (`--threads {perf['threads']}`, so other work on the machine disturbs "
             f"less; onnxruntime's sessions keep their own thread count). Machine: {m['cpu']}, {m['cores']} cores, "
             f"{m['platform']}; measured fp32 peak {perf['peak_gflops_fp32']:.1f} GFLOP/s (best 2048x2048 matrix "
             f"product, same thread count). Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ". "
             f"Wall time {perf['wall_s'] / 60:.0f} min. Made by `python -m rnnspec.interfaces.bench.perf_matrix`; the data "
             "is `docs/perf.json`, the figure `docs/figures/perf.png`.", "",
             "Each cell: target time / native time (above 1: slower than torch's layer) · the target's GFLOP/s "
             "(matrix products only, backward counted as 3x forward) · its fraction of the fp32 peak. "
             "fwd: one call under no_grad; fwd+bwd: one call, then backward of the sum of every output. "
             "The int8 layers (torch.ao.nn.quantized.dynamic) count the same FLOPs against the fp32 peak, so "
             "they can pass 100%. The JAX frameworks run through rnnspec's bridge (jit-compiled forward; "
             "backward = the compiled jax.vjp, which runs the forward again), so their fwd+bwd includes that.",
             "Selection: " + perf["conventions"]["selection"], ""]
    columns = _columns(perf)
    lines += ["| framework | target | cell | native | " + " | ".join(f"{s} {MODE_LABELS[mo]}" for s, mo in columns)
              + " |", "|" + "---|" * (4 + len(columns))]
    reasons = []
    for name, entry in perf["frameworks"].items():
        for t in entry["targets"]:
            if "error" in t:
                reasons.append(f"- {name} `{t['command']}`: {t['error']}")
                continue
            by = {(_size_key(r["size"]), r["mode"]): r for r in t["rows"]}
            lines.append(f"| {name} | `{_short(t)}` | {t['cell']} | {t['native']} | "
                         + " | ".join(_cell(by.get(c)) for c in columns) + " |")
            skips = {}  # (mode, reason) -> the sizes it was skipped at
            for r in t["rows"]:
                if r["status"] == "skipped":
                    skips.setdefault((r["mode"], r["reason"]), []).append(_size_key(r["size"]))
            reasons += [f"- {name} `{_short(t)}` {MODE_LABELS[mode]} ({', '.join(at)}): {why}"
                        for (mode, why), at in skips.items()]
        if entry.get("failed"):
            reasons.append(f"- {name}: {entry['failed'].splitlines()[-1]}")
    lines += ["", "Not timed or skipped:", ""] + (reasons or ["- none"])
    lines += ["", "Not installed:", ""] + ([f"- {k}: {why.splitlines()[0]}" for k, why in perf["not_installed"].items()]
                                           or ["- none"])
    return "\n".join(lines) + "\n"


def figure(perf: dict, path: str) -> None:
    """Horizontal bars, log scale: each target's time over native's, a panel per mode, a bar per size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    targets = [(name, t) for name, entry in perf["frameworks"].items() for t in entry["targets"] if "error" not in t]
    sizes = [_size_key(s) for s in perf["sizes"]]
    height = max(3.0, 0.32 * len(targets) * max(1, len(sizes) / 2) + 1.5)
    fig, axes = plt.subplots(1, len(MODE_LABELS), figsize=(12, height), sharex=True, sharey=True, squeeze=False)
    bar = 0.8 / max(1, len(sizes))
    for ax, mode in zip(axes[0], MODE_LABELS):
        for k, size in enumerate(sizes):
            ys, xs = [], []
            for i, (_, t) in enumerate(targets):
                row = next((r for r in t["rows"] if _size_key(r["size"]) == size and r["mode"] == mode), None)
                if row is not None and row["status"] == "measured":
                    ys.append(i + (k - (len(sizes) - 1) / 2) * bar)
                    xs.append(row["ratio"])
            ax.barh(ys, [x - 1 for x in xs], height=bar, left=1, label=size)  # from 1: left of it is faster
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_title({"forward": "forward", "backward": "forward + backward"}[mode])
        ax.set_xlabel("time / torch native time (log; < 1 faster; no bar: skipped)")
        ax.grid(axis="x", which="both", alpha=0.3)
    axes[0][0].set_yticks(range(len(targets)))
    axes[0][0].set_yticklabels([_label(n, t) for n, t in targets], fontsize=8)
    axes[0][0].invert_yaxis()
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, title=f"B={perf['sizes'][0]['batch']} T={perf['sizes'][0]['seq_len']} I=H",
               loc="lower center", ncol=len(sizes), fontsize=8)
    m = perf["machine"]
    fig.suptitle(f"rnnspec performance matrix: float32, {perf['threads']} thread, {m['cpu']}; "
                 f"torch {perf['versions'].get('torch')}", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 1))  # room for the legend below
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    from rnnspec.interfaces import options
    from rnnspec.spec.scale import BENCH_SIZES

    p = argparse.ArgumentParser(prog="python -m rnnspec.interfaces.bench.perf_matrix", description=__doc__.split("\n\n")[0])
    p.add_argument("--frameworks", nargs="+", help="only these (default: every one the conformance matrix knows); "
                   "a prefix such as keras selects each backend")
    p.add_argument("--sizes", type=options.sizes, default=BENCH_SIZES, metavar="B,T,I,H[;B,T,I,H...]",
                   help="default: the registry's BENCH_SIZES")
    p.add_argument("--repeats", type=lambda s: tuple(options.positive_int(n) for n in s.split(",")), default=(5, 3),
                   metavar="N[,N...]", help="timed calls per size, in the order of --sizes, the last for any further "
                   "size (default 5,3: fewer at the large size)")
    p.add_argument("--threads", type=options.positive_int, default=1, help="threads of every framework (default 1)")
    p.add_argument("--every-target", action="store_true", help="every layer target, not the first of each cell kind")
    p.add_argument("--timeout", type=float, help="seconds one framework may run; its later rows are then lost")
    p.add_argument("--out", metavar="PATH", help="the JSON (e.g. docs/perf.json)")
    p.add_argument("--markdown", metavar="PATH", help="the table as markdown (e.g. docs/perf.md)")
    p.add_argument("--figure", metavar="PATH", help="the figure as PNG (e.g. docs/figures/perf.png)")
    p.add_argument("--from-json", metavar="PATH", help="redraw --markdown and --figure from an earlier --out")
    p.add_argument("--worker", help=argparse.SUPPRESS)  # one framework's rows as JSON lines (the runner's child)
    return p


def _print_row(name: str, row: dict) -> None:
    s = row["size"]
    head = f"{name:16} {row['target'].split(':')[-1][:28]:28} H={s['hidden_size']:<5} {MODE_LABELS[row['mode']]:8}"
    if row["status"] == "skipped":
        print(f"{head} skipped: {row['reason']}", flush=True)
    else:
        print(f"{head} {row['target_s'] / row['native_s']:7.2f}x  target {row['target_s']:.4f} s  native "
              f"{row['native_s']:.4f} s", flush=True)


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.worker:
        return _worker(args)
    if args.from_json:
        with open(args.from_json, encoding="utf-8") as f:
            perf = json.load(f)
    else:
        perf = run_perf_matrix(frameworks=args.frameworks, sizes=args.sizes, repeats=args.repeats,
                               threads=args.threads, every=args.every_target, timeout=args.timeout, on_row=_print_row)
        for name, why in perf["not_installed"].items():
            print(f"NOT INSTALLED {name}: {why.splitlines()[0]}")
        print(f"wall time {perf['wall_s']:.0f} s; fp32 peak {perf['peak_gflops_fp32']:.1f} GFLOP/s")
    if args.out:
        write_json(perf, args.out)
    if args.markdown:
        write_text(markdown(perf), args.markdown)
    if args.figure:
        figure(perf, args.figure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
