"""What the distribution ships: one top-level import name (rnnspec, its layers as subpackages), every
module once; the sdist complete enough to run the tests."""

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from locations import ROOT
PACKAGES = ("rnnspec",)

# builds a wheel and an sdist (~1 min), both writing build/ and *.egg-info in the checkout: one xdist
# process runs them in turn (.ci/run passes --dist loadgroup)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("builds-in-the-checkout")]


def _tracked(*folders) -> set[str]:
    out = subprocess.run(["git", "ls-files", *folders], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return set(out.split())


def _build(kind: str, out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)] if kind == "wheel"
                   else [sys.executable, "-c", "import setuptools.build_meta as b, sys; b.build_sdist(sys.argv[1])", str(out)],
                   check=True, capture_output=True, timeout=600, cwd=ROOT)
    (built,) = out.glob("rnnspec-*.whl" if kind == "wheel" else "rnnspec-*.tar.gz")
    return built


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs a git checkout to list the tracked files")
def test_wheel_ships_one_import_name_and_every_module(tmp_path):
    names = set(zipfile.ZipFile(_build("wheel", tmp_path)).namelist())
    top = {n.split("/")[0] for n in names if ".dist-info" not in n.split("/")[0]}
    assert top == set(PACKAGES), top
    modules = {p for p in _tracked(*PACKAGES) if p.endswith(".py")}
    assert modules <= names, sorted(modules - names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    with zipfile.ZipFile(_build("wheel", tmp_path / "again")) as wheel:
        text = wheel.read(entry_points).decode()
    assert "rnnspec = rnnspec.interfaces.cli:main" in text and "rnnspec = rnnspec.interfaces.pytest_plugin" in text


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs a git checkout to list the tracked files")
def test_sdist_is_complete(tmp_path):
    with tarfile.open(_build("sdist", tmp_path)) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    wanted = _tracked(*PACKAGES, "tests", "benchmarks", "examples", "mutation") | {
        "pyproject.toml", "README.md", "asv.conf.json", "docs/mutation.json"}  # the mutation sample reads the record
    assert wanted <= names, sorted(wanted - names)
