"""The repository's layout: every module has one import name and one file.

Runs after collection, so every property module, reference, test helper and file target the
suite has imported so far is in ``sys.modules``: no file may be there under two names (as
``properties.test_x`` from the checkout's old top-level folder and ``rnnspec.properties.test_x``
would be). rnnspec owns one top-level import name: a working folder's own ``properties/`` cannot shadow it.
"""

import sys
from collections import defaultdict
from pathlib import Path

import rnnspec

from locations import ROOT


OURS = [ROOT / folder for folder in ("rnnspec", "tests", "benchmarks", "examples")]


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
    from rnnspec.running.verifier import property_functions

    property_functions()
    load_target(f"{ROOT / 'tests' / 'planted_defects.py'}:GRUPaddingLeaks", like="torch.nn.GRU")
    load_target(f"{ROOT / 'tests' / 'dropins' / 'defects.py'}:LSTMInputForgetSwapped", like="torch.nn.LSTM")
    load_target(f"{ROOT / 'tests' / 'dropins' / 'independent.py'}:LSTM", like="torch.nn.LSTM")
    twice = {str(f.relative_to(ROOT)): names for f, names in _modules_by_file().items() if len(names) > 1}
    assert not twice, f"files imported under more than one module name: {twice}"


def test_the_packages_are_the_checkouts_folders():
    # an editable install (or the checkout itself): the code under test is the code in the tree
    assert Path(rnnspec.__file__).resolve().parent == ROOT / "rnnspec", rnnspec.__file__


def test_a_users_own_properties_or_reference_impls_in_the_working_folder_changes_nothing(tmp_path):
    # the working folder comes first on the import path; rnnspec owns one top-level name, so a user's
    # properties/ package, properties.py or reference_impls.py (or the index's `properties`) is not imported
    import subprocess
    import sys

    (tmp_path / "properties").mkdir()
    (tmp_path / "properties" / "__init__.py").write_text("raise ImportError('the user properties package')\n")
    (tmp_path / "reference_impls.py").write_text("raise ImportError('the user reference_impls module')\n")
    (tmp_path / "cases.py").write_text("raise ImportError('the user cases module')\n")
    done = subprocess.run([sys.executable, "-m", "rnnspec", "verify", "torch.nn.GRUCell", "--profile", "quick",
                           "--select", "cell_matches_reference"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "PASSED" in done.stdout and "user" not in done.stdout + done.stderr
