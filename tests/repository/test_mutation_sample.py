"""Mutation testing, time-boxed for CI's slow tier: mutmut runs a fixed, spread sample of the mutants
that the committed run killed (docs/mutation.json, made by mutation/report.py), in a copy of the
repository, and each must be killed again. A change to the tests or the suite that stops killing one
fails here, named. Needs mutmut (pip install -e ".[dev]"); skipped, with the reason, without it."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

from locations import ROOT
sys.path.insert(0, str(ROOT / "mutation"))
from report import statuses  # noqa: E402

SAMPLE = 24  # mutants, spread over the committed run's modules; about 40 s on 2 cores
KILLED = ("killed", "timeout")


def sample(record: dict, size: int = SAMPLE) -> list[str]:
    """Every k-th killed mutant of the record, in name order, k chosen to take ``size``."""
    killed = sorted(n for mutants in record["modules"].values() for n, s in mutants.items() if s in KILLED)
    step = max(1, len(killed) // size)
    return killed[::step][:size]


def _copy(to: Path) -> None:
    """The repository's tracked files (what a clean clone holds), without caches or virtual environments."""
    listed = subprocess.run(["git", "ls-files"], capture_output=True, text=True, cwd=ROOT)
    if listed.returncode == 0 and listed.stdout.strip():
        for name in listed.stdout.splitlines():
            if (ROOT / name).is_file():
                (to / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, to / name)
    else:
        shutil.copytree(ROOT, to, dirs_exist_ok=True, ignore=shutil.ignore_patterns(
            ".git", ".*venv*", "mutants", "__pycache__", ".hypothesis", ".asv", ".benchmarks"))


@pytest.mark.skipif(importlib.util.find_spec("mutmut") is None, reason="needs mutmut (pip install -e '.[dev]')")
def test_a_sample_of_the_killed_mutants_is_killed_again(tmp_path):
    record = json.loads((ROOT / "docs" / "mutation.json").read_text())
    names = sample(record)
    assert len(names) == SAMPLE, f"docs/mutation.json holds {len(names)} killed mutants, fewer than the sample"
    copy = tmp_path / "repo"
    _copy(copy)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # mutmut forks after torch has run: no OpenMP pool to hang in
    done = subprocess.run([sys.executable, "-m", "mutmut", "run", *names], capture_output=True, text=True, cwd=copy,
                          env=env, timeout=1200)
    found = {n: s for mutants in statuses(copy / "mutants").values() for n, s in mutants.items()}
    survived = {n: found.get(n, "not run") for n in names if found.get(n) not in KILLED}
    assert not survived, (
        f"mutants the committed run killed, not killed now: {survived}\n(mutmut exit {done.returncode}; "
        f"see one with `mutmut show NAME` after `mutmut run NAME` in a copy)\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
