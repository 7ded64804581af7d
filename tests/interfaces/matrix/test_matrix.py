"""`rnnspec matrix`: rows for every installed framework, a sentence per discrepancy, missing
frameworks listed rather than crashing, and an escaped HTML page."""

import importlib.util
import json
import subprocess
import sys

import pytest

from rnnspec.interfaces import matrix
from rnnspec.interfaces.matrix import frameworks, worker
from rnnspec.spec.settings import RunSettings

HAS_KERAS = importlib.util.find_spec("keras") is not None


@pytest.mark.slow
@pytest.mark.skipif(not HAS_KERAS, reason="keras is not installed (pip install rnnspec[keras]; .ci/run installs it)")
def test_the_matrix_runs_keras(tmp_path):
    result = subprocess.run([sys.executable, "-m", "rnnspec", "matrix", "--profile", "quick", "--max-examples", "4", "--frameworks", "keras-torch",
                             "--json", str(tmp_path / "m.json"), "--html", str(tmp_path / "m.html")],
                            capture_output=True, text=True, timeout=1800, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads((tmp_path / "m.json").read_text())
    frameworks = {row["framework"] for row in data["rows"]}
    # 16 targets (dedicated layers with and without a mask, keras.layers.RNN around each cell, the cells), two dtypes
    assert frameworks == {"keras-torch"} and len(data["rows"]) == 32
    rows = {(r["target"].rsplit(":", 1)[1], r["dtype"]): r for r in data["rows"]}
    assert rows["GRUResetBefore", "float32"]["cells"] == ["gru_reset_before"]
    assert all(r["status"] == "passed" for (_, dtype), r in rows.items() if dtype == "float32")
    # the dedicated layers called without a mask run keras.src.backend.torch.rnn's _fallback_lstm /
    # _fallback_gru (torch.matmul): float64 throughout (tests/findings/check_keras_layers_lstm_gru_float64_is_float64_torch.py)
    assert rows["LSTM", "float64"]["status"] == rows["GRU", "float64"]["status"] == "passed"
    # a finding, not an adapter bug: the generic path (keras.layers.RNN(cell), or a dedicated layer given a
    # mask) computes float64 in float32 (tests/findings/confirm_keras_rnn_cell_float64_is_float32_torch.py)
    for name in ("RNNLSTMCell", "LSTMMasked", "GRUMasked", "GRUResetBefore", "SimpleRNN"):
        mismatch = rows[name, "float64"]["properties"]["matches_reference"]
        assert mismatch["status"] == "failed" and "dtype='float64'" in mismatch["message"], name
    sentences = [s for s in data["discrepancies"] if ":RNNLSTMCell) [keras-torch " in s
                 and "float64] does not satisfy matches_reference" in s]  # the call as written, then the target
    assert sentences, data["discrepancies"][:3]
    for said in ("keras.layers.RNN(keras.layers.LSTMCell(units))", "Keras 3.", "torch backend", "result_type"):
        assert said in sentences[0], (said, sentences[0])
    assert not [s for s in data["discrepancies"] if s.split(" [")[0].endswith((":LSTM)", ":GRU)"))]
    assert "id='summary-table'" in (tmp_path / "m.html").read_text()


@pytest.mark.skipif(importlib.util.find_spec("onnxruntime") is None,
                    reason="onnxruntime is not installed (pip install rnnspec[onnx])")
def test_onnxruntime_runs_an_exported_lstm_stack():
    from rnnspec.targets import load_target
    from rnnspec.running.verifier import verify

    verdicts = verify(load_target("rnnspec.targets.adapters.onnxruntime:LSTM"), select=["matches_reference", "packed_is_each_alone"], settings=RunSettings(profile="quick"))
    assert [(v.id, v.status) for v in verdicts] == [("matches_reference", "passed"), ("packed_is_each_alone", "skipped")]


def test_a_missing_framework_is_listed_not_fatal(monkeypatch):
    import rnnspec.targets.adapters as adapters

    def missing(module):
        raise ModuleNotFoundError("No module named 'tensorflow'")

    monkeypatch.setattr(adapters, "targets_of", missing)  # as a framework that is not installed
    monkeypatch.setattr(worker, "FRAMEWORKS", {"nonexistent": matrix.Framework("x", "keras")})
    messages = list(worker.rows("nonexistent", RunSettings(profile="quick")))
    assert len(messages) == 1 and "ModuleNotFoundError" in messages[0]["not_installed"], messages


def test_a_crashing_framework_process_is_listed_and_the_rest_go_on(monkeypatch):
    # the worker process does not know this name, so it exits with an error: listed, not raised
    monkeypatch.setattr(frameworks, "FRAMEWORKS", {"ghost": matrix.Framework("torch")})
    from rnnspec.interfaces.matrix import runner

    monkeypatch.setattr(runner, "FRAMEWORKS", frameworks.FRAMEWORKS)
    result = matrix.run_matrix(RunSettings(profile="quick"), frameworks=["ghost"])
    assert result["rows"] == [] and "exited with 2" in result["not_installed"]["ghost"]


def test_framework_prefixes_select_every_backend():
    assert matrix.select_frameworks(["keras"]) == ["keras-torch", "keras-jax", "keras-tensorflow"]
    assert matrix.select_frameworks(["flax", "torch"]) == ["flax.linen", "flax.nnx", "torch"]
    assert matrix.select_frameworks(["tensorflow", "tf"]) == ["tensorflow-ops", "tf-keras"]
    with pytest.raises(ValueError, match="matches none"):
        matrix.select_frameworks(["tensorflw"])


def test_jobs_run_frameworks_side_by_side_and_rows_keep_the_frameworks_order(monkeypatch):
    from rnnspec.interfaces.matrix import runner

    rows = [_row("keras-jax", "k"), _row("torch", "t"), _row("onnx-ops-ort", "o")]
    assert [r["framework"] for r in matrix.assemble(RunSettings(profile="quick"), rows, {})["rows"]] == \
        ["torch", "keras-jax", "onnx-ops-ort"]
    # names the worker process does not know: each exits at once with an error, listed, not raised
    ghosts = {f"ghost{i}": matrix.Framework("torch") for i in range(3)}
    monkeypatch.setattr(frameworks, "FRAMEWORKS", ghosts)
    monkeypatch.setattr(runner, "FRAMEWORKS", ghosts)
    ended = []
    result = matrix.run_matrix(RunSettings(profile="quick"), frameworks=list(ghosts), jobs=2,
                               on_framework=lambda name, seconds, so_far: ended.append((name, len(so_far["not_installed"]))))
    assert sorted(name for name, _ in ended) == list(ghosts)
    assert sorted(k for _, k in ended) == [1, 2, 3]  # each call sees every framework ended before it
    assert set(result["not_installed"]) == set(ghosts) and all("exited with 2" in v for v in result["not_installed"].values())


def test_resume_runs_only_the_frameworks_the_file_lacks_and_a_mismatch_is_refused_first(tmp_path, capsys):
    from rnnspec.interfaces.cli import main

    old = matrix.assemble(RunSettings(profile="quick", max_examples=4), [_row("torch", "t", a="passed")], {})
    old["not_installed"] = {name: "not here" for name in frameworks.FRAMEWORKS if name != "torch"}
    path = tmp_path / "m.json"
    path.write_text(json.dumps(old))
    out = tmp_path / "out.json"
    assert main(["matrix", "--profile", "quick", "--max-examples", "4", "--update", str(path), "--resume",
                 "--json", str(out)]) == 0  # every framework is in the file: nothing runs
    assert json.loads(out.read_text())["rows"] == old["rows"]
    assert main(["matrix", "--resume"]) == 2 and "--resume needs --update" in capsys.readouterr().err
    assert main(["matrix", "--profile", "quick", "--max-examples", "4", "--seed", "1", "--update", str(path)]) == 2
    assert "cannot update a matrix of seed=0 with one of seed=1" in capsys.readouterr().err


def _row(framework, target, dtype="float32", **statuses):
    from rnnspec.checking.failures import Failure
    from rnnspec.running.verdicts import Verdict

    def verdict(pid, status):
        failure = Failure("output: <b>2</b> of 4 differ", case="LayerCase(dtype='float32')", dtype="float32",
                          property_id=pid) if status == "failed" else None
        return Verdict(pid, "semantics", "the claim", status, 0.1, (failure,) if failure else ()).to_dict()

    return {"framework": framework, "target": target, "dtype": dtype, "cells": ["lstm"], "notes": "",
            "status": "failed" if "failed" in statuses.values() else "passed", "summary": "",
            "properties": {pid: verdict(pid, status) for pid, status in statuses.items()}}


def test_discrepancies_read_as_sentences_from_fields_and_html_escapes_them():
    m = {"versions": {}, "profile": "quick", "seed": 0, "not_installed": {},
         "rows": [_row("torch", "my<lib>", matches_reference="failed", parameter_layout="passed")]}
    (sentence,) = matrix.discrepancies(m)
    assert sentence == ("my<lib> [torch, float32] does not satisfy matches_reference (the claim): "
                        "output: <b>2</b> of 4 differ")  # the dtype once, from the row
    page = matrix.matrix_html(m)
    assert "my&lt;lib&gt;" in page and "<b>2</b>" not in page and "&lt;b&gt;2&lt;/b&gt;" in page


def test_update_replaces_only_the_frameworks_rerun():
    old = {"profile": "quick", "max_examples": 4, "seed": 0, "not_installed": {"keras-tensorflow": "no tf"},
           "rows": [_row("torch", "t", a="passed"), _row("keras-jax", "k", "float64", a="failed")]}
    new = {"profile": "quick", "max_examples": 4, "seed": 0, "not_installed": {}, "versions": {},
           "rows": [_row("keras-jax", "k", "float64", a="passed")]}
    assert len(matrix.discrepancies(old)) == 1
    merged = matrix.update_matrix(old, new)
    assert [(r["framework"], r["status"]) for r in merged["rows"]] == [("torch", "passed"), ("keras-jax", "passed")]
    assert merged["discrepancies"] == [] and merged["not_installed"] == {"keras-tensorflow": "no tf"}
    with pytest.raises(ValueError, match="seed"):
        matrix.update_matrix(old, {**new, "seed": 1})


@pytest.mark.slow  # a worker process on torch's eight targets: ~7 s
def test_a_framework_that_writes_much_to_stderr_does_not_block(monkeypatch):
    # PYTHONVERBOSE makes the worker log every import to stderr: far more than a pipe's buffer
    from rnnspec.interfaces.matrix import runner

    loud = matrix.Framework("torch", env={"PYTHONVERBOSE": "1"}, commands=frameworks.FRAMEWORKS["torch"].commands)
    monkeypatch.setattr(runner, "FRAMEWORKS", {**frameworks.FRAMEWORKS, "torch": loud})
    result = matrix.run_matrix(RunSettings(profile="quick", max_examples=1), frameworks=["torch"])
    assert len(result["rows"]) == 16 and not result["not_installed"]  # six layers/cells x 2 dtypes, 2 clips x 2


def test_resume_reruns_a_crashed_framework_and_an_interrupt_keeps_only_what_ended(tmp_path, monkeypatch, capsys):
    import rnnspec.interfaces.matrix
    from rnnspec.interfaces.cli import main
    from rnnspec.interfaces.matrix import runner

    settings = RunSettings(profile="quick", max_examples=4)
    old = matrix.assemble(settings, [_row("torch", "t", a="passed")], {})
    old["not_installed"] = {name: "ModuleNotFoundError: not here" for name in frameworks.FRAMEWORKS if name != "torch"}
    old["not_installed"]["mlx"] = runner.CRASHED + "-11: Segmentation fault"
    path = tmp_path / "m.json"
    path.write_text(json.dumps(old))
    asked = []

    def interrupted(settings, *, frameworks, jobs, on_row, on_framework):
        asked.append(list(frameworks))
        raise KeyboardInterrupt

    monkeypatch.setattr(rnnspec.interfaces.matrix, "run_matrix", interrupted)
    code = main(["matrix", "--profile", "quick", "--max-examples", "4", "--update", str(path), "--resume",
                 "--json", str(path)])
    assert asked == [["mlx"]]  # only the crashed one runs again
    assert code == 130 and f"finish with --update {path} --resume" in capsys.readouterr().err
    assert json.loads(path.read_text()) == old  # nothing ended: the file is as it was


def test_an_interrupt_stops_the_run_and_starts_no_more_frameworks(monkeypatch):
    from rnnspec.interfaces.matrix import runner

    ghosts = {f"ghost{i}": matrix.Framework("torch") for i in range(3)}
    monkeypatch.setattr(frameworks, "FRAMEWORKS", ghosts)
    monkeypatch.setattr(runner, "FRAMEWORKS", ghosts)
    ended = []

    def stop(name, seconds, so_far):
        ended.append(name)
        raise KeyboardInterrupt  # as Ctrl-C would, once the first framework has ended

    with pytest.raises(KeyboardInterrupt):
        matrix.run_matrix(RunSettings(profile="quick"), frameworks=list(ghosts), jobs=1, on_framework=stop)
    assert ended == ["ghost0"]
