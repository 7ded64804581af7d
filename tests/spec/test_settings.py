"""Run settings: validated when made, activated once, seen by every layer below (the worker
thread of a timed call included) and by nothing outside the run."""

import threading

import pytest
import torch

from rnnspec.spec.settings import DEFAULT_TIMEOUT, RunSettings, activated, active
from rnnspec.cases.strategies import usable_dtypes
from rnnspec.checking.timeouts import call_target


@pytest.mark.parametrize("kwargs, message", [
    (dict(seed=-1), "seed=-1 must be a non-negative integer"),
    (dict(profile="fast"), "profile='fast' is not one of"),
    (dict(max_examples=0), "max_examples=0 must be an integer of at least 1"),
    (dict(dtype="int8"), "dtype='int8' is not one of"),
    (dict(timeout=0), "timeout=0 must be a positive number of seconds"),
    (dict(timeout=float("inf")), "timeout=inf must be"),
])
def test_invalid_settings_are_refused_naming_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        RunSettings(**kwargs)


def test_activation_is_scoped_and_reaches_the_strategies():
    assert active() == RunSettings()
    with activated(RunSettings(dtype="float32")):
        assert usable_dtypes({"float64"}) == ["float32"]
    assert usable_dtypes({"float64"}) == ["float32", "float64"]
    assert usable_dtypes(set()) == ["float32"]


def test_the_timed_worker_thread_runs_under_the_callers_settings():
    seen = {}

    def work():
        seen["settings"], seen["thread"] = active(), threading.current_thread().name
        return torch.zeros(1)

    settings = RunSettings(seed=7, dtype="float64", timeout=5.0)
    with activated(settings):
        call_target(work)
    assert seen == {"settings": settings, "thread": "rnnspec-target-call"}


def test_replay_options_repeat_what_differs_from_the_defaults():
    assert RunSettings().replay_options() == "--seed 0 --profile default"
    assert RunSettings(seed=3, profile="quick", max_examples=2, dtype="float64", timeout=0.5).replay_options() == \
        "--seed 3 --profile quick --max-examples 2 --dtype float64 --timeout 0.5"
    assert "--timeout" not in RunSettings(timeout=DEFAULT_TIMEOUT).replay_options()


def test_a_run_draws_the_same_cases_whatever_code_is_loaded():
    """Hypothesis mines constants from the source of loaded modules; rnnspec's runs do without them,
    so loading a module full of literals changes no draw (it once hid a planted defect)."""
    import sys
    import types

    import torch

    from rnnspec.running.verifier import verify
    from rnnspec.targets import TorchLikeTarget

    def cases():
        seen = []

        class Recording(torch.nn.GRUCell):
            def forward(self, input, hx=None):
                seen.append((tuple(input.shape), float(input.flatten()[0])))
                return super().forward(input, hx)

        verify(TorchLikeTarget(Recording, like="torch.nn.GRUCell", name="rec"), select=["cell_matches_reference"],
               settings=RunSettings(profile="quick", max_examples=25))
        return seen

    before = cases()
    literals = types.ModuleType("rnnspec_test_literals")
    literals.__file__ = __file__  # a "local" module: this file's literals
    sys.modules["rnnspec_test_literals"] = literals
    try:
        assert cases() == before
    finally:
        del sys.modules["rnnspec_test_literals"]
