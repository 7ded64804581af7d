"""Validators for command-line options, shared by ``rnnspec`` and the pytest plugin (argparse ``type=``):
a bad value is refused before any work, in one line naming the value."""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

__all__ = ["rename", "seed", "positive_int", "positive_seconds", "non_negative", "writable_file", "cells", "names", "tiers",
           "ArgumentError"]

ArgumentError = argparse.ArgumentTypeError


def _parsed(text: str, kind, what: str):
    try:
        return kind(text)
    except ValueError:
        raise ArgumentError(f"{text!r} is not {what}") from None


def seed(text: str) -> int:
    """A seed: an integer from 0 to 2**32 - 1."""
    value = _parsed(text, int, "an integer")
    if not 0 <= value < 2**32:
        raise ArgumentError(f"{value} is not in [0, 2**32 - 1]")
    return value


def positive_int(text: str) -> int:
    value = _parsed(text, int, "an integer")
    if value < 1:
        raise ArgumentError(f"{value} must be at least 1")
    return value


def positive_seconds(text: str) -> float:
    value = _parsed(text, float, "a number of seconds")
    if not (value > 0 and math.isfinite(value)):
        raise ArgumentError(f"{value:g} must be a positive number of seconds")
    return value


def non_negative(text: str) -> float:
    value = _parsed(text, float, "a number")
    if not (value >= 0 and math.isfinite(value)):
        raise ArgumentError(f"{value:g} must be a finite number of at least 0")
    return value


def tiers(text: str) -> tuple[str, ...]:
    """Comma-separated tiers of cases (rnnspec.spec.scale.TIERS)."""
    from rnnspec.spec.scale import TIERS

    chosen = names(text)
    unknown = [t for t in chosen if t not in TIERS]
    if unknown or not chosen:
        raise ArgumentError(f"{text!r}: expected some of {', '.join(TIERS)}, comma-separated")
    return tuple(dict.fromkeys(chosen))


def names(text: str) -> tuple[str, ...]:
    """Comma-separated names (checked later against what they name)."""
    return tuple(n.strip() for n in text.split(",") if n.strip())


def writable_file(text: str) -> str:
    """A file path whose folder exists and is writable (checked before the run, so results are not lost)."""
    path = Path(text)
    if path.is_dir():
        raise ArgumentError(f"{text} is a folder; expected a file path")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ArgumentError(f"{text}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ArgumentError(f"{text}: not writable")
    return text


def cells(text: str) -> tuple[str, ...]:
    """Comma-separated cell kinds, each a key of rnnspec.spec.CELLS."""
    from rnnspec.spec import CELLS

    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in CELLS]
    if not names or unknown:
        raise ArgumentError(f"{text!r}: {', '.join(unknown) or 'no cell'} is not a cell kind; expected some of {sorted(CELLS)}")
    return names


def rename(text: str) -> tuple[str, str]:
    """``PATTERN=REPLACEMENT``: a regular expression over parameter names and its replacement."""
    from rnnspec.targets import TargetError
    from rnnspec.targets.renaming import parse_rename

    try:
        return parse_rename(text)
    except (ValueError, TargetError) as e:
        raise ArgumentError(str(e)) from None
