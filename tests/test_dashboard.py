"""The asv dashboard in a real browser: results recorded for HEAD (one quick benchmark class, in
a temporary results folder), published with ``asv publish``, served on localhost, opened in
headless Chromium; the page must list the benchmarks. A screenshot is saved beside the HTML."""

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
    asv_tasks.record(quick=True, bench="TimeClipping", config=str(config))
    asv_tasks.asv("publish", config=str(config))
    if shutil.which("npm"):
        asv_tasks.make_offline(tmp / "html")  # this machine reaches no CDN
    return tmp / "html"


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
