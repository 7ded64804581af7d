"""The performance matrix (``rnnspec.interfaces.bench.perf_matrix``): its JSON schema on torch and one other
framework, a framework that is not installed, the markdown and the figure. Tiny sizes
(``QUICK_BENCH_SIZES``), one timed call each; no test asserts a speed, only that each figure is a
positive finite number."""

import json
import math
import os

import pytest

from rnnspec.interfaces.bench import perf_matrix
from rnnspec.interfaces.matrix.frameworks import FRAMEWORKS, Framework
from rnnspec.spec.scale import QUICK_BENCH_SIZES

# one worker under the slow tier's xdist: the module fixture's matrix run is made once, not on each
pytestmark = pytest.mark.xdist_group("perf-matrix")

TOP = {"versions": dict, "machine": dict, "threads": int, "thread_env": dict, "peak_gflops_fp32": float,
       "sizes": list, "repeats": list, "wall_s": float, "conventions": dict, "frameworks": dict,
       "not_installed": dict}
TARGET = {"name": str, "api": str, "subject": str, "cell": str, "native": str, "command": str, "probed_out": dict,
          "rows": list}
ROW = {"target": str, "repeats": int, "size": dict, "mode": str, "dtype": str, "status": str}
POSITIVE = ("target_s", "native_s", "ratio", "target_gflops", "native_gflops", "fraction_of_peak")


def assert_keys_and_types(obj: dict, expected: dict, *, what: str) -> None:
    assert set(obj) >= set(expected), f"{what}: missing {sorted(set(expected) - set(obj))}"
    for key, kind in expected.items():
        assert isinstance(obj[key], kind), f"{what}[{key!r}] = {obj[key]!r}, expected {kind}"


@pytest.fixture(scope="module")
def perf():
    """torch and torch.ao (an int8 layer without gradients: a skipped backward) at the tiny size,
    the fp32 peak from one small product (its path, not its value)."""
    import rnnspec.interfaces.bench

    measure = rnnspec.interfaces.bench.measure_peak_gflops
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rnnspec.interfaces.bench, "measure_peak_gflops", lambda device="cpu": measure(device, n=256, repeats=1))
        return perf_matrix.run_perf_matrix(frameworks=["torch", "torch.ao"], sizes=QUICK_BENCH_SIZES, repeats=(1,),
                                           threads=1)


@pytest.mark.slow  # a worker process per framework: seconds each
def test_schema_on_torch_and_torch_ao(perf):
    assert_keys_and_types(perf, TOP, what="perf")
    assert json.loads(json.dumps(perf)) == perf, "the result is not plain JSON"
    assert set(perf["frameworks"]) == {"torch", "torch.ao"}, perf["not_installed"]
    assert perf["versions"]["torch"] and perf["threads"] == 1 and perf["thread_env"]["OMP_NUM_THREADS"] == "1"
    assert perf["peak_gflops_fp32"] > 0
    for name, entry in perf["frameworks"].items():
        assert entry["version"], f"{name}: no version"
        assert entry["targets"], f"{name}: no target timed"
        for t in entry["targets"]:
            assert_keys_and_types(t, TARGET, what=f"{name} {t.get('name')}")
            assert t["subject"] == "layer", f"{name}: {t['name']} is a {t['subject']}, expected only layers"
            assert len(t["rows"]) == 2 * len(QUICK_BENCH_SIZES), f"{t['name']}: {len(t['rows'])} rows"
            for row in t["rows"]:
                assert_keys_and_types(row, ROW, what=f"{t['name']} row")
                if row["status"] == "skipped":
                    assert row["reason"], f"{t['name']} {row['mode']}: skipped without a reason"
                    continue
                for key in POSITIVE:
                    assert math.isfinite(row[key]) and row[key] > 0, f"{t['name']} {row['mode']}: {key}={row[key]}"


@pytest.mark.slow  # a worker process per framework: seconds each
def test_torch_times_its_three_layers_and_torch_ao_skips_int8_backward(perf):
    torch_names = [t["name"] for t in perf["frameworks"]["torch"]["targets"]]
    assert torch_names == ["torch.nn.RNN", "torch.nn.LSTM", "torch.nn.GRU"], torch_names  # no cells, no clipping
    rows = {(t["name"], r["mode"]): r for t in perf["frameworks"]["torch.ao"]["targets"] for r in t["rows"]}
    skipped = rows[("torch.ao.nn.quantized.dynamic.LSTM", "backward")]
    assert skipped["status"] == "skipped" and "no gradients" in skipped["reason"], skipped
    assert rows[("torch.ao.nn.quantized.dynamic.LSTM", "forward")]["status"] == "measured"


