"""Writing a report (rnnspec.rendering.files): whole or not at all. Two processes writing one path
at once leave one complete report; an interrupted write leaves the previous file; a kill -9
between the two steps leaves a temporary file that the next write removes."""

import json
import os
import subprocess
import sys

from rnnspec.rendering.files import PARTIAL_SUFFIX, write_json

WRITER = r'''
import json, sys
from rnnspec.rendering.files import write_json
path, who = sys.argv[1], sys.argv[2]
for k in range(150):
    write_json({"writer": who, "k": k, "rows": [who * 50] * 400}, path)
'''


def test_two_writers_at_once_leave_one_complete_report(tmp_path):
    path = tmp_path / "r.json"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), who]) for who in "ab"]
    seen = 0
    while any(w.poll() is None for w in writers):  # read while they write: never a mix, never a truncation
        if path.exists():
            report = json.loads(path.read_text())
            assert set(report["rows"]) == {report["writer"] * 50}
            seen += 1
    assert [w.returncode for w in writers] == [0, 0]
    report = json.loads(path.read_text())
    assert report["k"] == 149 and set(report["rows"]) == {report["writer"] * 50}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"], list(tmp_path.iterdir())
    assert seen > 0


def test_a_failed_write_keeps_the_previous_report_and_no_temporary_file(tmp_path):
    path = tmp_path / "r.json"
    write_json({"run": 1}, path)
    try:
        write_json({"run": 2, "bad": object()}, path)  # not JSON: raises before anything is replaced
    except TypeError:
        pass
    assert json.loads(path.read_text()) == {"run": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_the_leftover_of_a_killed_writer_is_removed_by_the_next_write(tmp_path):
    path = tmp_path / "r.json"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = tmp_path / f".r.json.{dead.stdout.strip()}.1f{PARTIAL_SUFFIX}"
    leftover.write_text('{"half": ')
    living = tmp_path / f".r.json.{os.getppid()}.2f{PARTIAL_SUFFIX}"  # a writer still running: kept
    living.write_text("{")
    write_json({"run": 3}, path)
    assert not leftover.exists() and living.exists()
    assert json.loads(path.read_text()) == {"run": 3}
