"""The matrix as one self-contained HTML page, read top down: a summary of frameworks by cell kinds
(agrees / differs / not claimed, with the number of properties), every discrepancy as a sentence,
then the full grid of rows by properties grouped by lecture topic, and the frameworks not installed."""

from __future__ import annotations

from typing import NamedTuple

from rnnspec.rendering.html_page import Cell, Safe, escape, page, table
from rnnspec.interfaces.matrix.frameworks import FRAMEWORKS
from rnnspec.interfaces.matrix.runner import CRASHED
from rnnspec.interfaces.matrix.sentences import sentence
from rnnspec.spec import CELLS, PROPERTIES, TOPICS
from rnnspec.running.verdicts import Verdict

__all__ = ["matrix_html", "summary", "Tally"]

_COLOUR = {"passed": "#d1f2d9", "failed": "#ffd7d5", "error": "#ffd7d5", "hung": "#ffd7d5", "skipped": "#eeeeee"}
_FAILING = ("failed", "error", "hung")
FUNCTIONS = "functions"  # the summary's column for targets that compute no cell (gradient clipping)


def _kinds(row: dict) -> list[str]:
    return list(row["cells"]) or [FUNCTIONS]


class Tally(NamedTuple):
    """One framework and cell kind of the summary."""

    differ: int  # properties some row failed
    checked: int  # properties some row passed or failed
    failing_dtypes: tuple[str, ...]  # the dtypes of the rows that failed one
    dtypes: tuple[str, ...]  # the dtypes of every row


def summary(matrix: dict) -> dict[str, dict[str, Tally | None]]:
    """``{framework: {cell kind: Tally or None}}``: a property is checked for a framework and kind when
    some row of that framework computing that kind passed or failed it (skips do not count), and
    differs when any such row failed it. A row's verdicts count for every cell kind it computes.
    None: no row of the framework computes that kind."""
    found: dict[str, dict[str, tuple[set, set, set, set]]] = {}
    for row in matrix["rows"]:
        for kind in _kinds(row):
            checked, differ, failing, dtypes = found.setdefault(row["framework"], {}).setdefault(
                kind, (set(), set(), set(), set()))
            dtypes.add(row.get("dtype", "all"))
            for pid, verdict in row["properties"].items():
                if verdict["status"] != "skipped":
                    checked.add(pid)
                if verdict["status"] in _FAILING:
                    differ.add(pid)
                    failing.add(row.get("dtype", "all"))
    return {framework: {kind: Tally(len(k[kind][1]), len(k[kind][0]), tuple(sorted(k[kind][2])), tuple(sorted(k[kind][3])))
                        if kind in k else None for kind in [*CELLS, FUNCTIONS]}
            for framework, k in found.items()}


def _summary_table(matrix: dict) -> Safe:
    counts = summary(matrix)
    versions = {row["framework"]: row.get("framework_version") or "" for row in matrix["rows"]}
    columns = [kind for kind in [*CELLS, FUNCTIONS] if any(c[kind] is not None for c in counts.values())]
    grid = []
    for framework in sorted(counts, key=lambda f: list(FRAMEWORKS).index(f) if f in FRAMEWORKS else len(FRAMEWORKS)):
        cells = [Cell(Safe(f"{escape(framework)} <small>{escape(versions[framework])}</small>"), tag="th")]
        for kind in columns:
            tally = counts[framework][kind]
            if tally is None:
                cells.append(Cell("not claimed", style="background:#eeeeee;color:#666"))
            elif not tally.checked:
                cells.append(Cell("not checked (every property skipped)", style="background:#eeeeee;color:#666"))
            elif tally.differ:
                only = (f" ({', '.join(tally.failing_dtypes)} only)"
                        if len(tally.failing_dtypes) < len(tally.dtypes) and "all" not in tally.failing_dtypes else "")
                cells.append(Cell(f"differs: {tally.differ} of {tally.checked}{only}", style=f"background:{_COLOUR['failed']}"))
            else:
                cells.append(Cell(f"agrees: {tally.checked}", style=f"background:{_COLOUR['passed']}"))
        grid.append(cells)
    for framework, reason in matrix["not_installed"].items():  # a crashed worker's rows (if any) are above
        said = "crashed" if reason.startswith(CRASHED) else "not installed"
        grid.append([Cell(framework, tag="th"), Cell(f"{said}: {reason[:160]}", style="color:#666",
                                                     colspan=max(1, len(columns)))])
    return Safe("<div id='summary'><h2>Summary</h2><p>Each framework's targets, by the cell kind they compute: "
                "<b>agrees</b> with the number of properties checked, <b>differs</b> with how many of them some "
                "target failed, or <b>not claimed</b> (no target computes that kind); then the frameworks that "
                "crashed or are not installed here.</p>"
                + table(["framework"] + columns, grid, id="summary-table") + "</div>")


