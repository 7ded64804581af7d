"""``rnnspec matrix``: every installed framework's recurrent layers, cells and clipping functions
against every property, one row per target, with each discrepancy explained in a sentence.

Each framework runs in a process of its own (``python -m rnnspec.matrix FRAMEWORK``): Keras picks
its backend once per process, JAX's float64 mode is process-wide, and a framework that crashes
takes only its own rows. A framework whose package is missing is listed as not installed, with
the import error.
"""

from __future__ import annotations

import html
import importlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Callable

from rnnspec.report import library_versions, overall_status, summary
from rnnspec.spec import property_spec

__all__ = ["Framework", "FRAMEWORKS", "select_frameworks", "run_matrix", "update_matrix", "matrix_html"]


@dataclass(frozen=True)
class Framework:
    module: str  # must import: the framework and its adapter
    package: str  # the distribution whose version the matrix reports
    targets: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)  # set in the framework's process


def _adapter(module: str, *names: str) -> tuple[str, ...]:
    return tuple(f"rnnspec.targets.adapters.{module}:{name}" for name in names)


_TORCH_NAMES = ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell")
_KERAS = _adapter("keras", "SimpleRNN", "SimpleRNNReLU", "LSTM", "GRU", "GRUResetBefore", "SimpleRNNCell", "LSTMCell",
                  "GRUCell", "GRUResetBeforeCell")
_FLAX = ("LSTM", "OptimizedLSTM", "GRU", "SimpleRNN", "SimpleRNNReLU", "LSTMCell", "OptimizedLSTMCell", "GRUCell",
         "SimpleCell")

FRAMEWORKS: dict[str, Framework] = {
    "torch": Framework("torch", "torch", tuple(f"torch.nn.{n}" for n in _TORCH_NAMES) + (
        "torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad_value_")),
    "torchscript": Framework("rnnspec.targets.adapters.torch_compile", "torch",
                             _adapter("torch_compile", *(f"Traced{n}" for n in _TORCH_NAMES))),
    "torch.compile": Framework("rnnspec.targets.adapters.torch_compile", "torch",
                               _adapter("torch_compile", *(f"Compiled{n}" for n in _TORCH_NAMES))),
    "keras-torch": Framework("rnnspec.targets.adapters.keras", "keras", _KERAS, {"KERAS_BACKEND": "torch"}),
    "keras-jax": Framework("rnnspec.targets.adapters.keras", "keras", _KERAS, {"KERAS_BACKEND": "jax"}),
    "keras-tensorflow": Framework("rnnspec.targets.adapters.keras", "keras", _KERAS, {"KERAS_BACKEND": "tensorflow"}),
    "flax.linen": Framework("rnnspec.targets.adapters.flax_linen", "flax", _adapter("flax_linen", *_FLAX)),
    "flax.nnx": Framework("rnnspec.targets.adapters.flax_nnx", "flax", _adapter("flax_nnx", *_FLAX)),
    "equinox": Framework("rnnspec.targets.adapters.equinox", "equinox", _adapter("equinox", "LSTMCell", "GRUCell")),
    "onnxruntime": Framework("rnnspec.targets.adapters.onnxruntime", "onnxruntime",
                             _adapter("onnxruntime", "RNN", "LSTM", "GRU")),
}


_MARKER = "rnnspec-matrix "  # starts the worker's lines; any other output is a library's own


def select_frameworks(names) -> list[str]:
    """Framework names for ``--frameworks``: exact names, or else a prefix before '-' or '.'
    (``keras`` is every Keras backend, ``flax`` both Flax APIs). ValueError for a name that matches none."""
    if not names:
        return list(FRAMEWORKS)
    chosen = []
    for name in names:
        matched = [name] if name in FRAMEWORKS else [f for f in FRAMEWORKS if f.split("-")[0].split(".")[0] == name]
        if not matched:
            raise ValueError(f"--frameworks {name!r} matches none of {sorted(FRAMEWORKS)}")
        chosen += [f for f in matched if f not in chosen]
    return chosen


