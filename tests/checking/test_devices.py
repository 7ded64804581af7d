"""`--device`: the target on a device, the references and comparisons on the CPU. Without a GPU
the CPU runs the same path (the module moved and wrapped, every call's tensors moved in and out);
the CUDA tests run where CUDA is and are skipped, saying so, where it is not."""

import json

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from rnnspec.interfaces import cli
from rnnspec.checking.devices import OnDevice, to_device
from rnnspec.spec.settings import check_device
from rnnspec.checking.calls import build
from rnnspec.spec.settings import RunSettings, activated
from rnnspec.targets import load_target
from rnnspec.running.verdicts import Status
from rnnspec.running.verifier import verify

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here (torch's CPU build or no GPU)")
SELECT = ["matches_reference", "grads_match_reference", "packed_is_each_alone", "inputs_not_mutated",
          "stateless_between_calls", "cell_matches_reference", "cell_grads_match_reference"]


def _passed(name, device, **settings):
    verdicts = verify(load_target(name), settings=RunSettings(profile="quick", device=device, **settings), select=SELECT)
    assert verdicts and all(v.status in (Status.PASSED, Status.SKIPPED) for v in verdicts), \
        [v.message for v in verdicts if v.status is not Status.PASSED]
    return verdicts


@pytest.mark.parametrize("name", ["torch.nn.LSTM", "torch.nn.GRUCell"])
def test_properties_pass_through_the_device_path_on_the_cpu(name):
    assert any(v.status is Status.PASSED for v in _passed(name, "cpu"))


def test_build_wraps_the_module_on_the_device_and_calls_return_cpu_tensors():
    from rnnspec.cases import LayerCase
    from rnnspec.spec import LayerConfig

    case = LayerCase(config=LayerConfig("lstm", 3, 4), dtype="float32", batch=2, seq_len=3, lengths=None,
                     unbatched=False, with_state=False, seed=0, scale=1.0)
    with activated(RunSettings(device="cpu")):
        module = build(load_target("torch.nn.LSTM"), case)
    assert isinstance(module, OnDevice) and module.device == "cpu"
    x = torch.randn(3, 2, 3, requires_grad=True)
    out, (h, c) = module(x)
    assert out.device.type == h.device.type == "cpu"
    out.sum().backward()
    assert x.grad is not None and all(p.grad is not None for _, p in module.named_parameters())
    with activated(RunSettings()):
        assert not isinstance(build(load_target("torch.nn.LSTM"), case), OnDevice)


def test_to_device_moves_floats_and_packed_sequences_and_keeps_lengths():
    packed = pack_padded_sequence(torch.randn(3, 2, 1), [3, 1], enforce_sorted=False)
    lengths = torch.tensor([3, 1])
    moved = to_device((packed, lengths, [torch.ones(2)], None), "cpu")
    assert moved[1] is lengths and moved[3] is None and isinstance(moved[2], list)
    assert torch.equal(moved[0].data, packed.data)


def test_unknown_or_unavailable_devices_are_one_line_errors(capsys):
    assert check_device("cpu") == "cpu"
    with pytest.raises(ValueError, match="not a device torch knows"):
        check_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available here"):
            check_device("cuda")
        for command in (["verify", "torch.nn.LSTM", "--device", "cuda"],
                        ["bench", "torch.nn.LSTM", "--device", "cuda", "--size", "2,3,4,5"]):
            assert cli.main(command) == 2
            err = capsys.readouterr().err
            assert "CUDA is not available here" in err and len(err.strip().splitlines()) == 1
    assert cli.main(["verify", "torch.nn.utils.clip_grad_norm_", "--device", "cpu"]) == 2
    assert "runs layers and cells" in capsys.readouterr().err


def test_replay_names_the_device():
    assert RunSettings(device="cpu").replay_options().endswith("--device cpu")
    assert "--device" not in RunSettings().replay_options()


def test_bench_on_a_named_device_reports_it(tmp_path, monkeypatch):
    import rnnspec.interfaces.bench

    measure = rnnspec.interfaces.bench.measure_peak_gflops  # the device's peak from one small product: its path, not its value
    monkeypatch.setattr(rnnspec.interfaces.bench, "measure_peak_gflops", lambda device="cpu": measure(device, n=256, repeats=1))
    out = tmp_path / "bench.json"
    assert cli.main(["bench", "torch.nn.GRU", "--device", "cpu", "--size", "2,3,4,5", "--repeats", "1",
                     "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["machine"]["device"] == "cpu"
    assert [r["status"] for r in report["results"]] == ["measured", "measured"]


@CUDA
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_builtins_pass_on_cuda(dtype):
    _passed("torch.nn.LSTM", "cuda", dtype=dtype)


@CUDA
def test_bench_on_cuda(tmp_path):
    out = tmp_path / "bench.json"
    assert cli.main(["bench", "torch.nn.LSTM", "--device", "cuda", "--size", "8,10,32,32", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["machine"]["gpu"] and all(r["status"] == "measured" for r in report["results"])
