"""Target declarations: checked when made (a misspelt subject, cell, capability or like is an error
naming it), every shipped target's replay arguments type back to the same target, options that
cannot apply are refused, and built objects provide what the protocol promises."""

import argparse
import shlex

import pytest
import torch

from rnnspec.spec import CellConfig, LayerConfig, cell_layout, layer_layout
from rnnspec.targets import (DEFAULT_TARGETS, Declaration, FUNCTION_LIKES, LIKES, Target, TargetError,
                             TorchLikeTarget, default_targets, load_target)
from rnnspec.targets.adapters import ADAPTER_MODULES, targets_of


def typed_back(cli_args: str) -> Target:
    """What ``rnnspec verify CLI_ARGS`` loads: the arguments split as a shell splits them."""
    parser = argparse.ArgumentParser()
    parser.add_argument("target")
    parser.add_argument("--like")
    parser.add_argument("--variant")
    args = parser.parse_args(shlex.split(cli_args))
    return load_target(args.target, like=args.like, cells=tuple(args.variant.split(",")) if args.variant else None)


def assert_types_back(target: Target) -> None:
    again = typed_back(target.cli_args())
    assert again.declaration == target.declaration, (target.cli_args(), again.declaration, target.declaration)


def adapter_targets(module: str) -> dict[str, Target]:
    try:
        return targets_of(module)
    except ImportError as e:
        pytest.skip(f"rnnspec.targets.adapters.{module} does not import here: {e}")


# --- declarations are checked when made ---------------------------------------------------------

@pytest.mark.parametrize("fields, message", [
    (dict(subject="layr"), "subject='layr' of target 'x' is not a subject; expected one of ['layer', 'cell'"),
    (dict(cells=("lstm", "lstmm")), "cells=('lstmm',) of target 'x': not cell kinds; expected some of ['rnn_tanh'"),
    (dict(capabilities={"bidirectionl", "grad"}), "capabilities={'bidirectionl'} of target 'x': "
                                                   "not capabilities of a layer target; expected some of ['batch_first'"),
    (dict(subject="cell", capabilities={"multilayer"}),
     "capabilities={'multilayer'} of target 'x': not capabilities of a cell target"),
    (dict(like="torch.nn.LSTMM"), "like='torch.nn.LSTMM' is not a torch recurrent built-in"),
    (dict(like="torch.nn.LSTMCell"), "like='torch.nn.LSTMCell' of target 'x': a drop-in for it is a cell target"),
    (dict(cells=()), "cells=() of target 'x': a layer target computes at least one cell kind"),
    (dict(cells="lstm"), "cells='lstm' of target 'x' is one string; give a collection of names, e.g. ('lstm',)"),
    (dict(subject="clip_norm"), "cells=('lstm',) of target 'x': a clip_norm target computes no cells"),
    (dict(subject="residual", cells=(), capabilities={"float64"}), "a residual target has none"),
    (dict(name=""), "name='' must be what a user types"),
])
def test_a_misspelt_declaration_is_an_error_naming_it(fields, message):
    declared = dict(name="x", subject="layer", cells=("lstm",), capabilities={"grad"})
    with pytest.raises(ValueError) as raised:
        Declaration(**{**declared, **fields})
    assert message in str(raised.value)


def test_a_declaration_is_frozen_and_normalised():
    d = Declaration(name="x", subject="cell", cells=["gru"], capabilities=["grad", "grad"])
    assert d.cells == ("gru",) and d.capabilities == frozenset({"grad"})
    with pytest.raises(AttributeError):
        d.name = "y"


def test_every_target_is_declared_and_its_fields_cannot_be_reassigned():
    target = TorchLikeTarget(torch.nn.GRU, like="torch.nn.GRU", capabilities={"grad"})
    assert target.capabilities == {"grad"} and target.name == "torch.nn.modules.rnn:GRU"
    with pytest.raises(AttributeError):
        target.name = "other"
    with pytest.raises(ValueError, match=r"capabilities=\{'bidirectinal'\}"):
        TorchLikeTarget(torch.nn.GRU, like="torch.nn.GRU", capabilities={"grad", "bidirectinal"})
    with pytest.raises(ValueError, match=r"cells=\('gru_reset_befor',\)"):
        TorchLikeTarget(torch.nn.GRU, like="torch.nn.GRU", cells=("gru_reset_befor",))

    class Undeclared(Target):
        def __init__(self):
            pass

        def build(self, config, params, *, dtype, training=False):
            return None

    with pytest.raises(TypeError, match="must call super"):
        Undeclared().name  # noqa: B018


