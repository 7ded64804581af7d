"""The pytest plugin (entry point ``pytest11``): runs rnnspec's properties inside any pytest run.

Each property's ``target`` argument is parametrized with the selected targets: those named by
``--rnnspec-target`` (with ``--rnnspec-like``/``--rnnspec-variant``), or torch's built-ins by
default. A property that needs a capability the target lacks is skipped with the reason. The run's
options become one ``RunSettings``, activated around every property (as ``rnnspec verify`` does).
Imports of torch and the properties happen only when a property is collected.

``--rnnspec-json`` and ``--rnnspec-html`` write the same reports as ``rnnspec verify`` (one per
target). They work under pytest-xdist (``-n 2``): each worker attaches the property's verdict to
its test report, and the controlling process, which sees every report, writes the files.
"""

from __future__ import annotations

import pytest

from rnnspec.interfaces import options
from rnnspec.rendering.files import write_text

_TARGETS_KEY = pytest.StashKey[list]()
_SETTINGS_KEY = pytest.StashKey[object]()


def pytest_addoption(parser):
    group = parser.getgroup("rnnspec", "rnnspec: properties of recurrent networks")
    group.addoption("--rnnspec-target", action="append", default=[],
                    help="target to verify (package.module:Name, ...); repeatable; default: torch's built-ins")
    add = group.addoption
    options.add_target_options(add, prefix="--rnnspec-")
    options.add_example_options(add, prefix="--rnnspec-")
    options.add_call_options(add, prefix="--rnnspec-", timeout=None)
    options.add_verify_options(add, prefix="--rnnspec-")


def _option(config, name: str):
    """The value of ``--rnnspec-NAME`` (``name`` as in RunSettings: max_examples is --rnnspec-max-examples)."""
    return config.getoption(f"--rnnspec-{name.replace('_', '-')}")


def _settings(config):
    """The run's RunSettings, made once from the options."""
    if _SETTINGS_KEY not in config.stash:
        config.stash[_SETTINGS_KEY] = options.run_settings(lambda name: _option(config, name))
    return config.stash[_SETTINGS_KEY]


def _xfails(config) -> dict:
    path = config.getoption("--rnnspec-xfails")
    if not path:
        return {}
    from rnnspec.running.verifier import read_xfails

    try:
        return read_xfails(path)
    except (OSError, ValueError) as e:
        raise pytest.UsageError(f"--rnnspec-xfails {path}: cannot read it: {e}") from None


def _targets(config) -> list:
    if _TARGETS_KEY not in config.stash:
        import os
        import sys

        from rnnspec.running.probing import prepare
        from rnnspec.spec.settings import activated
        from rnnspec.targets import TargetError, default_targets, load_target
        from rnnspec.running.verifier import check_dtype, check_target_device

        folder = str(config.invocation_params.dir)  # where pytest was started: the user's modules import
        if folder not in sys.path and os.path.abspath(folder) not in sys.path:
            sys.path.insert(0, folder)
        names = config.getoption("--rnnspec-target")
        like, cells = config.getoption("--rnnspec-like"), config.getoption("--rnnspec-variant")
        try:
            targets = default_targets()
            if names:
                with activated(_settings(config)):
                    loading = dict(like=like, cells=cells, rename=tuple(config.getoption("--rnnspec-rename")),
                                   lengths_argument=config.getoption("--rnnspec-lengths-arg"),
                                   lengths_kind=config.getoption("--rnnspec-lengths-kind"),
                                   from_float=config.getoption("--rnnspec-from-float"))
                    targets = [prepare(load_target(n, **loading), lacks=config.getoption("--rnnspec-lacks"),
                                       claims=config.getoption("--rnnspec-claims"),
                                       strict=config.getoption("--rnnspec-strict")).target for n in names]
                for n in names:
                    options.check_report_paths(n, json=config.getoption("--rnnspec-json"),
                                               html=config.getoption("--rnnspec-html"))
                for target in targets:
                    check_dtype(target, _settings(config).dtype)
                    check_target_device(target, _settings(config).device)
        except (TargetError, ValueError) as e:
            raise pytest.UsageError(str(e)) from e
        config.stash[_TARGETS_KEY] = targets
    return config.stash[_TARGETS_KEY]


def pytest_generate_tests(metafunc):
    spec = getattr(metafunc.function, "_rnnspec_property", None)
    if spec is None or "target" not in metafunc.fixturenames:
        return
    from rnnspec.targets import applicability
    from rnnspec.running.verifier import run_skip

    params = []
    for target in _targets(metafunc.config):
        applies, reason = applicability(spec, target)
        reason = reason or run_skip(spec, _settings(metafunc.config))
        if applies:
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            known = _xfails(metafunc.config)
            if spec.id in known:
                marks.append(pytest.mark.xfail(reason=known[spec.id] or "listed in the xfails file", strict=False))
            params.append(pytest.param(target, id=target.name + "[" + ",".join(target.cells) + "]", marks=marks))
    metafunc.parametrize("target", params or [pytest.param(_NOT_APPLICABLE, id="not-applicable")])


