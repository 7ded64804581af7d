"""``rnnspec verify --isolate``: the target runs in a child process, so that nothing it does to its
process can cost the run. ``os._exit`` or a crash (a segmentation fault, the OS killing it for
memory) in a property is that property's verdict, FAILED and named; a call stuck in C code that
holds the GIL, which no thread of the target's own process can interrupt, is ended by this
process's watchdog as HUNG. After either, a new child runs the properties that had not run yet.

The child (``python -m rnnspec.interfaces.isolated``) is ``rnnspec verify`` with the same options;
it sends what it does through the matrices' worker protocol (rnnspec.interfaces.workers): the
report's header and its skeleton, the properties that apply, each property as it starts, each
verdict. Around every call into the target it writes one byte to a pipe (``RNNSPEC_WATCHDOG_FD``):
``b`` as it begins, ``e`` as it ends, which is how this process knows a call has lasted too long.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field

from rnnspec.checking.failures import Failure
from rnnspec.interfaces import options
from rnnspec.interfaces.workers import emit, open_channel, run_worker
from rnnspec.running.verdicts import Status, Verdict

__all__ = ["run_isolated", "Isolated"]

_SELECT = "RNNSPEC_ISOLATED_SELECT"  # the property ids a child runs, in order (JSON)
GRACE = 5.0  # seconds past --timeout the watchdog waits before it ends a child stuck in one call


@dataclass
class Isolated:
    """What the children sent: the header, the report skeleton, the plan, and the verdicts."""

    header: list[str] = field(default_factory=list)
    skeleton: dict | None = None
    plan: list[str] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)
    unusable: str | None = None  # the child could not load or probe the target (exit 2 and why)
    probing: str | None = None  # what the child was probing last
    killed_probes: dict[str, str] = field(default_factory=dict)  # option -> how its probe ended the child


class _Watchdog(threading.Thread):
    """Reads the child's call pipe; ends the child when one call has lasted ``limit`` seconds."""

    def __init__(self, fd: int, limit: float | None):
        super().__init__(daemon=True, name="rnnspec-watchdog")
        self.fd, self.limit, self.depth, self.since = fd, limit, 0, None
        self.child, self.stuck = None, False
        self.lock = threading.Lock()

    def run(self) -> None:
        reader = threading.Thread(target=self._read, daemon=True)
        reader.start()
        while reader.is_alive():
            time.sleep(0.5)
            with self.lock:
                since, child = self.since, self.child
            if self.limit and since is not None and child is not None and time.monotonic() - since > self.limit:
                self.stuck = True
                child.kill()
                return

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                for byte in data:
                    self.depth += 1 if byte == ord("b") else -1
                    self.since = (self.since or time.monotonic()) if self.depth > 0 else None


def _child(ids: list[str] | None, argv: list[str], limit: float | None, got: Isolated,
           on_start, on_verdict) -> tuple[str | None, str | None, bool]:
    """One child process over ``ids`` (all that apply when None): (why it ended badly or None,
    the property it was running, whether the watchdog ended it)."""
    read_end, write_end = os.pipe()
    env = {**os.environ, "RNNSPEC_WATCHDOG_FD": str(write_end)}
    if ids is not None:
        env[_SELECT] = json.dumps(ids)
    env["RNNSPEC_KILLED_PROBES"] = json.dumps(got.killed_probes)
    watchdog = _Watchdog(read_end, limit)
    running: list[str] = []

    def seen(message: dict) -> None:
        if "unusable" in message:
            got.unusable = message["unusable"]
        if "probing" in message:
            got.probing = message["probing"]
        if "header" in message and not got.header:
            got.header = message["header"]
            for line in got.header:
                print(line, flush=True)
        if "skeleton" in message and got.skeleton is None:
            got.skeleton = message["skeleton"]
        if "plan" in message and not got.plan:
            got.plan = message["plan"]
        if "start" in message:
            running[:] = [message["start"]]
            on_start(message["start"])
        if "verdict" in message:
            running.clear()
            verdict = Verdict.from_dict(message["verdict"])
            got.verdicts.append(verdict)
            on_verdict(verdict)
        if "changes" in message:
            for change, n in message["changes"].items():
                got.changes[change] = got.changes.get(change, 0) + n

    def started(child) -> None:
        os.close(write_end)  # the child holds its own copy
        with watchdog.lock:
            watchdog.child = child
        watchdog.start()

    try:
        why = run_worker([sys.executable, "-m", "rnnspec.interfaces.isolated", *argv], env=env, on_message=seen,
                         started=started, pass_fds=(write_end,))
    finally:
        os.close(read_end)
    return why, (running[0] if running else None), watchdog.stuck


