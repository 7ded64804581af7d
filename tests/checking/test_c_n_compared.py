"""c_n is compared, not only the output and h_n.

An LSTM whose returned c_n is each row's cell state from one step before its last, everything else
right (tests/dropins/defects.py:LSTMCellStateOneStepLate), is seen only where c_n itself is
compared with the reference, or through the gradients. For a target without gradients (an
adapter that declares no ``grad``), matches_reference is what catches it; an ``assert_runs_close``
that skipped c_n let it pass every property, the survivor these tests kill.
"""

import importlib
import pkgutil

import pytest

import rnnspec.properties
from defect_catalogue import CATALOGUE
from rnnspec.checking import checks
from rnnspec.spec.settings import RunSettings
from rnnspec.spec import capabilities_of
from rnnspec.targets import TorchLikeTarget
from rnnspec.running.verdicts import Status, exit_code
from rnnspec.running.verifier import verify

LATE = next(d for d in CATALOGUE if d.name == "LSTMCellStateOneStepLate")
CATCHERS = ["matches_reference", "dropout_one_silences_upper_inputs"]  # the two that compare c_n without gradients


def without_gradients():
    """The defect, declared as a target that has everything but gradients."""
    return TorchLikeTarget(LATE.target().factory, like=LATE.like, name=LATE.spec,
                           capabilities=set(capabilities_of("layer")) - {"grad"})


def compare_without_c_n(monkeypatch):
    """The mutant: assert_runs_close comparing the output and h_n only, in every module that uses it."""
    def runs_close_but_c_n(got, expected, *, tol, case, label=""):
        checks.assert_close(got.output, expected.output, tol=tol, what=f"{label}output", case=case)
        checks.assert_close(got.states[0], expected.states[0], tol=tol, what=f"{label}h_n", case=case)

    real = checks.assert_runs_close
    modules = [checks] + [importlib.import_module(f"rnnspec.properties.{m.name}")
                          for m in pkgutil.iter_modules(rnnspec.properties.__path__)]
    for module in modules:
        if getattr(module, "assert_runs_close", None) is real:
            monkeypatch.setattr(module, "assert_runs_close", runs_close_but_c_n)


def test_c_n_one_step_late_fails_matches_reference_without_gradients():
    verdicts = verify(without_gradients(), settings=RunSettings(profile="quick"),
                      select=["matches_reference", "grads_match_reference"])
    assert [(v.id, v.status) for v in verdicts] == [("matches_reference", Status.FAILED),
                                                    ("grads_match_reference", Status.SKIPPED)], verdicts
    assert verdicts[0].failure.headline.startswith("c_n: "), verdicts[0].message
    assert exit_code(verdicts) == 1


def test_only_c_n_is_wrong(monkeypatch):
    compare_without_c_n(monkeypatch)
    verdicts = verify(without_gradients(), settings=RunSettings(profile="quick"), select=CATCHERS)
    assert {v.id: v.status for v in verdicts} == dict.fromkeys(CATCHERS, Status.PASSED), [v.message for v in verdicts]


@pytest.mark.slow
@pytest.mark.parametrize("compares_c_n", [True, False])
def test_every_property_without_gradients(monkeypatch, compares_c_n):
    if not compares_c_n:
        compare_without_c_n(monkeypatch)
    verdicts = verify(without_gradients(), settings=RunSettings(profile="quick"))
    failed = sorted(v.id for v in verdicts if v.status.is_failure)
    # lstm_cell_is_unbounded_memory compares c_n itself (exactly, not through assert_runs_close): it
    # catches the defect with or without the mutant
    expected = sorted(CATCHERS + ["lstm_cell_is_unbounded_memory"]) if compares_c_n else ["lstm_cell_is_unbounded_memory"]
    assert failed == expected, [v.message for v in verdicts if v.status.is_failure]
