"""``rnnspec bench TARGET``: a target's speed against torch's native layer, at the registry's
standard sizes (``rnnspec.spec.scale.BENCH_SIZES``) or the user's.

- ``timing``: what is measured (FLOPs, the fp32 peak, interleaved timing, forward+backward, memory),
  shared with ``benchmarks/``;
- ``measure``: building the target and the native layer with the same weights, one row per size
  and mode, measured or skipped with the reason;
- ``report``: the table and the JSON object.
"""

from .measure import MODES, BenchResult, bench, calls, native_for, parse_sizes, size_label
from .report import busy_note, header_lines, json_report, machine, table_lines
from .timing import (FLOP_CONVENTION, MEMORY_CONVENTION, call_flops, forward_backward, interleaved_times,
                     measure_peak_gflops, peak_gflops)

__all__ = ["MODES", "BenchResult", "bench", "calls", "native_for", "parse_sizes", "size_label", "busy_note", "header_lines",
           "json_report", "machine", "table_lines", "FLOP_CONVENTION", "MEMORY_CONVENTION", "call_flops",
           "forward_backward", "interleaved_times", "measure_peak_gflops", "peak_gflops"]
