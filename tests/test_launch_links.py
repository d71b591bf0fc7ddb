"""tools/launch_links.py: the Colab/Binder links and the Colab setup cell follow the one
repository URL in pyproject.toml; --check finds every difference, writing repairs it byte for
byte and twice is once."""
from __future__ import annotations

import difflib
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("launch_links", ROOT / "tools" / "launch_links.py")
launch_links = importlib.util.module_from_spec(spec)
spec.loader.exec_module(launch_links)

URL = "https://github.com/lrcourse/lrcourse"
FORK = "https://github.com/someone/fork"
NUMBERED = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BADGE = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"


def colab(org_repo: str, name: str) -> str:
    return f"{BADGE}(https://colab.research.google.com/github/{org_repo}/blob/main/notebooks/{name})"


@pytest.fixture
def repo(tmp_path):
    """A copy of what the tool reads and writes."""
    for name in ("pyproject.toml", "README.md", "Makefile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.json"))
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    files = [root / "README.md", root / "pyproject.toml", *sorted((root / "notebooks").glob("*.ipynb"))]
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def check(root: Path, capsys) -> tuple[int, list[str]]:
    status = launch_links.main(["--check", "--root", str(root)])
    return status, capsys.readouterr().out.splitlines()


def test_the_repository_is_in_step(capsys):
    assert check(ROOT, capsys) == (0, [])


def test_the_repository_url_is_the_one_in_pyproject():
    assert launch_links.repository(ROOT) == URL


def test_a_changed_url_fails_the_check_on_every_link_and_writes_nothing(repo, capsys):
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(URL, FORK))
    before = snapshot(repo)
    status, lines = check(repo, capsys)
    assert status == 1
    # per numbered notebook: its badge cell, its setup cell, its README row; plus the Binder badge
    assert len(lines) == 3 * len(NUMBERED) + 1
    for name in NUMBERED:
        assert sum(name in line for line in lines) == 3, name
    assert sum("Binder" in line for line in lines) == 1
    assert snapshot(repo) == before


def test_write_points_every_link_at_the_new_url_and_twice_is_once(repo, capsys):
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(URL, FORK))
    assert launch_links.main(["--root", str(repo)]) == 0
    capsys.readouterr()
    assert check(repo, capsys) == (0, [])
    for name in NUMBERED:
        nb = json.loads((repo / "notebooks" / name).read_text())
        assert "".join(nb["cells"][0]["source"]) == colab("someone/fork", name)
        assert nb["cells"][0]["metadata"] == {"tags": ["launch-links"]}
        setup = "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])
        assert '"lrcourse @ git+https://github.com/someone/fork@main"' in setup
        assert "lrcourse/lrcourse" not in json.dumps(nb)
    readme = (repo / "README.md").read_text()
    for name in NUMBERED:
        assert f"| {colab('someone/fork', name)} |" in readme
    assert ("[![Binder](https://mybinder.org/badge_logo.svg)]"
            "(https://mybinder.org/v2/gh/someone/fork/main?urlpath=lab/tree/notebooks)") in readme
    once = snapshot(repo)
    assert launch_links.main(["--root", str(repo)]) == 0
    assert capsys.readouterr().out == ""
    assert snapshot(repo) == once


OLD_SETUP = ["from lrcourse.notebook import setup\n", "FAST = setup()"]


@pytest.mark.parametrize("name", NUMBERED)
def test_write_adds_only_the_badge_cell_and_the_install_lines(repo, name):
    """From the notebook as it was before this tool (no badge cell, the two-line setup cell)
    the tool gives back the committed file byte for byte, and the text diff has only added lines."""
    path = repo / "notebooks" / name
    committed = path.read_text(encoding="utf-8")
    nb = json.loads(committed)
    # the committed layout is nbformat's: indent 1, keys sorted, UTF-8 as is, final newline
    assert json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n" == committed
    del nb["cells"][0]
    next(c for c in nb["cells"] if c["cell_type"] == "code")["source"] = OLD_SETUP
    older = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(older, encoding="utf-8")
    assert launch_links.main(["--root", str(repo)]) == 0
    assert path.read_text(encoding="utf-8") == committed
    diff = list(difflib.ndiff(older.splitlines(), committed.splitlines()))
    assert not [line for line in diff if line.startswith("- ")]
    assert len([line for line in diff if line.startswith("+ ")]) == 12 + 11  # the cell, the lines


def _drop_colab_column(root):
    path = root / "README.md"
    lines = path.read_text().split("\n")
    top = lines.index(launch_links.TABLE_HEADER + " Colab |")
    lines[top], lines[top + 1] = launch_links.TABLE_HEADER, lines[top + 1][: -len("---|")]
    i = top + 2
    while lines[i].startswith("|"):
        lines[i] = lines[i][: lines[i].rstrip(" |").rindex(" |") + 2]
        i += 1
    path.write_text("\n".join(lines))


def _edit(relpath, old, new):
    def damage(root):
        path = root / relpath
        text = path.read_text()
        assert text.count(old) >= 1, old
        path.write_text(text.replace(old, new, 1))
    return damage


def _drop_badge_cell(root):
    path = root / "notebooks" / "03_momentum.ipynb"
    nb = json.loads(path.read_text())
    del nb["cells"][0]
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


BINDER = "https://mybinder.org/v2/gh/lrcourse/lrcourse/main?urlpath=lab/tree/notebooks)"

