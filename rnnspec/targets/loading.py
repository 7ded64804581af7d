"""Turning what the user typed (``pkg.mod:Name``, ``pkg.mod.Name``, ``path/file.py:Name``) into a Target."""

from __future__ import annotations

from .base import Target, TargetError
from .functions import FunctionTarget
from .likes import FUNCTION_LIKES, LIKES
from .resolving import resolve
from .torch_like import TorchLikeTarget

__all__ = ["resolve", "load_target", "DEFAULT_TARGETS", "default_targets"]

# What the test suite verifies when no target is named: torch's six built-ins and two clipping
# functions; through the torch references, what torch has no built-in for (the lecture's GRU form,
# the linear RNN, the connections) and the clipping references.
DEFAULT_TARGETS: tuple[tuple[str, str | None, tuple[str, ...] | None], ...] = (
    ("torch.nn.RNN", None, None),
    ("torch.nn.LSTM", None, None),
    ("torch.nn.GRU", None, None),
    ("torch.nn.RNNCell", None, None),
    ("torch.nn.LSTMCell", None, None),
    ("torch.nn.GRUCell", None, None),
    ("rnnspec.references.torch_modules:GRUResetBefore", "torch.nn.GRU", ("gru_reset_before",)),
    ("rnnspec.references.torch_modules:GRUResetBeforeCell", "torch.nn.GRUCell", ("gru_reset_before",)),
    ("rnnspec.references.torch_modules:RNN", "torch.nn.RNN", ("rnn_linear",)),
    ("torch.nn.utils.clip_grad_norm_", None, None),
    ("torch.nn.utils.clip_grad_value_", None, None),
    ("rnnspec.references.torch_clipping:clip_grad_norm_", "torch.nn.utils.clip_grad_norm_", None),
    ("rnnspec.references.torch_clipping:clip_grad_value_", "torch.nn.utils.clip_grad_value_", None),
    ("rnnspec.references.torch_connections:residual", "residual", None),
    ("rnnspec.references.torch_connections:dense", "dense", None),
    ("rnnspec.references.torch_connections:highway", "highway", None),
    ("rnnspec.references.torch_connections:residual_stack", "residual_stack", None),
)


def _like_of(obj) -> str | None:
    for like in LIKES + tuple(k for k in FUNCTION_LIKES if k.startswith("torch.")):
        if resolve(like) is obj:
            return like
    return None


def load_target(spec: str, *, like: str | None = None, cells: tuple[str, ...] | None = None,
                rename: tuple[tuple[str, str], ...] = (), lengths_argument: str | None = None,
                lengths_kind: str = "absolute", from_float: bool = False) -> Target:
    """A Target for ``spec`` (what follows ``rnnspec verify``): a Target instance as is, else a
    torch-like drop-in or a function target.

    ``like`` (``--like``) is implied when ``spec`` names a torch built-in itself; ``cells``
    (``--variant``) defaults to the cells of ``like``. For a drop-in layer or cell, ``rename``
    (``--rename PATTERN=REPLACEMENT``, repeatable) maps the module's parameter names to torch's, and
    ``lengths_argument``/``lengths_kind`` (``--lengths-arg NAME``, ``--lengths-kind relative``) name
    the forward's lengths argument, and ``from_float`` (``--from-float``) builds it by converting
    torch's twin with the case's weights, ``Class.from_float(twin)`` (see TorchLikeTarget). A Target
    instance declares its own, and a function has no parameters or lengths, so giving any of these
    for one is a TargetError, not an option silently ignored; so is a bad rule or kind.
    """
    obj = resolve(spec)
    drop_in_options = (("--rename", rename or None), ("--lengths-arg", lengths_argument),
                       ("--lengths-kind", None if lengths_kind == "absolute" else lengths_kind),
                       ("--from-float", from_float or None))
    if isinstance(obj, Target):
        given = [option for option, value in (("--like", like), ("--variant", cells), *drop_in_options)
                 if value is not None]
        if given:
            raise TargetError(
                f"target {spec!r} is a Target, which declares its own like and cells (like={obj.like!r}, "
                f"cells={list(obj.cells)}) and calls its implementation itself; drop {' and '.join(given)}")
        return obj
    like = like or _like_of(obj)
    if like is None:
        raise TargetError(
            f"target {spec!r} is not a torch built-in rnnspec knows; say which it is like, e.g. --like torch.nn.LSTM "
            f"(one of {', '.join(LIKES + tuple(FUNCTION_LIKES))})"
        )
    if not callable(obj):
        raise TargetError(f"target {spec!r} is an object of type {type(obj).__name__}, not a class, factory or function")
    try:
        if like in FUNCTION_LIKES:
            given = [option for option, value in (("--variant", cells), *drop_in_options) if value is not None]
            if given:
                raise TargetError(f"target {spec!r} is a function like {like}, which takes no lengths, has no "
                                  f"parameters to rename and computes no cells; drop {' and '.join(given)}")
            return FunctionTarget(obj, like=like, name=spec)
        return TorchLikeTarget(obj, like=like, name=spec, cells=cells, rename=rename,
                               lengths_argument=lengths_argument, lengths_kind=lengths_kind, from_float=from_float)
    except ValueError as e:
        raise TargetError(str(e)) from e


def default_targets() -> list[Target]:
    """The targets of DEFAULT_TARGETS, loaded."""
    return [load_target(spec, like=like, cells=cells) for spec, like, cells in DEFAULT_TARGETS]
