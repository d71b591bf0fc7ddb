"""The notebooks' implementation exercises and their reference answers in ``solutions/``.

Every numbered notebook ends with exercise cells (tagged ``exercise``) holding a skeleton and
its checks. Run untouched, each cell prints "not implemented yet" and raises nothing (CI runs
the notebooks so); with the skeleton's definitions replaced by the chapter's solution module,
the same cell's checks all print ✓. The solutions are written from the equations: none imports
lrcourse.
"""
from __future__ import annotations

import ast
import contextlib
import importlib
import io
from pathlib import Path

import nbformat
import pytest
import torch

from lrcourse import data as lrdata

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("ch[0-9][0-9]_*.py"))


def exercise_cells(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code" and "exercise" in c.metadata.get("tags", [])]


def run_cell(source: str, namespace: dict) -> list[str]:
    """The cell's printed lines (it must not raise)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<exercise cell>", "exec"), namespace)
    return out.getvalue().splitlines()


def without(source: str, names) -> str:
    """The cell without its top-level functions and classes called ``names`` (the skeleton)."""
    tree = ast.parse(source)
    tree.body = [n for n in tree.body if not (isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in names)]
    return ast.unparse(tree)


@pytest.fixture(scope="module")
def capstone_data(real_root):
    """Notebook 10's fast-mode data: real Fashion-MNIST, 7680 training and 1000 test images."""
    return lrdata.fashion_mnist(real_root, device="cpu", train_subset=7680, test_subset=1000)


def tiny_data():
    img = torch.zeros(64, 1, 28, 28, dtype=torch.uint8)
    return lrdata.FashionMNIST(img, torch.arange(64) % 10, img[:32], torch.arange(32) % 10)


def test_one_solution_module_per_numbered_notebook():
    assert [f"ch{p.stem}.py" for p in NOTEBOOKS] == [p.name for p in SOLUTIONS] and len(SOLUTIONS) == 13


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_ends_with_a_checked_exercise(path):
    nb = nbformat.read(path, as_version=4)
    cells = exercise_cells(path)
    assert cells and all("check_" in c or "claim(" in c for c in cells)
    assert nb.cells[-1].source in cells
    for c in nb.cells:  # committed untouched: at most the one "not implemented yet" line per check
        if c.source in cells:
            text = "".join(o.get("text", "") for o in c.outputs if o.get("output_type") == "stream")
            assert all(o.get("output_type") == "stream" for o in c.outputs), c.outputs
            assert all(line.startswith("✗ not implemented yet: ") for line in text.splitlines()), text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_untouched_exercises_say_not_implemented_yet(path):
    for source in exercise_cells(path):
        lines = run_cell(source, {"data": tiny_data(), "BATCH_SIZE": 32})
        assert lines and all(line.startswith("✗ not implemented yet: ") for line in lines), lines


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_solution_passes_every_check_of_its_cell(path, request):
    solution = importlib.import_module(f"solutions.ch{path.stem}")
    extra = {"data": request.getfixturevalue("capstone_data"), "BATCH_SIZE": 256} if path.stem == "10_capstone" else {}
    for source in exercise_cells(path):
        namespace = {**vars(solution), **extra}
        lines = run_cell(without(source, vars(solution)), namespace)
        calls = source.count("print(check_") + source.count("claim(")
        assert len(lines) == calls and all(line.startswith("✓ ") for line in lines), lines


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solutions_do_not_import_lrcourse(path):
    tree = ast.parse(path.read_text())
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    imported += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [m for m in imported if m.split(".")[0] == "lrcourse"]
