"""binder/: the packages Binder installs match pyproject.toml's (torch CPU-only), and postBuild
and start do what make does (run here with pip and python replaced by recorders)."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from requirements_reader import ROOT, pyproject_requirements, split_requirement

BINDER = ROOT / "binder"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def binder_requirements() -> tuple[dict[str, str], list[str]]:
    """(``{name: specifier}``, the option lines) of binder/requirements.txt."""
    reqs, options = {}, []
    for line in (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-"):
            options.append(line)
        elif line:
            name, spec = split_requirement(line)
            assert name not in reqs, f"{name} listed twice"
            reqs[name] = spec
    return reqs, options


def test_binder_lists_the_same_packages_as_pyproject():
    assert sorted(binder_requirements()[0]) == sorted(pyproject_requirements())


def test_binder_has_the_same_lower_bounds_as_pyproject():
    assert binder_requirements()[0] == pyproject_requirements()


def test_binder_takes_torch_from_the_cpu_index():
    assert binder_requirements()[1] == [f"--extra-index-url {CPU_INDEX}"]


def _run_with_recorders(tmp_path: Path, script: str) -> list[str]:
    """Run ``binder/<script>`` from the repository root with ``pip`` and ``python`` on PATH
    replaced by scripts that append their command line to a log; the logged lines."""
    bin_dir, log = tmp_path / "bin", tmp_path / "log"
    bin_dir.mkdir()
    for tool in ("pip", "python"):
        recorder = bin_dir / tool
        recorder.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\n')
        recorder.chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(tmp_path)}
    subprocess.run(["bash", str(BINDER / script)], cwd=ROOT, env=env, capture_output=True, check=True)
    return log.read_text().splitlines() if log.exists() else []


def test_postbuild_installs_lrcourse_and_d2l_without_deps_then_prepares_the_data(tmp_path):
    d2l = re.search(r'--no-deps "?(d2l==[^"\s]+)', (ROOT / "Makefile").read_text()).group(1)
    commands = _run_with_recorders(tmp_path, "postBuild")
    assert commands == ["pip install --no-deps -e .", f"pip install --no-deps {d2l}",
                        "python -m lrcourse data"]


def test_postbuild_stops_at_the_first_failure(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pip").write_text("#!/bin/sh\nexit 3\n")
    (bin_dir / "pip").chmod(0o755)
    out = subprocess.run(["bash", str(BINDER / "postBuild")], cwd=ROOT, capture_output=True,
                         env={"PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin"})
    assert out.returncode == 3


def test_binder_scripts_are_executable():
    for script in ("postBuild", "start"):
        assert os.access(BINDER / script, os.X_OK), f"binder/{script} is not executable"


def test_start_makes_the_notebooks_run_fast_unless_told_otherwise(tmp_path):
    env = {"PATH": "/usr/bin:/bin"}
    out = subprocess.run(["bash", str(BINDER / "start"), "printenv", "LRCOURSE_FAST"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout == "1\n"
    out = subprocess.run(["bash", str(BINDER / "start"), "printenv", "LRCOURSE_FAST"],
                         env={**env, "LRCOURSE_FAST": "0"}, capture_output=True, text=True, check=True)
    assert out.stdout == "0\n"
