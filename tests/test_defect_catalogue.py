"""The suite's power on drop-ins written without rnnspec (tests/dropins): every planted defect in
the catalogue is caught by `rnnspec verify` with no adapter code, and the faithful drop-ins raise
no false alarm over several seeds. `python tests/dropins/measure_power.py` measures how many
examples each defect needs."""

from pathlib import Path

import pytest

from rnnspec.targets import load_target
from rnnspec.verifier import verify
from rnnspec.settings import RunSettings

DROPINS = Path(__file__).resolve().parent / "dropins"

import sys  # noqa: E402

sys.path.insert(0, str(DROPINS))
from defects import CATALOGUE, FAITHFUL  # noqa: E402


def test_the_catalogue_covers_every_kind_of_mistake():
    kinds = {kind.split(":")[0] for _, _, kind in CATALOGUE}
    assert len(CATALOGUE) >= 30
    assert kinds >= {"gate order", "bias handling", "activation", "GRU reset placement", "GRU update-gate convention",
                     "hidden forget-gate offset", "cell clipping", "projection", "direction", "variable lengths",
                     "initial state", "dropout in eval", "coupling between batch rows", "silent precision loss",
                     "state kept between calls", "input mutation", "stacked-layer wiring", "order of returned states",
                     "clipping"}


@pytest.mark.parametrize("name, like, kind", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_planted_defect_is_caught(name, like, kind):
    # every defect is caught within 8 examples per property (measure_power.py), so the quick profile suffices
    verdicts = verify(load_target(f"{DROPINS / 'defects.py'}:{name}", like=like), settings=RunSettings(profile="quick"))
    caught = [v for v in verdicts if v.status in ("failed", "error")]
    assert caught, f"{name} ({kind}) passed every property: " + ", ".join(v.id for v in verdicts)
    assert all("replay: rnnspec verify" in v.message for v in caught)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name, like", FAITHFUL, ids=[f[0] for f in FAITHFUL])
def test_faithful_dropins_raise_no_false_alarm(name, like, seed):
    verdicts = verify(load_target(f"{DROPINS / 'independent.py'}:{name}", like=like), settings=RunSettings(profile="quick", seed=seed))
    bad = [v for v in verdicts if v.status not in ("passed", "skipped")]
    assert not bad, "\n".join(v.message for v in bad)