def _sentence(target: str, verdict, notes: str = "") -> str:
    claim = property_spec(verdict.id).claim
    lines = [line.strip() for line in verdict.message.splitlines() if line.strip()]
    first = lines[0].split("] ", 1)[-1] if lines else ""
    case = next((line.removeprefix("case: ") for line in lines if line.startswith("case: ")), "")
    dtype = case.split("dtype='", 1)[1].split("'", 1)[0] if "dtype='" in case else None
    sentence = f"{target} does not satisfy {verdict.id} ({claim}): {first}" + (f" [{dtype}]" if dtype else "")
    return sentence + (f". Adapter's note: {notes}" if notes else "")


def _dtypes(target) -> list[str | None]:
    """One row per dtype the target claims (None: a target whose subject has no dtype option)."""
    from rnnspec.spec import capabilities_of

    if "float64" not in capabilities_of(target.subject):
        return [None]
    return ["float32", "float64"] if "float64" in target.capabilities else ["float32"]


def _run_framework(name: str, *, profile: str, seed: int, max_examples: int | None = None):
    """In the framework's own process: yields ``{"row": ...}`` per target and dtype, or one
    ``{"not_installed": ...}``."""
    from rnnspec.targets import load_target
    from rnnspec.verifier import verify

    framework = FRAMEWORKS[name]
    try:
        importlib.import_module(framework.module)
    except Exception as e:  # not installed, or broken: a line saying so, not a crash
        yield {"not_installed": f"{type(e).__name__}: {e}"}
        return
    try:
        version = importlib.metadata.version(framework.package)
    except importlib.metadata.PackageNotFoundError:
        version = None
    for spec in framework.targets:
        target = load_target(spec)
        for dtype in _dtypes(target):
            verdicts = verify(target, profile=profile, seed=seed, max_examples=max_examples, dtype=dtype)
            label = f"{target.name} [{name}" + (f", {dtype}]" if dtype else "]")
            yield {"row": {"framework": name, "framework_version": version, "target": target.name,
                           "dtype": dtype or "all", "cells": list(target.cells), "status": overall_status(verdicts),
                           "summary": summary(verdicts),
                           "properties": {v.id: {"status": v.status, "message": v.message} for v in verdicts}},
                   "discrepancies": [_sentence(label, v, getattr(target, "notes", "")) for v in verdicts
                                     if v.status in ("failed", "error")]}


def run_matrix(*, profile: str = "default", seed: int = 0, max_examples: int | None = None, frameworks=None,
               on_row: Callable[[dict], None] | None = None) -> dict:
    """Every selected framework's targets, one row per target and dtype."""
    rows, missing, discrepancies = [], {}, []
    for name in select_frameworks(frameworks):
        env = {**os.environ, **FRAMEWORKS[name].env}
        command = [sys.executable, "-m", "rnnspec.matrix", name, "--profile", profile, "--seed", str(seed)]
        command += ["--max-examples", str(max_examples)] if max_examples else []
        # stderr to a file, not a pipe: a framework that warns a lot would fill a pipe nobody reads
        # until the end, and block inside its own warnings.warn
        with tempfile.TemporaryFile("w+") as errors, \
                subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env) as worker:
            for line in worker.stdout:
                if not line.startswith(_MARKER):  # a library's own printing
                    continue
                message = json.loads(line[len(_MARKER):])
                if "not_installed" in message:
                    missing[name] = message["not_installed"]
                    continue
                rows.append(message["row"])
                discrepancies += message["discrepancies"]
                if on_row:
                    on_row(message["row"])
            worker.wait()
            if worker.returncode != 0:  # the framework crashed its process: said, and the others go on
                errors.seek(0)
                missing[name] = f"its process exited with {worker.returncode}: {errors.read().strip()[-2000:]}"
    return {"versions": library_versions(), "profile": profile, "max_examples": max_examples, "seed": seed,
            "rows": rows, "not_installed": missing, "discrepancies": discrepancies}


