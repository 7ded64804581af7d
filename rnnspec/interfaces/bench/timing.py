"""What a benchmark measures, shared by ``rnnspec bench`` and ``benchmarks/``: FLOPs of one call,
the machine's fp32 peak, interleaved timing, forward+backward, and the memory one call takes.

FLOPs (``call_flops``) count matrix products only, 2 FLOPs per multiply-add of the registry's
formula (``rnnspec.spec.scale.forward_macs``: one multiply-add per weight per row and step):
    forward, per layer, direction and step:  2 * B * G * H * (I_l + H)     (G gates)
    backward: twice the forward's products (d input and d weights), so forward+backward = 3x.
Element-wise work (gates, activations) is left out: it is O(B*G*H) per step against O(B*G*H*(I+H)).
"""

from __future__ import annotations

import ctypes
import functools
import time
from typing import Callable, Hashable, Iterator, Mapping, TypeVar

import torch

from rnnspec.spec import cell_kind
from rnnspec.spec.scale import forward_macs

__all__ = ["FLOP_CONVENTION", "MEMORY_CONVENTION", "call_flops", "peak_gflops", "measure_peak_gflops", "interleaved_times", "forward_backward",
           "peak_rss_rise_mib"]

FLOP_CONVENTION = ("matrix products only, 2 FLOPs per multiply-add of rnnspec.spec.scale.forward_macs (one per weight "
                   "per row and step); backward (forward then backward of the sum of every output) counted as 3x "
                   "the forward")
MEMORY_CONVENTION = ("how far the process's resident memory (RSS) peaked above where it stood just before one call "
                     "(the first, untimed one), in MiB: free heap memory returned to the OS first (glibc "
                     "malloc_trim), the peak-RSS mark (VmHWM) reset by /proc/self/clear_refs, read after the call. "
                     "Not torch's allocator statistics (torch keeps none on CPU); null where Linux offers no reset")

K = TypeVar("K", bound=Hashable)


def call_flops(config, *, batch: int, seq_len: int, backward: bool) -> int:
    """Matrix-product FLOPs of one call of ``config`` (a LayerConfig, or a CellConfig unrolled
    ``seq_len`` steps) on ``batch`` rows (see the module docstring)."""
    macs = forward_macs(gates=cell_kind(config.cell).num_gates, input_size=config.input_size,
                        hidden_size=config.hidden_size, output_size=getattr(config, "output_size", config.hidden_size),
                        num_layers=getattr(config, "num_layers", 1), directions=getattr(config, "num_directions", 1))
    return 2 * macs * batch * seq_len * (3 if backward else 1)


@functools.lru_cache(maxsize=None)
def peak_gflops(device: str = "cpu", n: int = 2048, repeats: int = 5) -> float:
    """``measure_peak_gflops``, measured once per process (asv reads it for every case)."""
    return measure_peak_gflops(device, n=n, repeats=repeats)


def measure_peak_gflops(device: str = "cpu", *, n: int = 2048, repeats: int = 5) -> float:
    """The machine's fp32 matrix-product rate, measured now: the best of ``repeats`` n x n products
    (torch.utils.benchmark.Timer: it synchronizes CUDA and keeps torch's thread count)."""
    from torch.utils.benchmark import Timer

    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    timer = Timer("a @ b", globals={"a": a, "b": b}, num_threads=torch.get_num_threads())
    timer.timeit(1)  # warm up
    best = min(timer.timeit(1).mean for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def interleaved_times(runs: Mapping[K, Callable[[], object]], *, repeats: int, per_round: int = 1,
                      settle: bool = False) -> dict[K, list[float]]:
    """Seconds of each timed call of each run. The runs are timed in turn, round after round
    (``repeats`` rounds), so a noisy neighbour slows all alike; within a round each is called
    ``per_round`` times back to back, after one untimed call when ``settle`` (so thread pools of
    different libraries do not pay for each other's wake-ups). Warm the runs up before."""
    times: dict[K, list[float]] = {key: [] for key in runs}
    for _ in range(repeats):
        for key, run in runs.items():
            if settle:
                run()
            for _ in range(per_round):
                start = time.perf_counter()
                run()
                times[key].append(time.perf_counter() - start)
    return times


def _tensors(obj) -> Iterator[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            yield from _tensors(o)


def forward_backward(forward: Callable[[], object], leaves) -> Callable[[], torch.Tensor]:
    """A call of ``forward``, then backward of the sum of every tensor it returns; the gradients of
    ``leaves`` cleared after, so each call computes them afresh."""
    def run():
        loss = sum(t.sum() for t in _tensors(forward()))
        loss.backward()
        for t in leaves:
            t.grad = None
        return loss
    return run


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"/proc/self/status has no {field}")


def peak_rss_rise_mib(call: Callable[[], object]) -> float | None:
    """Call ``call`` once; how far the process's resident memory peaked above where it stood just
    before, in MiB (MEMORY_CONVENTION); None where the peak mark cannot be reset (not Linux)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)  # glibc: hand free heap memory back, so reuse shows as a rise
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")  # resets VmHWM to the current RSS
        before = _status_kib("VmRSS")
    except OSError:
        call()
        return None
    call()
    return max(0, _status_kib("VmHWM") - before) / 1024
