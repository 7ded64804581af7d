"""No module of rnnspec changes process-wide state when it is imported: a user who imports
rnnspec (or the pytest plugin loads it, or an adapter module) keeps their torch default dtype, grad
mode, threads, seeds, environment, import path, working folder, signal handlers, warning filters,
JAX's float64 mode and Paddle's device. Each module is imported in a fresh process after the
libraries it uses (so only rnnspec's own changes count), and a snapshot of that state is compared
before and after. The adapters, whose frameworks take seconds each to import, are in the slow tier."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

import rnnspec

PACKAGE = Path(rnnspec.__file__).resolve().parent
ADAPTERS = PACKAGE / "targets" / "adapters"

# the state compared: one expression each, run in the child before and after the import
SNAPSHOT = r'''
import hashlib, logging, os, random, signal, sys, warnings
import numpy as np
import torch

def snapshot():
    state = {
        "environment": dict(os.environ), "sys.path": list(sys.path), "cwd": os.getcwd(),
        "torch default dtype": str(torch.get_default_dtype()), "torch grad mode": torch.is_grad_enabled(),
        "torch threads": torch.get_num_threads(), "torch deterministic": torch.are_deterministic_algorithms_enabled(),
        "torch anomaly mode": torch.is_anomaly_enabled(), "torch inference mode": torch.is_inference_mode_enabled(),
        "torch seed state": hashlib.sha1(torch.get_rng_state().numpy().tobytes()).hexdigest(),
        "numpy seed state": hashlib.sha1(repr(np.random.get_state()).encode()).hexdigest(),
        "numpy errors": np.geterr(), "numpy print options": repr(np.get_printoptions()),
        "random seed state": hashlib.sha1(repr(random.getstate()).encode()).hexdigest(),
        "SIGINT handler": repr(signal.getsignal(signal.SIGINT)), "SIGTERM handler": repr(signal.getsignal(signal.SIGTERM)),
        "warning filters": [repr(f) for f in warnings.filters], "logging root level": logging.getLogger().level,
        "logging root handlers": len(logging.getLogger().handlers), "stdout": repr(sys.stdout), "stderr": repr(sys.stderr),
    }
    if "jax" in sys.modules:
        import jax
        state["jax x64"] = bool(jax.config.jax_enable_x64)
    if "paddle" in sys.modules:
        import paddle
        state["paddle device"], state["paddle default dtype"] = paddle.get_device(), paddle.get_default_dtype()
    if "hypothesis" in sys.modules:
        import hypothesis
        state["hypothesis settings"] = repr(hypothesis.settings())
    return state
'''

CHILD = SNAPSHOT + r'''
import importlib, json
libraries, modules, env = json.loads(sys.argv[1])
saved = {k: os.environ.get(k) for k in env}
os.environ.update(env)  # what a framework reads at import (KERAS_BACKEND, ...), for the libraries only
for name in libraries:
    try:
        importlib.import_module(name)
    except Exception:
        pass
for k, v in saved.items():
    os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
changed = {}
for module in modules:
    before = snapshot()
    importlib.import_module(module)
    after = snapshot()
    diff = {k: (before.get(k), after.get(k)) for k in set(before) | set(after) if before.get(k) != after.get(k)}
    if diff:
        changed[module] = {k: [repr(v)[:300] for v in pair] for k, pair in diff.items()}
print("rnnspec-state " + json.dumps(changed))
'''


def _module(path: Path) -> str:
    parts = ("rnnspec", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _libraries(paths) -> list[str]:
    """The third-party top-level modules imported anywhere in ``paths`` (function-local imports too)."""
    found = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            found |= {n.split(".")[0] for n in names}
    return sorted(n for n in found if n not in sys.stdlib_module_names and n not in ("rnnspec", "__future__")
                  and importlib.util.find_spec(n) is not None)


def _changes(modules: list[str], libraries: list[str], env: dict | None = None) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps([libraries, modules, env or {}])],
                          capture_output=True, text=True, timeout=600)
    line = next((l for l in done.stdout.splitlines() if l.startswith("rnnspec-state ")), None)
    assert line is not None, f"the child exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return json.loads(line.removeprefix("rnnspec-state "))


CORE = sorted(p for p in PACKAGE.rglob("*.py") if ADAPTERS not in p.parents and p.name != "__main__.py")


def test_importing_any_module_outside_the_adapters_changes_no_process_wide_state():
    changed = _changes([_module(p) for p in CORE], _libraries(CORE))
    assert not changed, f"modules that change process-wide state when imported: {json.dumps(changed, indent=1)}"


# each adapter with the frameworks it imports (its own file and the _shared helpers it uses)
_FRAMEWORK_ENV = {"keras": {"KERAS_BACKEND": "torch"}, "tf_keras": {"TF_USE_LEGACY_KERAS": "1"}}
_ADAPTERS = sorted(p for p in ADAPTERS.glob("[!_]*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("path", _ADAPTERS, ids=lambda p: p.stem)
def test_importing_an_adapter_changes_no_process_wide_state(path):
    helpers = [ADAPTERS / f"{m}.py" for m in ("_jax", "_flax", "_tf") if f"adapters.{m} import" in path.read_text()]
    libraries = _libraries([path, *helpers])
    own = [n for n in libraries if n not in ("torch", "numpy")]
    if any(importlib.util.find_spec(n) is None for n in own) or (path.stem != "torch_compile" and not own):
        pytest.skip(f"needs {own}, not installed")
    try:
        changed = _changes([_module(path)], _libraries(CORE) + libraries, _FRAMEWORK_ENV.get(path.stem))
    except AssertionError as e:  # the framework itself cannot be imported here (a missing dependency)
        pytest.skip(f"{_module(path)} does not import here: {str(e)[-300:]}")
    assert not changed, f"{_module(path)} changes process-wide state when imported: {json.dumps(changed, indent=1)}"
