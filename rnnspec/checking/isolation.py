"""Process-wide torch state that a target may change while it is built or called (its default
dtype, grad mode, threads, deterministic algorithms, anomaly mode): read before each call into the
target and put back after it, so that one call's side effects cannot change the verdict of a later
property (nor rnnspec's own reference computations). What a target changed is kept, once per kind
of change, for the report to say. The random generator is left as the target leaves it: drawing
random numbers (dropout) is what a layer does, and the properties that need it seed it."""

from __future__ import annotations

from typing import NamedTuple

import torch

__all__ = ["State", "read", "put_back", "differences", "record", "changes", "forget"]


class State(NamedTuple):
    default_dtype: torch.dtype
    grad_enabled: bool
    threads: int
    deterministic: bool
    anomaly: bool


def read() -> State:
    return State(torch.get_default_dtype(), torch.is_grad_enabled(), torch.get_num_threads(),
                 torch.are_deterministic_algorithms_enabled(), torch.is_anomaly_enabled())


def put_back(state: State) -> None:
    if torch.get_default_dtype() != state.default_dtype:
        torch.set_default_dtype(state.default_dtype)
    torch.set_grad_enabled(state.grad_enabled)
    if torch.get_num_threads() != state.threads:
        torch.set_num_threads(state.threads)
    if torch.are_deterministic_algorithms_enabled() != state.deterministic:
        torch.use_deterministic_algorithms(state.deterministic)
    if torch.is_anomaly_enabled() != state.anomaly:
        torch.set_anomaly_enabled(state.anomaly)


_NAMES = {"default_dtype": "torch's default dtype", "grad_enabled": "grad mode", "threads": "torch's thread count",
          "deterministic": "deterministic algorithms", "anomaly": "anomaly mode"}


def differences(before: State, after: State) -> list[str]:
    """What changed, in words."""
    return [f"{_NAMES[field]} {getattr(before, field)} -> {getattr(after, field)}"
            for field in _NAMES if getattr(before, field) != getattr(after, field)]


_SEEN: dict[str, int] = {}


def record(changed: list[str]) -> None:
    for change in changed:
        _SEEN[change] = _SEEN.get(change, 0) + 1


def changes() -> dict[str, int]:
    """Each change a target made to process-wide state since ``forget()``, with how many calls made it."""
    return dict(_SEEN)


def forget() -> None:
    _SEEN.clear()
