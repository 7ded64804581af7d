"""Reports of a verify run: a line per verdict for the terminal, one JSON object, one HTML page.
All of them render the fields of ``Verdict`` and ``Failure``; none reads a message back."""

from __future__ import annotations

import platform

from rnnspec import __version__
from rnnspec.checking import isolation
from rnnspec.rendering.files import write_json
from rnnspec.rendering.html_page import Cell, Safe, escape, page, table
from rnnspec.running.verdicts import Status, Verdict, overall_status, summary

__all__ = ["verdict_line", "header", "isolation_lines", "library_versions", "json_report", "html_report", "write_json"]

_MARK = {s: s.value.upper().ljust(7) for s in Status}


def verdict_line(v: Verdict, *, errors: bool = False) -> str:
    """The verdict's line (and its failure, indented); with ``errors``, also its largest errors."""
    line = f"{_MARK[v.status]} {v.id:<48} [{v.topic}] {v.seconds:5.1f}s"
    if v.status in (Status.SKIPPED, Status.XPASSED):
        line += f"  ({v.reason})"
    elif v.message:
        line += "\n" + "\n".join("    " + m for m in v.message.splitlines())
    if errors and v.error_size is not None:
        line += f"\n    errors: {v.error_size}"
    return line


def isolation_lines(changes: dict[str, int] | None = None) -> list[str]:
    """What the target changed of process-wide torch state while it ran (put back after each call):
    ``changes`` as rnnspec.checking.isolation.changes() gives them (this process's, by default)."""
    return [f"WARNING: the target changed {change} in {n} call{'s' * (n != 1)}; rnnspec put it back after each, "
            f"so no later property saw it (a torch layer leaves process-wide state alone)"
            for change, n in (isolation.changes() if changes is None else changes).items()]


def header(target, settings, prepared=None) -> list[str]:
    """The lines before the verdicts: what is verified, how, and what was left out and why."""
    what = f"cells {', '.join(target.cells)}" if target.cells else f"a {target.subject} function"
    dtypes = f", {settings.dtype} only" if settings.dtype else ""
    lines = [f"rnnspec verify {target.cli_args()}: {what}; profile {settings.profile}, seed {settings.seed}{dtypes}"]
    if settings.tolerance is not None:
        lines.append(f"tolerance against the reference: at least {settings.tolerance} (structural properties keep "
                     f"the registry's)")
    if getattr(target, "found_under", None):
        lines.append(f"torch's parameters found under .{target.found_under}")
    if prepared is not None and prepared.lacks:
        lines.append(f"declared lacking: {', '.join(prepared.lacks)}")
    for option, why in (prepared.unsupported.items() if prepared is not None else ()):
        lines.append(f"not supported (probed): {option}: {why}")
    for option, why in (getattr(prepared, "kept", {}) or {}).items():
        lines.append(f"WARNING: {option} refused (probed): {why}; a torch drop-in claims it, so its properties run "
                     f"and fail (declare --lacks {option} if the target has none)")
    return lines


def library_versions() -> dict:
    import hypothesis
    import numpy
    import torch


    return {"rnnspec": __version__, "python": platform.python_version(), "torch": torch.__version__,
            "numpy": numpy.__version__, "hypothesis": hypothesis.__version__}


def json_report(target, verdicts: list[Verdict], *, settings, prepared=None, partial: str | None = None) -> dict:
    """One JSON-able object: the target, the run's settings, versions and every verdict's fields.
    ``partial``: why the run stopped before its end (then ``"partial": true`` and the reason; the
    verdicts are those of the properties that finished)."""
    tolerance = settings.tolerance
    stopped = {"partial": True, "stopped": partial} if partial else {"partial": False}
    return {
        "target": target.name,
        "like": getattr(target, "like", None),
        "cells": list(target.cells),
        "status": "interrupted" if partial else overall_status(verdicts).value,
        **stopped,
        "seed": settings.seed,
        "profile": settings.profile,
        "max_examples": settings.max_examples,
        "dtype": settings.dtype or "all",
        "timeout": settings.timeout,
        "tolerance": None if tolerance is None else {"rtol": tolerance.rtol, "atol": tolerance.atol},
        "lacks": list(prepared.lacks) if prepared else [],
        "probed_out": dict(prepared.unsupported) if prepared else {},
        "refused_but_kept": dict(getattr(prepared, "kept", {}) or {}) if prepared else {},
        "versions": library_versions(),
        "summary": summary(verdicts),
        "process_state_changed": isolation.changes(),  # by the target's calls, put back after each
        "properties": [v.to_dict() for v in verdicts],
    }


_COLOURS = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#cf222e", "hung": "#cf222e", "skipped": "#6e7781",
            "xfailed": "#9a6700", "xpassed": "#9a6700"}


def html_report(*reports: dict) -> str:
    """One self-contained page from ``json_report``'s objects (one section per target). Everything
    that came from a target (its name, messages, reprs) is escaped."""
    return page("rnnspec verify " + ", ".join(r["target"] for r in reports), *(_html_section(r) for r in reports))


def _html_section(report: dict) -> Safe:
    rows = []
    for p in report["properties"]:
        detail = Safe(f"{escape(p['claim'])}<pre>{escape(p['message'])}</pre>") if p["message"] else p["claim"]
        rows.append([Safe(f"<code>{escape(p['id'])}</code>"), p["topic"],
                     Cell(p["status"], style=f"color:{_COLOURS.get(p['status'], '#000')};font-weight:bold"),
                     detail, f"{p['seconds']:.1f}s"])
    versions = ", ".join(f"{k} {v}" for k, v in report["versions"].items())
    stopped = (f"<p><b>partial report</b>: {escape(report['stopped'])}; the properties below are those that "
               f"finished</p>") if report.get("partial") else ""
    return Safe(
        f"<h1>rnnspec verify {escape(report['target'])}</h1>{stopped}"
        f"<p>like {escape(str(report['like']))}; cells {escape(', '.join(report['cells']) or '-')}; "
        f"<b>{escape(report['status'])}</b> ({escape(report['summary'])}); profile {escape(report['profile'])}, "
        f"seed {report['seed']}, dtypes {escape(report.get('dtype', 'all'))}</p><p>{escape(versions)}</p>"
        + table(["property", "topic", "status", "claim and details", "time"], rows)
    )
