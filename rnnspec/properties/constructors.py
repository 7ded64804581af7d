"""Reading a drop-in's constructor and comparing it with torch's (rnnspec.spec.options.CONSTRUCTORS).

A caller who writes ``MyLSTM(4, 8, 2, False)`` relies on torch's positions (the fourth argument is
``bias``), and one who writes ``MyLSTM(4, 8)`` on torch's defaults (``batch_first=False``): a
constructor that differs builds another layer for them, silently. The arguments are read from the
signature, or, where that takes ``*args`` before torch's last positional argument (torch.nn.LSTM's
does), from its first ``typing.overload`` that does not (Python 3.11+; torch states its own so); a
class that keeps torch's own ``__init__`` has torch's constructor whatever Python can read.
"""

from __future__ import annotations

import ast
import inspect
import pkgutil
import textwrap
import typing

from rnnspec.spec.options import CONSTRUCTORS, REQUIRED

__all__ = ["Unreadable", "read_constructor", "constructor_differences", "describe", "describe_like"]

_P = inspect.Parameter
_POSITIONAL = (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)
_VARIADIC = (_P.VAR_POSITIONAL, _P.VAR_KEYWORD)


class Unreadable(Exception):
    """The constructor's arguments cannot be read: no verdict on the claim. ``signature``: what could be."""

    def __init__(self, message: str, *, signature: str = "?"):
        super().__init__(message)
        self.signature = signature


def _positions(parameters) -> int:
    """How many arguments are taken positionally by name (Python puts them all before ``*args``)."""
    return sum(p.kind in _POSITIONAL for p in parameters)


def read_constructor(factory, like: str) -> tuple[list[inspect.Parameter], str]:
    """(the arguments callers pass to ``factory``, a class or function; where they were read).

    Raises Unreadable where the signature cannot be read, or takes ``*args`` before ``like``'s last
    positional argument and no ``typing.overload`` says more."""
    n = len(CONSTRUCTORS[like])
    try:
        parameters = list(inspect.signature(factory).parameters.values())
    except (TypeError, ValueError) as e:
        raise Unreadable(f"its signature cannot be read ({e})", signature="?") from None
    has_var = any(p.kind is _P.VAR_POSITIONAL for p in parameters)
    if not has_var or _positions(parameters) >= n:
        return parameters, "its signature"
    function = factory.__init__ if isinstance(factory, type) else factory
    base = _passed_on_to(factory)
    if base is not None:  # ``__init__(self, *args, **kwargs)`` handing both, unchanged, to its base's
        parameters, where = read_constructor(base, like)
        return parameters, f"{base.__module__}.{base.__qualname__}'s constructor ({where}), to which " \
                           f"{factory.__qualname__}.__init__ passes *args and **kwargs unchanged"
    get_overloads = getattr(typing, "get_overloads", None)  # Python 3.11+
    for overload in get_overloads(function) if get_overloads else ():
        stated = list(inspect.signature(overload).parameters.values())[1 if isinstance(factory, type) else 0:]
        if not any(p.kind is _P.VAR_POSITIONAL for p in stated):
            return stated, "its first typing.overload"
    if function is getattr(pkgutil.resolve_name(like), "__init__", None):  # torch's own, e.g. before Python 3.11
        return _stated(like), f"{like}'s own constructor, which it has unchanged"
    k = _positions(parameters)
    raise Unreadable(f"it takes *args where {like} takes {CONSTRUCTORS[like][k][0]} (positional argument {k + 1}) "
                     f"and states no typing.overload, so the positions of the rest cannot be read",
                     signature=describe(parameters))