def update_matrix(old: dict, new: dict) -> dict:
    """``old`` with the frameworks that ``new`` ran replaced by ``new``'s rows (rerun one framework
    after upgrading it). Both must have the same profile, example count and seed."""
    for key in ("profile", "max_examples", "seed"):
        if old.get(key) != new.get(key):
            raise ValueError(f"cannot update a matrix of {key}={old.get(key)!r} with one of {key}={new.get(key)!r}")
    ran = {row["framework"] for row in new["rows"]} | set(new["not_installed"])
    keep = [row for row in old["rows"] if row["framework"] not in ran]
    kept_targets = {(row["target"], row["framework"]) for row in keep}
    sentences = [s for s in old["discrepancies"]
                 if any(s.startswith(f"{t} [{f}") for t, f in kept_targets)]
    order = list(FRAMEWORKS)
    rows = sorted(keep + new["rows"], key=lambda row: order.index(row["framework"]) if row["framework"] in order else 99)
    missing = {k: v for k, v in old["not_installed"].items() if k not in ran} | new["not_installed"]
    return {**new, "rows": rows, "not_installed": missing, "discrepancies": sentences + new["discrepancies"]}


_COLOUR = {"passed": "#d1f2d9", "failed": "#ffd7d5", "error": "#ffd7d5", "skipped": "#eeeeee"}


def matrix_html(matrix: dict) -> str:
    e = html.escape
    ids = sorted({pid for row in matrix["rows"] for pid in row["properties"]})
    head = "".join(f"<th><div>{e(pid)}</div></th>" for pid in ids)
    body = []
    for row in matrix["rows"]:
        cells = []
        for pid in ids:
            v = row["properties"].get(pid)
            status = v["status"] if v else ""
            title = e(v["message"][:500]) if v and v["message"] else ""
            cells.append(f"<td style='background:{_COLOUR.get(status, '#fff')}' title='{title}'>{e(status)}</td>")
        cells_and_dtype = ", ".join(row["cells"]) or "-"
        cells_and_dtype += f"; {row['dtype']}" if row.get("dtype", "all") != "all" else ""
        body.append(f"<tr><th>{e(row['target'])}<br><small>{e(cells_and_dtype)}</small></th>"
                    + "".join(cells) + "</tr>")
    notes = "".join(f"<li>{e(s)}</li>" for s in matrix["discrepancies"]) or "<li>none</li>"
    missing = "".join(f"<li>{e(k)}: {e(v)}</li>" for k, v in matrix["not_installed"].items()) or "<li>none</li>"
    versions = ", ".join(f"{e(k)} {e(str(v))}" for k, v in matrix["versions"].items())
    return ("<!doctype html><html><head><meta charset='utf-8'><title>rnnspec conformance matrix</title><style>"
            "body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;font-size:12px}"
            "td,th{border:1px solid #ccc;padding:2px 4px}th div{writing-mode:vertical-rl;transform:rotate(180deg)}"
            "</style></head><body><h1>rnnspec conformance matrix</h1>"
            f"<p>profile {e(matrix['profile'])}"
            + (f" ({matrix['max_examples']} examples per property)" if matrix.get("max_examples") else "")
            + f", seed {matrix['seed']}; {versions}</p>"
            f"<table><tr><th>target</th>{head}</tr>{''.join(body)}</table>"
            f"<h2>Discrepancies</h2><ul>{notes}</ul><h2>Not installed</h2><ul>{missing}</ul></body></html>")


def _worker(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m rnnspec.matrix", description="one framework's rows, as JSON lines")
    parser.add_argument("framework", choices=sorted(FRAMEWORKS))
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-examples", type=int, default=None)
    args = parser.parse_args(argv)
    for message in _run_framework(args.framework, profile=args.profile, seed=args.seed,
                                  max_examples=args.max_examples):
        print(_MARKER + json.dumps(message), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_worker())
