"""One small helper for rnnspec's self-contained HTML pages (verify reports, the matrix, explain):
a page with a title and a style, and a table whose every cell is escaped unless marked safe."""

from __future__ import annotations

import html
from typing import Iterable, NamedTuple

__all__ = ["escape", "Safe", "Cell", "page", "table"]

escape = html.escape

_BASE_CSS = ("body{font-family:sans-serif;margin:2em;max-width:100%}h1{overflow-wrap:anywhere}"
             "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;vertical-align:top;"
             "text-align:left}pre{white-space:pre-wrap;font-size:85%;background:#f6f8fa;padding:6px}")


class Safe(str):
    """HTML that is already escaped (or built from escaped parts): put in a page as it is."""


class Cell(NamedTuple):
    """A table cell with attributes: ``Cell("failed", style="background:#fdd", title=message)``."""

    content: object
    style: str = ""  # CSS
    title: str = ""  # tooltip, escaped
    tag: str = "td"  # "th" for a row header
    colspan: int = 1


def _content(value) -> str:
    return value if isinstance(value, Safe) else escape(str(value))


def _td(cell) -> str:
    if not isinstance(cell, Cell):
        cell = Cell(cell)
    attrs = (f" style='{escape(cell.style)}'" if cell.style else "") + (f" title='{escape(cell.title)}'" if cell.title else "")
    attrs += f" colspan='{cell.colspan}'" if cell.colspan != 1 else ""
    return f"<{cell.tag}{attrs}>{_content(cell.content)}</{cell.tag}>"


def table(header: Iterable, rows: Iterable[Iterable], *, id: str = "", above: Iterable | None = None) -> Safe:
    """A table; every header and cell is escaped unless it is ``Safe`` (cells may be ``Cell``s).
    ``id``: the table's HTML id; ``above``: one more header row before ``header`` (``Cell``s with
    ``colspan`` to group columns)."""
    head = "".join(f"<th>{_content(h)}</th>" for h in header)
    first = "<tr>" + "".join(_td(c) for c in above) + "</tr>" if above is not None else ""
    body = "".join("<tr>" + "".join(_td(c) for c in row) + "</tr>" for row in rows)
    return Safe(f"<table{f' id={chr(39)}{escape(id)}{chr(39)}' if id else ''}>{first}<tr>{head}</tr>{body}</table>")


def page(title: str, *parts: str, css: str = "") -> str:
    """A whole page: ``title`` is escaped; ``parts`` must be Safe (built with escape/table)."""
    for part in parts:
        if not isinstance(part, Safe):
            raise TypeError(f"page parts must be Safe HTML, got {type(part).__name__}: {str(part)[:60]!r}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{_BASE_CSS}{css}</style></head><body>{''.join(parts)}</body></html>")
