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


def test_a_run_draws_without_constants_mined_from_loaded_code():
    """Hypothesis mixes literals mined from the source of loaded, non-library modules (rnnspec's own,
    the user's) into its draws, so the same seed drew other cases after another import (it once hid
    a planted defect). Inside rnnspec's runs the mined constants are empty; outside, Hypothesis' own."""
    import torch
    from hypothesis.internal.conjecture import providers

    from rnnspec.running.verifier import verify
    from rnnspec.targets import TorchLikeTarget

    seen = []

    class Looks(torch.nn.GRUCell):
        def forward(self, input, hx=None):
            seen.append(len(providers._get_local_constants()))
            return super().forward(input, hx)

    verify(TorchLikeTarget(Looks, like="torch.nn.GRUCell", name="looks"), select=["cell_matches_reference"],
           settings=RunSettings(profile="quick", max_examples=3))
    assert seen and set(seen) == {0}, seen
    assert len(providers._get_local_constants()) > 0  # rnnspec's own modules are "local" to Hypothesis
