"""asv, end to end in a temporary results folder: one quick benchmark class recorded for two
commits of a scratch repository (so a shallow clone works too), compared from asv's result JSON,
published with ``asv publish``, served on localhost and opened in headless Chromium, whose page
must list the benchmarks. The screenshot is kept in .asv/screenshots/dashboard.png. The slow tier."""

import functools
import http.server
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from benchmarks import asv_tasks

from locations import ROOT

# one group: under xdist the module fixture (two asv runs) would otherwise run on both workers at once
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("asv-dashboard")]  # asv runs and a browser: ~1 min
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=15000", "--window-size=1400,1000"]


def _scratch_repository(path: Path) -> Path:
    """A git repository with two commits on main: what asv files results under and publishes."""
    git = ["git", "-c", "user.name=rnnspec", "-c", "user.email=rnnspec@localhost", "-C", str(path)]
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    for message in ("first", "second"):
        subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", message], check=True)
    return path


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    # made once per process: an xdist worker may tear the module's fixtures down between its tests
    tmp = tmp_path_factory.getbasetemp() / "asv-dashboard"
    if (tmp / "made").is_file():
        return tmp / "html"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    conf = json.loads((ROOT / "asv.conf.json").read_text())
    conf.update(repo=str(_scratch_repository(tmp / "repo")), benchmark_dir=str(ROOT / "benchmarks"),
                results_dir=str(tmp / "results"), html_dir=str(tmp / "html"), env_dir=str(tmp / "env"))
    config = tmp / "asv.conf.json"
    config.write_text(json.dumps(conf))
    for rev in ("HEAD~1", "HEAD"):
        asv_tasks.record(quick=True, bench="TimeClipping", config=str(config), rev=rev)
    asv_tasks.asv("publish", config=str(config))
    if shutil.which("npm"):
        asv_tasks.make_offline(tmp / "html")  # this machine reaches no CDN
    (tmp / "made").touch()
    return tmp / "html"


def test_compare_reads_every_benchmark_of_both_commits(dashboard, capsys):
    config = str(dashboard.parent / "asv.conf.json")
    before, after = asv_tasks.results_of("HEAD~1", config=config), asv_tasks.results_of("HEAD", config=config)
    assert sum("TimeClipping" in n for n in after) == 6 and set(before) == set(after), sorted(after)
    assert all(isinstance(v, float) and v > 0 for v in after.values()), after
    code = asv_tasks.compare("HEAD~1", "HEAD", factor=1e6, config=config)  # nothing is 1e6 times slower
    out = capsys.readouterr().out
    assert code == 0 and "0 slower by more than" in out and "6 unchanged" in out, out


def test_compare_flags_a_regression_and_a_failure_but_not_a_tracked_value():
    before = {"b.Time.time_run('x')": 0.010, "b.Time.time_run('y')": 0.010, "b.Time.time_run('z')": 0.001,
              "b.Time.time_run('w')": 0.001, "b.Track.track_gflops('x')": 10.0}
    after = {"b.Time.time_run('x')": 0.030, "b.Time.time_run('y')": 0.005, "b.Time.time_run('z')": 0.00101,
             "b.Time.time_run('w')": None, "b.Track.track_gflops('x')": 30.0}
    changes = asv_tasks.regressions(before, after, factor=1.1)
    assert [c[0] for c in changes["slower"]] == ["b.Time.time_run('x')"]
    assert [c[0] for c in changes["faster"]] == ["b.Time.time_run('y')"]
    assert [c[0] for c in changes["failed"]] == ["b.Time.time_run('w')"]
    assert [c[0] for c in changes["same"]] == ["b.Time.time_run('z')"]
    assert [c[0] for c in changes["tracked"]] == ["b.Track.track_gflops('x')"]


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
