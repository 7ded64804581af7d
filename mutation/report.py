"""The suite's mutation score, from mutmut's results, as docs/mutation.md and docs/mutation.json.

    cp -r . /tmp/copy && cd /tmp/copy       # mutmut writes mutants/ beside the code: use a copy
    OMP_NUM_THREADS=1 mutmut run [NAME ...] # [tool.mutmut] in pyproject.toml says what is mutated and
                                            # which tests run; names take wildcards (rnnspec.checking.checks.*)

OMP_NUM_THREADS=1: mutmut forks each mutant's run from a process that has run torch; without it a
forked child slept for 10 minutes at 0% CPU (the fork-after-OpenMP hang, we believe; asleep, it never
reaches mutmut's CPU-time limit).
    python mutation/recheck.py recheck.json # each survivor again, in a plain run of the tests
    python mutation/report.py --recheck recheck.json --note "..."   # docs/mutation.{md,json}, in the original

Each mutant's status is mutmut's own (killed, survived, timeout, no tests, not checked), except that a
survivor which a plain run of the same tests kills (mutation/recheck.py: code that runs at import, which
mutmut's forked runner cannot switch on) counts as killed and is listed as such. Every other survivor
must be listed in mutation/equivalent.txt (``name or fnmatch pattern  # why it changes nothing
observable, or why no test should kill it``); one that is not makes this exit 1, with its diff: kill it
with a test, or list it.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
EQUIVALENT = HERE / "equivalent.txt"
RECHECKED = "killed (recheck)"  # mutmut's survivor, killed by a plain run of the tests
ORDER = ("killed", RECHECKED, "timeout", "survived", "no tests", "not checked")


def equivalents(path: Path = EQUIVALENT) -> dict[str, str]:
    """{mutant name: the reason it survives}, from ``name  # reason`` lines."""
    found = {}
    for line in path.read_text().splitlines():
        name, _, reason = line.partition("#")
        if name.strip():
            found[name.strip()] = reason.strip()
    return found


def reason_for(name: str, reasons: dict[str, str]) -> str | None:
    """The reason listed for ``name``: its own entry, or the first pattern that matches it."""
    if name in reasons:
        return reasons[name]
    return next((r for pattern, r in reasons.items() if fnmatch.fnmatchcase(name, pattern)), None)


def statuses(mutants: Path) -> dict[str, dict[str, str]]:
    """{module file: {mutant name: status}} from mutmut's .meta files under ``mutants``."""
    from mutmut.stats import status_by_exit_code  # mutmut's own reading of its exit codes

    found = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        codes = json.loads(meta.read_text()).get("exit_code_by_key", {})
        if codes:
            module = str(meta.relative_to(mutants))[: -len(".meta")]
            found[module] = {name: status_by_exit_code[code] for name, code in sorted(codes.items())}
    return found


def _diff(name: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "mutmut", "show", name], capture_output=True, text=True, cwd=cwd)
    lines = [line for line in done.stdout.splitlines() if line.startswith(("+", "-")) and line[:3] not in ("+++", "---")]
    return "\n".join(lines) or done.stdout.strip()


def score(counts: Counter) -> float | None:
    """Killed (timeouts included: the mutant hung the tests; and survivors a plain run kills) over the
    mutants that ran."""
    killed = counts["killed"] + counts["timeout"] + counts[RECHECKED]
    return killed / (killed + counts["survived"]) if killed + counts["survived"] else None


def with_recheck(by_module: dict[str, dict[str, str]], recheck: dict[str, str]) -> dict[str, dict[str, str]]:
    return {module: {n: RECHECKED if s == "survived" and recheck.get(n) == "killed" else s for n, s in mutants.items()}
            for module, mutants in by_module.items()}


def render(by_module: dict[str, dict[str, str]], reasons: dict[str, str], diffs: dict[str, str], note: str) -> str:
    total = Counter(s for mutants in by_module.values() for s in mutants.values())
    killed = total["killed"] + total["timeout"] + total[RECHECKED]
    ran = killed + total["survived"]
    headline = (f"**Score: {score(total):.1%}** ({killed} killed of {ran} run, {total[RECHECKED]} of them "
                f"survivors of mutmut's runner that a plain run kills; {total['not checked']} generated but not "
                f"run; {total['no tests']} reached by no selected test)." if ran else "No mutant ran.")
    lines = ["# Mutation testing", "", note, "", headline, "",
             "| module | " + " | ".join(ORDER) + " | score |", "|---" * (len(ORDER) + 2) + "|"]
    for module, mutants in by_module.items():
        counts = Counter(mutants.values())
        shown = f"{score(counts):.1%}" if score(counts) is not None else "-"
        lines.append(f"| `{module}` | " + " | ".join(str(counts[s]) for s in ORDER) + f" | {shown} |")
    survivors = [(name, module) for module, mutants in by_module.items()
                 for name, status in mutants.items() if status == "survived"]
    kinds = Counter((reason_for(n, reasons) or "not explained").split(":")[0] for n, _ in survivors)
    lines += ["", f"## Survivors ({len(survivors)}), each with why it survives (mutation/equivalent.txt)", "",
              "; ".join(f"{kind}: {count}" for kind, count in kinds.most_common()) + " (EQUIVALENT: no input the "
              "suite's callers give tells it apart; GAP: a blind spot of the selected tests, open).", ""]
    for name, _ in survivors:
        lines += [f"- `{name}`: {reason_for(name, reasons) or '**not explained**'}", "", "  ```diff",
                  *(f"  {d}" for d in diffs.get(name, "").splitlines()), "  ```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=Path, default=Path("mutants"), help="mutmut's folder (default: ./mutants)")
    parser.add_argument("--out", type=Path, default=HERE.parent / "docs",
                        help="where mutation.md and mutation.json go (default: this checkout's docs/)")
    parser.add_argument("--note", default="", help="how the run was made (command, machine, time), for the page")
    parser.add_argument("--recheck", type=Path, help="mutation/recheck.py's JSON: survivors a plain run kills")
    args = parser.parse_args(argv)
    if not args.mutants.is_dir():
        print(f"error: no {args.mutants}/ here: run `mutmut run` first (from a copy of the repository)", file=sys.stderr)
        return 2
    recheck = json.loads(args.recheck.read_text()) if args.recheck else {}
    by_module, reasons = with_recheck(statuses(args.mutants), recheck), equivalents()
    survivors = [n for mutants in by_module.values() for n, s in mutants.items() if s == "survived"]
    diffs = {name: _diff(name, args.mutants.parent) for name in survivors}
    args.out.mkdir(exist_ok=True)
    (args.out / "mutation.md").write_text(render(by_module, reasons, diffs, args.note))
    (args.out / "mutation.json").write_text(json.dumps(
        {"note": args.note, "modules": by_module, "survivors": {n: reason_for(n, reasons) for n in survivors}},
        indent=1) + "\n")
    unexplained = [n for n in survivors if reason_for(n, reasons) is None]
    for name in unexplained:
        print(f"UNEXPLAINED survivor {name}:\n{diffs[name]}")
    total = Counter(s for mutants in by_module.values() for s in mutants.values())
    print(f"score {score(total):.1%}: {dict(total)}; {len(survivors)} survivors, {len(unexplained)} unexplained"
          if score(total) is not None else "no mutant ran")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
