"""float16 and bfloat16: rounding a case to the dtype, the yardsticks of a faithful kernel's error,
and the comparison ``--dtype float16`` / ``bfloat16`` judges by (rnnspec.spec.tolerances.reduced_allowed).

A reduced-precision case is a float32 case whose weights, inputs and states are rounded to the
dtype (round to nearest even, as torch converts). The target and the yardsticks get those values
in the dtype; the float64 reference gets the same values exactly, so the only errors compared are
those of computing in the dtype. The yardsticks are torch's built-in (which computes in float32
between the values it stores) and rnnspec's torch reference module, a kernel that rounds after
every operation as plain torch code in the dtype does; where torch has no built-in for the cell
kind (the lecture's GRU form, the linear RNN), the reference alone.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import reject

from rnnspec.checking.checks import as_array, assert_shape
from rnnspec.checking.failures import fail
from rnnspec.spec import cell_kind
from rnnspec.spec.tolerances import EPSILON, REDUCED_ERROR_MULTIPLE, reduced_allowed
from rnnspec.targets import load_target

__all__ = ["rounded", "widened", "in_dtype", "yardsticks", "assert_within_torch"]

# cell kind -> rnnspec's torch reference modules (layer, cell), each posing as torch's API
_REFERENCE_MODULES = {
    "lstm": ("LSTM", "LSTMCell"),
    "gru": ("GRU", "GRUCell"),
    "gru_reset_before": ("GRUResetBefore", "GRUResetBeforeCell"),
    "rnn_tanh": ("RNN", "RNNCell"),
    "rnn_relu": ("RNN", "RNNCell"),
    "rnn_linear": ("RNN", "RNNCell"),
}


def rounded(obj, dtype: str):
    """numpy float32 arrays (alone, in tuples or dicts; None stays None) rounded to ``dtype``'s
    values, still float32: each converts to the dtype exactly and to float64 exactly."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return {k: rounded(v, dtype) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return tuple(rounded(v, dtype) for v in obj)
    return torch.from_numpy(np.asarray(obj, np.float32)).to(getattr(torch, dtype)).float().numpy()


def widened(obj):
    """The same arrays as float64 (exact), for the reference."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return {k: widened(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return tuple(widened(v) for v in obj)
    return np.asarray(obj, np.float64)


def in_dtype(obj, dtype: str, *, requires_grad: bool = False):
    """numpy arrays as torch tensors of ``dtype`` (leaves when requires_grad); None stays None."""
    if obj is None:
        return None
    if isinstance(obj, tuple):
        return tuple(in_dtype(v, dtype, requires_grad=requires_grad) for v in obj)
    return torch.from_numpy(np.array(obj)).to(getattr(torch, dtype)).requires_grad_(requires_grad)


def yardsticks(cell: str, subject: str) -> tuple:
    """The targets whose errors at a reduced dtype the target's is judged by: torch's built-in layer
    or cell of ``cell`` (rnn_tanh and rnn_relu: torch.nn.RNN) where there is one, and rnnspec's
    torch reference module (rnnspec.references.torch_modules)."""
    kind = cell_kind(cell)
    builtin = kind.torch_layer if subject == "layer" else kind.torch_cell
    like = {"lstm": "torch.nn.LSTM", "gru": "torch.nn.GRU"}.get(cell.removesuffix("_reset_before"), "torch.nn.RNN")
    like += "Cell" if subject == "cell" else ""
    module = _REFERENCE_MODULES[cell][subject == "cell"]
    reference = load_target(f"rnnspec.references.torch_modules:{module}", like=like, cells=(cell,))
    return (load_target(builtin), reference) if builtin is not None else (reference,)


def assert_within_torch(got, by: dict, expected, *, dtype: str, what: str, case) -> None:
    """The largest |got - expected| is at most ``reduced_allowed``: REDUCED_ERROR_MULTIPLE times the
    largest error of the yardsticks (``by``: name -> what each computed) on the same case, or that
    many ulps of the largest |expected| where they are closer. ``expected``: the float64 reference."""
    g, e = as_array(got).astype(np.float64), as_array(expected).astype(np.float64)
    assert_shape(g, e.shape, what=what, case=case)
    if e.size == 0:
        return
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(g - e)
        errors = {name: float(np.max(np.abs(as_array(t).astype(np.float64) - e))) for name, t in by.items()}
    if not all(np.isfinite(v) for v in errors.values()):  # a yardstick overflowed the dtype: draw another case
        reject()
    yard = max(errors, key=errors.get)
    largest = float(np.max(np.abs(e)))
    allowed = reduced_allowed(dtype, yardstick_error=errors[yard], expected_max=largest)
    worst = float(np.max(err))
    if worst <= allowed:  # False for NaN
        return
    i = np.unravel_index(int(np.argmax(np.nan_to_num(err, nan=np.inf))), e.shape)
    theirs = ", ".join(f"{name} {as_array(t).astype(np.float64)[i]:.6g} (largest error {errors[name]:.3g})"
                       for name, t in by.items())
    fail(
        f"{what} in {dtype}: largest error {worst:.3g} against the float64 reference, allowed {allowed:.3g} "
        f"({REDUCED_ERROR_MULTIPLE:g} x max({yard}'s {errors[yard]:.3g}, eps {EPSILON[dtype]:.3g} x max|expected| "
        f"{largest:.3g}))",
        case=case,
        details=(f"worst element {tuple(int(k) for k in i)}: got {g[i]:.6g}, float64 reference {e[i]:.9g}; in {dtype}, "
                 f"{theirs}",
                 f"the case's weights, inputs and states are rounded to {dtype} for all"),
    )
