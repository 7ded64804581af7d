"""asv: achieved GFLOP/s and the fraction of this machine's fp32 peak (measured in the same
process by a large matrix product), the GRU/LSTM time ratio the lecture speaks of, and CUDA's
peak memory where there is CUDA. FLOPs count matrix products only (benchmarks.cases)."""

import statistics
import time

import torch

from .cases import DEVICES, IMPLS, LAYER_CASES, LayerCase, by_name, peak_gflops, sized, synchronize

_EFFICIENCY = [c.name for c in LAYER_CASES if c.impl == "native" and c.num_layers == 1 and not c.bidirectional
               and c.batch == 64]


def _median_seconds(bench, repeats: int = 3) -> float:
    bench.run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        bench.run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class TrackEfficiency:
    """Native layers at B=64, T=100: GFLOP/s and the fraction of the peak measured just before."""

    param_names = ["case"]
    params = [_EFFICIENCY]
    timeout = 1800

    def setup_cache(self):
        gflops = {}
        for name in _EFFICIENCY:
            bench = by_name(name).build()
            gflops[name] = bench.flops / _median_seconds(bench) / 1e9
        return {"gflops": gflops, "peak": {device: peak_gflops(device) for device in DEVICES}}

    setup_cache.timeout = 1800

    def track_gflops(self, cache, name):
        return cache["gflops"][name]

    track_gflops.unit = "GFLOP/s"

    def track_fraction_of_peak(self, cache, name):
        return cache["gflops"][name] / cache["peak"][by_name(name).device]

    track_fraction_of_peak.unit = "fraction of fp32 peak"


class TrackGruLstmRatio:
    """time(GRU) / time(LSTM) at equal sizes (H=256, B=64, T=100, one layer): below 1 means
    the lecture's "GRU is quicker to compute" holds for that implementation and device."""

    param_names = ["impl", "mode", "device"]
    params = [[i for i in IMPLS if i != "compiled_reference"], ["forward", "forward_backward"], list(DEVICES)]
    timeout = 900

    def setup(self, impl, mode, device):
        if impl == "numpy_reference" and device != "cpu":
            raise NotImplementedError("numpy runs on the CPU only")
        t = {cell: _median_seconds(sized(LayerCase(cell, impl, mode, 256, 64, device=device)).build())
             for cell in ("gru", "lstm")}
        self.ratio = t["gru"] / t["lstm"]

    def track_gru_over_lstm_time(self, impl, mode, device):
        return self.ratio

    track_gru_over_lstm_time.unit = "ratio"


if "cuda" in DEVICES:

    class TrackCudaPeakMemory:
        param_names = ["case"]
        params = [[c.name for c in LAYER_CASES if c.device == "cuda" and c.hidden == 1024]]
        timeout = 900

        def track_cuda_peak_bytes(self, name):
            torch.cuda.reset_peak_memory_stats()
            by_name(name).build().run()
            synchronize("cuda")
            return torch.cuda.max_memory_allocated()

        track_cuda_peak_bytes.unit = "bytes"