def run_isolated(argv: list[str], *, timeout: float | None, on_start, on_verdict, got: Isolated | None = None,
                 lacks: tuple[str, ...] = ()) -> Isolated:
    """``rnnspec verify`` with the options ``argv`` (what follows ``verify``, without --isolate),
    the target in child processes (the module docstring). ``on_start(id)`` and ``on_verdict(verdict)``
    as ``verify`` calls them; ``got`` (filled as the children report) is what a caller keeps when interrupted."""
    got = Isolated() if got is None else got
    limit = None if timeout is None else timeout + max(GRACE, timeout)
    remaining: list[str] | None = None
    while True:
        lacking = [f"--lacks={','.join(dict.fromkeys((*lacks, *got.killed_probes)))}"] if got.killed_probes else []
        got.probing = None
        why, running, stuck = _child(remaining, argv + lacking, limit, got, on_start, on_verdict)
        option = (got.probing or "").rpartition(": ")[2].rstrip(")") if "option " in (got.probing or "") else None
        if why is not None and not got.plan and option and option not in got.killed_probes:
            # its probe of one option ended the process: that option is left out, as a probe that raises is
            got.killed_probes[option] = why.splitlines()[0][:300]
            continue
        if why is None or got.unusable is not None or not got.plan:
            if why is not None and got.unusable is None and not got.plan:
                got.unusable = f"the target ended the process while it was loaded or probed ({why[:300]})"
            return got
        done = {v.id for v in got.verdicts}
        if running is not None:  # the property the child was running when it died or was ended
            spec = _spec_of(running)
            headline = (f"a call into the target did not return within {timeout:g} s and held the process "
                        f"(C code holding the GIL?): the watchdog ended it after {limit:g} s") if stuck else \
                f"while this property ran ({why[:400]})"
            failure = Failure(headline, origin="hang" if stuck else "exited", property_id=running,
                              replay=f"rnnspec verify {' '.join(argv)} --select {running} --isolate")
            verdict = Verdict(running, spec.topic, spec.claim, Status.HUNG if stuck else Status.FAILED, 0.0, (failure,))
            got.verdicts.append(verdict)
            on_verdict(verdict)
            done.add(running)
            if stuck:  # as in one process: once a call hangs, the rest would hang too
                for pid in (pid for pid in got.plan if pid not in done):
                    spec = _spec_of(pid)
                    skipped = Verdict(pid, spec.topic, spec.claim, Status.SKIPPED, 0.0, (),
                                      "the target hung on an earlier property")
                    got.verdicts.append(skipped)
                    on_verdict(skipped)
                return got
        remaining = [pid for pid in got.plan if pid not in done]
        if not remaining:
            return got


def _spec_of(pid: str):
    from rnnspec.spec import PROPERTIES

    return next(p for p in PROPERTIES if p.id == pid)


def _worker(argv: list[str]) -> int:
    """The child: verify as asked, each step sent to the parent."""
    from rnnspec.checking import isolation
    from rnnspec.rendering.report import header, json_report
    from rnnspec.running.verifier import read_xfails, select_properties, verify
    from rnnspec.targets import TargetError, applicability

    open_channel()
    args = options.parse_verify(argv)
    chosen = os.environ.get(_SELECT)
    try:
        target, settings, prepared = options.load_verify_target(args, progress=lambda what: emit({"probing": what}))
        xfails = read_xfails(args.xfails) if args.xfails else {}
    except (TargetError, ValueError, OSError) as e:
        emit({"unusable": str(e)})
        return 2
    killed = json.loads(os.environ.get("RNNSPEC_KILLED_PROBES", "{}"))
    emit({"header": header(target, settings, prepared)
          + [f"not supported (probed, it ended the process): {o}: {why}" for o, why in killed.items()]})
    emit({"skeleton": json_report(target, [], settings=settings, prepared=prepared)})
    plan = [p.id for p in select_properties(args.select) if applicability(p, target)[0]]
    emit({"plan": plan})
    verify(target, settings=settings, select=json.loads(chosen) if chosen else args.select, xfails=xfails,
           on_start=lambda prop: emit({"start": prop.id}), on_verdict=lambda v: emit({"verdict": v.to_dict()}),
           budget=args.budget)
    emit({"changes": isolation.changes()})
    sys.stdout.flush()
    os._exit(0)  # a thread of the target's may still be inside torch


if __name__ == "__main__":
    sys.exit(_worker(sys.argv[1:]))
