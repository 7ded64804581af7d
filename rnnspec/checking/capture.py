"""What a target prints while a property runs, captured at the file-descriptor level (as pytest's
``capfd`` does): Python's ``print`` and a C library's ``printf`` or ``write(1, ...)`` alike land in
the property's summary instead of between the verdicts."""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import sys
import tempfile

__all__ = ["descriptors_captured"]


def _flush_c_stdio() -> None:
    """C's own buffers (a library's printf) out to the descriptors before they are switched."""
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):  # no C library to ask (not POSIX)
        pass


@contextlib.contextmanager
def descriptors_captured(sink: io.StringIO):
    """Descriptors 1 and 2 (and Python's sys.stdout and sys.stderr) go to a temporary file inside;
    what was written there is appended to ``sink`` after. Where the descriptors cannot be switched
    (no fileno, as under some embedders), Python-level redirection only."""
    try:
        saved = [os.dup(1), os.dup(2)]
    except OSError:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield
        return
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    _flush_c_stdio()
    with tempfile.TemporaryFile("w+b") as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
        # unbuffered, sharing the file's offset with descriptors 1 and 2: the order of writes is kept
        text = io.TextIOWrapper(os.fdopen(os.dup(f.fileno()), "wb", buffering=0), encoding="utf-8",
                                errors="replace", write_through=True)
        try:
            with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
                yield
        finally:
            with contextlib.suppress(Exception):
                text.flush()
            _flush_c_stdio()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            with contextlib.suppress(Exception):
                text.close()
            f.seek(0)
            sink.write(f.read().decode("utf-8", errors="replace"))
