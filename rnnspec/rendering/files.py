"""Writing a report file: whole or not at all, and never half of two runs.

The text goes to a temporary file of its own in the same folder (``.NAME.PID.rnnspec-partial``,
unique to the writing process), flushed to disk, then renamed over ``path`` (``os.replace`` is
atomic on POSIX and Windows): a reader, a concurrent writer or an interruption (Ctrl-C, SIGTERM,
``kill -9``) sees the previous file or the new one, never a mix or a truncation. A ``kill -9``
between the two steps can leave only the temporary file; the next write to ``path`` removes such
leftovers of processes that are gone."""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["write_text", "write_json", "PARTIAL_SUFFIX"]

PARTIAL_SUFFIX = ".rnnspec-partial"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _remove_leftovers(path: Path) -> None:
    """Temporary files of ``path`` whose writer is gone (a kill -9 mid-write)."""
    for leftover in path.parent.glob(f".{path.name}.*{PARTIAL_SUFFIX}"):
        pid = leftover.name[len(path.name) + 2:-len(PARTIAL_SUFFIX)].split(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def write_text(text: str, path: str | os.PathLike) -> None:
    """``text`` at ``path``, atomically (the module docstring)."""
    path = Path(path)
    _remove_leftovers(path)
    partial = path.parent / f".{path.name}.{os.getpid()}.{id(text):x}{PARTIAL_SUFFIX}"
    try:
        with open(partial, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, path)
    except BaseException:  # an interrupt between the two steps: no leftover of ours
        partial.unlink(missing_ok=True)
        raise


def write_json(obj: dict, path: str | os.PathLike) -> None:
    """``obj`` as indented JSON at ``path``, atomically (``matrix --resume`` reads the previous file
    when a run is interrupted)."""
    write_text(json.dumps(obj, indent=2) + "\n", path)
