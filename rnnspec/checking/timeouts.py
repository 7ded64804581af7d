"""The per-call timeout: every call into a target (construction, forward, backward) goes through
``call_target``, which gives up after the active settings' timeout."""

from __future__ import annotations

import contextvars
import threading

import torch

from rnnspec.spec.settings import active

__all__ = ["TargetHung", "call_target", "backward"]


class TargetHung(BaseException):
    """A call into the target did not return in time. A BaseException, so that Hypothesis stops at
    once instead of shrinking (which would call the hanging target again and again). The runner
    attaches a ``failure`` (rnnspec.checking.failures.Failure) with the case and the replay command."""

    failure = None


def call_target(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, within the active settings' per-call timeout (none by default).

    The call runs in a worker thread under a copy of the caller's context, so it sees the same
    settings as the property that made it."""
    timeout = active().timeout
    if timeout is None:
        return fn(*args, **kwargs)
    box = {}
    context = contextvars.copy_context()

    def work():
        try:
            box["result"] = context.run(fn, *args, **kwargs)
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
