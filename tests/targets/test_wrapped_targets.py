"""Drop-ins that differ from torch's layer only in parameter names or in how lengths are passed are
verified with no glue: torch's layer kept as a submodule is found automatically, ``rename`` rules
map other names, and ``lengths_argument`` calls a forward that takes padded input and lengths
(rnnspec.targets.renaming, rnnspec.targets.lengths). The drop-ins are in ``wrapped_dropins.py``."""

import argparse
import shlex
from pathlib import Path

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import wrapped_dropins
from rnnspec.spec.settings import RunSettings
from rnnspec.spec import LayerConfig, layer_layout
from rnnspec.targets import TargetError, TorchLikeTarget, load_target
from rnnspec.targets.renaming import NameMap, map_names, parse_rename
from rnnspec.running.verdicts import Status
from rnnspec.running.verifier import verify

DROPINS = str(Path(wrapped_dropins.__file__).resolve())
QUICK = RunSettings(profile="quick")
NAMES_AND_GRADS = ["matches_reference", "grads_match_reference", "parameter_layout"]
LENGTHS = ["matches_reference", "packed_is_each_alone"]


def dropin(name: str, **options):
    return load_target(f"{DROPINS}:{name}", like="torch.nn.LSTM", **options)


def statuses(target, select, settings=QUICK) -> dict:
    verdicts = verify(target, settings=settings, select=select)
    assert {v.id for v in verdicts} == set(select)
    return {v.id: (v.status, v.message) for v in verdicts}


def assert_all_pass(target, select, settings=QUICK) -> None:
    for prop, (status, message) in statuses(target, select, settings).items():
        assert status is Status.PASSED, f"{prop}: {status}\n{message}"


# --- names ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, under", [("Tagger", "lstm"), ("Encoder", "core.lstm")])
def test_torch_layer_kept_as_a_submodule_is_found_and_passes(name, under):
    target = dropin(name)
    assert_all_pass(target, NAMES_AND_GRADS)
    assert target.found_under == under and f"torch's parameters found under .{under}" in target.notes


def test_the_built_object_yields_torch_names_over_the_modules_own_tensors():
    config = LayerConfig("lstm", 2, 3, num_layers=2, bidirectional=True)
    params = {name: torch.randn(shape, dtype=torch.float64) for name, shape in layer_layout(config)}
    built = dropin("Tagger").build(config, params, dtype=torch.float64, training=True)
    assert built.found_under == "lstm" and built.module.training
    own = dict(built.module.named_parameters())
    assert [name for name, _ in built.named_parameters()] == [name for name, _ in layer_layout(config)]
    for name, p in built.named_parameters():
        assert p is own[f"lstm.{name}"] and torch.equal(p, params[name])  # the same tensor: its .grad is the module's
    assert built.eval() is built and not built.module.training


def test_two_submodules_with_torch_names_are_ambiguous_and_the_error_says_how_to_choose():
    config = LayerConfig("lstm", 2, 3)
    params = {name: torch.zeros(shape) for name, shape in layer_layout(config)}
    with pytest.raises(TargetError) as raised:
        dropin("TwoLSTMs").build(config, params, dtype=torch.float32)
    message = str(raised.value)
    assert "found under each of .dec, .enc" in message and "--rename '^dec\\.='" in message
    assert "missing ['bias_hh_l0'" in message  # the names still listed, as without detection
    # choosing one leaves the other's parameters unexpected: the layout must be torch's, nothing more
    with pytest.raises(TargetError, match=r"after --rename '\^enc\\\.=': missing \[\], unexpected \['dec\.bias_hh_l0'"):
        dropin("TwoLSTMs", rename=(("^enc\\.", ""),)).build(config, params, dtype=torch.float32)


def test_names_found_nowhere_keep_the_error_and_mention_the_flag():
    config = LayerConfig("lstm", 2, 3)
    params = {name: torch.zeros(shape) for name, shape in layer_layout(config)}
    with pytest.raises(TargetError) as raised:
        dropin("OwnNamesLSTM").build(config, params, dtype=torch.float32)
    missing = "missing ['bias_hh_l0', 'bias_ih_l0', 'weight_hh_l0', 'weight_ih_l0'], unexpected ['W_hh_0'"
    assert missing in str(raised.value)
    assert "--rename PATTERN=REPLACEMENT" in str(raised.value)


