"""asv, end to end in a temporary results folder: one quick benchmark class recorded for two
commits, compared by ``asv compare`` (its table read row by row), published with ``asv publish``,
served on localhost and opened in headless Chromium, whose page must list the benchmarks. The
screenshot is kept in .asv/screenshots/dashboard.png."""

import functools
import http.server
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from benchmarks import asv_tasks

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=15000", "--window-size=1400,1000"]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("asv")
    conf = json.loads((ROOT / "asv.conf.json").read_text())
    conf.update(repo=str(ROOT), benchmark_dir=str(ROOT / "benchmarks"), results_dir=str(tmp / "results"),
                html_dir=str(tmp / "html"), env_dir=str(tmp / "env"))
    config = tmp / "asv.conf.json"
    config.write_text(json.dumps(conf))
    for rev in ("HEAD~1", "HEAD"):
        asv_tasks.record(quick=True, bench="TimeClipping", config=str(config), rev=rev)
    asv_tasks.asv("publish", config=str(config))
    if shutil.which("npm"):
        asv_tasks.make_offline(tmp / "html")  # this machine reaches no CDN
    return tmp / "html"


def test_compare_reads_every_benchmark_of_both_commits(dashboard, capsys):
    config = str(dashboard.parent / "asv.conf.json")
    code = asv_tasks.compare("HEAD~1", "HEAD", factor=1e6, config=config)  # nothing is 1e6 times slower
    out = capsys.readouterr().out
    rows = asv_tasks.parse_compare(out)
    names = [row[0] for mark in rows.values() for row in mark]
    assert code == 0, out
    assert sum("TimeClipping" in n for n in names) == 6, out
    assert "0 slower by more than" in out


def test_compare_flags_a_regression():
    table = ("| Change   | Before [aaaa]   | After [bbbb]   |   Ratio | Benchmark (Parameter)        |\n"
             "|----------|-----------------|----------------|---------|------------------------------|\n"
             "| +        | 10.0±0.1ms      | 30.0±0.2ms     |    3.00 | bench.Time.time_run('x')     |\n"
             "| -        | 10.0±0.1ms      | 5.0±0.1ms      |    0.50 | bench.Time.time_run('y')     |\n"
             "|          | 1.00±0ms        | 1.01±0ms       |    1.01 | bench.Time.time_run('z')     |\n")
    rows = asv_tasks.parse_compare(table)
    assert [r[0] for r in rows["+"]] == ["bench.Time.time_run('x')"] and rows["+"][0][3] == "3.00"
    assert [r[0] for r in rows["-"]] == ["bench.Time.time_run('y')"] and len(rows[""]) == 1


def test_published_dashboard_has_the_benchmarks(dashboard):
    index = json.loads((dashboard / "index.json").read_text())
    assert any(name.startswith("bench_layers.TimeClipping") for name in index["benchmarks"]), list(index["benchmarks"])


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian package chromium; "
                                              ".ci/run installs it)")
@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is needed to serve asv's JavaScript without its CDNs")
def test_dashboard_lists_the_benchmarks_in_chromium(dashboard):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(dashboard))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    profile = dashboard.parent / "chromium-profile"
    try:
        dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                             capture_output=True, text=True, timeout=120).stdout
        shot = dashboard / "dashboard.png"
        subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", url],
                       capture_output=True, timeout=120)
    finally:
        server.shutdown()
    assert "TimeClipping" in dom, dom[:2000]
    assert shot.exists() and shot.stat().st_size > 10_000, "no screenshot of the dashboard"
    artifacts = ROOT / ".asv" / "screenshots"
    artifacts.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, artifacts / "dashboard.png")
