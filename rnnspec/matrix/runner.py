"""Running the matrix: each framework in a process of its own (Keras picks its backend once per
process, JAX's float64 mode is process-wide, and a framework that crashes takes only its own rows)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Callable

from rnnspec.matrix.frameworks import FRAMEWORKS, select_frameworks
from rnnspec.matrix.sentences import discrepancies
from rnnspec.report import library_versions

__all__ = ["run_matrix", "MARKER"]

MARKER = "rnnspec-matrix "  # starts each line the worker prints for the runner; anything else a library printed


def run_matrix(settings, *, frameworks=None, on_row: Callable[[dict], None] | None = None) -> dict:
    """Every selected framework's targets under ``settings`` (its dtype is ignored: one row per
    dtype each target claims)."""
    rows, missing = [], {}
    for name in select_frameworks(frameworks):
        env = {**os.environ, **FRAMEWORKS[name].env}
        command = [sys.executable, "-m", "rnnspec.matrix.worker", name, "--profile", settings.profile,
                   "--seed", str(settings.seed)]
        command += ["--max-examples", str(settings.max_examples)] if settings.max_examples else []
        command += ["--tiers", ",".join(settings.tiers), "--max-size", str(settings.max_size),
                    "--max-seq-len", str(settings.max_seq_len), "--max-batch", str(settings.max_batch)]
        # stderr to a file, not a pipe: a framework that warns a lot would fill a pipe nobody reads
        # until the end, and block inside its own warnings.warn
        with tempfile.TemporaryFile("w+") as errors, \
                subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env) as worker:
            for line in worker.stdout:
                if not line.startswith(MARKER):  # a library's own printing
                    continue
                message = json.loads(line[len(MARKER):])
                if "not_installed" in message:
                    missing[name] = message["not_installed"]
                    continue
                rows.append(message["row"])
                if on_row:
                    on_row(message["row"])
            worker.wait()
            if worker.returncode != 0:  # the framework crashed its process: said, and the others go on
                errors.seek(0)
                missing[name] = f"its process exited with {worker.returncode}: {errors.read().strip()[-2000:]}"
    matrix = {"versions": library_versions(), "profile": settings.profile, "max_examples": settings.max_examples,
              "seed": settings.seed, "tiers": list(settings.tiers), "rows": rows, "not_installed": missing}
    return {**matrix, "discrepancies": discrepancies(matrix)}  # derived from the rows, for readers of the JSON
