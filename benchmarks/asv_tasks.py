"""asv, scripted: record this commit, compare two commits, publish and preview the dashboard,
and the quick CI run. Everything runs in the current environment (``--python=same``); results
and HTML go under .asv/ (git-ignored).

    python -m benchmarks.asv_tasks record [--quick] [--bench REGEX]   # results for HEAD
    python -m benchmarks.asv_tasks compare BASE HEAD [--factor 1.1]   # asv compare, read: exit 1 on a regression
    python -m benchmarks.asv_tasks publish [--offline]                 # .asv/html (--offline: no CDN)
    python -m benchmarks.asv_tasks preview                             # serve .asv/html locally
    python -m benchmarks.asv_tasks ci                                  # asv check + every benchmark once, at toy
                                                                       # sizes (RNNSPEC_BENCH_SMOKE=1), saving nothing

To compare two commits, record each with that commit installed (``git checkout A && pip install .
&& python -m benchmarks.asv_tasks record``), then compare.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def asv(*args: str, config: str | None = None, capture: bool = False) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "asv", *args] + (["--config", config] if config else [])
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, check=not capture, text=True, capture_output=capture)


def ensure_machine(config: str | None = None) -> None:
    """asv needs a machine description once per machine; write the detected one if there is none."""
    if not (Path.home() / ".asv-machine.json").exists():
        asv("machine", "--yes", config=config)


def _conf(config: str | None) -> tuple[dict, Path]:
    """asv's configuration and the folder its relative paths start from."""
    import json

    path = Path(config) if config else ROOT / "asv.conf.json"
    return json.loads(path.read_text()), path.parent


def commit(rev: str = "HEAD", *, config: str | None = None) -> str:
    """The full hash of ``rev`` in the repository asv's configuration names."""
    conf, base = _conf(config)
    repo = Path(conf.get("repo", "."))
    repo = repo if repo.is_absolute() else base / repo
    return subprocess.run(["git", "rev-parse", rev], cwd=repo, check=True, text=True,
                          capture_output=True).stdout.strip()


def record(*, quick: bool = False, bench: str | None = None, config: str | None = None, rev: str = "HEAD") -> None:
    """Results of the installed code, filed under commit ``rev`` (HEAD: what is checked out)."""
    ensure_machine(config)
    args = ["run", "--python=same", "--set-commit-hash", commit(rev, config=config), "--show-stderr"]
    args += ["--quick"] if quick else []
    args += ["--bench", bench] if bench else []
    asv(*args, config=config)


def results_of(rev: str, *, config: str | None = None) -> dict[str, float | None]:
    """Every benchmark value recorded for commit ``rev``, read with asv's own results API from its
    result JSON: ``{"bench_layers.TimeClipping.time_run('x')": seconds, ...}`` (None: it failed)."""
    import itertools

    from asv.results import iter_results

    conf, base = _conf(config)
    folder = Path(conf.get("results_dir", "results"))
    folder = folder if folder.is_absolute() else base / folder
    values: dict[str, float | None] = {}
    sha = commit(rev, config=config)
    for results in iter_results(str(folder)):
        if results.commit_hash != sha:
            continue
        for key in results.get_all_result_keys():
            params = results.get_result_params(key)
            combos = [", ".join(c) for c in itertools.product(*params)] if params else [""]
            for combo, value in zip(combos, results.get_result_value(key, params)):
                values[f"{key}({combo})" if combo else key] = value
    return values


def regressions(before: dict, after: dict, *, factor: float) -> dict[str, list]:
    """Benchmarks of both commits, by change: "slower" (a time or memory more than ``factor`` times
    larger), "faster", "failed" (a number before, none after), "same". ``track_`` values are
    measurements (GFLOP/s, ratios), not costs, so they are listed as "tracked", never as regressions."""
    out: dict[str, list] = {"slower": [], "faster": [], "failed": [], "same": [], "tracked": []}
    for name in sorted(set(before) & set(after)):
        b, a = before[name], after[name]
        if ".track_" in name:
            out["tracked"].append((name, b, a))
        elif b is not None and a is None:
            out["failed"].append((name, b, a))
        elif b is None or a is None:
            continue
        elif a > factor * b:
            out["slower"].append((name, b, a))
        elif b > factor * a:
            out["faster"].append((name, b, a))
        else:
            out["same"].append((name, b, a))
    return out


def compare(base: str, new: str, *, factor: float = 1.1, config: str | None = None) -> int:
    """0: no regression, 1: a benchmark slower by more than ``factor`` or failing, 2: nothing to compare."""
    before, after = results_of(base, config=config), results_of(new, config=config)
    changes = regressions(before, after, factor=factor)
    if not any(changes[k] for k in ("slower", "faster", "failed", "same")):
        print(f"no benchmark recorded for both {base} ({len(before)} results) and {new} ({len(after)})", file=sys.stderr)
        return 2
    print(f"{len(changes['slower'])} slower by more than {factor}x, {len(changes['faster'])} faster, "
          f"{len(changes['failed'])} failed, {len(changes['same'])} unchanged")
    for name, b, a in changes["slower"] + changes["failed"]:
        print(f"REGRESSION {name}: {b!r} -> {a!r}" + (f" ({a / b:.2f}x)" if a is not None and b else ""))
    return 1 if changes["slower"] or changes["failed"] else 0


