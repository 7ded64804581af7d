"""Rewrites xfails/<target>.txt and logs/<target>.txt of the corpus from fresh runs.

    python tests/corpus/write_xfails.py [NAME ...]      (every target of tests/power/test_corpus.py by default)

Which properties fail moves whenever the strategies change (a new property, a new tier, a different
draw). This reruns each target as tests/power/test_corpus.py does, without the xfails, and writes one entry
per failing property, naming for each failure the findings that explain it (``Finding.explains``) among
the findings its xfails file already names (those the property named before, where they still do), with
the reasons worded as they were. A failure that none of
those findings explains is never written down: the script prints it and exits 1. Confirm it (a new
``confirm_*.py``, a new entry of ``FINDINGS``, its reason in the file by hand) or fix rnnspec.
Then the log is the run with the new file, and the verdict lines below are for the README's table.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from test_corpus import FINDINGS, RUN_OPTIONS, TARGETS, VERIFY, _case  # noqa: E402

ENTRY = re.compile(r"(?P<text>[^;]*?)\s*\((?P<script>\w+\.py)\)")


def _read(path: Path) -> tuple[list[str], dict[str, str], dict[str, list[str]]]:
    """The file's header comments, {script: its reason's words} and {property: the scripts it names}."""
    header, reasons, named = [], {}, {}
    for line in path.read_text().splitlines():
        entry, _, reason = line.partition("#")
        if not entry.strip() and not named:
            header.append(line)
        if entry.strip():
            named[entry.strip()] = [m["script"] for m in ENTRY.finditer(reason)]
            for match in ENTRY.finditer(reason):
                reasons.setdefault(match["script"], match["text"].strip())
    return header, reasons, named


def _run(flags, *extra, cwd) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    done = subprocess.run([*VERIFY, *flags, *RUN_OPTIONS, *extra], capture_output=True, text=True, cwd=cwd,
                          timeout=900)
    return done, time.perf_counter() - start


def rewrite(target) -> list[str]:
    """Rewrites the target's files; returns its unexplained failures (nothing written then)."""
    xfails, log = HERE / "xfails" / f"{target.name}.txt", HERE / "logs" / f"{target.name}.txt"
    header, reasons, before = _read(xfails)
    with tempfile.TemporaryDirectory() as tmp:
        done, _ = _run(target.flags, "--json", "r.json", cwd=tmp)
        report = json.loads((Path(tmp) / "r.json").read_text())
    entries, unexplained = {}, []
    for prop in report["properties"]:
        if prop["status"] not in ("failed", "error"):
            continue
        named = []
        for failure in prop["failures"] or [{"case": "", "headline": prop.get("reason", "")}]:
            case = {**_case(failure["case"]), "property": prop["id"]}
            explaining = [s for s in reasons if s in FINDINGS and FINDINGS[s].explains(case)]
            kept = [s for s in explaining if s in before.get(prop["id"], ())]
            explaining = kept or explaining  # the attribution it had, while that still explains it
            if not explaining:
                unexplained.append(f"{target.name}: {prop['id']}: {failure['headline']}\n  case: {failure['case']}")
            named += [s for s in explaining if s not in named]
        entries[prop["id"]] = "; ".join(f"{reasons[s]} ({s})" for s in named)
    if unexplained:
        return unexplained
    width = max([40, *(len(p) + 1 for p in entries)])
    options = " ".join(RUN_OPTIONS)
    header = [h if options in h else h.replace("--profile quick", options) for h in header]
    lines = [*header, *(f"{p:<{width}} # {r}" for p, r in entries.items())]
    if not entries and not any("no known failures" in h for h in header):
        lines.append("# no known failures: every property it claims passes.")
    xfails.write_text("\n".join(lines) + "\n")
    print(f"{target.name}: without xfails: exit {done.returncode}: {done.stdout.strip().splitlines()[-1]}")

    relative = f"xfails/{xfails.name}"
    done, seconds = _run(target.flags, "--xfails", relative, cwd=HERE)
    command = shlex.join(["rnnspec", "verify", *target.flags, *RUN_OPTIONS, "--xfails", relative])
    log.write_text(f"$ {command}\n# exit {done.returncode}, {seconds:.0f} s wall (shared 2-core machine)\n"
                   f"{done.stdout}{done.stderr}")
    print(f"{target.name}: with xfails:    exit {done.returncode}: {done.stdout.strip().splitlines()[-1]}")
    return []


def main(names: list[str]) -> int:
    chosen = [t for t in TARGETS if not names or t.name in names]
    unknown = set(names) - {t.name for t in TARGETS}
    if unknown:
        print(f"error: no corpus target named {sorted(unknown)}; they are {[t.name for t in TARGETS]}",
              file=sys.stderr)
        return 2
    unexplained = [u for t in chosen for u in rewrite(t)]
    for line in unexplained:
        print(f"UNEXPLAINED {line}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
