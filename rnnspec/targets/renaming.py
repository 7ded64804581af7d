"""Torch's parameter names for a module that keeps them under names of its own.

Two ways, tried in this order:
- rename rules (``--rename PATTERN=REPLACEMENT``): regular expressions applied in order, with
  ``re.sub``, to each of the module's own names, e.g. ``("^lstm\\.", "")`` for torch's layer kept
  as ``self.lstm``, or ``("^W_ih_(\\d)$", r"weight_ih_l\\1")`` for names of another scheme;
- with no rules, a single wrapped submodule found automatically: the one prefix ``P`` (``"rnn."``,
  ``"core.lstm."``) under which every one of torch's names is found (``P + "weight_ih_l0"``, ...).
The result maps each of torch's names to the module's own name; a name that maps to nothing, or
two names that map to one, is a TargetError that lists them and says how to rename.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Iterable

from .base import TargetError

__all__ = ["Rename", "NameMap", "check_rename", "parse_rename", "rename_options", "map_names"]

Rename = tuple[tuple[str, str], ...]  # (pattern, replacement) pairs, applied in order

_FLAG_HINT = ("; if the module keeps torch's parameters under other names, map them with --rename PATTERN=REPLACEMENT "
              "(a regular expression and its replacement, applied in order to each name; repeatable)")


def check_rename(rename: Iterable[tuple[str, str]]) -> Rename:
    """``rename`` as a tuple of (pattern, replacement) pairs; ValueError naming a rule that is not
    a pair of strings, whose pattern is not a regular expression, or whose replacement does not
    fit it (a bad escape, a group the pattern lacks). Patterns may not contain '=' (``--rename``
    splits there; write \\x3d)."""
    if isinstance(rename, (str, bytes)) or not isinstance(rename, Iterable):
        raise ValueError(f"rename={rename!r} must be a sequence of (pattern, replacement) pairs, "
                         f"e.g. (('^lstm\\\\.', ''),)")
    rules = []
    for rule in rename:
        if not (isinstance(rule, (tuple, list)) and len(rule) == 2 and all(isinstance(s, str) for s in rule)):
            raise ValueError(f"rename rule {rule!r} is not a (pattern, replacement) pair of strings")
        pattern, replacement = rule
        where = f"rename rule {pattern!r} -> {replacement!r}"
        if "=" in pattern:
            raise ValueError(f"{where}: the pattern contains '=', which --rename PATTERN=REPLACEMENT cannot "
                             f"carry; write \\x3d for it")
        try:
            compiled = re.compile(pattern)
        except re.error as e:
            raise ValueError(f"{where}: {pattern!r} is not a regular expression ({e})") from None
        try:
            compiled.sub(replacement, "")  # parses the replacement's escapes and group references
        except (re.error, IndexError) as e:
            raise ValueError(f"{where}: {replacement!r} is not a replacement for {pattern!r} ({e})") from None
        rules.append((pattern, replacement))
    return tuple(rules)


def parse_rename(text: str) -> tuple[str, str]:
    """One ``--rename`` value, ``PATTERN=REPLACEMENT`` (split at the first '='), as a checked rule."""
    pattern, sep, replacement = text.partition("=")
    if not sep:
        raise ValueError(f"--rename {text!r} has no '='; write PATTERN=REPLACEMENT, e.g. '^lstm\\.=' to drop "
                         f"a 'lstm.' prefix")
    return check_rename(((pattern, replacement),))[0]


def rename_options(rename: Rename) -> str:
    """The ``--rename`` options that give ``rename`` again, quoted for a shell (empty for none)."""
    return "".join(f" --rename {shlex.quote(f'{pattern}={replacement}')}" for pattern, replacement in rename)


@dataclass(frozen=True)
class NameMap:
    torch_to_own: dict  # torch's name -> the module's own name, for every one of torch's names
    found_under: str | None = None  # the submodule found automatically ("lstm", "core.lstm"), if one

    @property
    def is_identity(self) -> bool:
        return all(t == o for t, o in self.torch_to_own.items())


def _apply(rename: Rename, name: str) -> str:
    for pattern, replacement in rename:
        name = re.sub(pattern, replacement, name)
    return name


def _prefixes(own: list[str], expected: list[str]) -> list[str]:
    """Every prefix ``P`` (ending in '.', or "" for the top level) with ``P + e`` among ``own`` for
    each expected name ``e``."""
    owned = set(own)
    candidates = {name[: -len(e)] for name in own for e in expected if name == e or name.endswith("." + e)}
    return sorted(p for p in candidates if all(p + e in owned for e in expected))


def map_names(own: Iterable[str], expected: Iterable[str], rename: Rename = (), *, what: str) -> NameMap:
    """Torch's ``expected`` names mapped to the module's ``own`` names, by ``rename`` or, without
    rules, by a single submodule prefix found automatically. TargetError (beginning with ``what``,
    e.g. "my.py:LSTM does not have torch.nn.LSTM's parameter names for LayerConfig(...)") when a name
    is missing, unexpected or taken twice."""
    own, expected = list(own), list(expected)
    found_under = None
    if rename:
        renamed = {o: _apply(rename, o) for o in own}
        how = f" after {rename_options(rename).strip()}"
    elif set(own) == set(expected):
        return NameMap({e: e for e in expected})
    else:
        prefixes = _prefixes(own, expected)
        if len(prefixes) != 1 or prefixes == [""]:  # none, several, or torch's names at the top with others
            raise _mismatch(set(own), expected, what, hint=_ambiguous(prefixes) if len(prefixes) > 1 else _FLAG_HINT)
        found_under = prefixes[0][:-1]
        renamed = {o: o[len(prefixes[0]):] if o.startswith(prefixes[0]) else o for o in own}
        how = f" (torch's names found under .{found_under})"
    taken: dict[str, list[str]] = {}
    for o, t in renamed.items():
        taken.setdefault(t, []).append(o)
    doubles = {t: os for t, os in taken.items() if len(os) > 1}
    if doubles:
        raise TargetError(f"{what}{how}: several parameters get one name: "
                          + "; ".join(f"{os} -> {t!r}" for t, os in sorted(doubles.items())))
    if set(taken) != set(expected):
        raise _mismatch(set(taken), expected, what + how, hint="" if rename else _FLAG_HINT)
    return NameMap({t: os[0] for t, os in taken.items()}, found_under)


def _mismatch(got: set[str], expected: list[str], what: str, *, hint: str) -> TargetError:
    missing, unexpected = sorted(set(expected) - got), sorted(got - set(expected))
    return TargetError(f"{what}: missing {missing}, unexpected {unexpected}{hint}")


def _ambiguous(prefixes: list[str]) -> str:
    under = ", ".join("." + p[:-1] if p else "the top level" for p in prefixes)
    example = [p for p in prefixes if p][0]
    return (f"; torch's names are found under each of {under}: say which with --rename, "
            f"e.g. --rename {shlex.quote('^' + re.escape(example) + '=')}")