def _grid(matrix: dict) -> Safe:
    seen = {pid for row in matrix["rows"] for pid in row["properties"]}
    topic_of = {p.id: p.topic for p in PROPERTIES}
    ids = [p.id for topic in TOPICS for p in PROPERTIES if p.topic == topic and p.id in seen]
    ids += sorted(seen - set(ids))  # properties a newer rnnspec wrote, that this one does not know
    groups = []
    for pid in ids:
        topic = topic_of.get(pid, "other")
        if groups and groups[-1][0] == topic:
            groups[-1][1] += 1
        else:
            groups.append([topic, 1])
    topics = [Cell("", tag="th")] + [Cell(t, tag="th", colspan=n, style="text-align:center;background:#f0f0f8")
                                     for t, n in groups]
    rows = []
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
        rows.append(cells)
    grid = table(["target"] + [Safe(f"<div>{escape(pid)}</div>") for pid in ids], rows, id="grid", above=topics)
    return Safe("<h2>Every row, by lecture topic</h2>" + grid)


def matrix_html(matrix: dict) -> str:
    by_framework: dict[str, list[str]] = {}
    for row in matrix["rows"]:
        for verdict in map(Verdict.from_dict, row["properties"].values()):
            if verdict.status.is_failure:
                by_framework.setdefault(row["framework"], []).append(sentence(row, verdict))
    said = sum(map(len, by_framework.values()))
    notes = "".join(f"<h3>{escape(f)} ({len(s)})</h3><ul>" + "".join(f"<li>{escape(x)}</li>" for x in s) + "</ul>"
                    for f, s in by_framework.items()) or "<p>none</p>"
    missing = "".join(f"<li>{escape(k)}: {escape(v)}</li>" for k, v in matrix["not_installed"].items()) or "<li>none</li>"
    versions = ", ".join(f"{k} {v}" for k, v in matrix["versions"].items())
    examples = f" ({matrix['max_examples']} examples per property)" if matrix.get("max_examples") else ""
    return page(
        "rnnspec conformance matrix",
        Safe("<h1>rnnspec conformance matrix</h1>"
             f"<p>profile {escape(matrix['profile'])}{escape(examples)}, seed {matrix['seed']}, tiers "
             f"{escape(', '.join(matrix.get('tiers', ['small'])))} (rnnspec/spec/scale.py); {escape(versions)}; "
             f"{len(matrix['rows'])} rows (targets x dtypes)</p>"),
        _summary_table(matrix),
        Safe(f"<h2>Discrepancies ({said})</h2><div id='discrepancies'>{notes}</div>"),
        _grid(matrix),
        Safe(f"<h2>Not installed, or crashed</h2><ul>{missing}</ul>"),
        css="table{font-size:12px}td,th{padding:2px 4px}th div{writing-mode:vertical-rl;transform:rotate(180deg)}"
            "#summary td{white-space:nowrap}",
    )
