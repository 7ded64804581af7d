"""``rnnspec matrix``: every installed framework's recurrent layers, cells and clipping functions
against every property, one row per target, with each discrepancy explained in a sentence.

A framework whose package is missing is listed as not installed, with the import error.
"""

from __future__ import annotations

import html
import importlib
import importlib.metadata
from typing import Callable

from rnnspec.report import library_versions, overall_status, summary
from rnnspec.spec import property_spec

__all__ = ["FRAMEWORKS", "run_matrix", "matrix_html"]

# framework -> (module that must import, the targets it contributes)
FRAMEWORKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "torch": ("torch", ("torch.nn.RNN", "torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNNCell", "torch.nn.LSTMCell",
                        "torch.nn.GRUCell", "torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad_value_")),
    "keras": ("rnnspec.targets.adapters.keras", tuple(
        f"rnnspec.targets.adapters.keras:{name}" for name in (
            "SimpleRNN", "SimpleRNNReLU", "LSTM", "GRU", "GRUResetBefore", "SimpleRNNCell", "LSTMCell", "GRUCell",
            "GRUResetBeforeCell"))),
    "onnxruntime": ("rnnspec.targets.adapters.onnxruntime", tuple(
        f"rnnspec.targets.adapters.onnxruntime:{name}" for name in ("RNN", "LSTM", "GRU"))),
}


def _sentence(target: str, verdict) -> str:
    claim = property_spec(verdict.id).claim
    first = next((line.strip() for line in verdict.message.splitlines() if line.strip()), "")
    first = first.split("] ", 1)[-1]
    return f"{target} does not satisfy {verdict.id} ({claim}): {first}"


def run_matrix(*, profile: str = "default", seed: int = 0, frameworks=None,
               on_row: Callable[[dict], None] | None = None) -> dict:
    from rnnspec.targets import load_target
    from rnnspec.verifier import verify

    rows, missing, discrepancies = [], {}, []
    for framework, (module, targets) in FRAMEWORKS.items():
        if frameworks and framework not in frameworks:
            continue
        try:
            imported = importlib.import_module(module)  # the framework and its adapter
        except Exception as e:  # not installed, or broken: a row saying so, not a crash
            missing[framework] = f"{type(e).__name__}: {e}"
            continue
        del imported
        try:
            version = importlib.metadata.version(framework)
        except importlib.metadata.PackageNotFoundError:
            version = None
        for spec in targets:
            target = load_target(spec)
            verdicts = verify(target, profile=profile, seed=seed)
            row = {"framework": framework, "framework_version": version, "target": target.name,
                   "cells": list(target.cells), "status": overall_status(verdicts), "summary": summary(verdicts),
                   "properties": {v.id: {"status": v.status, "message": v.message} for v in verdicts}}
            discrepancies += [_sentence(target.name, v) for v in verdicts if v.status in ("failed", "error")]
            rows.append(row)
            if on_row:
                on_row(row)
    return {"versions": library_versions(), "profile": profile, "seed": seed, "rows": rows,
            "not_installed": missing, "discrepancies": discrepancies}


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
        body.append(f"<tr><th>{e(row['target'])}<br><small>{e(', '.join(row['cells']) or '-')}</small></th>"
                    + "".join(cells) + "</tr>")
    notes = "".join(f"<li>{e(s)}</li>" for s in matrix["discrepancies"]) or "<li>none</li>"
    missing = "".join(f"<li>{e(k)}: {e(v)}</li>" for k, v in matrix["not_installed"].items()) or "<li>none</li>"
    versions = ", ".join(f"{e(k)} {e(str(v))}" for k, v in matrix["versions"].items())
    return ("<!doctype html><html><head><meta charset='utf-8'><title>rnnspec conformance matrix</title><style>"
            "body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;font-size:12px}"
            "td,th{border:1px solid #ccc;padding:2px 4px}th div{writing-mode:vertical-rl;transform:rotate(180deg)}"
            "</style></head><body><h1>rnnspec conformance matrix</h1>"
            f"<p>profile {e(matrix['profile'])}, seed {matrix['seed']}; {versions}</p>"
            f"<table><tr><th>target</th>{head}</tr>{''.join(body)}</table>"
            f"<h2>Discrepancies</h2><ul>{notes}</ul><h2>Not installed</h2><ul>{missing}</ul></body></html>")
