"""The matrix as one self-contained HTML page: the grid of rows by properties, then every
discrepancy as a sentence, then the frameworks that are not installed."""

from __future__ import annotations

from rnnspec.html_page import Cell, Safe, escape, page, table
from rnnspec.matrix.sentences import discrepancies

__all__ = ["matrix_html"]

_COLOUR = {"passed": "#d1f2d9", "failed": "#ffd7d5", "error": "#ffd7d5", "hung": "#ffd7d5", "skipped": "#eeeeee"}


def matrix_html(matrix: dict) -> str:
    ids = sorted({pid for row in matrix["rows"] for pid in row["properties"]})
    grid = []
    for row in matrix["rows"]:
        label = ", ".join(row["cells"]) or "-"
        label += f"; {row['framework']}" + (f", {row['dtype']}" if row.get("dtype", "all") != "all" else "")
        api = row.get("api") or row["target"]
        title = escape(api) if api == row["target"] else f"{escape(api)}<br><small>{escape(row['target'])}</small>"
        cells = [Cell(Safe(f"{title}<br><small>{escape(label)}</small>"), tag="th")]
        for pid in ids:
            v = row["properties"].get(pid)
            status = v["status"] if v else ""
            cells.append(Cell(status, style=f"background:{_COLOUR.get(status, '#fff')}",
                              title=(v["message"] or "")[:500] if v else ""))
        grid.append(cells)
    notes = "".join(f"<li>{escape(s)}</li>" for s in discrepancies(matrix)) or "<li>none</li>"
    missing = "".join(f"<li>{escape(k)}: {escape(v)}</li>" for k, v in matrix["not_installed"].items()) or "<li>none</li>"
    versions = ", ".join(f"{k} {v}" for k, v in matrix["versions"].items())
    examples = f" ({matrix['max_examples']} examples per property)" if matrix.get("max_examples") else ""
    return page(
        "rnnspec conformance matrix",
        Safe("<h1>rnnspec conformance matrix</h1>"
             f"<p>profile {escape(matrix['profile'])}{escape(examples)}, seed {matrix['seed']}, tiers "
             f"{escape(', '.join(matrix.get('tiers', ['small'])))} (rnnspec/spec/scale.py); {escape(versions)}</p>"),
        table(["target"] + [Safe(f"<div>{escape(pid)}</div>") for pid in ids], grid),
        Safe(f"<h2>Discrepancies</h2><ul>{notes}</ul><h2>Not installed</h2><ul>{missing}</ul>"),
        css="table{font-size:12px}td,th{padding:2px 4px}th div{writing-mode:vertical-rl;transform:rotate(180deg)}",
    )