def test_name_mapping_finds_one_submodule_and_nothing_else():
    torch_names = ["weight_ih_l0", "weight_hh_l0"]
    found = map_names(["rnn.core.weight_ih_l0", "rnn.core.weight_hh_l0"], torch_names, what="t")
    assert found.found_under == "rnn.core" and found.torch_to_own["weight_hh_l0"] == "rnn.core.weight_hh_l0"
    assert map_names(torch_names, torch_names, what="t") == NameMap({n: n for n in torch_names})
    with pytest.raises(TargetError, match=r"t: missing \[\], unexpected \['aux.weight_hh_l0', .* each of the top "
                                          r"level, \.aux: say which with --rename, e\.g\. --rename '\^aux\\\.='"):
        map_names(torch_names + ["aux." + n for n in torch_names], torch_names, what="t")
    with pytest.raises(TargetError, match=r"t \(torch's names found under \.rnn\): missing \[\], unexpected \['h0'\]"):
        map_names(["rnn." + n for n in torch_names] + ["h0"], torch_names, what="t")


def test_other_names_pass_with_explicit_rename_rules():
    target = dropin("OwnNamesLSTM", rename=wrapped_dropins.OWN_NAMES_RENAME)
    assert_all_pass(target, NAMES_AND_GRADS)
    assert target.found_under is None


def test_rules_that_give_two_parameters_one_name_are_refused():
    config = LayerConfig("lstm", 2, 3)
    params = {name: torch.zeros(shape) for name, shape in layer_layout(config)}
    with pytest.raises(TargetError, match=r"several parameters get one name: \['W_ih_0', 'W_hh_0'\] -> 'weight'"):
        dropin("OwnNamesLSTM", rename=(("^W_.*", "weight"),)).build(config, params, dtype=torch.float32)


# --- lengths --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, kind", [("AbsoluteLengthsLSTM", "absolute"), ("RelativeLengthsLSTM", "relative")])
def test_a_forward_taking_lengths_passes_the_variable_length_properties(name, kind):
    assert_all_pass(dropin(name, lengths_argument="lengths", lengths_kind=kind), LENGTHS)
    # without the option it is given a PackedSequence, which it refuses: the option is what made it pass
    status, message = statuses(dropin(name), ["packed_is_each_alone"])["packed_is_each_alone"]
    assert status is Status.FAILED and "takes a padded batch and lengths=" in message


def _packed_run(target, *, batch_first: bool, lengths=(6, 5, 2)):
    """The built target and torch's LSTM with the same float64 weights on one PackedSequence."""
    config = LayerConfig("lstm", 2, 3, batch_first=batch_first)
    reference = torch.nn.LSTM(2, 3, batch_first=batch_first).double()
    module = target.build(config, dict(reference.named_parameters()), dtype=torch.float64)
    x = torch.randn((len(lengths), max(lengths), 2) if batch_first else (max(lengths), len(lengths), 2),
                    dtype=torch.float64)
    packed = pack_padded_sequence(x, list(lengths), batch_first=batch_first, enforce_sorted=False)
    (out, (h, c)), (ref_out, (ref_h, ref_c)) = module(packed, None), reference(packed, None)
    padded = [pad_packed_sequence(o, batch_first=batch_first)[0] for o in (out, ref_out)]
    return padded, (h, ref_h)


def recording(base):
    """``base`` with a forward that records the lengths it is given."""
    class Recording(base):
        seen = []

        def forward(self, input, hx=None, lengths=None):
            self.seen.append(lengths)
            return super().forward(input, hx, lengths=lengths)
    return Recording


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("base, kind", [(wrapped_dropins.AbsoluteLengthsLSTM, "absolute"),
                                        (wrapped_dropins.RelativeLengthsLSTM, "relative")])
