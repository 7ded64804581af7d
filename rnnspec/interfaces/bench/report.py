"""The bench's results as a table and as one JSON object (``rnnspec bench --json``)."""

from __future__ import annotations

import os
import platform
from dataclasses import asdict

import torch

from .measure import BenchResult
from .timing import FLOP_CONVENTION, MEMORY_CONVENTION

__all__ = ["machine", "json_report", "header_lines", "table_lines", "seconds", "busy_note"]

TIME_CONVENTION = ("median seconds of one call over the timed calls, target and native timed in turn round after "
                   "round in one process, after one untimed warm-up call each")
PEAK_CONVENTION = ("fraction_of_peak: the target's GFLOP/s over peak_gflops_fp32, the best rate of a 2048x2048 "
                   "float32 matrix product measured in the same process, 5 times before the rows and 5 after "
                   "(float64 rows too)")


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _load_average() -> list[float] | None:
    try:
        return list(os.getloadavg())
    except (AttributeError, OSError):  # not on every platform
        return None


def machine(device: str = "cpu") -> dict:
    """Where the bench ran: the CPU, its cores, torch's threads, the versions that matter, the load
    average (1, 5, 15 minutes) when the report is made (above the cores, other work competed), and
    the device with its name (a GPU's, and the CUDA and cuDNN versions)."""
    found = {"cpu": _cpu_name(), "cores": os.cpu_count(), "threads": torch.get_num_threads(), "torch": torch.__version__,
             "python": platform.python_version(), "platform": platform.platform(), "load_average": _load_average(),
             "device": device}
    if device.startswith("cuda"):
        found.update(gpu=torch.cuda.get_device_name(device), cuda=torch.version.cuda,
                     cudnn=torch.backends.cudnn.version())
    return found


def _row(r: BenchResult, peak: float) -> dict:
    row = {"size": asdict(r.size), "mode": r.mode, "dtype": r.dtype, "status": r.status}
    if r.status == "skipped":
        return {**row, "reason": r.reason}
    return {**row, "target_s": r.target_s, "native_s": r.native_s, "ratio": r.ratio, "flops": r.flops,
            "target_gflops": r.gflops("target"), "native_gflops": r.gflops("native"),
            "fraction_of_peak": r.gflops("target") / peak, "native_fraction_of_peak": r.gflops("native") / peak,
            "target_peak_rss_rise_mib": r.target_rss_mib, "native_peak_rss_rise_mib": r.native_rss_mib}


def json_report(target, *, native, results: list[BenchResult], peak: float, repeats: int, device: str = "cpu") -> dict:
    """One JSON-able object: what was timed, where, the conventions of every figure, and each row."""
    from rnnspec import __version__

    return {
        "rnnspec": __version__,
        "target": target.name,
        "command": f"rnnspec bench {target.cli_args()}",
        "like": target.like,
        "native": native.name,
        "machine": machine(device),
        "peak_gflops_fp32": peak,
        "repeats": repeats,
        "conventions": {"time": TIME_CONVENTION, "flops": FLOP_CONVENTION, "fraction_of_peak": PEAK_CONVENTION,
                        "peak_rss_rise_mib": MEMORY_CONVENTION},
        "results": [_row(r, peak) for r in results],
    }


def _threads() -> str:
    n = torch.get_num_threads()
    return f"{n} thread" + ("s" if n != 1 else "")


def header_lines(target, *, native, dtype: str, repeats: int, unsupported, device: str = "cpu") -> list[str]:
    """The lines before the rows are timed: what against what, how, where; the options probed out."""
    where = _threads() if device == "cpu" else f"on {device} ({machine(device).get('gpu', device)})"
    lines = [f"rnnspec bench {target.cli_args()} against native {native.name}: cell {target.cells[0]}, {dtype}, "
             f"median of {repeats} interleaved calls; torch {torch.__version__}, {where}"]
    return lines + [f"not supported (probed): {option}: {why}" for option, why in unsupported.items()]


def seconds(s: float) -> str:
    """A duration in the unit that reads best: 812 us, 12.3 ms, 1.75 s."""
    if s < 1e-3:
        return f"{s * 1e6:.0f} us"
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


def _rate(gflops: float) -> str:
    return f"{gflops:.1f}" if gflops >= 1 else f"{gflops:.2g}"


def _mib(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


_HEAD = (("", "", "", "target", "native", "target/", "target", "native", "target", "target", "native"),
         ("B,T,I,H", "dtype", "mode", "time", "time", "native", "GFLOP/s", "GFLOP/s", "of peak", "RSS+ MiB",
          "RSS+ MiB"))
_WIDTHS = (18, 8, 9, 10, 10, 8, 9, 9, 8, 9, 9)
LEGEND = ("target/native: the ratio of times (above 1: the target is slower); GFLOP/s: matrix-product FLOPs, 2 per "
          "multiply-add, backward counted as 3x the forward; of peak: of the fp32 peak measured above; RSS+: how far "
          "resident memory rose during the first call")


def _line(cells) -> str:
    return "".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, _WIDTHS))).rstrip()


def table_lines(results: list[BenchResult], *, peak: float) -> list[str]:
    """One line per row: times, target/native ratio, GFLOP/s of each, the target's fraction of the
    fp32 peak and each one's peak RSS rise; a skipped row gives its reason instead."""
    lines = [f"measured fp32 peak {peak:.1f} GFLOP/s (the best 2048x2048 matrix product before and after the rows)"]
    lines += [_line(head) for head in _HEAD]
    for r in results:
        s = r.size
        row = [f"{s.batch},{s.seq_len},{s.input_size},{s.hidden_size}", r.dtype, r.mode]
        if r.status == "skipped":
            lines.append(_line(row).ljust(sum(_WIDTHS[:3])) + f"skipped: {r.reason}")
            continue
        lines.append(_line(row + [seconds(r.target_s), seconds(r.native_s), f"{r.ratio:.2f}x",
                                  _rate(r.gflops("target")), _rate(r.gflops("native")),
                                  f"{r.gflops('target') / peak:.0%}", _mib(r.target_rss_mib), _mib(r.native_rss_mib)]))
    return lines + [LEGEND]


def busy_note() -> str | None:
    """A line for when other work competed for the CPU (the 1-minute load average above the cores), else None."""
    load, cores = _load_average(), os.cpu_count() or 1
    if load is None or load[0] <= cores:
        return None
    return (f"note: load average {load[0]:.1f} on {cores} cores: other work competed for the CPU, so these times vary "
            f"more than usual (torch's threads wait on each other); rerun on a quieter machine, or with --threads 1")
