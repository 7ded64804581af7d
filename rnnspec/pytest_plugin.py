"""The pytest plugin (entry point ``pytest11``): runs rnnspec's properties inside any pytest run.

Each property's ``target`` argument is parametrized with the selected targets: those named by
``--rnnspec-target`` (with ``--rnnspec-like``/``--rnnspec-variant``), or torch's built-ins by
default. A property that needs a capability the target lacks is skipped with the reason.
Imports of torch and the properties happen only when a property is collected.
"""

from __future__ import annotations


import pytest

_TARGETS_KEY = pytest.StashKey[list]()


def pytest_addoption(parser):
    group = parser.getgroup("rnnspec", "rnnspec: properties of recurrent networks")
    group.addoption("--rnnspec-target", action="append", default=[],
                    help="target to verify (package.module:Name, ...); repeatable; default: torch's built-ins")
    group.addoption("--rnnspec-like", help="the torch built-in the targets are drop-ins for")
    group.addoption("--rnnspec-variant", help="the cell kinds the targets claim, comma-separated")
    group.addoption("--rnnspec-seed", type=int, default=0, help="seed of every property's examples")
    group.addoption("--rnnspec-profile", default=None,
                    help="quick, default or thorough (default: default)")
    group.addoption("--rnnspec-max-examples", type=int, default=None, help="override the profile's examples")
    group.addoption("--rnnspec-xfails", default=None, help="known failures: one property id a line, '# reason' after")
    group.addoption("--rnnspec-timeout", type=float, default=None,
                    help="seconds one call into the target may take before it counts as hung (default: no limit)")


def _xfails(config) -> dict:
    path = config.getoption("--rnnspec-xfails")
    if not path:
        return {}
    from rnnspec.verifier import read_xfails

    return read_xfails(path)


def _profile(config) -> str:
    return config.getoption("--rnnspec-profile") or "default"


def _targets(config) -> list:
    if _TARGETS_KEY not in config.stash:
        from rnnspec.targets import default_targets, load_target

        names = config.getoption("--rnnspec-target")
        variant = config.getoption("--rnnspec-variant")
        cells = tuple(variant.split(",")) if variant else None
        like = config.getoption("--rnnspec-like")
        config.stash[_TARGETS_KEY] = [load_target(n, like=like, cells=cells) for n in names] or default_targets()
    return config.stash[_TARGETS_KEY]


def pytest_generate_tests(metafunc):
    spec = getattr(metafunc.function, "_rnnspec_property", None)
    if spec is None or "target" not in metafunc.fixturenames:
        return
    from rnnspec.targets import applicability

    params = []
    for target in _targets(metafunc.config):
        applies, reason = applicability(spec, target)
        if applies:
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            known = _xfails(metafunc.config)
            if spec.id in known:
                marks.append(pytest.mark.xfail(reason=known[spec.id] or "listed in the xfails file", strict=False))
            params.append(pytest.param(target, id=target.name + "[" + ",".join(target.cells) + "]", marks=marks))
    metafunc.parametrize("target", params)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    fn = getattr(item, "obj", None)
    spec = getattr(fn, "_rnnspec_property", None)
    if spec is None:
        yield
        return
    from rnnspec import profiles
    from rnnspec.checks import CONTEXT, RunContext
    from rnnspec.verifier import replay_command

    seed, profile = item.config.getoption("--rnnspec-seed"), _profile(item.config)
    max_examples = item.config.getoption("--rnnspec-max-examples")
    profiles.prepare(fn, profile=profile, max_examples=max_examples, seed=seed)
    target = getattr(item, "callspec", None) and item.callspec.params.get("target")
    if target is not None:
        replay = replay_command(target, spec, seed=seed, profile=profile, max_examples=max_examples)
    else:
        replay = f"pytest --pyargs rnnspec.properties -k {item.name} --rnnspec-seed {seed} --rnnspec-profile {profile}"
    from rnnspec.harness import CALL_TIMEOUT

    token = CONTEXT.set(RunContext(spec.id, replay))
    timeout_token = CALL_TIMEOUT.set(item.config.getoption("--rnnspec-timeout"))
    try:
        yield
    finally:
        CALL_TIMEOUT.reset(timeout_token)
        CONTEXT.reset(token)