def test_lengths_reach_the_forward_in_the_callers_row_order(base, kind, batch_first):
    factory = recording(base)
    target = TorchLikeTarget(factory, like="torch.nn.LSTM", lengths_argument="lengths", lengths_kind=kind)
    (out, ref_out), (h, ref_h) = _packed_run(target, batch_first=batch_first, lengths=(2, 6, 5))
    expected = torch.tensor([2, 6, 5]) if kind == "absolute" else torch.tensor([2, 6, 5], dtype=torch.float32) / 6
    assert factory.seen[0].dtype == expected.dtype and torch.equal(factory.seen[0], expected)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(h, ref_h)


def test_relative_lengths_truncated_instead_of_rounded_drop_a_step():
    """float32 5/6 is below 5/6: a float64 model that truncates 5/6 * 6 runs 4 steps."""
    relative = dict(lengths_argument="lengths", lengths_kind="relative")
    (out, ref_out), (h, ref_h) = _packed_run(dropin("RelativeLengthsLSTM", **relative), batch_first=False)
    torch.testing.assert_close(h, ref_h)
    (out, ref_out), (h, ref_h) = _packed_run(dropin("TruncatedRelativeLengthsLSTM", **relative), batch_first=False)
    assert torch.equal(out[4, 1], torch.zeros(3, dtype=torch.float64)) and not torch.equal(ref_out[4, 1], out[4, 1])
    assert not torch.allclose(h[:, 1], ref_h[:, 1]) and torch.allclose(h[:, 0], ref_h[:, 0])


def test_the_truncation_defect_is_caught_by_the_properties_in_the_small_tier():
    """Only k=5 of T=6 in float64 shows it among the small tier's cases (T <= 6), so it takes many examples."""
    target = dropin("TruncatedRelativeLengthsLSTM", lengths_argument="lengths", lengths_kind="relative")
    caught = []
    for seed in range(4):
        result = statuses(target, LENGTHS, RunSettings(seed=seed, max_examples=50, dtype="float64", tiers=("small",)))
        caught = [(prop, message) for prop, (status, message) in result.items() if status is Status.FAILED]
        if caught:
            break
        assert all(status is Status.PASSED for status, _ in result.values()), result
    assert caught, "no seed in 0..3 caught relative lengths truncated to steps"
    assert "seq_len=6" in caught[0][1] and "dtype='float64'" in caught[0][1], caught


# --- refused when made, with messages that name what is wrong -------------------------------------

@pytest.mark.parametrize("options, message", [
    (dict(rename=(("^lstm[", ""),)), r"rename rule '\^lstm\[' -> '': '\^lstm\[' is not a regular expression"),
    (dict(rename=(("^(lstm)\\.", r"\2"),)), r"'\\\\2' is not a replacement for"),
    (dict(rename=(("a=b", ""),)), "the pattern contains '='"),
    (dict(rename=("^lstm\\.",)), "is not a \\(pattern, replacement\\) pair of strings"),
    (dict(rename="^lstm\\."), "must be a sequence of \\(pattern, replacement\\) pairs"),
    (dict(lengths_argument="lengths", lengths_kind="fraction"),
     r"lengths_kind='fraction' is not one of \['absolute', 'relative'\]"),
    (dict(lengths_kind="relative"), "lengths_kind='relative' without lengths_argument"),
    (dict(lengths_argument="seq lens"),
     "lengths_argument='seq lens' must be the name of the forward's lengths argument"),
])
def test_bad_options_are_refused_when_made(options, message):
    with pytest.raises(TargetError, match=message):
        dropin("AbsoluteLengthsLSTM", **options)


def test_a_lengths_argument_the_forward_does_not_take_is_refused_naming_its_parameters():
    with pytest.raises(TargetError) as raised:
        dropin("NoLengthsLSTM", lengths_argument="lengths")
    assert "NoLengthsLSTM.forward(input, hx) takes no keyword argument 'lengths', which --lengths-arg lengths names" \
        in str(raised.value)
    with pytest.raises(TargetError, match=r"AbsoluteLengthsLSTM.forward\(input, hx, lengths\) takes no keyword "
                                          r"argument 'seq_lens'"):
        dropin("AbsoluteLengthsLSTM", lengths_argument="seq_lens")


