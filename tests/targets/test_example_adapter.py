"""The README's worked example of an adapter, examples/tensordict_adapter.py (a TensorDict-in,
TensorDict-out LSTM in the Target protocol), loads by the name it declares and passes the spec."""


import pytest

from rnnspec.spec.settings import RunSettings
from rnnspec.targets import Target, load_target
from rnnspec.running.verdicts import Status
from rnnspec.running.verifier import verify

pytest.importorskip("tensordict", reason="the example adapter needs tensordict (pip install tensordict)")

from locations import ROOT
EXAMPLE = ROOT / "examples" / "tensordict_adapter.py"
# a handful of properties, each through another part of the adapter: the weight mapping, the
# gradients back to torch's names, the PackedSequence path, the layout, a capability it lacks
SELECT = ["matches_reference", "grads_match_reference", "packed_is_each_alone", "unbatched_is_batch_of_one",
          "parameter_layout", "stack_is_composition"]


@pytest.fixture(scope="module")
def target() -> Target:
    if not EXAMPLE.is_file():
        pytest.skip(f"{EXAMPLE} is not here (an unpacked sdist carries no examples/)")
    return load_target(f"{EXAMPLE}:TARGET")


def test_the_example_is_the_target_its_name_names(target):
    assert target.name == "examples/tensordict_adapter.py:TARGET" and target.cli_args() == target.name
    assert target.like == "torch.nn.LSTM" and target.cells == ("lstm",)


def test_the_example_passes_at_the_quick_profile(target):
    verdicts = {v.id: v for v in verify(target, settings=RunSettings(profile="quick"), select=SELECT)}
    assert set(verdicts) == set(SELECT)
    for prop in SELECT[:-1]:
        assert verdicts[prop].status is Status.PASSED, verdicts[prop].message
    lacking = verdicts["stack_is_composition"]
    assert lacking.status is Status.SKIPPED and "target lacks multilayer" in lacking.reason
