"""The suite's own power: each planted defect is caught, by the property expected to catch it,
with a replay command that reproduces the failure; the faithful copies raise no false alarm."""

import re
import shlex
from pathlib import Path

import pytest

from planted_defects import DEFECTS
from rnnspec import cli
from rnnspec.targets import load_target
from rnnspec.verifier import verify
from rnnspec.settings import RunSettings

HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize("name, like, catcher", DEFECTS, ids=[d[0] for d in DEFECTS])
def test_planted_defect_is_caught(name, like, catcher, capsys):
    target = load_target(f"{HERE / 'planted_defects.py'}:{name}", like=like)
    verdicts = {v.id: v for v in verify(target, settings=RunSettings(profile="default"))}
    caught = verdicts[catcher]
    assert caught.status == "failed", f"{name} was not caught by {catcher}: {caught}"
    assert "case: " in caught.message and "replay: rnnspec verify" in caught.message, caught.message

    replay = re.search(r"replay: (rnnspec verify .*)", caught.message).group(1)
    assert cli.main(shlex.split(replay)[1:]) == 1, f"replaying {replay!r} did not fail again"
    assert f"FAILED  {catcher}" in capsys.readouterr().out


@pytest.mark.parametrize(
    "name, like, variant",
    [("LSTM", "torch.nn.LSTM", None), ("GRU", "torch.nn.GRU", None), ("RNN", "torch.nn.RNN", None),
     ("LSTMCell", "torch.nn.LSTMCell", None), ("GRUCell", "torch.nn.GRUCell", None)],
)
def test_faithful_reference_modules_pass(name, like, variant):
    target = load_target(f"reference_impls.torch_modules:{name}", like=like)
    verdicts = verify(target, settings=RunSettings(profile="quick"))
    bad = [v for v in verdicts if v.status != "passed"]
    assert not bad, "\n".join(v.message for v in bad)
