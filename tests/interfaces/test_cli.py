"""The command line as a user meets it: from any directory, with the exit codes it promises."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
from locations import TESTS


def rnnspec(*args, cwd):
    return subprocess.run([sys.executable, "-m", "rnnspec", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def test_spec_json_lists_every_property_with_topic_and_claim(tmp_path):
    result = rnnspec("spec", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    spec = json.loads(result.stdout)
    from rnnspec.spec import PROPERTIES

    assert [p["id"] for p in spec["properties"]] == [p.id for p in PROPERTIES]
    assert all(p["topic"] and p["claim"] for p in spec["properties"])
    assert set(spec["cells"]) == {"rnn_tanh", "rnn_relu", "rnn_linear", "lstm", "gru", "gru_reset_before"}
    assert {p["topic"] for p in spec["properties"]} >= {
        "vanishing_gradient", "exploding_gradient", "gradient_clipping", "lstm", "gru", "residual", "dense", "highway",
        "bidirectional", "stacked"}
    assert spec["cells"]["lstm"]["gates"] == ["i", "f", "g", "o"]


def test_spec_table_is_readable(tmp_path):
    result = rnnspec("spec", cwd=tmp_path)
    assert result.returncode == 0 and "gru_reset_before" in result.stdout and "matches_reference" in result.stdout


def test_verify_a_builtin_from_another_directory_passes_with_json(tmp_path):
    result = rnnspec("verify", "torch.nn.GRUCell", "--profile", "quick", "--json", "report.json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASSED  cell_matches_reference" in result.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["status"] == "passed" and report["like"] == "torch.nn.GRUCell"
    assert not (tmp_path / ".hypothesis").exists()  # Hypothesis' cache stays out of the user's folder
    assert {"id", "topic", "status", "message"} <= set(report["properties"][0])


def test_verify_a_defective_file_target_fails_with_exit_1(tmp_path):
    target = f"{TESTS / 'planted_defects.py'}:LSTMGatesSwapped"
    result = rnnspec("verify", target, "--like", "torch.nn.LSTM", "--select", "matches_reference",
                     "--profile", "quick", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED  matches_reference" in result.stdout and "replay: rnnspec verify" in result.stdout


def test_a_missing_capability_is_a_skip_with_its_reason(tmp_path):
    (tmp_path / "plain.py").write_text(
        "import torch\n"
        "from rnnspec.targets import TorchLikeTarget\n"
        "PLAIN = TorchLikeTarget(torch.nn.LSTM, like='torch.nn.LSTM', name='plain.py:PLAIN',\n"
        "                        capabilities={'grad', 'parameters'})\n"
    )
    result = rnnspec("verify", "plain.py:PLAIN", "--profile", "quick", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SKIPPED packed_is_each_alone" in result.stdout and "target lacks packed" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["verify", "no_such_module_xyz:LSTM"], "cannot import the module"),
        (["verify", "torch.nn.NoSuchLSTM"], "has no attribute 'NoSuchLSTM'"),
        (["verify", "collections.OrderedDict"], "say which it is like"),
        (["verify", "torch.nn.LSTM", "--select", "bogus"], "names no property id or topic"),
        (["verify", "torch.nn.LSTM", "--max-examples", "0"], "must be at least 1"),
        (["verify", "torch.nn.LSTM", "--like", "torch.nn.Linear"], "not a torch recurrent built-in"),
        (["verify"], "the following arguments are required: target"),
        (["verify", "torch.nn.GRU", "--variant", "bogus"], "'bogus': bogus is not a cell kind; expected some of"),
        (["verify", "torch.nn.GRU", "--seed", "-1"], "argument --seed: -1 is not in [0, 2**32 - 1]"),
        (["verify", "torch.nn.GRU", "--json", "no/such/folder/r.json"], "no/such/folder/r.json: the folder"),
        (["verify", "torch.nn.GRU", "--json", "nothere/"], "'nothere/' names a folder; expected a file path"),
        (["bench", "torch.nn.GRU", "--json", "nothere/"], "'nothere/' names a folder; expected a file path"),
        (["verify", "torch.nn.GRU", "--json", "link.json"], "link.json is a symbolic link"),
        (["verify", "torch.nn.GRU", "--html", "pipe"], "pipe exists and is not a plain file"),
        (["verify", "torch.nn.GRU", "--json", "same", "--html", "same"], "--json and --html name the same file"),
        (["verify", "mine.py:LSTM", "--like", "torch.nn.LSTM", "--json", "mine.py"], "is the target's own source file"),
        (["verify", "torch.nn.GRU", "--html", "."], "is a folder; expected a file path"),
        (["verify", "torch.nn.GRU", "--timeout", "0"], "must be a positive number of seconds"),
        (["verify", "torch.nn.GRU", "--xfails", "nothere.txt"], "--xfails nothere.txt: cannot read it"),
        (["verify", "torch.nn.GRU", "--xfails", "binary.txt"], "--xfails binary.txt: cannot read it"),
        (["matrix", "--update", "a_file.txt", "--frameworks", "torch"], "--update a_file.txt: cannot read a matrix from it"),
        (["verify", "torch.nn.GRU", "--lacks", "packd"], "--lacks packd: not options of a layer target"),
        (["verify", "torch.nn.GRU", "--rtol", "-1"], "argument --rtol: -1 must be a finite number of at least 0"),
        (["verify", f"{TESTS / 'running' / 'test_probing.py'}:NeedsUnits", "--like", "torch.nn.LSTM"], "cannot be used as torch.nn.LSTM"),
        (["explain", "--out", "a_file.txt"], "--out a_file.txt is a file; expected a folder"),
        (["--version"], None),
    ],
)
def test_unloadable_targets_and_misuse_exit_2_in_one_line_before_any_work(args, message, tmp_path, monkeypatch, capsys):
    # in-process (rnnspec.interfaces.cli.main, as the console script calls it): one subprocess each would cost ~2 s
    from rnnspec.interfaces import cli

    (tmp_path / "a_file.txt").write_text("not a folder")
    (tmp_path / "link.json").symlink_to(tmp_path / "a_file.txt")
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\x00bad")
    (tmp_path / "mine.py").write_text("import torch\n\nclass LSTM(torch.nn.LSTM):\n    pass\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", str(tmp_path / "hypothesis"))
    try:
        code = cli.main(args)
    except SystemExit as e:  # argparse's own exits (usage errors, --version)
        code = e.code
    out, err = capsys.readouterr()
    if message is None:  # --version
        assert code == 0 and out.startswith("rnnspec "), out + err
        return
    assert code == 2, out + err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and "PASSED" not in out and "FAILED" not in out


def test_the_console_script_exits_2_in_one_line(tmp_path):
    result = rnnspec("verify", "torch.nn.GRU", "--seed", "-1", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.strip() == "rnnspec verify: argument --seed: -1 is not in [0, 2**32 - 1]"
