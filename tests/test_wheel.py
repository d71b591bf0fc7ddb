"""The wheel stands alone: built from the package's sources and installed into an empty folder,
it imports every lrcourse module and runs the ``lrcourse`` command from outside the checkout
(the venv provides torch and the rest; the checkout's editable install is not what runs)."""
from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import lrcourse

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "lrcourse")  # what the build reads


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(the wheel, the folder it is installed in, a working folder outside the checkout)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(pip + ["wheel", str(src), "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist")],
                   check=True, cwd=tmp)
    wheels = list((tmp / "dist").glob("*.whl"))
    assert [w.name for w in wheels] == [f"lrcourse-{lrcourse.__version__}-py3-none-any.whl"]
    target = tmp / "installed"
    subprocess.run(pip + ["install", "--no-deps", "--target", str(target), str(wheels[0])], check=True, cwd=tmp)
    work = tmp / "work"
    work.mkdir()
    return wheels[0], target, work


def run_there(built, *args: str) -> str:
    """Run a command with PYTHONPATH the install folder only, from outside the checkout."""
    _, target, work = built
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(list(args), cwd=work, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


CHECK = """
import importlib, pkgutil, sys
import lrcourse
names = sorted(m.name for m in pkgutil.walk_packages(lrcourse.__path__, "lrcourse."))
for name in names:
    if name != "lrcourse.__main__":  # runs the command: tested below
        module = importlib.import_module(name)
        assert module.__file__.startswith(sys.argv[1]), (name, module.__file__)
print(lrcourse.__file__)
print("\\n".join(names))
"""


def test_the_installed_wheel_imports_every_module_from_itself(built):
    _, target, _ = built
    first, *names = run_there(built, sys.executable, "-c", CHECK, str(target)).splitlines()
    assert first == str(target / "lrcourse" / "__init__.py")
    in_checkout = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                         for p in (ROOT / "lrcourse").rglob("*.py") if "__pycache__" not in p.parts)
    assert names == [n for n in in_checkout if n != "lrcourse"]


@pytest.mark.parametrize("command", ["module", "script"])
def test_version_comes_from_the_one_version_in_the_package(built, command):
    _, target, _ = built
    exe = [sys.executable, "-m", "lrcourse"] if command == "module" else [str(target / "bin" / "lrcourse")]
    assert run_there(built, *exe, "--version") == f"lrcourse {lrcourse.__version__}\n"
    installed = run_there(built, sys.executable, "-c", "import importlib.metadata as m; print(m.version('lrcourse'))")
    assert installed == f"{lrcourse.__version__}\n"


def test_the_installed_command_writes_a_schedule(built):
    _, _, work = built
    run_there(built, sys.executable, "-m", "lrcourse", "schedule", "cosine", "--steps", "10", "--out", "c.csv")
    header, *rows = (work / "c.csv").read_text().splitlines()
    assert header == "step,lr"
    # CosineAnnealingLR, lr 0.1, T_max = steps = 10: 0.05 (1 + cos(pi t / 10))
    got = [tuple(map(float, row.split(","))) for row in rows]
    assert [s for s, _ in got] == list(range(10))
    assert [lr for _, lr in got] == pytest.approx([0.05 * (1 + math.cos(math.pi * t / 10)) for t in range(10)])


def test_the_wheel_carries_the_metadata(built):
    wheel, _, _ = built
    with zipfile.ZipFile(wheel) as zf:
        info = f"lrcourse-{lrcourse.__version__}.dist-info"
        meta = zf.read(f"{info}/METADATA").decode()
        assert zf.read(f"{info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
    head = meta.split("\n\n")[0].splitlines()
    assert f"Version: {lrcourse.__version__}" in head
    assert "License-Expression: MIT" in head
    assert "Author: lrcourse contributors" in head
    assert "Project-URL: Repository, https://github.com/lrcourse/lrcourse" in head
    assert not [line for line in head if line.startswith("Classifier: License ::")]  # the SPDX field says it
    assert "lrcourse = lrcourse.cli:main" in entry_points
