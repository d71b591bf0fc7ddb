"""What pyproject.toml asks pip for, as ``{name: specifier}``: the one reader behind the tests
that keep environment.yml (test_environment.py) and binder/requirements.txt (test_binder.py)
in step with it."""
from __future__ import annotations

import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    from pip._vendor import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def split_requirement(req: str) -> tuple[str, str]:
    """``"pytest-xdist >= 3.5"`` -> ``("pytest-xdist", ">=3.5")``; names lowercased, _ as -."""
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    assert m, f"cannot parse requirement {req!r}"
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def pyproject_requirements() -> dict[str, str]:
    """The runtime dependencies and every extra's."""
    project = pyproject()["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return dict(split_requirement(r) for r in reqs)
