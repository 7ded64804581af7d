"""``rnnspec bench``: its JSON schema, its skip reasons, its user mistakes, and runs end to end on
torch's built-ins and a drop-in. Tiny sizes, one timed call each; no test asserts a speed or a
ratio, only that each figure is a positive finite number."""

import json
import math
import os
import subprocess
import sys

import pytest
import torch

from rnnspec.interfaces.bench import BenchResult, bench, call_flops, native_for, parse_sizes
from rnnspec.interfaces.bench.measure import _case, _runner
from rnnspec.interfaces.cli import main
from rnnspec.spec import LayerConfig
from rnnspec.spec.scale import BENCH_SIZES, QUICK_BENCH_SIZES, BenchSize
from rnnspec.targets import load_target

from locations import DROPINS
TINY = ";".join(f"{s.batch},{s.seq_len},{s.input_size},{s.hidden_size}" for s in QUICK_BENCH_SIZES)

# the JSON's keys and their types: every row has ROW; a measured row MEASURED too, a skipped one "reason"
TOP = {"rnnspec": str, "target": str, "command": str, "like": str, "native": str, "machine": dict,
       "peak_gflops_fp32": float, "repeats": int, "conventions": dict, "results": list}
MACHINE = {"cpu": str, "cores": int, "threads": int, "torch": str, "python": str, "platform": str,
           "load_average": (list, type(None))}
CONVENTIONS = {"time", "flops", "fraction_of_peak", "peak_rss_rise_mib"}
ROW = {"size": dict, "mode": str, "dtype": str, "status": str}
SIZE = {"batch": int, "seq_len": int, "input_size": int, "hidden_size": int}
POSITIVE = ("target_s", "native_s", "ratio", "target_gflops", "native_gflops", "fraction_of_peak",
            "native_fraction_of_peak")
MEASURED = {**{k: float for k in POSITIVE}, "flops": int, "target_peak_rss_rise_mib": (float, type(None)),
            "native_peak_rss_rise_mib": (float, type(None))}


def assert_keys_and_types(obj: dict, expected: dict, *, what: str) -> None:
    assert set(obj) >= set(expected), f"{what}: missing {sorted(set(expected) - set(obj))}"
    for key, kind in expected.items():
        assert isinstance(obj[key], kind), f"{what}[{key!r}] = {obj[key]!r}, expected {kind}"


def assert_schema(report: dict) -> None:
    """Every key of the bench's JSON with its type; every measured figure positive and finite."""
    assert_keys_and_types(report, TOP, what="report")
    assert_keys_and_types(report["machine"], MACHINE, what="machine")
    assert set(report["conventions"]) == CONVENTIONS and all(report["conventions"].values())
    assert report["peak_gflops_fp32"] > 0 and math.isfinite(report["peak_gflops_fp32"])
    for i, row in enumerate(report["results"]):
        assert_keys_and_types(row, ROW, what=f"results[{i}]")
        assert_keys_and_types(row["size"], SIZE, what=f"results[{i}]['size']")
        assert row["mode"] in ("forward", "backward") and row["dtype"] in ("float32", "float64")
        assert row["status"] in ("measured", "skipped")
        if row["status"] == "skipped":
            assert set(row) == set(ROW) | {"reason"} and isinstance(row["reason"], str) and row["reason"]
            continue
        assert_keys_and_types(row, MEASURED, what=f"results[{i}]")
        for key in POSITIVE:
            assert row[key] > 0 and math.isfinite(row[key]), f"results[{i}][{key!r}] = {row[key]!r}"


@pytest.fixture(autouse=True)
def quick_peak(monkeypatch):
    """The fp32 peak from one 256x256 product instead of ten 2048x2048 ones (a second each): the
    figure's path and schema are what these tests check, not its value."""
    import rnnspec.interfaces.bench

    measure = rnnspec.interfaces.bench.measure_peak_gflops
    monkeypatch.setattr(rnnspec.interfaces.bench, "measure_peak_gflops", lambda device="cpu": measure(device, n=256, repeats=1))


