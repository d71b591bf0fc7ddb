"""environment.yml (conda) and pyproject.toml (pip) describe the same environment."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from requirements_reader import ROOT, pyproject, pyproject_requirements
from requirements_reader import split_requirement as _split

CONDA_TO_PIP = {"pytorch": "torch"}  # conda-forge names that differ from PyPI's
CONDA_ONLY = {"python", "pip"}


def conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    out: dict[str, str] = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            if item.startswith("-e "):
                continue
            name, spec = _split(item)
            name = CONDA_TO_PIP.get(name, name)
            if name not in CONDA_ONLY:
                out[name] = spec
    return out


def test_environment_yml_lists_the_same_packages_as_pyproject():
    pip_side, conda_side = pyproject_requirements(), conda_requirements()
    assert sorted(conda_side) == sorted(pip_side)


def test_environment_yml_has_the_same_lower_bounds_as_pyproject():
    pip_side, conda_side = pyproject_requirements(), conda_requirements()
    assert {k: conda_side[k] for k in pip_side} == pip_side


def test_no_exact_pins():
    pinned = {k: v for k, v in pyproject_requirements().items() if "==" in v}
    assert not pinned, f"exact pins break installs on newer Pythons: {pinned}"


def test_environment_yml_installs_the_package_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_items = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e ." in pip_items


def test_python_floor_matches():
    project = pyproject()["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    floor = project["requires-python"]
    assert f"python{floor}" in env["dependencies"]


def test_makefile_installs_d2l_without_its_pins():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"pip install --no-deps \"?d2l", makefile)


@pytest.mark.parametrize("args", [["--version"], ["-m", "lrcourse", "--version"]])
def test_version_entry_points(args):
    import lrcourse

    exe = [str(Path(sys.executable).with_name("lrcourse"))] if args == ["--version"] else [sys.executable]
    out = subprocess.run(exe + args, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"lrcourse {lrcourse.__version__}"
