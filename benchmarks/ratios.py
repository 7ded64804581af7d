"""One run, interleaved: each implementation's forward time relative to torch's native layer.

    python -m benchmarks.ratios [--repeats N] [--cells lstm gru rnn_tanh]

Implementations are timed in turn, round after round, so a noisy neighbour slows all alike;
within a round each runs a few times back to back and its first call is dropped, so the thread
pools of numpy's BLAS and torch do not pay for each other's wake-ups. The figure is the median.
Ratios are meaningful, absolute times much less so.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from benchmarks.cases import CELLS, IMPLS, BenchCase


def measure(cell: str, *, repeats: int, **sizes) -> dict[str, float]:
    runs = {impl: BenchCase(cell, impl, **sizes).forward() for impl in IMPLS}
    for run in runs.values():
        run()  # warm up
    times = {impl: [] for impl in IMPLS}
    for _ in range(repeats):
        for impl, run in runs.items():
            run()  # settles the thread pool this implementation uses
            for _ in range(3):
                start = time.perf_counter()
                run()
                times[impl].append(time.perf_counter() - start)
    return {impl: statistics.median(t) for impl, t in times.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--cells", nargs="+", default=list(CELLS))
    args = parser.parse_args(argv)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; B=64 T=100 I=H=256 float32, CPU forward")
    print(f"{'cell':<10}" + "".join(f"{impl:>18}" for impl in IMPLS) + "   (median ms; x native)")
    for cell in args.cells:
        med = measure(cell, repeats=args.repeats)
        cols = "".join(f"{med[i] * 1e3:9.1f} ({med[i] / med['native']:4.2f}x)" for i in IMPLS)
        print(f"{cell:<10}{cols}")


if __name__ == "__main__":
    main()