# damage done to a copy -> the lines --check must print (each an expected fragment)
DAMAGE = [
    (_drop_colab_column, ["has no Colab column"] + [f"{n}'s row" for n in NUMBERED] + ["dashboard.ipynb's row"]),
    (_edit("README.md", colab("lrcourse/lrcourse", "07_warmup.ipynb"), "soon"), ["07_warmup.ipynb's row"]),
    (_edit("README.md", f"{colab('lrcourse/lrcourse', '01_ema.ipynb')} |\n| 02", "— |\n| 02"), ["01_ema.ipynb's row"]),
    (_edit("README.md", BINDER, BINDER.replace("/main?", "/master?")), ["Binder badge does not point"]),
    (_drop_badge_cell, ["03_momentum.ipynb: no Colab badge cell"]),
    (_edit("notebooks/10_capstone.ipynb", "blob/main/notebooks/10", "blob/master/notebooks/10"),
     ["10_capstone.ipynb: the Colab badge cell"]),
    (_edit("notebooks/08_reduce_on_plateau.ipynb", "d2l==1.0.3", "d2l==1.0.0"),
     ["08_reduce_on_plateau.ipynb: the setup cell"]),
    (_edit("notebooks/09_cyclic_onecycle_lr_finder.ipynb", "git+https://github.com/lrcourse/lrcourse@main",
           "git+https://github.com/other/x@main"),
     ["09_cyclic_onecycle_lr_finder.ipynb: the setup cell"]),
]


@pytest.mark.parametrize("damage, expected", DAMAGE, ids=lambda x: getattr(x, "__name__", None))
def test_check_names_each_difference_and_write_repairs_it_byte_for_byte(repo, capsys, damage, expected):
    pristine = snapshot(repo)
    damage(repo)
    status, lines = check(repo, capsys)
    assert status == 1
    assert len(lines) == len(expected), lines
    for line, fragment in zip(lines, expected):
        assert fragment in line, (fragment, line)
    assert launch_links.main(["--root", str(repo)]) == 0
    assert snapshot(repo) == pristine


def test_a_missing_binder_badge_is_written_above_the_notebook_table(repo, capsys):
    line = f"[![Binder](https://mybinder.org/badge_logo.svg)]({BINDER}"
    _edit("README.md", f"{line}\n\n", "")(repo)
    status, lines = check(repo, capsys)
    assert status == 1 and len(lines) == 1 and "no Binder badge line" in lines[0]
    assert launch_links.main(["--root", str(repo)]) == 0
    assert f"{line}\n\n{launch_links.TABLE_HEADER}" in (repo / "README.md").read_text()
    capsys.readouterr()
    assert check(repo, capsys) == (0, [])


@pytest.mark.parametrize("key", ["Homepage", "Issues", "Documentation"])
def test_other_project_urls_must_start_with_the_repository(repo, capsys, key):
    pyproject = repo / "pyproject.toml"
    text = pyproject.read_text()
    line = next(line for line in text.splitlines() if line.startswith(f"{key} = "))
    pyproject.write_text(text.replace(line, line.replace(URL, "https://example.org/x")))
    status, lines = check(repo, capsys)
    assert status == 1
    assert len(lines) == 1 and key in lines[0] and "https://example.org/x" in lines[0]
    assert launch_links.main(["--root", str(repo)]) == 1  # a fork edits pyproject.toml by hand
    assert capsys.readouterr().out.startswith("not fixed (edit it by hand): pyproject.toml:")


# what makes the tool stop -> a fragment of its one-line error
ERRORS = [
    (_edit("pyproject.toml", f'Repository = "{URL}"', 'Repository = "https://gitlab.com/a/b"'),
     "Repository must be https://github.com/ORG/REPO (no .git, no trailing /), got 'https://gitlab.com/a/b'"),
    (_edit("pyproject.toml", f'Repository = "{URL}"', f'Repository = "{URL}.git"'), f"got '{URL}.git'"),
    (_edit("pyproject.toml", f'Repository = "{URL}"', f'Repository = "{URL}/"'), f"got '{URL}/'"),
    (_edit("pyproject.toml", f'Repository = "{URL}"\n', ""), "got ''"),
    (_edit("Makefile", '--no-deps "d2l', '"d2l'), "Makefile: no `pip install --no-deps"),
    (_edit("README.md", "| # | notebook |", "| no | notebook |"), "README.md: no notebook table"),
    (_edit("README.md", "| 04 | [04_adaptive_methods.ipynb]", "| 04 | [4.ipynb]"),
     "README.md: the notebook table has no row for 04_adaptive_methods.ipynb"),
    (_edit("notebooks/06_schedules.ipynb", '"FAST = setup()"', '"FAST = setup(seed=1)"'),
     "notebooks/06_schedules.ipynb: the first code cell must be the setup cell"),
    (_edit("notebooks/02_gradient_descent.ipynb", '"import subprocess, sys\\n",', '"import subprocess, sys\\n", "x = 1\\n",'),
     "notebooks/02_gradient_descent.ipynb: the first code cell must be the setup cell"),
]


@pytest.mark.parametrize("damage, message", ERRORS)
@pytest.mark.parametrize("mode", [["--check"], []])
def test_what_the_tool_cannot_fix_stops_it_with_one_line_and_nothing_written(repo, capsys, damage, message, mode):
    damage(repo)
    before = snapshot(repo)
    assert launch_links.main([*mode, "--root", str(repo)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("launch_links: error: ") and err.count("\n") == 1
    assert message in err
    assert snapshot(repo) == before
