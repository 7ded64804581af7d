"""Timing a target against torch's native layer: one row per size, mode and dtype, measured or
skipped with the reason.

Both are built as ``rnnspec verify`` builds them (``rnnspec.checking.calls.build``: the registry's layout,
the same seeded weights loaded into each) and called as it calls them (``call_layer``/``call_cell``,
input (T, B, I) time-major, no initial state), so the native layer is the honest comparison.
``forward`` is one call under ``torch.no_grad``; ``backward`` is one call with gradients on, then
backward of the sum of every output (and final state), the gradients of the input and of the
parameters cleared after each. A cell is unrolled over the T steps, in Python, for both.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Callable, Mapping

import torch

from rnnspec.cases import CellCase, LayerCase
from rnnspec.running.probing import first_line
from rnnspec.checking.calls import build, call_cell, call_layer
from rnnspec.spec import REDUCED_DTYPES, CellConfig, LayerConfig, cell_kind
from rnnspec.spec.scale import BenchSize
from rnnspec.checking.states import as_hx, tensors
from rnnspec.targets import Target, TargetError, load_target

from .timing import call_flops, forward_backward, interleaved_times, peak_rss_rise_mib

__all__ = ["MODES", "BenchResult", "bench", "calls", "native_for", "parse_sizes", "size_label", "capability_skip",
           "first_line"]

MODES = ("forward", "backward")  # backward: forward, then backward of the sum of every output


@dataclass(frozen=True)
class BenchResult:
    """One row of the bench: a size, a mode and a dtype, measured or skipped."""

    size: BenchSize  # B, T, I, H
    mode: str  # one of MODES
    dtype: str  # "float32" or "float64"
    status: str  # "measured" or "skipped"
    reason: str | None = None  # why it was skipped
    target_s: float | None = None  # median seconds of one call of the target
    native_s: float | None = None  # median seconds of one call of torch's native layer, interleaved with the target's
    flops: int | None = None  # matrix-product FLOPs of one call (rnnspec.interfaces.bench.timing.FLOP_CONVENTION)
    target_rss_mib: float | None = None  # peak RSS rise of the target's first call (MEMORY_CONVENTION)
    native_rss_mib: float | None = None  # the same for the native layer

    @property
    def ratio(self) -> float | None:
        """target time / native time (above 1: the target is slower)."""
        return None if self.status != "measured" else self.target_s / self.native_s

    def gflops(self, which: str) -> float | None:
        """GFLOP/s achieved by "target" or "native"."""
        seconds = getattr(self, f"{which}_s")
        return None if seconds is None else self.flops / seconds / 1e9


def native_for(target: Target) -> Target:
    """torch's built-in to time ``target`` against: what it is ``like`` (else the built-in of its
    first cell kind). TargetError for a target that is not a layer or a cell."""
    if target.subject not in ("layer", "cell"):
        raise TargetError(f"rnnspec bench times layers and cells; {target.name} is a {target.subject} target")
    kind = cell_kind(target.cells[0])
    like = target.like or (kind.torch_layer if target.subject == "layer" else kind.torch_cell)
    if like is None:
        raise TargetError(f"{target.name} computes {kind.name}, which torch has no built-in for: nothing to time it "
                          f"against; name one with --like")
    return load_target(like)


def _case(target: Target, size: BenchSize, dtype: str, *, cell: str):
    stored = "float32" if dtype in REDUCED_DTYPES else dtype  # float16, bfloat16: cast when built (_runner)
    common = dict(dtype=stored, batch=size.batch, seq_len=size.seq_len, unbatched=False, with_state=False, seed=0,
                  scale=1.0)
    if target.subject == "layer":
        return LayerCase(config=LayerConfig(cell, size.input_size, size.hidden_size), lengths=None, **common)
    return CellCase(config=CellConfig(cell, size.input_size, size.hidden_size), **common)


def _native_case(case, native: Target):
    """``case`` for the native layer: its cell kind where the target's is not one of the native's
    (a variant, e.g. gru_reset_before against torch.nn.GRU: the same weights' shapes and cost)."""
    c = case.config
    if c.cell in native.cells:
        return case
    if isinstance(c, LayerConfig):
        return case.replace(config=c.replace(cell=native.cells[0]))
    return case.replace(config=CellConfig(native.cells[0], c.input_size, c.hidden_size, bias=c.bias))


def _unrolled(module, case, x: torch.Tensor):
    """The cell over every step of x (T, B, I): (every step's h stacked, the final state)."""
    hx, outputs, state = None, [], ()
    for t in range(case.seq_len):
        state = call_cell(module, case, x[t], hx)
        hx = as_hx(state)
        outputs.append(state[0])
    return torch.stack(outputs), state


def _runner(target: Target, case, params: Mapping, *, backward: bool, device: str = "cpu",
            dtype: str | None = None) -> Callable[[], object]:
    """One call of ``target`` on ``case`` with ``params``, as the module docstring says, with the
    module and input on ``device`` (a CUDA call waits for the device before it returns), in
    ``dtype`` (by default the case's; float16 and bfloat16 cast from its float32 arrays)."""
    module = build(target, case, params, dtype=dtype)
    if device != "cpu":
        getattr(module, "module", module).to(device)  # a WrappedModule's own module
    inputs = case.input() if target.subject == "layer" else case.inputs()
    x = tensors(inputs).to(device=device, dtype=getattr(torch, dtype or case.dtype)).requires_grad_(backward)
    if target.subject == "layer":
        forward = lambda: call_layer(module, case, x)  # noqa: E731
    else:
        forward = lambda: _unrolled(module, case, x)  # noqa: E731
    # named_parameters: every target with parameters has it (the adapters' modules have no parameters())
    leaves = [x, *(p for _, p in module.named_parameters())] if "parameters" in target.capabilities else [x]
    run = forward_backward(forward, leaves) if backward else torch.no_grad()(forward)
    return run if not device.startswith("cuda") else _synchronized(run)


def _synchronized(run: Callable[[], object]) -> Callable[[], object]:
    def call():
        result = run()
        torch.cuda.synchronize()  # CUDA launches return at once: time the work, not its launch
        return result
    return call


def capability_skip(target: Target, *, mode: str, dtype: str, probed: Mapping[str, str]) -> str | None:
    """Why the target cannot run ``mode`` in ``dtype`` by what it claims (probed out or declared lacking)."""
    for needed, missing, why in (("grad", mode == "backward", "target has no gradients"),
                                 *((d, dtype == d, f"target does not support {d}") for d in ("float64", *REDUCED_DTYPES))):
        if missing and needed not in target.capabilities:
            return f"{why} ({probed[needed]})" if needed in probed else why
    return None


def _built(target: Target, native: Target | None, *, size: BenchSize, dtype: str) -> dict:
    """{"target": (target, case, params)} and "native" likewise with the same weights, when given."""
    case = _case(target, size, dtype, cell=target.cells[0])
    params = case.params()  # the same weights for both
    native_row = {} if native is None else {"native": (native, _native_case(case, native), params)}
    return {"target": (target, case, params)} | native_row


def calls(target: Target, native: Target | None = None, *, size: BenchSize, mode: str, dtype: str = "float32",
          device: str = "cpu"):
    """What ``bench`` times, for other timers (asv, the performance matrix): {"target": call} (and
    "native": call with the same weights when ``native`` is given), each call one forward (``mode``
    "forward") or forward and backward ("backward") of the size, as the module docstring says.
    Raises what building the target raises."""
    built = _built(target, native, size=size, dtype=dtype)
    return {who: _runner(*row, backward=mode == "backward", device=device, dtype=dtype) for who, row in built.items()}


def _measure(target: Target, native: Target, *, size: BenchSize, mode: str, dtype: str, repeats: int,
             device: str) -> BenchResult:
    row = dict(size=size, mode=mode, dtype=dtype)
    built = _built(target, native, size=size, dtype=dtype)
    runs, memory = {}, {}
    for who, (t, c, params) in built.items():
        try:
            runs[who] = _runner(t, c, params, backward=mode == "backward", device=device, dtype=dtype)
            memory[who] = peak_rss_rise_mib(runs[who])  # the first call: a warm-up, and its memory
        except Exception as e:  # the target refuses this size (or the native layer cannot run it)
            name = "target" if who == "target" else f"native {native.name}"
            return BenchResult(**row, status="skipped", reason=f"{name} raised {first_line(e)}")
    try:
        times = {who: statistics.median(t) for who, t in interleaved_times(runs, repeats=repeats).items()}
    except Exception as e:  # a call raised after the first succeeded
        return BenchResult(**row, status="skipped", reason=f"a timed call raised {first_line(e)}")
    return BenchResult(**row, status="measured", target_s=times["target"], native_s=times["native"],
                       flops=call_flops(built["target"][1].config, batch=size.batch, seq_len=size.seq_len,
                                        backward=mode == "backward"),
                       target_rss_mib=memory["target"], native_rss_mib=memory["native"])


def bench(target: Target, *, native: Target, sizes, modes=MODES, dtype: str = "float32", repeats: int = 5,
          device: str = "cpu", probed: Mapping[str, str] | None = None,
          on_start: Callable[[int, int, str], None] | None = None) -> list[BenchResult]:
    """Time ``target`` against ``native`` at each of ``sizes`` (BenchSize) in each of ``modes``:
    one BenchResult per size and mode, in that order, measured (median of ``repeats`` interleaved
    calls each, after one warm-up call that also measures memory) or skipped with the reason.

    Args:
        target: a layer or cell target, as ``rnnspec.running.probing.prepare`` leaves it.
        native: torch's built-in to compare with (``native_for(target)``).
        device: where both run (their module and input; rnnspec.checking.devices.check_device names it).
        probed: the capabilities probing left out, with the error each raised (quoted in skip reasons).
        on_start: called before each row with (its number from 1, the number of rows, a label).
    """
    if repeats < 1:
        raise ValueError(f"repeats={repeats!r} must be at least 1")
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise ValueError(f"modes={tuple(modes)!r} must be some of {MODES}")
    rows = [(size, mode) for size in sizes for mode in modes]
    results = []
    for number, (size, mode) in enumerate(rows, 1):
        if on_start is not None:
            on_start(number, len(rows), f"{size_label(size)} {dtype} {mode}")
        reason = capability_skip(target, mode=mode, dtype=dtype, probed=probed or {})
        if reason is not None:
            results.append(BenchResult(size=size, mode=mode, dtype=dtype, status="skipped", reason=reason))
        else:
            results.append(_measure(target, native, size=size, mode=mode, dtype=dtype, repeats=repeats,
                                    device=device))
    return results


def size_label(size: BenchSize) -> str:
    return f"B={size.batch} T={size.seq_len} I={size.input_size} H={size.hidden_size}"


def parse_sizes(text: str) -> tuple[BenchSize, ...]:
    """``B,T,I,H[;B,T,I,H...]`` (``--sizes``, ``--size``) as BenchSizes; ValueError naming the
    part that is not four positive integers."""
    sizes = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        numbers = [n.strip() for n in part.split(",")]
        if len(numbers) != 4 or not all(n.isdigit() and int(n) > 0 for n in numbers):
            raise ValueError(f"{part!r} is not B,T,I,H: four positive integers (batch, steps, input size, hidden "
                             f"size), e.g. 64,100,256,256")
        sizes.append(BenchSize(*map(int, numbers)))
    if not sizes:
        raise ValueError(f"{text!r} names no size; expected B,T,I,H[;B,T,I,H...], e.g. 64,100,256,256")
    return tuple(sizes)
