"""The numbered notebooks' setup cell: on Colab without lrcourse it installs the course from
pyproject's repository URL, d2l without its pins, and the data, then runs setup(); anywhere
else it only runs setup(), as before. The cell's own source is executed here with Colab
simulated, lrcourse's import made to fail once, and every command recorded instead of run."""
from __future__ import annotations

import ast
import builtins
import json
import re
import subprocess
import sys
import types

import pytest
import torch
from requirements_reader import ROOT, pyproject, split_requirement

import lrcourse.notebook

NUMBERED = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
URL = pyproject()["project"]["urls"]["Repository"]
D2L = re.search(r'--no-deps "?(d2l==[^"\s]+)', (ROOT / "Makefile").read_text()).group(1)
PIP = [sys.executable, "-m", "pip", "install", "--quiet"]
INSTALL = [PIP + [f"lrcourse @ git+{URL}@main"], PIP + ["--no-deps", D2L], [sys.executable, "-m", "lrcourse", "data"]]


def code_cells(path):
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def run_setup_cell(source: str, monkeypatch, *, colab: bool, installed: bool,
                   pip_fails: bool = False) -> tuple[list, dict]:
    """Execute ``source`` with Colab present or not and lrcourse importable or not (until the
    first failed import: pip "installs" it); returns (what happened in order, the namespace)."""
    events = []

    def check_call(cmd, **kwargs):
        events.append(list(cmd))
        if pip_fails:
            raise subprocess.CalledProcessError(1, cmd)
        return 0

    if colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(subprocess, "check_call", check_call)
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **kw: pytest.fail(f"ran {a}"))
    monkeypatch.setattr(lrcourse.notebook, "setup", lambda: events.append("setup()") or "FAST")
    missing = [not installed]

    def importer(name, *args, **kwargs):
        if name == "lrcourse" and missing[0]:
            missing[0] = False
            raise ModuleNotFoundError("No module named 'lrcourse'", name="lrcourse")
        return builtins.__import__(name, *args, **kwargs)

    namespace = {"__builtins__": {**vars(builtins), "__import__": importer}}
    try:
        exec(compile(source, "<setup cell>", "exec"), namespace)
    except (ModuleNotFoundError, subprocess.CalledProcessError) as exc:
        events.append(f"raised {type(exc).__name__}")
    return events, namespace


# (on Colab, lrcourse installed, pip fails) -> what the cell does, in order
CASES = [
    (True, False, False, INSTALL + ["setup()"]),
    (True, False, True, INSTALL[:1] + ["raised CalledProcessError"]),  # stops at the first failure
    (True, True, False, ["setup()"]),  # the second run in a Colab session
    (False, True, False, ["setup()"]),  # make lab, Binder, nbval in CI
    (False, False, False, ["raised ModuleNotFoundError"]),  # not installed, not on Colab: as before
]


@pytest.mark.parametrize("colab, installed, pip_fails, expected", CASES)
@pytest.mark.parametrize("path", NUMBERED, ids=lambda p: p.stem)
def test_setup_cell(monkeypatch, path, colab, installed, pip_fails, expected):
    events, namespace = run_setup_cell(code_cells(path)[0], monkeypatch, colab=colab,
                                       installed=installed, pip_fails=pip_fails)
    assert events == expected
    assert namespace.get("FAST") == ("FAST" if "setup()" in expected else None)


@pytest.mark.parametrize("value, line", [("1", "fast run (LRCOURSE_FAST=1)"), ("", "full run")])
def test_outside_colab_the_cell_prints_what_setup_always_printed(monkeypatch, capsys, value, line):
    monkeypatch.setenv("LRCOURSE_FAST", value)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    threads = torch.get_num_threads()
    try:
        exec(compile(code_cells(NUMBERED[0])[0], "<setup cell>", "exec"), {})
    finally:
        torch.set_num_threads(threads)
    assert capsys.readouterr().out == line + "\n"


def _top_level_imports(source: str) -> set[str]:
    source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_colab_installs_enough_the_notebooks_and_lrcourse_import_only_runtime_packages():
    """Why the cell installs lrcourse without the course extra."""
    runtime = {split_requirement(r)[0] for r in pyproject()["project"]["dependencies"]}
    allowed = set(sys.stdlib_module_names) | runtime | {"lrcourse", "IPython"}  # IPython: ipywidgets'
    imports = {f"notebooks/{p.name}": set().union(*map(_top_level_imports, code_cells(p))) for p in NUMBERED}
    imports |= {str(p.relative_to(ROOT)): _top_level_imports(p.read_text())
                for p in (ROOT / "lrcourse").rglob("*.py")}
    beyond = {where: sorted(names - allowed) for where, names in imports.items() if names - allowed}
    assert not beyond
