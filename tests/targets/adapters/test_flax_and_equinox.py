"""The JAX adapters (Flax linen, Flax nnx, Equinox): faithful mappings pass, including gradients
through jax.vjp; a wrong mapping is caught (so the adapter path can fail); nnx's GRU, which has no
b_hn, is reported as differing from torch's GRU, and the replay command it prints reproduces it."""

import argparse
import importlib.util
import shlex

import pytest

from rnnspec.interfaces import options
from rnnspec.spec.settings import RunSettings
from rnnspec.spec.scale import TIERS
from rnnspec.running.verifier import verify

pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("jax", "flax", "equinox")),
    reason="jax, flax and equinox are not installed (pip install rnnspec[jax]; .ci/run installs them)")

LAYER_CHECKS = ["matches_reference", "grads_match_reference", "packed_is_each_alone",
                "bidirectional_is_forward_plus_flipped_reverse", "float32_agrees_with_float64"]
CELL_CHECKS = ["cell_matches_reference", "cell_grads_match_reference", "cell_unbatched_is_batch_of_one"]


def _statuses(target, select, max_examples=None):
    settings = RunSettings(profile="quick", max_examples=max_examples)
    return {v.id: (v.status, v.message) for v in verify(target, select=select, settings=settings)}


@pytest.mark.slow  # layers through nn.RNN / nnx.RNN compile per shape: ~30 s
@pytest.mark.parametrize("name", ["flax_linen:GRU", "flax_nnx:OptimizedLSTM"])
def test_faithful_layers_pass(name):
    from rnnspec.targets import load_target

    got = _statuses(load_target(f"rnnspec.targets.adapters.{name}"), LAYER_CHECKS, max_examples=3)
    assert {k: s for k, (s, _) in got.items()} == dict.fromkeys(LAYER_CHECKS, "passed"), got


@pytest.mark.slow  # JAX compiles per shape: the adapters' sweeps are the slow tier's
@pytest.mark.parametrize("name", ["equinox:GRUCell", "flax_linen:LSTMCell", "flax_nnx:SimpleCell", "equinox:LSTMCell"])
def test_faithful_cells_pass(name):
    from rnnspec.targets import load_target

    got = _statuses(load_target(f"rnnspec.targets.adapters.{name}"), CELL_CHECKS, max_examples=4)
    assert {k: s for k, (s, _) in got.items()} == dict.fromkeys(CELL_CHECKS, "passed"), got


@pytest.mark.slow  # JAX compiles per shape
def test_a_wrong_weight_mapping_is_caught(monkeypatch):
    from rnnspec.targets.adapters import flax_linen

    faithful = flax_linen.linen_params

    def swapped(kind, params, tail):  # the r and z kernels exchanged: a plausible porting slip
        mapped = faithful(kind, params, tail)
        mapped["ir"]["kernel"], mapped["iz"]["kernel"] = mapped["iz"]["kernel"], mapped["ir"]["kernel"]
        return mapped

    monkeypatch.setattr(flax_linen, "linen_params", swapped)
    fresh = flax_linen.FlaxLinen(name="rnnspec.targets.adapters.flax_linen:GRU", subject="layer", cell="gru")
    got = _statuses(fresh, ["matches_reference"])  # a fresh target: nothing cached
    assert got["matches_reference"][0] == "failed" and "differ beyond the tolerance" in got["matches_reference"][1]


@pytest.mark.slow
def test_nnx_gru_lacks_b_hn_and_is_reported_and_the_replay_reproduces_it():
    from rnnspec.targets import load_target
    from rnnspec.targets.adapters import flax_nnx

    got = _statuses(flax_nnx.GRUCell, ["cell_matches_reference"])
    status, message = got["cell_matches_reference"]
    assert status == "failed" and "h'" in message
    assert "replay: rnnspec verify rnnspec.targets.adapters.flax_nnx:GRUCell" in message
    replay = next(line.split("replay: ", 1)[1] for line in message.splitlines() if "replay: " in line)
    parser = argparse.ArgumentParser()
    for option in ("--like", "--variant", "--select", "--profile", "--dtype"):
        parser.add_argument(option)
    parser.add_argument("--tiers", type=options.tiers, default=TIERS)
    parser.add_argument("target")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--max-examples", type=int)
    args = parser.parse_args(shlex.split(replay.removeprefix("rnnspec verify ")))
    target = load_target(args.target, like=args.like, cells=tuple(args.variant.split(",")) if args.variant else None)
    again = verify(target, select=[args.select], settings=RunSettings(
        seed=args.seed, profile=args.profile, max_examples=args.max_examples, dtype=args.dtype, tiers=args.tiers))
    assert [(v.id, v.status, v.message) for v in again] == [("cell_matches_reference", status, message)]
