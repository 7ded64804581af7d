"""Protecting a run from its environment: what a property run depends on that is neither the
target nor rnnspec.

Hypothesis reads ``__file__`` of every module in ``sys.modules`` (to find the constants of local
code) with ``getattr(module, "__file__", None)``, which catches only AttributeError. A library
that registers lazy modules there (an optional integration imported on attribute access) makes
that read raise ImportError inside Hypothesis, and every property would fail with an error that
is neither the target's nor the claim's. ``guard_modules`` gives such placeholder modules a
``__file__`` of None (what the read would have found had it caught the error), once per new
module, and returns the names of those it could not mend.
"""

from __future__ import annotations

import sys

__all__ = ["guard_modules"]

_checked: set[int] = set()
_unmendable: dict[str, str] = {}


def guard_modules() -> dict[str, str]:
    """Mend modules whose ``__file__`` cannot be read; return {name: error} of those that stay broken."""
    for name, module in list(sys.modules.items()):
        if id(module) in _checked:
            continue
        _checked.add(id(module))
        try:
            getattr(module, "__file__", None)
        except Exception as e:  # a lazy module's import failing on attribute access
            try:
                module.__dict__["__file__"] = None
                getattr(module, "__file__", None)
            except Exception:
                _unmendable[name] = f"{type(e).__name__}: {e}"
    return dict(_unmendable)