def test_the_worker_times_torch_s_layers_in_process():
    """What a framework's process sends, run here (the fast tier's check; the slow one runs the processes)."""
    messages = list(perf_matrix.worker_messages("torch", sizes=QUICK_BENCH_SIZES, repeats=[1]))
    assert messages[0]["version"]
    targets = [m["target"] for m in messages if "target" in m]
    assert [t["name"] for t in targets] == ["torch.nn.RNN", "torch.nn.LSTM", "torch.nn.GRU"]
    rows = [m["row"] for m in messages if "row" in m]
    assert len(rows) == 3 * 2 * len(QUICK_BENCH_SIZES)
    for row in rows:
        assert_keys_and_types(row, ROW, what=f"{row['target']} row")
        assert row["status"] == "measured"
        for key in ("target_s", "native_s", "flops"):  # the parent adds ratios and rates (it measures the peak)
            assert math.isfinite(row[key]) and row[key] > 0, f"{row['target']} {row['mode']}: {key}={row[key]}"


def test_missing_framework_is_listed_with_its_reason(monkeypatch):
    monkeypatch.setitem(FRAMEWORKS, "absent", Framework("absent", requires="rnnspec_no_such_module"))
    messages = list(perf_matrix.worker_messages("absent", sizes=QUICK_BENCH_SIZES, repeats=[1]))
    assert messages == [{"not_installed": "ModuleNotFoundError: No module named 'rnnspec_no_such_module'"}]


@pytest.mark.slow  # a worker process importing keras: seconds
def test_missing_framework_through_the_runner(monkeypatch, tmp_path):
    pytest.importorskip("rnnspec")  # the worker imports rnnspec in a fresh process
    # the worker process finds, first on its path, a tensorflow that raises as an absent one does
    (tmp_path / "tensorflow").mkdir()
    (tmp_path / "tensorflow" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'tensorflow'\", name='tensorflow')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    perf = perf_matrix.run_perf_matrix(frameworks=["keras-tensorflow"], sizes=QUICK_BENCH_SIZES, repeats=(1,))
    assert perf["frameworks"] == {}
    assert "tensorflow" in perf["not_installed"]["keras-tensorflow"], perf["not_installed"]
    assert "keras-tensorflow: ModuleNotFoundError" in perf_matrix.markdown(perf)


@pytest.mark.slow  # a worker process per framework: seconds each
def test_markdown_and_figure_are_written(perf, tmp_path):
    pytest.importorskip("matplotlib")
    page = perf_matrix.markdown(perf)
    for entry in perf["frameworks"].values():
        for t in entry["targets"]:
            assert f"`{t['name'].split(':')[-1]}`" in page, f"{t['name']} not in the page"
    assert "no gradients" in page, "the skip reason is not on the page"
    path = tmp_path / "figures" / "perf.png"
    perf_matrix.figure(perf, str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"


@pytest.mark.slow  # a worker process per framework: seconds each
def test_from_json_redraws_without_running(perf, tmp_path):
    pytest.importorskip("matplotlib")
    source = tmp_path / "perf.json"
    source.write_text(json.dumps(perf))
    md, png = tmp_path / "perf.md", tmp_path / "perf.png"
    assert perf_matrix.main(["--from-json", str(source), "--markdown", str(md), "--figure", str(png)]) == 0
    assert md.read_text().startswith("# Performance matrix") and png.stat().st_size > 0


@pytest.mark.parametrize("repeats, expected", [((5, 3), [5, 3, 3]), ((2,), [2, 2, 2])])
def test_repeats_per_size(repeats, expected):
    assert perf_matrix._per_size(repeats, [None] * 3) == expected


def test_thread_env_holds_jax_to_one_thread():
    assert perf_matrix.thread_env(None) == {}
    assert "xla_cpu_multi_thread_eigen=false" in perf_matrix.thread_env(1)["XLA_FLAGS"]
    assert "XLA_FLAGS" not in perf_matrix.thread_env(2)
