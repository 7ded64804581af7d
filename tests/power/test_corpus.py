"""The corpus (tests/corpus/README.md): real RNN code nobody here wrote, verified with command-line
flags only, no glue, and every failure it reports confirmed without rnnspec.

Per corpus target: ``rnnspec verify TARGET FLAGS --profile quick --tiers small --json --xfails
tests/corpus/xfails/NAME.txt`` exits 0 (every failure is a known finding); each xfailed failure is
explained by a finding whose script, named in the xfails entry's reason, reproduces it against
torch with the same weights and no rnnspec (exit 0); so does every option left out (probed out or
``--lacks``); a failure's replay, without the xfails, fails again (exit 1). No verdict of the corpus
reads as Hypothesis' bare summary ("Hypothesis found N distinct failures", an ExceptionGroup; the
planted catalogue's verdicts are checked for it in tests/power/test_planted_defects.py). The slow tier:
torchrl and tensordict are needed for the torchrl targets (skipped, with the reason, without them),
fbgemm for the int8 ones.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Callable

import pytest
import torch

from rnnspec.interfaces import options
from rnnspec.spec import LayerConfig, layer_layout
from rnnspec.targets import TargetError, load_target, resolve

pytestmark = pytest.mark.slow

from locations import CORPUS
VERIFY = (sys.executable, "-m", "rnnspec", "verify")  # `rnnspec verify`, from this interpreter
BARE = ("Hypothesis found", "ExceptionGroup")  # what no verdict may read as

# The four rename rules of torch.ao.nn.quantizable.LSTM: its names -> torch's
QUANTIZABLE_RENAME = (
    r"^layers\.(\d+)\.layer_fw\.cell\.igates\.(weight|bias)$=\2_ih_l\1",
    r"^layers\.(\d+)\.layer_fw\.cell\.hgates\.(weight|bias)$=\2_hh_l\1",
    r"^layers\.(\d+)\.layer_bw\.cell\.igates\.(weight|bias)$=\2_ih_l\1_reverse",
    r"^layers\.(\d+)\.layer_bw\.cell\.hgates\.(weight|bias)$=\2_hh_l\1_reverse",
)


@dataclass(frozen=True)
class Finding:
    kind: str  # "defect", "API deviation", "by design" (real, inherent to the method) or "limitation"
    explains: Callable[[dict], bool]  # whether a failure's case (its fields, and "property") is one it produces


def _proj(case):
    return case.get("proj_size", 0) > 0


def _constructor(case):
    return case["kind"] == "ConstructorCase"


# confirm script (tests/corpus/) -> the finding it reproduces without rnnspec
FINDINGS: dict[str, Finding] = {
    "confirm_torchrl_LSTM_proj_size_ignores_weight_hr.py": Finding("defect", _proj),
    "confirm_torchrl_LSTMModule_python_based_proj_size.py": Finding("defect", _proj),
    "confirm_torchrl_LSTM_positional_order.py": Finding("API deviation", _constructor),
    "confirm_quantizable_LSTM_bidirectional_stack.py": Finding(
        "defect", lambda c: c.get("num_layers", 1) >= 2 and c.get("bidirectional", False)),
    "confirm_quantizable_LSTM_float64_omitted_state.py": Finding(  # float32_agrees_with_float64 runs float64 too
        "defect", lambda c: c.get("dtype") == "float64" or c.get("property") == "float32_agrees_with_float64"),
    "confirm_quantizable_LSTM_unbatched_shape.py": Finding("defect", lambda c: c.get("unbatched", False)),
    "confirm_quantizable_LSTM_lacks.py": Finding("limitation", _constructor),  # no proj_size in its constructor
    "confirm_dynamic_quant_not_causal.py": Finding("by design", lambda c: c.get("seq_len", 1) >= 2),
    "confirm_dynamic_quant_couples_rows.py": Finding("by design", lambda c: c.get("batch", 1) >= 2),
    "confirm_dynamic_quant_bidirectional_packed.py": Finding(
        "by design", lambda c: c.get("bidirectional", False) and c.get("lengths") is not None),
}

_TORCHRL = ("torchrl", "tensordict")
_LACKS_TORCHRL = "confirm_torchrl_lacks_packed_unbatched_bidirectional.py"
_LACKS_DYNAMIC = "confirm_dynamic_quant_lacks.py"


@dataclass(frozen=True)
class CorpusTarget:
    name: str  # tests/corpus/xfails/<name>.txt
    flags: tuple[str, ...]  # what follows `rnnspec verify`, before the run options
    needs: tuple[str, ...] = ()  # modules it imports (skipped without them)
    left_out: dict[str, str] = field(default_factory=dict)  # option probed out or --lacks -> the script showing
    #                                                         the library refuses or ignores it


# The corpus, in one place: each target's command-line flags.
TARGETS: tuple[CorpusTarget, ...] = (
    CorpusTarget("torchrl_LSTM", ("torchrl.modules.LSTM", "--like", "torch.nn.LSTM"), _TORCHRL,
           dict.fromkeys(("packed", "unbatched", "bidirectional"), _LACKS_TORCHRL)),
    CorpusTarget("torchrl_GRU", ("torchrl.modules.GRU", "--like", "torch.nn.GRU"), _TORCHRL,
           dict.fromkeys(("packed", "unbatched", "bidirectional"), _LACKS_TORCHRL)),
    CorpusTarget("torchrl_LSTMModule", ("rnnspec.targets.adapters.torchrl:LSTMModule",), _TORCHRL),
    CorpusTarget("torchrl_GRUModule", ("rnnspec.targets.adapters.torchrl:GRUModule",), _TORCHRL),
    CorpusTarget("torchrl_LSTMModulePython", ("rnnspec.targets.adapters.torchrl:LSTMModulePython",), _TORCHRL),
    CorpusTarget("torchrl_GRUModulePython", ("rnnspec.targets.adapters.torchrl:GRUModulePython",), _TORCHRL),
    CorpusTarget("quantizable_LSTM", ("torch.ao.nn.quantizable.LSTM", "--like", "torch.nn.LSTM",
                                *(a for rule in QUANTIZABLE_RENAME for a in ("--rename", rule)), "--lacks", "dropout"),
           left_out={"packed": "confirm_quantizable_LSTM_lacks.py", "proj": "confirm_quantizable_LSTM_lacks.py",
                     "dropout": "confirm_quantizable_LSTM_dropout_ignored.py"}),
    CorpusTarget("dynamic_LSTM", ("torch.ao.nn.quantized.dynamic.LSTM", "--like", "torch.nn.LSTM", "--from-float",
                            "--lacks", "grad", "--atol", "0.05"),
           left_out={**dict.fromkeys(("float64", "float16", "bfloat16", "no_bias", "unbatched"), _LACKS_DYNAMIC),
                     "proj": "confirm_dynamic_quant_LSTM_proj_size.py",
                     "grad": "confirm_dynamic_quant_no_gradient.py"}),
    CorpusTarget("dynamic_GRU", ("torch.ao.nn.quantized.dynamic.GRU", "--like", "torch.nn.GRU", "--from-float",
                           "--lacks", "grad", "--atol", "0.05"),
           left_out={**dict.fromkeys(("float64", "float16", "bfloat16", "no_bias", "unbatched"), _LACKS_DYNAMIC),
                     "grad": "confirm_dynamic_quant_no_gradient.py"}),
)
RUN_OPTIONS = ("--profile", "quick", "--tiers", "small")  # the xfails were established on the small tier; the scale tiers' verdicts of these libraries are in docs/matrix.json


def _skip_reason(target: CorpusTarget) -> str | None:
    missing = [m for m in target.needs if importlib.util.find_spec(m) is None]
    if missing:
        return f"{target.name} needs {', '.join(missing)} (pip install torch==2.13.0 torchrl tensordict)"
    if target.name.startswith("dynamic_") and "fbgemm" not in torch.backends.quantized.supported_engines:
        return f"{target.name}: the int8 tolerance was measured with fbgemm, which this torch build lacks"
    return None


def _params():
    return [pytest.param(t, id=t.name, marks=pytest.mark.skipif(bool(_skip_reason(t)), reason=_skip_reason(t) or ""))
            for t in TARGETS]


def _verify(args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*VERIFY, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


@cache
def _script(name: str) -> tuple[int, str]:
    """Exit code and output of a corpus script (each run once per session)."""
    done = subprocess.run([sys.executable, str(CORPUS / name)], capture_output=True, text=True, cwd=CORPUS,
                          timeout=300)
    return done.returncode, done.stdout + done.stderr


def _case(text: str) -> dict:
    """A failure's case, from its repr (``LayerCase(config=LayerConfig(cell='lstm', ...), dtype=...)``), as
    {field: value} (the config's fields included) and "kind" (the case's class)."""
    fields = {"kind": text.partition("(")[0]}
    for key, value in re.findall(r"(\w+)=('[^']*'|\([^()]*\)|[^,()]+)", text):
        try:
            fields[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            fields[key] = value
    return fields


def _scripts_named(reason: str) -> list[str]:
    return re.findall(r"\b(?:confirm|check)_\w+\.py\b", reason)


def _bare(text: str) -> list[str]:
    return [b for b in BARE if b in text]


@pytest.mark.parametrize("target", _params())
def test_corpus_target_fails_only_by_its_confirmed_findings(target, tmp_path):
    xfails = CORPUS / "xfails" / f"{target.name}.txt"
    report_path = tmp_path / "r.json"
    done = _verify([*target.flags, *RUN_OPTIONS, "--json", str(report_path), "--xfails", str(xfails)], cwd=tmp_path)
    shown = f"rnnspec verify {shlex.join(target.flags)}:\n{done.stdout}\n{done.stderr}"
    assert done.returncode == 0, f"exit {done.returncode}, expected 0 (every failure a known finding)\n{shown}"
    assert not _bare(done.stdout + done.stderr), shown
    assert "matches no property" not in done.stderr, f"a stale xfails entry:\n{shown}"
    report = json.loads(report_path.read_text())
    assert not _bare(json.dumps(report)), f"a verdict reads {_bare(json.dumps(report))}:\n{shown}"
    statuses = {p["id"]: p["status"] for p in report["properties"]}
    stale = sorted(p for p, s in statuses.items() if s == "xpassed")
    assert not stale, f"xfailed properties that pass now (remove them from {xfails.name}): {stale}"

    # every xfailed failure is explained by a finding its entry names; the finding's script reproduces it
    scripts: dict[str, str] = {}
    for prop in (p for p in report["properties"] if p["status"] == "xfailed"):
        named = _scripts_named(prop["reason"])
        assert named and all(n in FINDINGS for n in named), (
            f"{prop['id']}: its xfails reason names no known finding's script: {prop['reason']!r}")
        for failure in prop["failures"]:
            case = {**_case(failure["case"]), "property": prop["id"]}
            assert any(FINDINGS[n].explains(case) for n in named), (
                f"{prop['id']}: a failure none of {named} explains (a new finding?):\n"
                f"  {failure['headline']}\n  case: {failure['case']}")
        scripts.update(dict.fromkeys(named, f"xfailed {prop['id']}"))

    # every option left out (probed out, or --lacks) is one the library refuses or ignores itself
    left_out = {**report["probed_out"], **dict.fromkeys(report["lacks"], "--lacks")}
    assert set(left_out) == set(target.left_out), (
        f"options left out {sorted(left_out)}, expected {sorted(target.left_out)}: {left_out}")
    scripts.update({script: f"left out {option}" for option, script in target.left_out.items()})

    for script, why in sorted(scripts.items()):
        code, output = _script(script)
        assert code == 0, f"{script} ({why}) did not reproduce without rnnspec (exit {code}):\n{output}"

    # without the xfails, a finding fails the run again: the replay of the quickest xfailed property exits 1
    xfailed = sorted((p for p in report["properties"] if p["status"] == "xfailed"), key=lambda p: p["seconds"])
    if xfailed:
        command = xfailed[0]["failures"][0]["replay"]
        replay = shlex.split(command)
        assert replay[:2] == ["rnnspec", "verify"], command
        again = _verify([*replay[2:], "--json", str(tmp_path / "replay.json")], cwd=tmp_path)
        assert again.returncode == 1, f"{command} exited {again.returncode}, expected 1:\n{again.stdout}"
        assert not _bare(again.stdout + again.stderr), again.stdout
    else:
        assert set(statuses.values()) <= {"passed", "skipped"}, statuses


def test_every_xfails_file_is_a_corpus_target_and_names_existing_scripts():
    names = {t.name for t in TARGETS}
    files = {p.stem for p in (CORPUS / "xfails").glob("*.txt")}
    assert files == names, (f"xfails files without a target {sorted(files - names)}, "
                            f"targets without one {sorted(names - files)}")
    for target in TARGETS:
        for line in (CORPUS / "xfails" / f"{target.name}.txt").read_text().splitlines():
            entry, _, reason = line.partition("#")
            if entry.strip():
                named = _scripts_named(reason)
                assert named, f"{target.name}.txt: {entry.strip()} names no confirm script: {line!r}"
                missing = [n for n in named if not (CORPUS / n).is_file()]
                assert not missing, f"{target.name}.txt: {entry.strip()} names missing scripts {missing}"
    for script in {*FINDINGS, *(s for t in TARGETS for s in t.left_out.values())}:
        assert (CORPUS / script).is_file(), script


# --- --from-float (load_target(..., from_float=True)): how the int8 targets are built ------------------

def test_from_float_builds_what_quantize_dynamic_gives_from_the_same_weights():
    """The built module is torch.ao's own conversion of torch.nn.LSTM/GRU holding the case's weights:
    it equals quantize_dynamic of that module exactly, claims neither parameters nor constructor,
    and its replay arguments repeat --from-float and type back to the same target."""
    from torch.ao.quantization import quantize_dynamic

    for cell, like in (("lstm", "torch.nn.LSTM"), ("gru", "torch.nn.GRU")):
        name = f"torch.ao.nn.quantized.dynamic.{like.rsplit('.', 1)[1]}"
        target = load_target(name, like=like, from_float=True)
        assert not {"parameters", "constructor"} & target.capabilities
        assert target.cli_args() == f"{name} --like {like} --from-float"
        args = options.parse_verify(shlex.split(target.cli_args()))
        again = load_target(args.target, like=args.like, from_float=args.from_float)
        assert again.declaration == target.declaration and again.from_float

        config = LayerConfig(cell, 3, 4, num_layers=2, bidirectional=True, batch_first=True)
        torch.manual_seed(0)
        params = {n: torch.randn(shape) for n, shape in layer_layout(config)}
        built = target.build(config, params, dtype=torch.float32)
        assert not built.training and not list(built.named_parameters())
        twin = resolve(like)(3, 4, num_layers=2, bidirectional=True, batch_first=True)
        twin.load_state_dict(params)
        expected = quantize_dynamic(torch.nn.Sequential(twin), {type(twin)}, dtype=torch.qint8)[0]
        x = torch.randn(2, 5, 3)
        with torch.no_grad():
            got, want = built(x), expected(x)
        torch.testing.assert_close(got[0], want[0], rtol=0, atol=0)
        assert target.build(config, params, dtype=torch.float32, training=True).training


@pytest.mark.parametrize("spec, options, message", [
    ("torch.nn.LSTM", {}, "torch.nn.LSTM has no from_float classmethod"),
    ("torch.ao.nn.quantized.dynamic.LSTM", {"like": "torch.nn.LSTM", "rename": (("^a", "b"),)}, "drop --rename"),
    ("rnnspec.targets.adapters.torch_compile:TracedLSTM", {}, "drop --from-float"),
    ("torch.nn.utils.clip_grad_norm_", {}, "drop --from-float"),
])
def test_from_float_where_it_cannot_apply_is_refused(spec, options, message):
    with pytest.raises(TargetError, match=re.escape(message)):
        load_target(spec, from_float=True, **options)
