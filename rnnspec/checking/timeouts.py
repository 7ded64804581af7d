"""The per-call timeout: every call into a target (construction, forward, backward) goes through
``call_target``, which gives up after the active settings' timeout."""

from __future__ import annotations

import contextvars
import os
import queue
import threading
import types

import torch

from rnnspec.checking import isolation
from rnnspec.spec.settings import active

__all__ = ["TargetHung", "TargetExited", "call_target", "backward", "new_target_thread"]


class TargetHung(BaseException):
    """A call into the target did not return in time. A BaseException, so that Hypothesis stops at
    once instead of shrinking (which would call the hanging target again and again). The runner
    attaches a ``failure`` (rnnspec.checking.failures.Failure) with the case and the replay command."""

    failure = None


class TargetExited(Exception):
    """The target called ``sys.exit`` (raised SystemExit) in a call: its fault, reported as a failure
    of the property that made the call, never as a request to end rnnspec."""

    rnnspec_origin = "target"


def _exits_as_failures(fn):
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except SystemExit as e:
            raise TargetExited(f"the target called sys.exit({e.code!r}) during a call "
                               f"(SystemExit raised inside {getattr(fn, '__qualname__', repr(fn))})") from e
    return call


def _watched(fn):
    """Each call told to ``rnnspec verify --isolate``'s watchdog (one byte as it begins, one as it
    ends, on the descriptor its parent gave: ``RNNSPEC_WATCHDOG_FD``); ``fn`` itself elsewhere."""
    fd = os.environ.get("RNNSPEC_WATCHDOG_FD")
    if not fd:
        return fn

    def call(*args, **kwargs):
        os.write(int(fd), b"b")
        try:
            return fn(*args, **kwargs)
        finally:
            os.write(int(fd), b"e")
    return call


def call_target(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, within the active settings' per-call timeout (none by default). A
    ``sys.exit`` in the target is a TargetExited; process-wide torch state the call changed is put
    back (rnnspec.checking.isolation) and recorded.

    With a timeout the call runs in rnnspec's target thread, one thread for every call (as a user
    builds and calls a layer in one thread: per-thread state set when it is built, such as
    flush-to-zero, is there when it is called), under a copy of the caller's context and grad mode.
    A call that does not return in time leaves that thread to it; later calls get a new one."""
    timeout = active().timeout
    fn = _watched(_exits_as_failures(fn))
    if timeout is None or threading.current_thread() is getattr(_THREAD, "thread", None):  # (nested: a jacobian's calls)
        return _isolated(fn, args, kwargs, torch.is_grad_enabled())
    return _TargetThread.get().run(fn, args, kwargs, timeout)


def _isolated(fn, args, kwargs, grad_enabled: bool):
    before = isolation.read()._replace(grad_enabled=grad_enabled)
    torch.set_grad_enabled(grad_enabled)
    try:
        return fn(*args, **kwargs)
    finally:
        after = isolation.read()
        changed = isolation.differences(before, after)
        if changed:
            isolation.record(changed)
            isolation.put_back(before)


class _TargetThread:
    """The thread target calls run in, while it is not stuck in one."""

    def __init__(self):
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._serve, daemon=True, name="rnnspec-target-call")
        self.thread.start()

    @classmethod
    def get(cls) -> "_TargetThread":
        current = getattr(_THREAD, "current", None)
        if current is None:
            current = _THREAD.current = cls()
            _THREAD.thread = current.thread
        return current

    def _serve(self):
        while True:
            job = self.jobs.get()
            if job is None:
                return
            context, fn, args, kwargs, grad_enabled, box, done = job
            try:
                box["result"] = context.run(_isolated, fn, args, kwargs, grad_enabled)
            except BaseException as e:  # handed to the caller's thread
                box["error"] = e
            done.set()
            if _THREAD.current is not self:  # it was given up on while stuck: it ends with that call
                return

    def run(self, fn, args, kwargs, timeout: float):
        box, done = {}, threading.Event()
        self.jobs.put((contextvars.copy_context(), fn, args, kwargs, torch.is_grad_enabled(), box, done))
        if not done.wait(timeout):
            _THREAD.current = _THREAD.thread = None  # stuck in the target: the next call gets a new thread
            raise TargetHung(f"a call into the target did not return within {timeout:g} s")
        if "error" in box:
            raise box["error"]
        return box["result"]


_THREAD = types.SimpleNamespace(current=None, thread=None)


def new_target_thread() -> None:
    """Later calls run in a new target thread (called when a run begins: per-thread state one
    target set, such as flush-to-zero, does not reach the next target's calls)."""
    old = _THREAD.current
    _THREAD.current = _THREAD.thread = None
    if old is not None:
        old.jobs.put(None)  # it ends


def backward(t: torch.Tensor) -> None:
    """``t.backward()`` within the per-call timeout: the backward pass runs through the target."""
    call_target(t.backward)