def bench_json(tmp_path, *args) -> dict:
    path = tmp_path / "bench.json"
    assert main(["bench", *args, "--repeats", "1", "--json", str(path)]) == 0
    return json.loads(path.read_text())


def write_dropin(tmp_path, name: str, body: str) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text("import torch\n\n\n" + body)
    return f"{path}:{name}"


def test_the_registry_has_standard_sizes_and_a_quick_set():
    assert BenchSize(64, 100, 256, 256) in BENCH_SIZES
    assert any(s.hidden_size >= 1024 for s in BENCH_SIZES)
    assert all(s.hidden_size <= 8 and s.seq_len <= 4 for s in QUICK_BENCH_SIZES)


def test_json_of_a_builtin_has_every_key_and_positive_figures(tmp_path, capsys):
    report = bench_json(tmp_path, "torch.nn.LSTM", "--sizes", TINY)
    assert_schema(report)
    assert [(r["mode"], r["status"]) for r in report["results"]] == [("forward", "measured"), ("backward", "measured")]
    assert report["target"] == report["like"] == report["native"] == "torch.nn.LSTM"
    forward, backward = report["results"]
    assert backward["flops"] == 3 * forward["flops"]
    out = capsys.readouterr()
    assert "rnnspec bench torch.nn.LSTM against native torch.nn.LSTM" in out.out
    assert "2,3,4,5" in out.out and "[2/2]" in out.err  # the table on stdout, progress on stderr


def test_a_dropin_from_the_tests_with_like(tmp_path, capsys):
    report = bench_json(tmp_path, f"{DROPINS / 'independent.py'}:GRU", "--like", "torch.nn.GRU",
                        "--sizes", TINY, "--mode", "backward")
    assert_schema(report)
    assert report["native"] == "torch.nn.GRU" and [r["status"] for r in report["results"]] == ["measured"]
    assert "--like torch.nn.GRU" in report["command"]


def test_a_cell_is_unrolled_over_the_steps(tmp_path):
    report = bench_json(tmp_path, "torch.nn.GRUCell", "--size", "2,3,4,5", "--mode", "forward")
    assert_schema(report)
    assert report["results"][0]["flops"] == call_flops(LayerConfig("gru", 4, 5), batch=2, seq_len=3, backward=False)


def test_target_and_native_get_the_same_weights_and_input():
    target = load_target(f"{DROPINS / 'independent.py'}:LSTM", like="torch.nn.LSTM")
    native = native_for(target)
    case = _case(target, BenchSize(2, 3, 4, 5), "float64", cell="lstm")
    mine, theirs = (_runner(t, case, case.params(), backward=False)() for t in (target, native))
    torch.testing.assert_close(mine.output, theirs.output)


def test_a_size_the_target_refuses_is_skipped_with_the_error(tmp_path):
    target = write_dropin(tmp_path, "SmallOnlyLSTM", (
        "class SmallOnlyLSTM(torch.nn.LSTM):\n"
        "    def __init__(self, input_size, hidden_size, **kwargs):\n"
        "        if hidden_size > 8:\n"
        "            raise ValueError(f'hidden_size={hidden_size}: at most 8\\nsecond line')\n"
        "        super().__init__(input_size, hidden_size, **kwargs)\n"))
    report = bench_json(tmp_path, target, "--like", "torch.nn.LSTM", "--sizes", f"{TINY};2,3,4,9", "--mode", "forward")
    assert_schema(report)
    assert [r["status"] for r in report["results"]] == ["measured", "skipped"]
    assert report["results"][1]["reason"] == "target raised ValueError: hidden_size=9: at most 8"


def test_a_target_without_gradients_skips_the_backward(tmp_path):
    target = write_dropin(tmp_path, "NoGradLSTM", (
        "class NoGradLSTM(torch.nn.LSTM):\n"
        "    def forward(self, input, hx=None):\n"
        "        with torch.no_grad():\n"
        "            return super().forward(input, hx)\n"))
    report = bench_json(tmp_path, target, "--like", "torch.nn.LSTM", "--sizes", TINY)
    assert_schema(report)
    forward, backward = report["results"]
    assert forward["status"] == "measured" and backward["status"] == "skipped"
    assert backward["reason"].startswith("target has no gradients (RuntimeError: element 0 of tensors")


