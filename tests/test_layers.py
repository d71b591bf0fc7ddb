"""The library's layers: no module imports a higher layer, and no two packages import each other.

Each layer is named by its folders (and the few infrastructure modules at the root), lowest first:
the checks and the configuration; the pure pieces (``schedules/``, ``optim/``, ``ema``, ``device``);
data and models; the scheduler classes (``lr_scheduler/``); the catalog of names and the drop-ins for
other libraries' schedulers (``catalog/``, ``compat/``); what trains and measures (``train/``: the
trainer, LR range test, averaged weights, gradient clipping) and the teaching helpers
(``teaching/``: landscapes, momentum theory, probes, quasi-Newton, orthogonalization, sharpness);
what people use (``widgets/``, ``cli/``, ``exercises/``, ``notebook``). Every import counts, also
one inside a function. README's layer line is checked against this list.
"""
from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "lrcourse"
LAYERS = [
    {"checks", "config"},
    {"schedules", "optim", "ema", "device"},
    {"data", "models"},
    {"lr_scheduler"},
    {"catalog", "compat"},
    {"train", "teaching"},
    {"widgets", "cli", "exercises", "notebook", "__main__", "__init__"},
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}


def top(path: Path) -> str:
    """The top-level piece of lrcourse a file belongs to (``lr_scheduler``, ``ema``, ...)."""
    return path.relative_to(ROOT).with_suffix("").parts[0]


def imported(path: Path) -> set[str]:
    """The top-level pieces of lrcourse that ``path`` imports (relative or absolute)."""
    package = path.relative_to(ROOT).parent.parts
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package[: len(package) - (node.level - 1)])
            target = base + (node.module.split(".") if node.module else [])
            out.add(target[0] if target else node.names[0].name)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lrcourse"):
            parts = node.module.split(".")
            out.add(parts[1] if len(parts) > 1 else node.names[0].name)
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("lrcourse.")}
    return out - {top(path), "__version__"}


FILES = sorted(ROOT.rglob("*.py"))
GRAPH = {}
for _f in FILES:
    GRAPH.setdefault(top(_f), set()).update(imported(_f))


def test_every_piece_has_a_layer():
    assert set(GRAPH) <= set(LAYER), f"give these a layer: {sorted(set(GRAPH) - set(LAYER))}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_only_its_own_layer_or_lower(path):
    higher = {m for m in imported(path) if LAYER.get(m, -1) > LAYER[top(path)]}
    assert not higher, f"{path.relative_to(ROOT)} (layer {LAYER[top(path)]}) imports higher layers: {sorted(higher)}"


def test_no_import_cycle_between_pieces():
    graphlib.TopologicalSorter(GRAPH).static_order()  # raises CycleError naming the cycle


def test_one_checks_module():
    assert not (ROOT / "optim" / "_checks.py").exists()
    assert not (ROOT / "schedules" / "checks.py").exists()


ROOT_MODULES = {"__init__", "__main__", "checks", "config", "data", "device", "ema", "models", "notebook"}


def test_the_root_holds_only_infrastructure():
    """Teaching helpers and what trains live in their packages; nine modules at most at the root."""
    assert {p.stem for p in ROOT.glob("*.py")} == ROOT_MODULES


def test_readme_layer_line_is_this_list():
    """README states the layers once, in the order of LAYERS, each layer's pieces between arrows."""
    readme = (ROOT.parent / "README.md").read_text()
    line = next(part for part in readme.split("\n\n") if part.startswith("Layers, lowest first:"))
    listed = line.split(":", 1)[1].split(";")[0]
    stated = [{name.strip(" `/\n") for name in layer.split(",")} for layer in listed.split("\u2190")]
    assert stated == [names - {"__main__", "__init__"} for names in LAYERS]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_another_modules_private_name(path):
    """A name that starts with one underscore stays in its module: no ``from .x import _name``."""
    private = [f"{node.module}.{a.name}" for node in ast.walk(ast.parse(path.read_text()))
               if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("lrcourse"))
               for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
    assert not private, f"{path.relative_to(ROOT)} imports private names: {private}"
