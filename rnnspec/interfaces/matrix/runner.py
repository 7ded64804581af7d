"""Running the matrix: each framework in a process of its own (Keras picks its backend once per
process, JAX's float64 mode is process-wide, and a framework that crashes takes only its own rows),
``jobs`` of them at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from rnnspec.interfaces.matrix.frameworks import FRAMEWORKS, select_frameworks
from rnnspec.interfaces.matrix.sentences import discrepancies
from rnnspec.interfaces.workers import CRASHED, MARKER, run_worker
from rnnspec.rendering.report import library_versions

__all__ = ["run_matrix", "assemble", "MARKER", "CRASHED"]



def _worker_command(name: str, settings) -> list[str]:
    command = [sys.executable, "-m", "rnnspec.interfaces.matrix.worker", name, "--profile", settings.profile,
               "--seed", str(settings.seed)]
    command += ["--max-examples", str(settings.max_examples)] if settings.max_examples else []
    return command + ["--tiers", ",".join(settings.tiers), "--max-size", str(settings.max_size),
                      "--max-seq-len", str(settings.max_seq_len), "--max-batch", str(settings.max_batch)]


def _run_framework(name: str, settings, on_row: Callable[[dict], None],
                   started: Callable[[subprocess.Popen], None] = lambda worker: None) -> tuple[list[dict], str | None]:
    """One framework's worker process: its rows, and why it has none (not installed, crashed) or None.
    ``started(worker)`` is told the process as it starts (so an interrupted run can stop it)."""
    rows, missing = [], None

    def seen(message: dict) -> None:
        nonlocal missing
        if "not_installed" in message:
            missing = message["not_installed"]
        else:
            rows.append(message["row"])
            on_row(message["row"])
    crashed = run_worker(_worker_command(name, settings), env={**os.environ, **FRAMEWORKS[name].env},
                         on_message=seen, started=started)
    return rows, crashed if crashed is not None else missing


def assemble(settings, rows: list[dict], missing: dict[str, str]) -> dict:
    """The matrix object: the run's settings and versions, the rows in FRAMEWORKS' order, what is not
    installed, and the discrepancies derived from the rows (for readers of the JSON)."""
    order = list(FRAMEWORKS)
    rows = sorted(rows, key=lambda row: order.index(row["framework"]) if row["framework"] in order else len(order))
    matrix = {"versions": library_versions(), "profile": settings.profile, "max_examples": settings.max_examples,
              "seed": settings.seed, "tiers": list(settings.tiers), "rows": rows, "not_installed": missing}
    return {**matrix, "discrepancies": discrepancies(matrix)}


def run_matrix(settings, *, frameworks=None, jobs: int = 1, on_row: Callable[[dict], None] | None = None,
               on_framework: Callable[[str, float, dict], None] | None = None) -> dict:
    """Every selected framework's targets under ``settings`` (its dtype is ignored: one row per
    dtype each target claims), ``jobs`` framework processes at a time. ``on_row(row)`` is called
    for each row as it comes and ``on_framework(name, seconds, matrix_so_far)`` as each framework ends (both
    from one thread at a time), so a caller can show progress and keep what is done. Interrupted
    (KeyboardInterrupt), it stops the running workers, starts no more and reports nothing of the
    frameworks it stopped, then raises: what ``on_framework`` was given is what finished."""
    names = select_frameworks(frameworks)
    rows, missing, lock = [], {}, threading.Lock()
    stopping, workers = threading.Event(), set()

    def one(name: str) -> None:
        if stopping.is_set():
            return
        begun = time.monotonic()

        def row_done(row):
            with lock:
                if on_row and not stopping.is_set():
                    on_row(row)

        got, why = _run_framework(name, settings, row_done, started=workers.add)
        with lock:
            if stopping.is_set():  # stopped part way: neither its rows nor a reason
                return
            rows.extend(got)
            if why is not None:
                missing[name] = why
            if on_framework:
                on_framework(name, time.monotonic() - begun, assemble(settings, rows, missing))

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        for future in [pool.submit(one, name) for name in names]:
            future.result()
    except BaseException:
        stopping.set()
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in list(workers):
            if worker.poll() is None:
                worker.terminate()
        raise
    pool.shutdown()
    return assemble(settings, rows, missing)
