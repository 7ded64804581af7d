"""Where things are, for tests in any folder of tests/: the repository, tests/ and its helper folders."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DROPINS = TESTS / "dropins"
CORPUS = TESTS / "corpus"
FINDINGS = TESTS / "findings"