def test_a_factory_is_checked_when_built():
    target = TorchLikeTarget(lambda *a, **k: wrapped_dropins.NoLengthsLSTM(*a, **k), like="torch.nn.LSTM", name="f",
                             lengths_argument="lengths")
    config = LayerConfig("lstm", 2, 3)
    with pytest.raises(TargetError, match="takes no keyword argument 'lengths'"):
        target.build(config, {n: torch.zeros(s) for n, s in layer_layout(config)}, dtype=torch.float32)


def test_options_that_cannot_apply_are_refused():
    with pytest.raises(TargetError, match="only a layer takes variable-length batches"):
        load_target("torch.nn.LSTMCell", lengths_argument="lengths")
    with pytest.raises(TargetError, match="drop --rename and --lengths-arg"):
        load_target("torch.nn.utils.clip_grad_norm_", rename=(("a", "b"),), lengths_argument="n")
    with pytest.raises(TargetError, match="declares its own like and cells .* drop --lengths-kind"):
        load_target("rnnspec.targets.adapters.torch_compile:TracedLSTM", lengths_kind="relative")


# --- the replay command types back to the same target ---------------------------------------------

def typed_back(cli_args: str):
    """What ``rnnspec verify CLI_ARGS`` loads, with the flags the CLI adds for these options."""
    parser = argparse.ArgumentParser()
    parser.add_argument("target")
    parser.add_argument("--like")
    parser.add_argument("--variant")
    parser.add_argument("--rename", action="append", type=parse_rename, default=[])
    parser.add_argument("--lengths-arg")
    parser.add_argument("--lengths-kind", default="absolute")
    args = parser.parse_args(shlex.split(cli_args))
    return load_target(args.target, like=args.like, cells=tuple(args.variant.split(",")) if args.variant else None,
                       rename=tuple(args.rename), lengths_argument=args.lengths_arg, lengths_kind=args.lengths_kind)


@pytest.mark.parametrize("name, options", [
    ("OwnNamesLSTM", dict(rename=wrapped_dropins.OWN_NAMES_RENAME)),
    ("Tagger", dict(rename=(("^lstm\\.", ""), ("x y", "'\"$`"), ("q", "a=b=c")))),
    ("RelativeLengthsLSTM", dict(lengths_argument="lengths", lengths_kind="relative")),
    ("AbsoluteLengthsLSTM", dict(lengths_argument="lengths")),
    ("Tagger", {}),
])
def test_cli_args_round_trip(name, options):
    target = dropin(name, **options)
    again = typed_back(target.cli_args())
    assert again.declaration == target.declaration
    assert (again.rename, again.lengths_argument, again.lengths_kind) == \
           (target.rename, target.lengths_argument, target.lengths_kind), target.cli_args()


def test_cli_args_spell_the_flags():
    target = TorchLikeTarget(wrapped_dropins.RelativeLengthsLSTM, like="torch.nn.LSTM", name="my lstm.py:LSTM",
                             rename=(("^lstm\\.", ""),), lengths_argument="lengths", lengths_kind="relative")
    assert target.cli_args() == ("'my lstm.py:LSTM' --like torch.nn.LSTM --rename '^lstm\\.=' --lengths-arg lengths "
                                 "--lengths-kind relative")
    assert load_target("torch.nn.LSTM", rename=(("^lstm\\.", ""),)).cli_args() == "torch.nn.LSTM --rename '^lstm\\.='"


def test_parse_rename_splits_at_the_first_equals_sign():
    assert parse_rename("^rnn\\.weight_ih=weight_ih") == ("^rnn\\.weight_ih", "weight_ih")
    assert parse_rename("x=a=b") == ("x", "a=b")
    with pytest.raises(ValueError, match="--rename 'lstm' has no '='; write PATTERN=REPLACEMENT"):
        parse_rename("lstm")
