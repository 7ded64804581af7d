"""One framework's rows, in its own process: ``python -m rnnspec.interfaces.matrix.worker FRAMEWORK --seed ...``.

Prints one JSON line per row (target and dtype), each starting with ``rnnspec.interfaces.workers.MARKER``; anything else a
library prints is ignored by the runner. A framework that does not import gives one
``not_installed`` line.
"""

from __future__ import annotations

import dataclasses
import shlex
import sys

from rnnspec.interfaces import options
from rnnspec.interfaces.matrix.frameworks import FRAMEWORKS
from rnnspec.interfaces.workers import emit, open_channel

__all__ = ["rows", "main"]


def _dtypes(target) -> list[str | None]:
    """One row per dtype the target claims (None: a target whose subject has no dtype option)."""
    from rnnspec.spec import DTYPES, capabilities_of

    if "float64" not in capabilities_of(target.subject):
        return [None]
    return [d for d in DTYPES if d != "float64" or "float64" in target.capabilities]


def rows(name: str, settings):
    """Yields ``{"row": ...}`` per target and dtype, or one ``{"not_installed": reason}``. Each target
    is loaded from its command line exactly as ``rnnspec verify`` loads it (flags, probing); the
    matrix's own seed, profile and example count apply."""
    from rnnspec.running.verdicts import overall_status, summary
    from rnnspec.running.verifier import verify

    framework = FRAMEWORKS[name]
    try:
        commands = framework.target_commands()
    except Exception as e:  # not installed, or broken: a line saying so, not a crash
        yield {"not_installed": f"{type(e).__name__}: {e}"}
        return
    version = framework.version()
    for command in commands:
        target, target_settings, prepared = options.load_verify_target(options.parse_verify(shlex.split(command)))
        for dtype in _dtypes(target):
            run = dataclasses.replace(target_settings, seed=settings.seed, profile=settings.profile,
                                      max_examples=settings.max_examples, dtype=dtype)
            verdicts = verify(target, settings=run)
            yield {"row": {"framework": name, "framework_version": version, "target": target.name, "api": target.api,
                           "command": f"rnnspec verify {command}", "dtype": dtype or "all",
                           "cells": list(target.cells), "notes": target.notes, "probed_out": prepared.unsupported,
                           "status": overall_status(verdicts).value, "summary": summary(verdicts),
                           "properties": {v.id: v.to_dict() for v in verdicts}}}


def main(argv=None) -> int:
    open_channel()
    parser = options.Parser(prog="python -m rnnspec.interfaces.matrix.worker", description="one framework's rows, as JSON lines")
    parser.add_argument("framework", choices=sorted(FRAMEWORKS))
    options.add_example_options(parser.add_argument, prefix="--")
    args = parser.parse_args(argv)
    settings = options.run_settings(options.from_namespace(args))
    for message in rows(args.framework, settings):
        emit(message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
