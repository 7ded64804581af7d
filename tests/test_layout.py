"""The repository's layout: every module has one import name and one file.

Runs after collection, so every property module, reference, test helper and file target the
suite has imported so far is in ``sys.modules``: no file may be there under two names (as
``properties.test_x`` from the checkout and ``rnnspec.properties.test_x`` from an install were).
"""

import sys
from collections import defaultdict
from pathlib import Path

import properties
import reference_impls
import rnnspec

ROOT = Path(__file__).resolve().parent.parent


OURS = [ROOT / folder for folder in ("rnnspec", "reference_impls", "properties", "tests", "benchmarks", "examples")]


def _modules_by_file() -> dict[Path, list[str]]:
    """The project's own files (not a virtual environment that may sit in the checkout) and their module names."""
    files = defaultdict(list)
    for name, module in list(sys.modules.items()):
        try:
            file = getattr(module, "__file__", None)
        except Exception:  # a lazy module that cannot say
            continue
        if file and any(Path(file).resolve().is_relative_to(folder) for folder in OURS):
            files[Path(file).resolve()].append(name)
    return files


def test_no_module_is_imported_under_two_names():
    # besides what collection imported: what a verify run imports (every property module, by the
    # verifier's discovery) and file targets whose files the tests also import by module name
    from rnnspec.targets import load_target
    from rnnspec.verifier import property_functions

    property_functions()
    load_target(f"{ROOT / 'tests' / 'planted_defects.py'}:GRUPaddingLeaks", like="torch.nn.GRU")
    load_target(f"{ROOT / 'tests' / 'dropins' / 'defects.py'}:LSTMInputForgetSwapped", like="torch.nn.LSTM")
    load_target(f"{ROOT / 'tests' / 'dropins' / 'independent.py'}:LSTM", like="torch.nn.LSTM")
    twice = {str(f.relative_to(ROOT)): names for f, names in _modules_by_file().items() if len(names) > 1}
    assert not twice, f"files imported under more than one module name: {twice}"


def test_the_packages_are_the_checkouts_folders():
    # an editable install (or the checkout itself): the code under test is the code in the tree
    for package in (rnnspec, reference_impls, properties):
        assert Path(package.__file__).resolve().parent == ROOT / package.__name__, package.__file__
