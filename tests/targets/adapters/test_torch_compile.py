"""TorchScript-traced and torch.compile'd torch modules as targets: they pass, the traced graph is
reused on other shapes than it was traced on, and compilation really happens (not an eager
fallback), also when rnnspec calls the target from its timeout thread."""

import pytest
import torch

from rnnspec.spec import LayerConfig
from rnnspec.spec.settings import RunSettings
from rnnspec.targets.adapters import torch_compile
from rnnspec.running.verifier import verify


def _statuses(target, select, **settings):
    return {v.id: v.status for v in verify(target, select=select, settings=RunSettings(**settings))}


def test_traced_layer_generalises_to_other_shapes():
    config = LayerConfig("lstm", 3, 4, num_layers=2, batch_first=True)
    module = torch.nn.LSTM(3, 4, num_layers=2, batch_first=True)
    built = torch_compile.TracedLSTM.build(config, dict(module.named_parameters()), dtype=torch.float32)
    x = torch.randn(2, 5, 3)
    out, _ = built(x)
    traced = built.traced[(3, 0)]
    assert isinstance(traced, torch.jit.ScriptModule)
    assert "Float(3, 6, 3" in traced.graph.str()  # traced on one more row and step than the call
    torch.testing.assert_close(out, module(x)[0])


@pytest.mark.slow  # torch.compile's Inductor compiles per shape
def test_traced_and_compiled_targets_pass():
    select = ["matches_reference", "grads_match_reference", "cell_matches_reference", "cell_grads_match_reference"]
    for target in (torch_compile.TracedLSTM, torch_compile.TracedGRUCell, torch_compile.CompiledGRU):
        assert set(_statuses(target, select, profile="quick").values()) == {"passed"}, target.name
    assert set(_statuses(torch_compile.CompiledLSTMCell, select, max_examples=2).values()) == {"passed"}


def test_unrolled_compile_compiles_in_the_timeout_thread():
    from torch._dynamo.utils import counters

    counters.clear()  # other tests compile GRUs without allow_rnn, which counts a graph break
    got = _statuses(torch_compile.CompiledUnrolledGRU, ["matches_reference"], max_examples=2, timeout=300)
    assert got == {"matches_reference": "passed"}
    assert counters["stats"]["unique_graphs"] >= 1 and not any("wrap RNN" in k for k in counters["graph_break"])
