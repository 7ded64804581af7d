"""One run, interleaved: each implementation's time relative to torch's native layer, native
GFLOP/s and fraction of the measured fp32 peak, and the GRU/LSTM time ratio.

    python -m benchmarks.ratios [--repeats N] [--hidden 256] [--batch 64] [--mode forward] [--dtype float64]

Implementations are timed in turn, round after round, so a noisy neighbour slows all alike;
within a round each runs a few times back to back and its first call is dropped, so the thread
pools of numpy's BLAS and torch do not pay for each other's wake-ups. The figure is the median.
"""

from __future__ import annotations

import argparse
import statistics

import torch

from benchmarks.cases import CELLS, LayerCase
from rnnspec.interfaces.bench.timing import interleaved_times, peak_gflops


def measure(cases: dict, *, repeats: int) -> dict[str, float]:
    benches = {key: case.build() for key, case in cases.items()}
    for bench in benches.values():
        bench.run()  # warm up (and compile)
    times = interleaved_times({key: bench.run for key, bench in benches.items()}, repeats=repeats, per_round=3,
                              settle=True)
    return {key: statistics.median(t) for key, t in times.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--mode", choices=["forward", "forward_backward"], default="forward")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--impls", nargs="+", default=["native", "torch_reference", "numpy_reference"])
    args = parser.parse_args(argv)
    impls = list(args.impls)
    peak = peak_gflops("cpu")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU; B={args.batch} T=100 "
          f"I=H={args.hidden} {args.dtype}, {args.mode}; measured fp32 peak {peak:.0f} GFLOP/s")
    cases = {(cell, impl): LayerCase(cell, impl, args.mode, args.hidden, args.batch, dtype=args.dtype) for cell in CELLS for impl in impls}
    med = measure(cases, repeats=args.repeats)
    print(f"{'cell':<10}" + "".join(f"{impl:>24}" for impl in impls) + "   native GFLOP/s (of peak)")
    for cell in CELLS:
        native = med[(cell, "native")]
        cols = "".join(f"{med[(cell, i)] * 1e3:12.1f} ms ({med[(cell, i)] / native:4.2f}x)" for i in impls)
        gflops = cases[(cell, "native")].flops() / native / 1e9
        print(f"{cell:<10}{cols}   {gflops:6.1f} ({gflops / peak:.0%})")
    for impl in impls:
        print(f"GRU/LSTM time ratio, {impl}: {med[('gru', impl)] / med[('lstm', impl)]:.2f}")


if __name__ == "__main__":
    main()
