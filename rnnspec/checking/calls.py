"""Running a target on a case as torch's API is called: build it with the case's weights, call it
(packing when the case has lengths), and check the structure and shapes of what comes back."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnspec.checking.checks import assert_shape
from rnnspec.checking.devices import OnDevice
from rnnspec.checking.failures import fail
from rnnspec.checking.states import as_hx
from rnnspec.spec.settings import active
from rnnspec.spec import cell_kind, suffix
from rnnspec.checking.states import states, tensors
from rnnspec.checking.timeouts import call_target

__all__ = ["LayerRun", "check_returned", "build", "call_layer", "run_layer", "call_cell", "loss", "grad_of", "rename_layer", "distances", "jacobian",
           "final_state_jacobian"]


class LayerRun(NamedTuple):
    output: torch.Tensor  # padded like the input (zeros past each length)
    states: tuple  # (h_n,) or (h_n, c_n)


def build(target, case, params=None, *, training: bool = False, dtype: str | None = None):
    """The target's implementation of ``case.config`` with ``params`` (numpy; by default the case's),
    in ``dtype`` (a torch dtype's name; by default the case's: float16 and bfloat16 are not numpy's),
    on the run's ``--device`` (rnnspec.checking.devices.OnDevice) when it names one."""
    params = case.params() if params is None else params
    module = call_target(target.build, case.config, tensors(params), dtype=getattr(torch, dtype or case.dtype),
                         training=training)
    device = active().device
    return module if device is None else OnDevice(module, device)


def check_returned(t, *, what: str, x: torch.Tensor, case) -> None:
    """What the target returned as ``what`` is a torch.Tensor of the input's dtype on the input's
    device; a failure naming which of these it is not, otherwise."""
    if not isinstance(t, torch.Tensor):
        fail(f"{what} is a {type(t).__module__}.{type(t).__qualname__}, expected a torch.Tensor "
             f"(of {x.dtype}, as the input)", case=case)
    if t.device != x.device:
        fail(f"{what} is on {t.device}, the input on {x.device}: the target returned it on another device", case=case)
    if t.dtype != x.dtype:
        fail(f"{what} has dtype {t.dtype}, expected {x.dtype} (the input's)", case=case)
    if t.numel() and x.numel() and t.untyped_storage().data_ptr() == x.untyped_storage().data_ptr():
        fail(f"{what} shares the input's memory (a view of the input, or the input written over): "
             f"a torch layer returns new tensors", case=case)


def call_layer(module, case, x: torch.Tensor, hx=None) -> LayerRun:
    """Call a layer as torch would be called, packing when the case has lengths; check the
    structure and shapes of what comes back."""
    c = case.config
    inp = x if case.lengths is None else pack_padded_sequence(x, list(case.lengths), batch_first=c.batch_first,
                                                              enforce_sorted=False)
    result = call_target(module, inp, hx)
    if not (isinstance(result, tuple) and len(result) == 2):
        fail(f"the layer returned {type(result).__name__}, expected a pair (output, h_n)", case=case)
    out, h = result
    if case.lengths is not None:
        if not hasattr(out, "batch_sizes"):
            fail(f"given a PackedSequence the layer returned {type(out).__name__}, expected a PackedSequence", case=case)
        check_returned(out.data, what="the output's PackedSequence data", x=x, case=case)
        out = pad_packed_sequence(out, batch_first=c.batch_first, total_length=case.seq_len)[0]
    check_returned(out, what="output", x=x, case=case)
    has_c = cell_kind(c.cell).has_cell_state
    h = states(h)
    if len(h) != (2 if has_c else 1):
        fail(f"the layer returned {len(h)} final states, expected {'(h_n, c_n)' if has_c else 'h_n'}", case=case)
    for name, s in zip(("h_n", "c_n"), h):
        check_returned(s, what=name, x=x, case=case)
    n = c.num_layers * c.num_directions
    lead = (n,) if case.unbatched else (n, case.batch)
    assert_shape(h[0], lead + (c.output_size,), what="h_n", case=case)
    if has_c:
        assert_shape(h[1], lead + (c.hidden_size,), what="c_n", case=case)
    out_shape = (case.seq_len, c.num_directions * c.output_size)
    if not case.unbatched:
        out_shape = (case.batch,) + out_shape if c.batch_first else out_shape[:1] + (case.batch,) + out_shape[1:]
    assert_shape(out, out_shape, what="output", case=case)
    return LayerRun(out, h)


def run_layer(target, case, params=None, *, x=None, hx=None, training: bool = False) -> LayerRun:
    """Build the target for the case and call it on the case's input and state (or those given)."""
    module = build(target, case, params, training=training)
    x = tensors(case.input()) if x is None else x
    hx = tensors(case.state()) if hx is None else hx
    return call_layer(module, case, x, hx)


def call_cell(module, case, x, hx=None) -> tuple:
    """Call a cell; check the structure and shape of what comes back; return the state tuple."""
    c = case.config
    result = states(call_target(module, x, hx))
    has_c = cell_kind(c.cell).has_cell_state
    if len(result) != (2 if has_c else 1):
        fail(f"the cell returned {len(result)} tensors, expected {'(h, c)' if has_c else 'h'}", case=case)
    shape = (c.hidden_size,) if x.dim() == 1 else (x.shape[0], c.hidden_size)
    for name, s in zip(("h'", "c'"), result):
        check_returned(s, what=name, x=x, case=case)
        assert_shape(s, shape, what=name, case=case)
    return result


def loss(case, run: LayerRun | tuple) -> torch.Tensor:
    """sum(w * y) over every output and state, with fixed random weights w from the case."""
    parts = [run.output, *run.states] if isinstance(run, LayerRun) else list(run)
    return sum((t * tensors(case.loss_weights(tuple(t.shape), salt=k))).sum() for k, t in enumerate(parts))


def grad_of(t: torch.Tensor, *, what: str, case) -> torch.Tensor:
    if t.grad is None:
        fail(f"{what}: no gradient reached it (is the graph cut, e.g. by detach or numpy?)", case=case)
    return t.grad


def rename_layer(params: dict, *, layer: int, direction: int | None = None) -> dict:
    """The parameters of one layer (and one direction) renamed as layer 0, forward direction."""
    out = {}
    for d in (0, 1) if direction is None else (direction,):
        tail = suffix(layer, d)
        for name, v in params.items():
            if name.endswith(tail) and (d == 1 or not name.endswith("_reverse")):
                out[name[: -len(tail)] + suffix(0, 0 if direction is not None else d)] = v
    return out


def distances(seq_len: int) -> list[int]:
    """The distances at which the gradient-flow properties take dh_T/dh_0: every T up to 8, then
    the powers of two, then seq_len itself (each Jacobian costs H backward passes through T steps)."""
    near = list(range(1, min(seq_len, 8) + 1))
    far = [2**k for k in range(4, seq_len.bit_length()) if 2**k < seq_len]
    return near + far + ([seq_len] if seq_len > 8 else [])


def jacobian(fn, x: torch.Tensor) -> np.ndarray:
    """d fn(x) / d x as a (fn(x).numel(), x.numel()) float64 matrix, by autograd."""
    out = fn(x)
    J = call_target(torch.autograd.functional.jacobian, fn, x)  # its backward passes run through the target
    return J.reshape(out.numel(), x.numel()).detach().double().numpy()


def final_state_jacobian(module, case, x: torch.Tensor, hx, *, state: int = 0) -> np.ndarray:
    """d h_n / d h0 (state=0) or d c_n / d c0 (state=1) of a built layer, by autograd through it."""
    parts = states(hx)

    def fn(s0):
        given = as_hx(s0 if k == state else s for k, s in enumerate(parts))
        return call_layer(module, case, x, given).states[state]

    return jacobian(fn, parts[state])
