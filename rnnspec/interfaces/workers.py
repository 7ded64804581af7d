"""The worker protocol of the conformance matrix and the performance matrix: a framework runs in a
process of its own (Keras picks its backend once per process, JAX's float64 mode is process-wide,
and a framework that crashes takes only its own rows). The worker prints one JSON message a line,
each starting with ``MARKER`` (anything else on stdout is a library's own printing); the runner
reads them as they come and says why a worker ended badly."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from typing import Callable

__all__ = ["MARKER", "CRASHED", "STOPPED", "open_channel", "emit", "run_worker"]

MARKER = "rnnspec-worker "  # starts each line a worker prints for its runner
CRASHED = "its process exited with "  # starts the reason of a worker that died (not a missing import)
STOPPED = "stopped after --timeout "  # starts the reason of a worker ended by the runner's timeout


_CHANNEL = []  # the worker's own copy of its stdout, once open_channel() made it


def open_channel() -> None:
    """Keep a copy of descriptor 1 for ``emit`` (called first thing in a worker): messages sent while
    rnnspec captures what the target prints (descriptors switched) still reach the runner."""
    if not _CHANNEL:
        _CHANNEL.append(os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8"))


def emit(message: dict) -> None:
    """Send ``message`` to the runner (called in the worker)."""
    print(MARKER + json.dumps(message), file=_CHANNEL[0] if _CHANNEL else sys.stdout, flush=True)


def run_worker(command: list[str], *, env: dict[str, str], on_message: Callable[[dict], None],
               started: Callable[[subprocess.Popen], None] = lambda worker: None,
               timeout: float | None = None, pass_fds: tuple[int, ...] = ()) -> str | None:
    """Run one worker process to its end, handing each message to ``on_message`` as it comes.
    Returns None when it exited 0, else why not: ``CRASHED`` with its exit code and the end of its
    stderr, or ``STOPPED`` when it ran past ``timeout`` seconds (the messages before are kept).
    ``started(worker)`` is told the process as it starts (so an interrupted run can stop it);
    ``pass_fds``: descriptors the worker inherits (as subprocess.Popen takes them)."""
    # stderr to a file, not a pipe: a framework that warns a lot would fill a pipe nobody reads
    # until the end, and block inside its own warnings.warn
    with tempfile.TemporaryFile("w+") as errors, \
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env,
                             pass_fds=pass_fds) as worker:
        started(worker)
        timed_out = threading.Event()

        def stop():
            timed_out.set()
            worker.kill()
        timer = threading.Timer(timeout, stop) if timeout else None
        if timer:
            timer.start()
        try:
            for line in worker.stdout:
                if line.startswith(MARKER):
                    on_message(json.loads(line[len(MARKER):]))
            worker.wait()
        except BaseException:  # interrupted (Ctrl-C, SIGTERM): the worker goes too, before Popen waits for it
            worker.kill()
            raise
        finally:
            if timer:
                timer.cancel()
        if worker.returncode == 0:
            return None
        if timed_out.is_set():
            return f"{STOPPED}{timeout:g} s (the rows before are kept)"
        errors.seek(0)
        tail = errors.read().strip()[-2000:]
        code = worker.returncode
        if code < 0:
            with contextlib.suppress(ValueError):
                code = f"{code} (signal {signal.Signals(-code).name})"
        return f"{CRASHED}{code}" + (f": {tail}" if tail else "")
