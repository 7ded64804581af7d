"""pytest-benchmark over the same registry. `pytest benchmarks --benchmark-only` times them;
the README's test command runs each once with --benchmark-disable, so none can rot."""

import pytest

from benchmarks.cases import CELLS, IMPLS, BenchCase


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("cell", CELLS)
def test_layer_forward(benchmark, cell, impl):
    case = BenchCase(cell, impl)
    out = benchmark(case.forward())
    assert out[0].shape == (case.seq_len, case.batch, case.hidden)
