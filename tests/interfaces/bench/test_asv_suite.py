"""asv for a user's own implementation (``rnnspec.interfaces.bench.asv_suite``): the target read from the
user's asv.conf.json or RNNSPEC_ASV_TARGET, rows the target cannot run skipped with bench's reason
(fast tests); and end to end in the slow tier, a toy project of two commits, the second computing
each step twenty times (so a loaded machine cannot hide it), recorded with asv and ``asv compare`` flagging the second as slower."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rnnspec.interfaces.bench import asv_suite
from rnnspec.interfaces.bench.asv_suite import (ENV_VAR, SuiteConfig, load, parse, read_config, row_calls, row_ratio,
                                     section_arguments)

SIZE = "2,3,4,5"


# --- the configuration ------------------------------------------------------------------------

def test_a_section_becomes_bench_arguments():
    section = {"target": "mypkg.rnn:MyLSTM", "like": "torch.nn.LSTM", "sizes": "8,20,32,32;4,10,16,16",
               "rename": ["^w_=weight_", "^b_=bias_"], "from-float": True, "threads": 1}
    assert section_arguments(section, source="asv.conf.json") == (
        "mypkg.rnn:MyLSTM", "--like", "torch.nn.LSTM", "--sizes", "8,20,32,32;4,10,16,16",
        "--rename", "^w_=weight_", "--rename", "^b_=bias_", "--from-float", "--threads", "1")


def test_the_target_may_carry_options_as_on_the_command_line():
    args = section_arguments({"target": "my/gru.py:MyGRU --like torch.nn.GRU", "mode": "forward"}, source="c")
    assert args == ("my/gru.py:MyGRU", "--like", "torch.nn.GRU", "--mode", "forward")


@pytest.mark.parametrize("section, words", [
    ({"like": "torch.nn.LSTM"}, '"target" string'),
    ("mypkg.rnn:MyLSTM", '"target" string'),
    ({"target": "m:X", "json": "out.json"}, "'json' is not for asv"),
    ({"target": "m:X", "sizes": {"B": 8}}, "sizes={'B': 8} must be a string"),
])
def test_a_malformed_section_is_refused_naming_what_is_wrong(section, words):
    with pytest.raises(ValueError, match="asv.conf.json") as e:
        section_arguments(section, source="asv.conf.json")
    assert words in str(e.value)


def _conf_dir(tmp_path, section=None, *, comment=False) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    conf = {"version": 1, "project": "p", "repo": ".", "branches": ["main"]}
    if section is not None:
        conf["rnnspec"] = section
    text = json.dumps(conf, indent=4)
    if comment:
        text = "// asv's template starts with comments\n" + text
    (tmp_path / "asv.conf.json").write_text(text)
    return tmp_path


def test_the_section_is_read_from_the_benchmark_folders_nearest_configuration(tmp_path):
    folder = _conf_dir(tmp_path, {"target": "mypkg.rnn:MyLSTM", "like": "torch.nn.LSTM"})
    (folder / "benchmarks").mkdir()
    config = read_config(folder / "benchmarks", {})  # --python=same: asv sets no ASV_* variables
    assert config == SuiteConfig(("mypkg.rnn:MyLSTM", "--like", "torch.nn.LSTM"), folder,
                                 str(folder / "asv.conf.json"))


def test_asvs_configuration_folder_is_read_where_asv_names_it(tmp_path):
    folder = _conf_dir(tmp_path / "conf", {"target": "m:X"})
    _conf_dir(tmp_path / "elsewhere", {"target": "not:This"})
    assert read_config(tmp_path / "elsewhere", {"ASV_CONF_DIR": str(folder)}).arguments == ("m:X",)


def test_a_configuration_with_comments_is_read_as_asv_reads_it(tmp_path):
    pytest.importorskip("json5")  # asv's own dependency
    folder = _conf_dir(tmp_path, {"target": "m:X"}, comment=True)
    assert read_config(folder, {}).arguments == ("m:X",)


def test_the_environment_variable_replaces_the_section(tmp_path):
    folder = _conf_dir(tmp_path, {"target": "m:X"})
    config = read_config(folder, {ENV_VAR: "torch.nn.GRU --sizes 2,3,4,5"})
    assert config.arguments == ("torch.nn.GRU", "--sizes", "2,3,4,5") and config.source == f"${ENV_VAR}"
    assert config.folder == folder


def test_no_section_is_no_target_and_under_asv_an_error_that_says_what_to_add(tmp_path):
    folder = _conf_dir(tmp_path)
    assert read_config(folder, {}) is None
    assert asv_suite._declared(folder, {}, under_asv=False) == (None, None)  # imported outside asv: no error
    with pytest.raises(ValueError, match=r'add "rnnspec": \{"target"') as e:
        asv_suite._declared(folder, {}, under_asv=True)
    assert ENV_VAR in str(e.value) and str(folder / "asv.conf.json") in str(e.value)


def test_arguments_are_validated_by_benchs_parser(tmp_path):
    with pytest.raises(ValueError, match=r"asv.conf.json: .*'4,20' is not B,T,I,H"):
        parse(SuiteConfig(("torch.nn.LSTM", "--sizes", "4,20"), tmp_path, "asv.conf.json"))
    with pytest.raises(ValueError, match="unrecognized arguments: --colour"):
        parse(SuiteConfig(("torch.nn.LSTM", "--colour", "red"), tmp_path, "asv.conf.json"))


def test_a_relative_target_file_starts_at_the_configurations_folder(tmp_path):
    args = parse(SuiteConfig(("src/rnn.py:LSTM", "--like", "torch.nn.LSTM"), tmp_path, "c"))
    assert args.target == f"{tmp_path / 'src/rnn.py'}:LSTM"
    assert parse(SuiteConfig(("/abs/rnn.py:LSTM",), tmp_path, "c")).target == "/abs/rnn.py:LSTM"


def test_the_benchmarks_run_at_the_configured_sizes_and_modes(tmp_path):
    args = parse(SuiteConfig(("torch.nn.LSTM", "--sizes", "8,20,32,32;4,10,16,16", "--mode", "forward"), tmp_path, "c"))
    assert asv_suite._labels(asv_suite.sizes_of(args)) == ["8,20,32,32", "4,10,16,16"]
    assert asv_suite._labels(asv_suite.sizes_of(None)) == ["64,100,256,256", "64,100,1024,1024"]  # BENCH_SIZES


# --- rows: timed, or skipped with bench's reason ------------------------------------------------

class SmallOnlyLSTM(torch.nn.LSTM):
    """torch's LSTM, refusing hidden sizes over 4: a target that cannot run every size."""

    def step(self, x, h, c):
        gates = x @ self.weight_ih_l0.t() + self.bias_ih_l0 + h @ self.weight_hh_l0.t() + self.bias_hh_l0
        i, f, g, o = gates.chunk(4, 1)  # (B, H) each
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def forward(self, x, hx=None):
        if self.hidden_size > 4:
            raise ValueError(f"hidden_size={self.hidden_size} is over 4")
        return super().forward(x, hx)


