"""The import contract: rnnspec's layers import only the layers above them in ``LAYERS``, and no
module of rnnspec imports another in a circle. Every import statement counts, at the top of a module
or inside a function (a function-local import does not hide an upward one), read from the source
with ``ast``, so the contract holds whether or not a framework is installed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rnnspec

PACKAGE = Path(rnnspec.__file__).resolve().parent

# lowest first: a module may import its own layer and those before it, never one after
LAYERS = ("spec", "references", "cases", "targets", "checking", "properties", "running", "rendering", "interfaces")


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = ("rnnspec", *path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int | None:
    """The index in LAYERS of ``module``'s layer; -1 for the package root (``rnnspec``, its
    ``__version__``), len(LAYERS) for ``rnnspec.__main__``; None for a module outside rnnspec."""
    parts = module.split(".")
    if parts[0] != "rnnspec":
        return None
    if len(parts) == 1:
        return -1
    if parts[1] == "__main__":
        return len(LAYERS)
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else None


def imports_of(path: Path, root: Path = PACKAGE) -> list[tuple[str, int]]:
    """(module imported, line) for every import of an rnnspec module in the file at ``path``; ``from
    package import name`` counts as an import of ``package.name`` where that is a module."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                where = ".".join(base + ([node.module] if node.module else []))
            else:
                where = node.module or ""
            for alias in node.names:
                sub = f"{where}.{alias.name}"
                found.append((sub if _is_module(sub, root) else where, node.lineno))
    return [(m, line) for m, line in found if m.split(".")[0] == "rnnspec"]


def _is_module(name: str, root: Path) -> bool:
    relative = Path(*name.split(".")[1:])
    return (root / relative).with_suffix(".py").is_file() or (root / relative / "__init__.py").is_file()


def upward_imports(root: Path = PACKAGE) -> list[str]:
    """Each import that runs from a lower layer to a higher one, as ``file:line: A (layer) imports B (layer)``."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        here = layer_of(module_name(path, root))
        if here is None:
            bad.append(f"{path.relative_to(root.parent)}: in no layer; put it in one of {', '.join(LAYERS)}")
            continue
        for imported, line in imports_of(path, root):
            there = layer_of(imported)
            if there is not None and there > here:
                bad.append(f"{path.relative_to(root.parent)}:{line}: {module_name(path, root)} ({_name(here)}) imports "
                           f"{imported} ({_name(there)}), a layer above it")
    return bad


def _name(layer: int) -> str:
    return "the package root" if layer < 0 else "__main__" if layer == len(LAYERS) else LAYERS[layer]


def cycles(root: Path = PACKAGE) -> list[list[str]]:
    """Circles of imports between rnnspec's modules (a package's ``__init__`` included), each once."""
    graph = {module_name(p, root): {m for m, _ in imports_of(p, root)} for p in root.rglob("*.py")}
    found, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt == node or nxt not in graph:
                continue
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return found


def test_no_layer_imports_a_layer_above_it():
    bad = upward_imports()
    assert not bad, "imports against the layers (rnnspec/__init__.py lists them):\n" + "\n".join(bad)


def test_no_module_imports_itself_through_a_circle():
    found = cycles()
    assert not found, "circles of imports:\n" + "\n".join(" -> ".join(c) for c in found)


def test_every_layer_is_a_subpackage_that_says_what_it_holds():
    for layer in LAYERS:
        init = PACKAGE / layer / "__init__.py"
        assert init.is_file(), f"rnnspec/{layer}/ is not a package"
        assert ast.get_docstring(ast.parse(init.read_text())), f"rnnspec/{layer}/__init__.py has no docstring"
    assert {p.name for p in PACKAGE.glob("*.py")} == {"__init__.py", "__main__.py"}, \
        "a module at rnnspec's top level belongs to no layer"


@pytest.mark.parametrize("planted, expected", [
    ("from rnnspec.interfaces.cli import main\n", "rnnspec.spec.planted (spec) imports rnnspec.interfaces.cli (interfaces)"),
    ("def f():\n    from rnnspec.running import verifier\n",
     "rnnspec.spec.planted (spec) imports rnnspec.running.verifier (running)"),
    ("from ..properties import test_lstm\n", "rnnspec.spec.planted (spec) imports rnnspec.properties.test_lstm"),
])
def test_a_planted_upward_import_fails_the_contract(tmp_path, planted, expected):
    # a copy of the package with one module added to the lowest layer
    copy = tmp_path / "rnnspec"
    for path in PACKAGE.rglob("*.py"):
        (copy / path.relative_to(PACKAGE)).parent.mkdir(parents=True, exist_ok=True)
        (copy / path.relative_to(PACKAGE)).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert upward_imports(copy) == []
    (copy / "spec" / "planted.py").write_text(planted)
    bad = upward_imports(copy)
    assert len(bad) == 1 and expected in bad[0], bad


def test_a_planted_circle_fails_the_contract(tmp_path):
    copy = tmp_path / "rnnspec"
    for path in PACKAGE.rglob("*.py"):
        (copy / path.relative_to(PACKAGE)).parent.mkdir(parents=True, exist_ok=True)
        (copy / path.relative_to(PACKAGE)).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (copy / "spec" / "a.py").write_text("def f():\n    from rnnspec.spec import b\n")
    (copy / "spec" / "b.py").write_text("from rnnspec.spec.a import f\n")
    assert ["rnnspec.spec.a", "rnnspec.spec.b", "rnnspec.spec.a"] in cycles(copy)
