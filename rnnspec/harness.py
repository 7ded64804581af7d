"""What properties share: the ``check`` decorator and running targets and references on a case."""

from __future__ import annotations

import contextvars
import threading
from typing import NamedTuple

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnspec.checks import assert_close, assert_shape, fail
from reference_impls import np_layers
from rnnspec.spec import cell_kind, property_spec, suffix

__all__ = ["TargetHung", "CALL_TIMEOUT", "call_target", "backward", "check", "tensors", "LayerRun", "build", "call_layer", "run_layer", "reference_layer", "call_cell",
           "states", "time_major", "from_time_major", "loss", "grad_of", "rename_layer", "assert_runs_close", "resolve_torch", "jacobian", "final_state_jacobian", "GradSet",
           "reference_grads", "assert_grads_close"]


def check(property_id: str):
    """Bind a test function ``fn(target, data)`` (or ``fn(data)`` for reference properties) to the
    spec entry ``property_id`` and drive it with Hypothesis."""
    spec = property_spec(property_id)

    def decorate(fn):
        wrapped = given(data=st.data())(fn)
        wrapped._rnnspec_property = spec
        return wrapped

    return decorate


class TargetHung(BaseException):
    """A call into the target did not return in time. A BaseException, so that Hypothesis stops at
    once instead of shrinking (which would call the hanging target again and again)."""


CALL_TIMEOUT: contextvars.ContextVar[float | None] = contextvars.ContextVar("rnnspec_call_timeout", default=None)


