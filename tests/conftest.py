import sys
from pathlib import Path

# The planted-defect drop-ins live beside the tests and are imported by module name.
sys.path.insert(0, str(Path(__file__).resolve().parent))
# The benchmark registry and asv scripts live in the repository's benchmarks/ (not installed);
# appended, so the installed rnnspec still comes first.
sys.path.append(str(Path(__file__).resolve().parent.parent))

import importlib.metadata  # noqa: E402

import pytest  # noqa: E402


def _minor(distribution: str) -> tuple[int, int]:
    major, minor = importlib.metadata.version(distribution).split(".")[:2]
    return int(major), int(minor)


def pytest_configure(config):
    """The slow tier runs under ``-n 2 --dist loadgroup``, whose ``xdist_group`` marks keep the package
    builds from racing in the checkout. pytest-xdist 3.8 and older on pytest 9.2 drop the marks
    silently (pytest-dev/pytest-xdist#1386): refuse to run rather than race."""
    if config.getoption("dist", "no") != "loadgroup":  # (xdist's own option: "no" where it is not installed)
        return
    if _minor("pytest") >= (9, 2) and _minor("pytest-xdist") <= (3, 8):
        raise pytest.UsageError(
            f"--dist loadgroup: pytest {importlib.metadata.version('pytest')} with pytest-xdist "
            f"{importlib.metadata.version('pytest-xdist')} ignores xdist_group marks (pytest-dev/pytest-xdist#1386); "
            f"install pytest<9.2 (pip install -e '.[dev]' does)")
