"""The package's layers import one way, and no module imports itself back (docs/architecture.md).

Every module of ``solver/`` is parsed with :mod:`ast`; every ``import``/``from ... import`` in it
counts, at module level, inside functions and classes, and under ``if TYPE_CHECKING:``. A module
may import only modules of its own layer or of a lower one, and the module graph has no cycle.
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import solver
from solver._compat import MOVED_NAMES, OLD_PATHS

PACKAGE = Path(solver.__file__).parent

LAYERS = ("_common", "model", "theory", "spectral", "magnetism", "io", "app")
"""The layers, lowest first: a module imports only from its own layer or those before it."""

RANK = {"solver._version": 0, **{f"solver.{layer}": i for i, layer in enumerate(LAYERS)},
        "solver._compat": len(LAYERS), "solver": len(LAYERS) + 1,
        "solver.app.cli": len(LAYERS) + 2, "solver.__main__": len(LAYERS) + 2}
"""Above the layers: ``solver._compat`` (the old flat module paths), the package root (the
public API, which imports every layer) and the command line, a client of that public API."""


def _module_name(path: Path) -> str:
    parts = ("solver",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _rank(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in RANK:
            return RANK[key]
    raise AssertionError(f"{module}: not in a layer (add it to RANK)")


def _resolve(name: str) -> str:
    """The module an import binds: ``solver.x.y`` itself, or its package for a name in it."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imports(module: str) -> set[str]:
    """The package modules ``module`` imports (anywhere in its source)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "solver")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").split(".")[0] == "solver":
                target = node.module
            else:
                continue
            for alias in node.names:  # ``from pkg import mod`` imports pkg.mod
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return {_resolve(name) for name in found} - {module}


GRAPH = {module: imports(module) for module in MODULES}


def test_every_module_is_in_a_layer():
    for module in MODULES:
        _rank(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_from_a_higher_layer(module):
    upward = sorted(t for t in GRAPH[module] if _rank(t) > _rank(module))
    assert not upward, f"{module} (layer {_rank(module)}) imports higher layers: {upward}"


def _cycle() -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(GRAPH):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_import_cycle():
    cycle = _cycle()
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_checker_sees_function_level_and_relative_imports():
    """The parser itself: a function-level relative import is an edge."""
    assert "solver._common.cache" in GRAPH["solver.spectral.fft"]
    assert "solver.spectral.edge_energy" in GRAPH["solver.spectral.solution"]  # inside a method


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.endswith("__main__")))
def test_every_module_declares_its_public_names(module):
    mod = importlib.import_module(module)
    assert isinstance(getattr(mod, "__all__", None), (list, tuple)), f"{module} has no __all__"
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert not missing, f"{module}.__all__ names missing attributes: {missing}"


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_old_module_paths_are_the_new_modules(old):
    """``solver.<old>`` (flat layout) imports and is the module that now holds the code."""
    new = importlib.import_module(f"solver.{OLD_PATHS[old]}")
    assert importlib.import_module(f"solver.{old}") is new
    if old != "sweep":  # solver.sweep is the sweep function (its module: solver.app.sweep)
        assert getattr(solver, old) is new
    for where, names in MOVED_NAMES.get(old, {}).items():  # split modules: moved names kept
        home = importlib.import_module(f"solver.{where}")
        assert all(getattr(new, n) is getattr(home, n) for n in names)


def test_sweep_is_the_function_and_its_module_is_app_sweep():
    from solver.app import sweep as sweep_module
    from solver.sweep import spec_point

    assert solver.sweep is sweep_module.sweep and spec_point is sweep_module.spec_point
