"""asv: wall time of every case in the registry (benchmarks.cases), layers, cells and clipping,
and the host's peak memory of a forward pass."""

from .cases import CELL_CASES, CLIP_CASES, LAYER_CASES, by_name


class _Timed:
    param_names = ["case"]
    timeout = 900
    number = 1  # one call is long enough to time alone
    repeat = (3, 10, 20.0)  # at least 3 samples, at most 10 or 20 s
    warmup_time = 0

    def setup(self, name):
        self.bench = by_name(name).build()
        self.bench.run()  # warm: compiles, allocator, thread pools

    def time_run(self, name):
        self.bench.run()


class TimeLayers(_Timed):
    params = [[c.name for c in LAYER_CASES]]


class TimeCells(_Timed):
    params = [[c.name for c in CELL_CASES]]


class TimeClipping(_Timed):
    params = [[c.name for c in CLIP_CASES]]


class PeakmemLayerForward:
    """Peak resident memory of the benchmark process around one forward (host memory)."""

    param_names = ["case"]
    params = [[c.name for c in LAYER_CASES if c.mode == "forward" and c.hidden == 1024 and c.batch == 64
               and c.device == "cpu" and c.impl != "compiled_reference"]]
    timeout = 900

    def peakmem_forward(self, name):
        by_name(name).build().run()
