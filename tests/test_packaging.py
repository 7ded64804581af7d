"""The wheel ships one import package, rnnspec, with the references and properties inside it."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_adds_only_the_rnnspec_package(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = tmp_path.glob("rnnspec-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert top == {"rnnspec", next(t for t in top if t.endswith(".dist-info"))}, top
    source = {str(p.relative_to(ROOT).with_suffix("")) for p in (ROOT / "rnnspec").rglob("*.py")
              if not p.is_symlink() and "reference_impls" not in p.parts and "properties" not in p.parts}
    assert {s + ".py" for s in source} <= set(names), sorted({s + ".py" for s in source} - set(names))
    for module in (ROOT / "properties").glob("test_*.py"):
        assert f"rnnspec/properties/{module.name}" in names
    for module in ("np_cells", "np_layers", "torch_cells", "torch_layers", "torch_modules", "params"):
        assert f"rnnspec/reference_impls/{module}.py" in names
    assert not any(n.startswith(("rnnspec/benchmarks", "rnnspec/tests")) for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "rnnspec = rnnspec.cli:main" in text and "rnnspec = rnnspec.pytest_plugin" in text
