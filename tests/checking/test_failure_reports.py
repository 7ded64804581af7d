"""Failures you can act on: every distinct failure its own entry with its own shrunk case; an
exception attributed to where it was raised (the target, rnnspec, the environment), always with
the case; what the target prints summarised on the verdict; a broken module in sys.modules
mended or reported as the environment's fault."""

import sys
import types

import pytest
import torch

from rnnspec.spec.settings import RunSettings
from rnnspec.targets import TorchLikeTarget
from rnnspec.running.verifier import verify


class TwoDefectsLSTM(torch.nn.LSTM):
    """Raises when batch_first, and scales its output elsewhere: two distinct failures."""

    def forward(self, input, hx=None):
        if self.batch_first:
            raise ValueError("batch_first is broken")
        out, state = super().forward(input, hx)
        if isinstance(out, torch.nn.utils.rnn.PackedSequence):
            return out._replace(data=out.data * 1.5), state
        return out * 1.5, state


class AssertsInside(torch.nn.GRU):
    def forward(self, input, hx=None):
        data = input.data if isinstance(input, torch.nn.utils.rnn.PackedSequence) else input
        assert data.shape[-1] > 1, "the kernel needs at least two features"
        return super().forward(input, hx)


class Chatty(torch.nn.GRUCell):
    def forward(self, input, hx=None):
        print("forward called with", tuple(input.shape))
        return super().forward(input, hx)


def _one(target_class, like, select, **settings):
    (v,) = verify(TorchLikeTarget(target_class, like=like, name=f"tests.x:{target_class.__name__}"),
                  settings=RunSettings(profile="quick", **settings), select=[select])
    return v


def test_each_distinct_failure_is_its_own_entry_with_its_own_case():
    v = _one(TwoDefectsLSTM, "torch.nn.LSTM", "matches_reference", max_examples=25)
    assert v.status == "failed" and len(v.failures) == 2, v.message
    origins = sorted(f.origin for f in v.failures)
    assert origins == ["property", "target"], v.message
    raised = next(f for f in v.failures if f.origin == "target")
    assert "ValueError: batch_first is broken" in raised.headline and "batch_first=True" in raised.case
    assert all(f.case and f.replay for f in v.failures)
    assert "distinct failure 1 of 2" in v.message and "Hypothesis found" not in v.message


def test_an_assertion_inside_the_target_is_the_targets_with_the_case():
    v = _one(AssertsInside, "torch.nn.GRU", "matches_reference")
    assert v.status == "failed" and v.failure.origin == "target", v.message
    assert v.failure.headline.startswith("AssertionError: the kernel needs at least two features")
    assert "input_size=1" in v.failure.case and v.failure.replay
    assert "the target raised AssertionError" in v.message and "raised at: test_failure_reports.py" in v.message


def test_what_the_target_prints_is_summarised_not_interleaved(capsys):
    v = _one(Chatty, "torch.nn.GRUCell", "cell_matches_reference")
    # the quick profile: 8 small, 2 realistic and 1 example of each of the 5 magnitude regimes, one call each
    assert v.status == "passed" and v.printed.startswith("the target printed 15 lines while the property ran")
    assert "| forward called with" in v.printed and "more lines" in v.printed
    assert "forward called" not in capsys.readouterr().out


class _Lazy(types.ModuleType):
    def __getattr__(self, name):
        raise ImportError(f"{self.__name__}.{name} needs an optional dependency")


class _Unmendable(types.ModuleType):
    def __getattribute__(self, name):
        if name == "__file__":
            raise ImportError("cannot be read")
        return super().__getattribute__(name)


@pytest.fixture
def module_in_sys_modules():
    names = []

    def add(module):
        sys.modules[module.__name__] = module
        names.append(module.__name__)
        # Hypothesis remembers the modules it has read by id(); a module freed earlier in the session can
        # leave its id to this one, which Hypothesis would then never read (the test passed alone and
        # failed in CI's full run). Forget the id, so the module is new to Hypothesis as it is to us.
        from hypothesis.internal.conjecture import providers
        getattr(providers, "_seen_modules", set()).discard(id(module))
        return module

    yield add
    for name in names:
        sys.modules.pop(name, None)


def test_a_lazy_module_that_breaks_hypothesis_is_mended(module_in_sys_modules):
    lazy = module_in_sys_modules(_Lazy("rnnspec_test_lazy_integration"))
    v = _one(torch.nn.GRUCell, "torch.nn.GRUCell", "cell_matches_reference")
    assert v.status == "passed", v.message
    assert lazy.__dict__["__file__"] is None


def test_a_module_that_cannot_be_mended_cannot_break_a_run(module_in_sys_modules):
    # Hypothesis reads the loaded modules' constants (and so their __file__) only for its mined
    # constants, which rnnspec's runs do without (rnnspec.spec.profiles.independent_of_loaded_code:
    # a run depends on its seed, not on what is imported): a module whose __file__ raises is never read
    module_in_sys_modules(_Unmendable("rnnspec_test_unmendable"))
    module_in_sys_modules(types.ModuleType("rnnspec_test_plain"))  # Hypothesis would look again when the count changes
    v = _one(torch.nn.GRUCell, "torch.nn.GRUCell", "cell_matches_reference", max_examples=25)
    assert v.status == "passed", v.message