def test_a_row_times_the_target_and_the_native_layer_with_the_same_weights(tmp_path):
    loaded = load(SuiteConfig(("torch.nn.GRU", "--sizes", SIZE), tmp_path, "c"))
    runs = row_calls(loaded, SIZE, "backward")
    assert set(runs) == {"target", "native"}
    assert torch.equal(runs["target"](), runs["native"]())  # the same layer, weights and input: the same loss
    assert 0 < row_ratio(loaded, SIZE, "forward") < 100


def test_a_target_without_gradients_skips_the_backward_with_benchs_reason(tmp_path):
    loaded = load(SuiteConfig(("torch.nn.LSTM", "--lacks", "grad"), tmp_path, "c"))
    with pytest.raises(NotImplementedError, match="^target has no gradients$"):
        row_calls(loaded, SIZE, "backward")
    with pytest.raises(NotImplementedError, match="^target has no gradients$"):
        row_ratio(loaded, SIZE, "backward")
    assert set(row_calls(loaded, SIZE, "forward")) == {"target", "native"}


def test_a_size_the_target_refuses_is_skipped_with_the_error(tmp_path):
    loaded = load(SuiteConfig((f"{__file__}:SmallOnlyLSTM", "--like", "torch.nn.LSTM"), tmp_path, "c"))
    with pytest.raises(NotImplementedError, match="^target raised ValueError: hidden_size=5 is over 4$"):
        row_calls(loaded, SIZE, "forward")
    with pytest.raises(NotImplementedError, match="^target raised ValueError: hidden_size=5 is over 4$"):
        row_ratio(loaded, SIZE, "forward")
    assert set(row_calls(loaded, "2,3,4,4", "forward")) == {"target", "native"}


def test_the_benchmark_classes_time_the_configured_target(tmp_path, monkeypatch):
    loaded = load(SuiteConfig(("torch.nn.LSTM", "--lacks", "grad"), tmp_path, "c"))
    monkeypatch.setattr(asv_suite, "_current", lambda: loaded)
    for cls in (asv_suite.TimeTarget, asv_suite.TimeNative):
        bench = cls()
        bench.setup(SIZE, "forward")
        bench.time_call(SIZE, "forward")
        with pytest.raises(NotImplementedError, match="no gradients"):
            cls().setup(SIZE, "backward")
    track = asv_suite.TrackRatio()
    track.setup(SIZE, "forward")
    assert track.track_target_over_native(SIZE, "forward") > 0
    assert asv_suite.__all__ == ["TimeTarget", "TimeNative", "TrackRatio"]  # all `import *` brings


# --- end to end: a toy project's history on asv -------------------------------------------------

