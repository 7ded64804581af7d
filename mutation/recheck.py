"""Rechecks mutmut's survivors without mutmut's runner: each mutant written into the source of a
scratch copy (``mutmut apply``), the configured test selection run in a fresh process, the file
restored. Writes {name: "killed" | "survived"} as JSON.

    python mutation/recheck.py OUT.json [NAME ...]     (from the copy mutmut ran in; default: every survivor)

Why: mutmut forks each mutant's run from a process that has imported the code, and switches the
mutant on only for calls made after that. Code that runs at import (a registry built by calling a
function, a factory whose closures are made at import, a class registered at import) is mutated
where nobody calls it again, so mutmut reports "survived" for mutants a plain test run kills. A
survivor that survives this recheck too is one no test catches.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import statuses  # noqa: E402


def _selection(root: Path) -> list[str]:
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["mutmut"]
    return [*config.get("pytest_add_cli_args", []), *config["pytest_add_cli_args_test_selection"]]


def recheck(root: Path, names: list[str], *, timeout: float = 600) -> dict[str, str]:
    tests = _selection(root)
    found: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "copy"
        shutil.copytree(root, scratch, ignore=shutil.ignore_patterns(".hypothesis", "__pycache__", ".*venv*"))
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", *tests]
        baseline = subprocess.run(command, cwd=scratch, capture_output=True, text=True, env=env, timeout=timeout)
        if baseline.returncode != 0:  # the tests must pass on the unmutated copy, or nothing here means anything
            raise SystemExit(f"the test selection fails without a mutant:\n{baseline.stdout[-3000:]}")
        for k, name in enumerate(names, 1):
            module = name.split(".x", 1)[0]  # rnnspec.references.np_cells.x_rnn_step_backward__mutmut_5
            source = Path(*module.split(".")).with_suffix(".py")
            pristine = (root / source).read_bytes()
            applied = subprocess.run([sys.executable, "-m", "mutmut", "apply", name], cwd=scratch,
                                     capture_output=True, text=True)
            if applied.returncode != 0 or (scratch / source).read_bytes() == pristine:
                found[name] = "not applied"
            else:
                try:
                    run = subprocess.run(command, cwd=scratch, capture_output=True, text=True, env=env, timeout=timeout)
                    found[name] = "survived" if run.returncode == 0 else "killed"
                except subprocess.TimeoutExpired:
                    found[name] = "killed"  # it hung the tests: a timeout, as mutmut counts it
            (scratch / source).write_bytes(pristine)
            print(f"[{k}/{len(names)}] {found[name]:11} {name}", flush=True)
    return found


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    out, names = Path(argv[0]), argv[1:]
    root = Path.cwd()
    if not names:
        names = [n for mutants in statuses(root / "mutants").values() for n, s in mutants.items() if s == "survived"]
    found = recheck(root, names)
    out.write_text(json.dumps(found, indent=1) + "\n")
    print(f"{sum(s == 'killed' for s in found.values())} of {len(found)} killed by a plain run of the tests")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