def call_target(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, within the per-call timeout the runner set (none by default).
    Every call into a target goes through it: construction, forward calls and backward passes."""
    timeout = CALL_TIMEOUT.get()
    if timeout is None:
        return fn(*args, **kwargs)
    box = {}

    def work():
        try:
            box["result"] = fn(*args, **kwargs)
        except BaseException as e:  # handed to the caller's thread
            box["error"] = e

    worker = threading.Thread(target=work, daemon=True, name="rnnspec-target-call")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TargetHung(f"a call into the target did not return within {timeout:g} s")
    if "error" in box:
        raise box["error"]
    return box["result"]


def backward(t: torch.Tensor) -> None:
    """``t.backward()`` within the per-call timeout: the backward pass runs through the target."""
    call_target(t.backward)


def tensors(obj, *, requires_grad: bool = False):
    """numpy arrays (alone, in tuples, or in dicts) as torch tensors, leaves when requires_grad."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return {k: tensors(v, requires_grad=requires_grad) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return tuple(tensors(v, requires_grad=requires_grad) for v in obj)
    return torch.tensor(np.array(obj), requires_grad=requires_grad)


def states(s) -> tuple:
    """h or (h, c) as a tuple."""
    return tuple(s) if isinstance(s, (tuple, list)) else (s,)


class LayerRun(NamedTuple):
    output: torch.Tensor  # padded like the input (zeros past each length)
    states: tuple  # (h_n,) or (h_n, c_n)


def build(target, case, params=None, *, training: bool = False):
    """The target's implementation of ``case.config`` with ``params`` (numpy; by default the case's)."""
    params = case.params() if params is None else params
    return call_target(target.build, case.config, tensors(params), dtype=getattr(torch, case.dtype), training=training)


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
        out = pad_packed_sequence(out, batch_first=c.batch_first, total_length=case.seq_len)[0]
    has_c = cell_kind(c.cell).has_cell_state
    h = states(h)
    if len(h) != (2 if has_c else 1):
        fail(f"the layer returned {len(h)} final states, expected {'(h_n, c_n)' if has_c else 'h_n'}", case=case)
    n = c.num_layers * c.num_directions
    lead = (n,) if case.unbatched else (n, case.batch)
    assert_shape(h[0], lead + (c.output_size,), what="h_n", case=case)
    if has_c:
        assert_shape(h[1], lead + (c.hidden_size,), what="c_n", case=case)
    out_shape = (case.seq_len, c.num_directions * c.output_size)
    if not case.unbatched:
        out_shape = (case.batch,) + out_shape if c.batch_first else out_shape[:1] + (case.batch,) + out_shape[1:]
    assert_shape(out, out_shape, what="output", case=case)
    if out.dtype != x.dtype:
        fail(f"output dtype {out.dtype}, expected {x.dtype} (the input's)", case=case)
    return LayerRun(out, h)


def run_layer(target, case, params=None, *, x=None, hx=None, training: bool = False) -> LayerRun:
    """Build the target for the case and call it on the case's input and state (or those given)."""
    module = build(target, case, params, training=training)
    x = tensors(case.input()) if x is None else x
    hx = tensors(case.state()) if hx is None else hx
    return call_layer(module, case, x, hx)


def reference_layer(case, params=None, *, x=None, hx=None, dropout=None) -> LayerRun:
    """The numpy reference on the case (numpy arrays out, same structure as LayerRun)."""
    out, h = np_layers.rnn(case.config, case.params() if params is None else params,
                           case.input() if x is None else x, case.state() if hx is None else hx,
                           lengths=case.lengths, dropout=dropout)
    return LayerRun(out, states(h))


def call_cell(module, case, x, hx=None) -> tuple:
    """Call a cell; check the structure and shape of what comes back; return the state tuple."""
    c = case.config
    result = states(call_target(module, x, hx))
    has_c = cell_kind(c.cell).has_cell_state
    if len(result) != (2 if has_c else 1):
        fail(f"the cell returned {len(result)} tensors, expected {'(h, c)' if has_c else 'h'}", case=case)
    shape = (c.hidden_size,) if x.dim() == 1 else (x.shape[0], c.hidden_size)
    for name, s in zip(("h'", "c'"), result):
        assert_shape(s, shape, what=name, case=case)
    return result


def time_major(a, case):
    """An output or input laid out as the case passes it, as (T, B, ·)."""
    if case.unbatched:
        return a[:, None]
    return a.swapaxes(0, 1) if case.config.batch_first else a


def from_time_major(a, case):
    """The inverse of ``time_major``."""
    if case.unbatched:
        return a[:, 0]
    return a.swapaxes(0, 1) if case.config.batch_first else a


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


def assert_runs_close(got: LayerRun, expected: LayerRun, *, tol, case, label: str = "") -> None:
    """Output and every final state within ``tol``."""
    assert_close(got.output, expected.output, tol=tol, what=f"{label}output", case=case)
    for name, g, e in zip(("h_n", "c_n"), got.states, expected.states):
        assert_close(g, e, tol=tol, what=f"{label}{name}", case=case)


def resolve_torch(dotted: str):
    """``"torch.nn.LSTM"`` -> the class."""
    obj = torch
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def jacobian(fn, x: torch.Tensor) -> np.ndarray:
    """d fn(x) / d x as a (fn(x).numel(), x.numel()) float64 matrix, by autograd."""
    out = fn(x)
    J = call_target(torch.autograd.functional.jacobian, fn, x)  # its backward passes run through the target
    return J.reshape(out.numel(), x.numel()).detach().double().numpy()


def final_state_jacobian(module, case, x: torch.Tensor, hx, *, state: int = 0) -> np.ndarray:
    """d h_n / d h0 (state=0) or d c_n / d c0 (state=1) of a built layer, by autograd through it."""
    hx = states(hx)

    def fn(s0):
        given = tuple(s0 if k == state else s for k, s in enumerate(hx))
        return call_layer(module, case, x, given if len(given) == 2 else given[0]).states[state]

    return jacobian(fn, hx[state])


class GradSet(NamedTuple):
    input: np.ndarray  # d loss / d x
    states: tuple  # d loss / d h0 (, d c0): empty when the case passes no state
    params: dict  # name -> d loss / d parameter


def reference_grads(case, params, *, via: str) -> GradSet:
    """Gradients of ``loss(case, ·)`` by a reference: autograd through the torch reference
    (``via="torch"``) or the hand-written numpy backward (``via="numpy"``)."""
    from reference_impls import np_bptt, torch_layers

    if via == "numpy":
        out, h, tape = np_bptt.forward(case.config, params, case.input(), case.state(), lengths=case.lengths)
        h = states(h)
        weights = [case.loss_weights(tuple(t.shape), salt=k) for k, t in enumerate((out, *h))]
        g = np_bptt.backward(tape, weights[0], tuple(weights[1:]) if len(h) == 2 else weights[1])
        return GradSet(g.input, states(g.state) if case.with_state else (), g.params)
    if via != "torch":
        raise ValueError(f"via={via!r}; expected 'torch' or 'numpy'")
    p, x, hx = (tensors(a, requires_grad=True) for a in (params, case.input(), case.state()))
    lengths = None if case.lengths is None else torch.tensor(case.lengths)
    out, h = torch_layers.rnn(case.config, p, x, hx, lengths=lengths)
    loss(case, (out, *states(h))).backward()
    return GradSet(x.grad.numpy(), tuple(s.grad.numpy() for s in states(hx)) if hx is not None else (),
                   {name: t.grad.numpy() for name, t in p.items()})


def assert_grads_close(got: GradSet, expected: GradSet, *, tol, case, label: str) -> None:
    assert_close(got.input, expected.input, tol=tol, what=f"d loss/d input ({label})", case=case)
    for name, g, e in zip(("h0", "c0"), got.states, expected.states):
        assert_close(g, e, tol=tol, what=f"d loss/d {name} ({label})", case=case)
    for name, g in got.params.items():
        assert_close(g, expected.params[name], tol=tol, what=f"d loss/d {name} ({label})", case=case)
