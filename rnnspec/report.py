"""Reports: verdict lines for the terminal, one JSON object for machines, the spec as a table."""

from __future__ import annotations

import html
import json
import platform
from typing import TextIO

from rnnspec.spec import CELLS, GRU_RELATIONS, PROPERTIES, TOPICS, LayerConfig, parameter_count_formula
from rnnspec.spec.layout import layer_layout
from rnnspec.spec.options import LAYER_CAPABILITIES
from rnnspec.spec.tolerances import BASE_TOLERANCES

__all__ = ["verdict_line", "summary", "overall_status", "library_versions", "json_report", "html_report",
           "spec_dict", "print_spec", "write_json"]

_MARK = {"passed": "PASSED ", "failed": "FAILED ", "error": "ERROR  ", "skipped": "SKIPPED", "xfailed": "XFAILED",
         "xpassed": "XPASSED"}


def verdict_line(v) -> str:
    line = f"{_MARK[v.status]} {v.id:<48} [{v.topic}] {v.seconds:5.1f}s"
    if v.status in ("skipped", "xpassed"):
        line += f"  ({v.message})"
    elif v.status in ("failed", "error", "xfailed"):
        line += "\n" + "\n".join("    " + m for m in v.message.splitlines())
    return line


def overall_status(verdicts) -> str:
    return "failed" if any(v.status in ("failed", "error") for v in verdicts) else "passed"


def summary(verdicts) -> str:
    counts = {s: sum(v.status == s for v in verdicts) for s in ("passed", "failed", "error", "skipped", "xfailed",
                                                                "xpassed")}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n or s in ("passed", "failed"))


def library_versions() -> dict:
    import hypothesis
    import numpy
    import torch

    from rnnspec import __version__

    return {"rnnspec": __version__, "python": platform.python_version(), "torch": torch.__version__,
            "numpy": numpy.__version__, "hypothesis": hypothesis.__version__}


def json_report(target, verdicts, *, seed: int, profile: str, dtype: str | None = None) -> dict:
    return {
        "target": target.name,
        "like": getattr(target, "like", None),
        "cells": list(target.cells),
        "status": overall_status(verdicts),
        "seed": seed,
        "profile": profile,
        "dtype": dtype or "all",
        "versions": library_versions(),
        "summary": summary(verdicts),
        "properties": [v.as_dict() for v in verdicts],
    }


_COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#cf222e", "skipped": "#6e7781", "xfailed": "#9a6700",
            "xpassed": "#9a6700"}


def html_report(*reports: dict) -> str:
    """One self-contained page from ``json_report``'s objects (one section per target). Everything
    that came from a target (its name, messages, reprs) is escaped."""
    title = "rnnspec verify " + ", ".join(r["target"] for r in reports)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}"
        "pre{white-space:pre-wrap;font-size:85%;background:#f6f8fa;padding:6px}</style></head><body>"
        + "".join(_html_section(r) for r in reports) + "</body></html>"
    )


def _html_section(report: dict) -> str:
    e = html.escape
    rows = []
    for p in report["properties"]:
        colour = _COLOURS.get(p["status"], "#000")
        detail = f"<pre>{e(p['message'])}</pre>" if p["message"] else ""
        rows.append(f"<tr><td><code>{e(p['id'])}</code></td><td>{e(p['topic'])}</td>"
                    f"<td style='color:{colour};font-weight:bold'>{e(p['status'])}</td>"
                    f"<td>{e(p['claim'])}{detail}</td><td>{p['seconds']:.1f}s</td></tr>")
    versions = ", ".join(f"{e(k)} {e(str(v))}" for k, v in report["versions"].items())
    return (
        f"<h1>rnnspec verify {e(report['target'])}</h1>"
        f"<p>like {e(str(report['like']))}; cells {e(', '.join(report['cells']) or '-')}; "
        f"<b>{e(report['status'])}</b> ({e(report['summary'])}); profile {e(report['profile'])}, "
        f"seed {report['seed']}, dtypes {e(report.get('dtype', 'all'))}</p><p>{versions}</p>"
        "<table><tr><th>property</th><th>topic</th><th>status</th><th>claim and details</th><th>time</th></tr>"
        + "".join(rows) + "</table>"
    )


def spec_dict() -> dict:
    """The whole registry as one JSON-able object."""
    return {
        "cells": {
            name: {
                "gates": list(k.gates), "equations": k.equations, "source": k.source,
                "torch_layer": k.torch_layer, "torch_cell": k.torch_cell, "supports_proj": k.supports_proj,
                "parameter_layout_example": [
                    [n, list(s)] for n, s in layer_layout(LayerConfig(name, input_size=3, hidden_size=2))
                ],
            }
            for name, k in CELLS.items()
        },
        "gru_relations": list(GRU_RELATIONS),
        "layer_options": LAYER_CAPABILITIES,
        "parameter_count_formula": parameter_count_formula(),
        "tolerances": {
            dtype: {kind: {"rtol": t.rtol, "atol": t.atol} for kind, t in kinds.items()}
            for dtype, kinds in BASE_TOLERANCES.items()
        },
        "tolerance_growth": "rtol and atol times sqrt(seq_len * num_layers)",
        "topics": TOPICS,
        "properties": [p.as_dict() for p in PROPERTIES],
    }


def print_spec(out: TextIO | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, width=160)
    cells = Table(title="cell kinds (canonical layout: torch's names and gate order)")
    for col in ("cell", "gates", "equations", "torch built-in"):
        cells.add_column(col, overflow="fold")
    for k in CELLS.values():
        cells.add_row(k.name, ",".join(k.gates), k.equations, " / ".join(filter(None, (k.torch_layer, k.torch_cell))) or "-")
    console.print(cells)
    props = Table(title=f"properties ({len(PROPERTIES)})")
    for col in ("id", "topic", "subject", "claim", "requires"):
        props.add_column(col, overflow="fold")
    for p in PROPERTIES:
        props.add_row(p.id, p.topic, p.subject, p.claim, ", ".join(sorted(p.requires)) or "-")
    console.print(props)
    console.print(f"parameter count: {parameter_count_formula()}")
    tol = ", ".join(f"{d} {k} ({t})" for d, ks in BASE_TOLERANCES.items() for k, t in ks.items())
    console.print(f"tolerances: {tol}; each times sqrt(seq_len * num_layers)")


def write_json(obj: dict, path: str) -> None:
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