def _passed_on_to(factory) -> type | None:
    """The base class whose constructor a class's ``__init__(self, *args, **kwargs)`` calls with
    exactly ``*args, **kwargs`` (``super().__init__(*args, **kwargs)``, nothing else taken), read
    from its source; None for anything else (a function, other arguments, no source)."""
    if not isinstance(factory, type) or "__init__" not in vars(factory):
        return None
    init = vars(factory)["__init__"]
    kinds = [p.kind for p in list(inspect.signature(init).parameters.values())[1:]]
    if kinds != [_P.VAR_POSITIONAL, _P.VAR_KEYWORD]:
        return None
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
    except (OSError, TypeError, SyntaxError):
        return None
    (function,) = tree.body
    star, double = function.args.vararg.arg, function.args.kwarg.arg
    used = [n.id for n in ast.walk(function) if isinstance(n, ast.Name) and n.id in (star, double)]
    if sorted(used) != sorted([star, double]):  # read or changed anywhere else (kwargs["bias"] = ..., pop, ...)
        return None
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__":
            owner = node.func.value
            by_super = isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super"
            args = node.args[1:] if not by_super and node.args else node.args  # Base.__init__(self, *args, **kwargs)
            if (len(args) == 1 and isinstance(args[0], ast.Starred) and isinstance(args[0].value, ast.Name)
                    and args[0].value.id == star and len(node.keywords) == 1 and node.keywords[0].arg is None
                    and isinstance(node.keywords[0].value, ast.Name) and node.keywords[0].value.id == double):
                return factory.__mro__[1] if by_super else _named_base(factory, owner)
    return None


def _named_base(factory: type, owner: ast.expr) -> type | None:
    name = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else None
    return next((b for b in factory.__mro__[1:] if b.__name__ == name), None)


def _stated(like: str) -> list[inspect.Parameter]:
    """``like``'s constructor as the spec states it, as parameters."""
    return [_P(name, _P.POSITIONAL_OR_KEYWORD, default=_P.empty if default is REQUIRED else default)
            for name, default in CONSTRUCTORS[like]]


def _same(got, expected) -> bool:
    if isinstance(got, bool) or isinstance(expected, bool):
        return got is expected
    try:
        return bool(got == expected) and isinstance(got, (int, float)) == isinstance(expected, (int, float))
    except Exception:  # a default whose == does not give a truth value
        return False


def constructor_differences(parameters: list[inspect.Parameter], like: str) -> list[str]:
    """How ``parameters`` (read by read_constructor) differ from ``like``'s constructor, one line
    each; empty when they take torch's arguments in its positions with its defaults and any others
    after them, with defaults."""
    expected = CONSTRUCTORS[like]
    positional = [p for p in parameters if p.kind in _POSITIONAL]  # Python puts them all before *args
    named = {p.name: p for p in parameters if p.kind not in _VARIADIC}
    takes_kwargs = any(p.kind is _P.VAR_KEYWORD for p in parameters)
    problems = []
    for k, (name, default) in enumerate(expected):
        at = positional[k] if k < len(positional) else None
        if at is None or at.name != name:
            keyword_only = name in named and named[name].kind is _P.KEYWORD_ONLY
            instead = (f"is {at.name}" if at is not None else f"is not taken: {name} is keyword-only" if keyword_only
                       else "is not taken")
            problems.append(f"positional argument {k + 1} {instead}; {like}'s is {name}")
        p = named.get(name)
        if p is None:
            if not takes_kwargs:
                problems.append(f"it takes no argument {name}")
            continue
        if p.kind is _P.POSITIONAL_ONLY:
            problems.append(f"{name} is positional-only; {like} takes it by keyword too")
        if default is REQUIRED:
            continue
        if p.default is _P.empty:
            problems.append(f"{name} has no default; {like}'s is {default!r}")
        elif not _same(p.default, default):
            problems.append(f"{name} defaults to {p.default!r}; {like}'s default is {default!r}")
    known = {name for name, _ in expected}
    for p in parameters:
        if p.name not in known and p.kind not in _VARIADIC and p.default is _P.empty:
            problems.append(f"it also takes {p.name}, with no default: {like}'s callers do not pass it")
    return problems


def describe(parameters: list[inspect.Parameter]) -> str:
    """``(input_size, hidden_size, num_layers=1, ...)``, as Python prints a signature, without annotations."""
    return str(inspect.Signature([p.replace(annotation=_P.empty) for p in parameters]))


def describe_like(like: str) -> str:
    """``like``'s constructor as the spec states it: ``(input_size, hidden_size, num_layers=1, ...)``."""
    return describe(_stated(like))