_NOT_APPLICABLE = "rnnspec: applies to no selected target"


def _not_applicable(item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("target") is _NOT_APPLICABLE


def pytest_collection_modifyitems(config, items):
    """Properties that apply to none of the selected targets (a cell property when layers are
    verified) are deselected, not reported as dozens of empty skips."""
    dropped = [item for item in items if _not_applicable(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not _not_applicable(item)]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    if getattr(getattr(item, "obj", None), "_rnnspec_property", None) is None:
        return (yield)
    from rnnspec.spec.settings import activated
    from rnnspec.running.verifier import settings_for

    target = getattr(item, "callspec", None) and item.callspec.params.get("target")
    settings = _settings(item.config)
    with activated(settings_for(target, settings) if target is not None else settings):
        return (yield)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the property's verdict to the test report (plain data, so xdist carries it)."""
    outcome = yield
    spec = getattr(getattr(item, "obj", None), "_rnnspec_property", None)
    target = spec and getattr(item, "callspec", None) and item.callspec.params.get("target")
    if not hasattr(target, "cells"):  # not a property, or one with no target to apply to (NOTSET)
        return
    report = outcome.get_result()
    failures, reason = (), ""
    if call.excinfo is not None and not report.skipped:
        error = call.excinfo.value
        failures = getattr(error, "failures", None) or ((error.failure,) if getattr(error, "failure", None) else ())
        if not failures:  # not raised through a property run: rnnspec's own error
            from rnnspec.checking.failures import Failure

            failures = (Failure(f"{call.excinfo.typename}: {error}", origin="rnnspec"),)
    elif report.skipped and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2].removeprefix("Skipped: ")
    report.user_properties.append(("rnnspec", {
        "id": spec.id, "topic": spec.topic, "claim": spec.claim, "target": target.name,
        "like": getattr(target, "like", None), "cells": list(target.cells), "reason": reason,
        "failures": [f.to_dict() for f in failures], "seconds": call.duration}))


def _status(report, data) -> str | None:
    """The verdict a test report gives, or None for a phase that gives none."""
    from rnnspec.checking.failures import Failure
    from rnnspec.running.verifier import status_of_all

    xfail = hasattr(report, "wasxfail")
    if report.when == "setup":
        return "skipped" if report.skipped else ("error" if report.failed else None)
    if report.when == "call":
        if report.skipped:
            return "xfailed" if xfail else "skipped"
        if xfail and report.passed:
            return "xpassed"
        if report.failed:
            return status_of_all([Failure.from_dict(f) for f in data["failures"]]).value if data["failures"] else "failed"
        return "passed"
    return None


def pytest_runtest_logreport(report):
    data = dict(report.user_properties).get("rnnspec")
    status = data and _status(report, data)
    if status:
        _REPORTS.append({**data, "status": status})


_REPORTS: list[dict] = []  # the verdicts this process saw (the controller's, under xdist)


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    json_path, html_path = config.getoption("--rnnspec-json"), config.getoption("--rnnspec-html")
    if hasattr(config, "workerinput") or not (json_path or html_path):
        return  # an xdist worker: the controller writes the reports
    from types import SimpleNamespace

    from rnnspec.rendering.report import html_report, json_report, write_json
    from rnnspec.spec import PROPERTIES
    from rnnspec.running.verdicts import Verdict

    order = {p.id: k for k, p in enumerate(PROPERTIES)}  # spec order, as rnnspec verify reports
    _REPORTS.sort(key=lambda r: order[r["id"]])
    reports = []
    for name in dict.fromkeys(r["target"] for r in _REPORTS):
        mine = [r for r in _REPORTS if r["target"] == name]
        target = SimpleNamespace(name=name, like=mine[0]["like"], cells=mine[0]["cells"])
        verdicts = [Verdict.from_dict(r) for r in mine]
        # pytest's exit status 2: interrupted (Ctrl-C, or SIGTERM where pytest turns it into one)
        partial = "the pytest run was interrupted; these are the properties that finished" \
            if exitstatus == pytest.ExitCode.INTERRUPTED else None
        reports.append(json_report(target, verdicts, settings=_settings(config), partial=partial))
    if json_path:
        write_json(reports[0] if len(reports) == 1 else {"targets": reports}, json_path)
    if html_path:
        write_text(html_report(*reports), html_path)
