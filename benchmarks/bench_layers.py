"""asv: forward time of each cell's layer, per implementation (cases from benchmarks.cases)."""

from .cases import CELLS, IMPLS, BenchCase


class TimeLayerForward:
    params = (list(CELLS), list(IMPLS))
    param_names = ("cell", "impl")
    timeout = 300

    def setup(self, cell, impl):
        self.run = BenchCase(cell, impl).forward()

    def time_forward(self, cell, impl):
        self.run()