def test_declared_lacks_grad_and_float64_are_skips_with_reasons():
    target = load_target("torch.nn.RNN")
    from rnnspec.running.probing import narrowed

    lacking = narrowed(target, lacks=("grad", "float64"))
    results = bench(lacking, native=native_for(target), sizes=QUICK_BENCH_SIZES, dtype="float64", repeats=1)
    assert [(r.status, r.reason) for r in results] == [("skipped", "target does not support float64"),
                                                       ("skipped", "target has no gradients")]
    results = bench(lacking, native=native_for(target), sizes=QUICK_BENCH_SIZES, modes=("backward",), repeats=1)
    assert [(r.status, r.reason) for r in results] == [("skipped", "target has no gradients")]


def test_a_float32_only_target_skips_float64_with_the_probe_error(tmp_path, capsys):
    target = write_dropin(tmp_path, "Float32OnlyGRU", (
        "class Float32OnlyGRU(torch.nn.GRU):\n"
        "    def forward(self, input, hx=None):\n"
        "        if input.dtype != torch.float32:\n"
        "            raise TypeError('float32 only')\n"
        "        return super().forward(input, hx)\n"))
    report = bench_json(tmp_path, target, "--like", "torch.nn.GRU", "--sizes", TINY, "--dtype", "float64",
                        "--mode", "forward")
    assert_schema(report)
    assert [r["reason"] for r in report["results"]] == ["target does not support float64 (TypeError: float32 only)"]
    out = capsys.readouterr().out
    assert "not supported (probed): float64: TypeError: float32 only" in out
    assert "skipped: target does not support float64" in out


@pytest.mark.parametrize("args, message", [
    (["nosuch.module:LSTM"], "cannot import the module of target 'nosuch.module:LSTM'"),
    (["torch.nn.LSTM", "--sizes", "64,100,256"], "'64,100,256' is not B,T,I,H"),
    (["torch.nn.LSTM", "--size", "64,100,0,256"], "'64,100,0,256' is not B,T,I,H"),
    (["torch.nn.LSTM", "--mode", "sideways"], "invalid choice: 'sideways'"),
    (["torch.nn.utils.clip_grad_norm_"], "rnnspec bench times layers and cells"),
    (["torch.nn.LSTM", "--lacks", "wings"], "--lacks wings: not options of a layer target"),
])
def test_a_user_mistake_exits_2_with_one_line(args, message, capsys):
    try:
        code = main(["bench", *args])
    except SystemExit as e:  # argparse's refusals
        code = e.code
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def test_parse_sizes_reads_several_and_names_a_bad_part():
    assert parse_sizes("64,100,256,256; 1,2,3,4") == (BenchSize(64, 100, 256, 256), BenchSize(1, 2, 3, 4))
    with pytest.raises(ValueError, match="'1,2,x,4' is not B,T,I,H"):
        parse_sizes("64,100,256,256;1,2,x,4")
    with pytest.raises(ValueError, match="names no size"):
        parse_sizes(" ; ")


def test_a_result_reports_ratio_and_rates_from_its_times():
    r = BenchResult(size=BenchSize(1, 1, 1, 1), mode="forward", dtype="float32", status="measured", target_s=2.0,
                    native_s=1.0, flops=4_000_000_000)
    assert (r.ratio, r.gflops("target"), r.gflops("native")) == (2.0, 2.0, 4.0)


@pytest.mark.slow  # a fresh interpreter importing torch, and the full peak: seconds
def test_the_command_runs_from_another_directory_with_threads(tmp_path):
    target = f"{DROPINS / 'independent.py'}:LSTM"
    command = ["bench", target, "--like", "torch.nn.LSTM", "--sizes", TINY, "--repeats", "1", "--threads", "1",
               "--json", "out.json"]
    result = subprocess.run([sys.executable, "-m", "rnnspec", *command], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "out.json").read_text())
    assert_schema(report)
    assert report["machine"]["threads"] == 1 and "float32 forward" in result.stderr