# --- replay arguments type back -------------------------------------------------------------------

@pytest.mark.parametrize("module", ADAPTER_MODULES)
def test_every_adapter_target_types_back(module):
    targets = adapter_targets(module)
    assert targets, module
    for name, target in targets.items():
        assert target.name == f"rnnspec.targets.adapters.{module}:{name}" and target.cli_args() == target.name
        assert typed_back(target.cli_args()) is target
        assert isinstance(target.declaration, Declaration)


def test_default_targets_and_torch_builtins_type_back():
    targets = default_targets()
    assert len(targets) == len(DEFAULT_TARGETS)
    for target in targets + [load_target(like) for like in LIKES + tuple(f for f in FUNCTION_LIKES if "." in f)]:
        assert_types_back(target)
    # a drop-in made in code: named by default as `module:qualname`, or by a name that needs quoting
    assert_types_back(TorchLikeTarget(torch.nn.GRUCell, like="torch.nn.GRUCell"))
    relu = TorchLikeTarget(torch.nn.RNN, like="torch.nn.RNN", name="torch.nn.modules.rnn:RNN", cells=("rnn_relu",))
    assert relu.cli_args() == "torch.nn.modules.rnn:RNN --like torch.nn.RNN --variant rnn_relu"
    assert_types_back(relu)
    assert shlex.split(TorchLikeTarget(torch.nn.GRU, like="torch.nn.GRU", name="my dir/gru.py:GRU").cli_args())[0] \
        == "my dir/gru.py:GRU"


def test_module_level_names_are_the_mapping():
    from rnnspec.targets.adapters import torch_compile

    assert torch_compile.TracedLSTM is torch_compile.TARGETS["TracedLSTM"]
    with pytest.raises(AttributeError, match="has no attribute 'TracedLSMT'"):
        torch_compile.TracedLSMT  # noqa: B018
    with pytest.raises(ValueError, match="not an adapter module; expected one of"):
        targets_of("keras3")


# --- options that cannot apply are refused ------------------------------------------------------

@pytest.mark.parametrize("like, cells, refused", [
    ("torch.nn.LSTM", None, "drop --like"),
    (None, ("lstm",), "drop --variant"),
    ("torch.nn.LSTM", ("lstm",), "drop --like and --variant"),
])
def test_like_and_variant_of_a_declared_target_are_refused(like, cells, refused):
    with pytest.raises(TargetError, match="declares its own like and cells") as raised:
        load_target("rnnspec.targets.adapters.torch_compile:TracedLSTM", like=like, cells=cells)
    assert refused in str(raised.value)


def test_variant_of_a_function_is_refused():
    with pytest.raises(TargetError, match="computes no cells; drop --variant"):
        load_target("torch.nn.utils.clip_grad_norm_", cells=("lstm",))


# --- built objects provide what the protocol promises -------------------------------------------

@pytest.mark.parametrize("module", [pytest.param(m, marks=pytest.mark.slow) if m in ("flax_nnx", "flax_linen", "equinox")
                                    else m for m in ADAPTER_MODULES])  # JAX's: slow tier
def test_built_objects_have_named_parameters_where_claimed(module):
    """Where a target claims ``parameters``, ``named_parameters()`` yields torch's names and shapes
    holding the given weights (the leaves gradients are read from)."""
    for target in adapter_targets(module).values():
        if "parameters" not in target.capabilities:
            continue
        config = (LayerConfig(target.cells[0], 2, 3, num_layers=2) if target.subject == "layer"
                  else CellConfig(target.cells[0], 2, 3))
        layout = layer_layout(config) if target.subject == "layer" else cell_layout(config)
        params = {name: torch.randn(shape) for name, shape in layout}
        built = target.build(config, params, dtype=torch.float32)
        got = dict(built.named_parameters())
        assert {n: tuple(p.shape) for n, p in got.items()} == dict(layout), target.name
        for name, p in got.items():
            torch.testing.assert_close(p.detach(), params[name], msg=f"{target.name}: {name}")