TOY_LSTM = '''"""A one-layer LSTM computed one step at a time: a drop-in for torch.nn.LSTM."""

import torch
from torch import nn

PASSES = {passes}  # how many times each step is computed (and averaged: the same values)


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if num_layers != 1 or not bias or batch_first or dropout or bidirectional or proj_size:
            raise NotImplementedError("toyrnn.LSTM is one plain layer")
        k = hidden_size ** -0.5
        self.hidden_size = hidden_size
        shapes = {{"weight_ih_l0": (4 * hidden_size, input_size), "weight_hh_l0": (4 * hidden_size, hidden_size),
                  "bias_ih_l0": (4 * hidden_size,), "bias_hh_l0": (4 * hidden_size,)}}
        for name, shape in shapes.items():
            setattr(self, name, nn.Parameter(torch.empty(shape, device=device, dtype=dtype).uniform_(-k, k)))

    def step(self, x, h, c):
        gates = x @ self.weight_ih_l0.t() + self.bias_ih_l0 + h @ self.weight_hh_l0.t() + self.bias_hh_l0
        i, f, g, o = gates.chunk(4, 1)  # (B, H) each
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def forward(self, x, hx=None):
        steps, batch, _ = x.shape  # (T, B, I)
        h, c = (x.new_zeros(batch, self.hidden_size),) * 2 if hx is None else (hx[0][0], hx[1][0])
        outputs = []
        for t in range(steps):
            passes = [self.step(x[t], h, c) for _ in range(PASSES)]  # the same step, PASSES times
            h, c = sum(p[0] for p in passes) / PASSES, sum(p[1] for p in passes) / PASSES
            outputs.append(h)
        return torch.stack(outputs), (h[None], c[None])
'''

TOY_SIZE = "4,20,16,16"
TOY_CONF = {
    "version": 1,
    "project": "toyrnn",
    "repo": ".",
    "branches": ["main"],
    "dvcs": "git",
    "environment_type": "existing",
    "benchmark_dir": "benchmarks",
    "results_dir": ".asv/results",
    "html_dir": ".asv/html",
    "rnnspec": {"target": "toyrnn.lstm:LSTM", "like": "torch.nn.LSTM", "sizes": TOY_SIZE, "mode": "forward",
                "threads": 1},
}


def _toy_project(path: Path) -> tuple[Path, list[str]]:
    """A git repository: toyrnn/lstm.py, asv.conf.json, benchmarks/bench_rnnspec.py; commit 1, then
    commit 2 computing each step twenty times. Returns it and the two commits' hashes."""
    git = ["git", "-c", "user.name=rnnspec", "-c", "user.email=rnnspec@localhost", "-C", str(path)]
    (path / "toyrnn").mkdir(parents=True)
    (path / "benchmarks").mkdir()
    (path / "toyrnn" / "__init__.py").write_text("")
    (path / "benchmarks" / "__init__.py").write_text("")
    (path / "benchmarks" / "bench_rnnspec.py").write_text("from rnnspec.interfaces.bench.asv_suite import *  # noqa: F401,F403\n")
    (path / "asv.conf.json").write_text(json.dumps(TOY_CONF, indent=4))
    (path / ".gitignore").write_text(".asv/\n")
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    commits = []
    for passes, message in ((1, "toyrnn: an LSTM, step by step"), (20, "toyrnn: each step computed twenty times")):
        (path / "toyrnn" / "lstm.py").write_text(TOY_LSTM.format(passes=passes))
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-q", "-m", message], check=True)
        commits.append(subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True,
                                      text=True).stdout.strip())
    return path, commits


def _asv(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m asv ARGS`` in the project, with asv's machine file in ``home`` (not the user's)."""
    env = {k: v for k, v in os.environ.items() if k not in (ENV_VAR, "PYTHONPATH")} | {"HOME": str(home)}
    done = subprocess.run([sys.executable, "-m", "asv", *args], cwd=project, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"asv {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_asv_compare_flags_the_slower_commit_of_a_users_project(tmp_path):
    project, (first, second) = _toy_project(tmp_path / "toyrnn")
    home = tmp_path / "home"
    home.mkdir()
    _asv(project, home, "machine", "--yes")
    for commit in (first, second):  # --python=same: the checked-out commit is what runs, so check each out
        subprocess.run(["git", "-C", str(project), "checkout", "-q", commit], check=True)
        _asv(project, home, "run", "--python=same", "--set-commit-hash", commit, "--show-stderr")
    compared = _asv(project, home, "compare", first, second, "--factor", "1.5", "--split").stdout
    print(compared)  # what the README shows
    rows = {}  # benchmark -> its change mark ("+": worse by more than the factor), read from asv's tables
    for line in compared.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[-1].startswith("bench_rnnspec."):
            rows[cells[-1]] = cells[0]
    row = f"('{TOY_SIZE}', 'forward')"
    assert rows.get(f"bench_rnnspec.TimeTarget.time_call{row}") == "+", compared
    assert rows.get(f"bench_rnnspec.TrackRatio.track_target_over_native{row}") == "+", compared
    assert f"bench_rnnspec.TimeNative.time_call{row}" in rows, compared  # the control, recorded for both
    assert (project / ".asv" / "results").is_dir() and not subprocess.run(
        ["git", "-C", str(project), "status", "--porcelain"], capture_output=True, text=True).stdout  # .asv/ ignored
