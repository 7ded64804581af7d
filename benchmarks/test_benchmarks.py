"""pytest-benchmark over the same registry. `pytest benchmarks --benchmark-enable --benchmark-only`
times every case; the README's test command (benchmarks disabled) runs each once at toy sizes
(benchmarks.cases.smoke), so none can rot."""

import pytest

from benchmarks.cases import ALL_CASES, smoke


@pytest.mark.parametrize("name", list(ALL_CASES))
def test_case(benchmark, name):
    case = smoke(ALL_CASES[name]) if benchmark.disabled else ALL_CASES[name]
    out = benchmark(case.build().run)
    if name.startswith("layer-") and case.mode == "forward":
        assert out[0].shape == (case.seq_len, case.batch, case.hidden * (2 if case.bidirectional else 1))