# asv's page loads its JavaScript from CDNs; --offline serves them from the npm registry's copies
_VENDOR = {  # CDN address (as in asv's index.html) -> (npm package, file in it)
    "https://code.jquery.com/jquery-3.3.1.min.js": ("jquery@3.3.1", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.min.js": ("flot@0.8.3", "jquery.flot.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.time.min.js": ("flot@0.8.3", "jquery.flot.time.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.selection.min.js":
        ("flot@0.8.3", "jquery.flot.selection.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.categories.min.js":
        ("flot@0.8.3", "jquery.flot.categories.js"),
    "https://cdn.jsdelivr.net/npm/flot-orderbars@1.0.0/js/jquery.flot.orderBars.js":
        ("flot-orderbars@1.0.0", "js/jquery.flot.orderBars.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/blueimp-md5/2.19.0/js/md5.min.js": ("blueimp-md5@2.19.0", "js/md5.min.js"),
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/js/bootstrap.min.js": ("bootstrap@3.1.1", "dist/js/bootstrap.min.js"),
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css":
        ("bootstrap@3.1.1", "dist/css/bootstrap.min.css"),
}
# stupidtable (table sorting) is not on the npm registry: offline, tables are simply not sortable
_SHIM = {"https://cdnjs.cloudflare.com/ajax/libs/stupidtable/1.0.1/stupidtable.min.js":
         "if (window.jQuery) { jQuery.fn.stupidtable = function () { return this; }; }\n"}


def make_offline(html_dir: Path, *, cache: Path = ROOT / ".asv" / "vendor") -> None:
    """Rewrite the published index.html to load its JavaScript and CSS from html_dir/vendor/."""
    import tarfile

    cache.mkdir(parents=True, exist_ok=True)
    vendor = html_dir / "vendor"
    vendor.mkdir(exist_ok=True)
    index = (html_dir / "index.html").read_text()
    for url, (package, member) in _VENDOR.items():
        tgz = cache / (package.replace("@", "-") + ".tgz")
        if not tgz.exists():  # packed beside the cache, then moved in whole: another process may read it
            with tempfile.TemporaryDirectory(dir=cache) as part:
                subprocess.run(["npm", "pack", package, "--pack-destination", part], check=True,
                               capture_output=True, timeout=300)
                os.replace(Path(part) / tgz.name, tgz)
        local = vendor / Path(member).name
        with tarfile.open(tgz) as archive:
            local.write_bytes(archive.extractfile(f"package/{member}").read())
        index = _point_at(index, url, f"vendor/{local.name}")
    for url, text in _SHIM.items():
        (vendor / "stupidtable-shim.js").write_text(text)
        index = _point_at(index, url, "vendor/stupidtable-shim.js")
    (html_dir / "index.html").write_text(index)


def _point_at(html: str, url: str, local: str) -> str:
    """Replace url by local, dropping the subresource-integrity attributes that named the CDN's bytes."""
    html = re.sub(rf'\s+integrity="[^"]*"(?=[^>]*{re.escape(url)})', "", html)
    html = re.sub(rf'({re.escape(url)}"[^>]*?)\s+integrity="[^"]*"', r"\1", html)
    return html.replace(url, local)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="asv, scripted")
    sub = parser.add_subparsers(dest="task", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("--quick", action="store_true")
    rec.add_argument("--bench")
    cmp_ = sub.add_parser("compare")
    cmp_.add_argument("base")
    cmp_.add_argument("new")
    cmp_.add_argument("--factor", type=float, default=1.1)
    pub = sub.add_parser("publish")
    pub.add_argument("--offline", action="store_true", help="serve asv's JavaScript locally (no CDN needed)")
    sub.add_parser("preview")
    sub.add_parser("ci")
    args = parser.parse_args(argv)
    if args.task == "record":
        record(quick=args.quick, bench=args.bench)
    elif args.task == "compare":
        return compare(args.base, args.new, factor=args.factor)
    elif args.task == "publish":
        asv("publish")
        if args.offline:
            make_offline(ROOT / ".asv" / "html")
    elif args.task == "preview":
        asv("preview")
    elif args.task == "ci":
        ensure_machine()
        asv("check", "--python=same")
        os.environ["RNNSPEC_BENCH_SMOKE"] = "1"  # every benchmark, at toy sizes; --dry-run saves nothing
        # forked from one process that imported the suite: spawning a fresh interpreter (asv's default
        # here) per case costs ~2.5 s of imports each, 7 min for the ~165 cases against 30 s forked.
        # Recorded runs keep the default: each case in a process of its own.
        asv("run", "--python=same", "--quick", "--dry-run", "--show-stderr", "--launch-method", "forkserver")
    return 0


if __name__ == "__main__":
    sys.exit(main())
