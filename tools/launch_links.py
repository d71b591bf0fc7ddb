"""Colab and Binder launch links, written from the one repository URL in pyproject.toml.

``[project.urls] Repository`` (``https://github.com/ORG/REPO``, branch ``main``) is the
only place the URL is typed. From it this tool writes:

- README.md: a "Colab" column in the notebook table (a badge per numbered notebook) and
  the Binder badge line (``[![Binder](...)](https://mybinder.org/v2/gh/ORG/REPO/main?...)``);
- each numbered notebook (``notebooks/NN_*.ipynb``): a first markdown cell tagged
  ``launch-links`` holding its Colab badge, and the setup cell, which on Colab installs
  the course from that URL (``pip install "lrcourse @ git+URL@main"``, d2l with
  ``--no-deps`` at the Makefile's pin), prepares Fashion-MNIST, then calls ``setup()``.

The other ``[project.urls]`` entries must start with the Repository URL. Notebooks are
loaded and saved with nbformat, which keeps every other cell, output and id byte for byte.

Usage:
    python tools/launch_links.py           # write what is missing or out of date
    python tools/launch_links.py --check   # change nothing; exit 1 with one line per difference
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        from pip._vendor import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
BRANCH = "main"
TAG = "launch-links"  # the badge cell's tag and id
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
BINDER_LINE_START = f"[![Binder]({BINDER_BADGE})]("
TABLE_HEADER = "| # | notebook | what it teaches | full run |"
SETUP_END = "from lrcourse.notebook import setup\nFAST = setup()"
SETUP_CELL = """\
# On Colab, the first run installs lrcourse from {url} and downloads Fashion-MNIST.
import subprocess, sys
try:
    import lrcourse
except ModuleNotFoundError:
    if "google.colab" not in sys.modules:  # elsewhere `make lab` installs it (see README)
        raise
    pip = [sys.executable, "-m", "pip", "install", "--quiet"]
    subprocess.check_call(pip + ["lrcourse @ git+{url}@{branch}"])
    subprocess.check_call(pip + ["--no-deps", "{d2l}"])  # without its pins (README)
    subprocess.check_call([sys.executable, "-m", "lrcourse", "data"])
""" + SETUP_END


# The setup cells this tool may rewrite: the plain two lines, or its own cell for any URL and pin.
# Anything else (a line a student added, say) stops it rather than being overwritten.
SETUP_CELL_ANY = re.compile("".join(re.escape(part) if i % 2 == 0 else r'[^\s"]+'
                                    for i, part in enumerate(re.split(r"\{(\w+)\}", SETUP_CELL))))


class LinkError(Exception):
    """Something the tool cannot fix by itself; printed as one line, exit status 2."""


def repository(root: Path) -> str:
    """``[project.urls] Repository``, checked to be ``https://github.com/ORG/REPO``."""
    urls = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"].get("urls", {})
    url = urls.get("Repository", "")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url) or url.endswith(".git"):
        raise LinkError(f"pyproject.toml: [project.urls] Repository must be https://github.com/ORG/REPO "
                        f"(no .git, no trailing /), got {url!r}")
    return url


def d2l_pin(root: Path) -> str:
    """The d2l requirement the Makefile installs with ``--no-deps`` (e.g. ``d2l==1.0.3``)."""
    found = re.search(r'--no-deps "?(d2l==[^"\s]+)', (root / "Makefile").read_text(encoding="utf-8"))
    if not found:
        raise LinkError('Makefile: no `pip install --no-deps "d2l==X"` line to take the d2l pin from')
    return found.group(1)


def colab_badge(url: str, name: str) -> str:
    colab = url.replace("https://github.com/", "https://colab.research.google.com/github/")
    return f"[![Open In Colab]({COLAB_BADGE})]({colab}/blob/{BRANCH}/notebooks/{name})"


def binder_line(url: str) -> str:
    binder = url.replace("https://github.com/", "https://mybinder.org/v2/gh/")
    return f"{BINDER_LINE_START}{binder}/{BRANCH}?urlpath=lab/tree/notebooks)"


def numbered_notebooks(root: Path) -> list[Path]:
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def url_problems(root: Path, url: str) -> list[str]:
    """The other [project.urls] entries that do not start with the Repository URL."""
    urls = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    return [f"pyproject.toml: [project.urls] {key} = {value!r} does not start with Repository's {url!r}"
            for key, value in urls.items() if not value.startswith(url)]


def fix_notebook(nb, name: str, url: str, d2l: str) -> list[str]:
    """Bring the badge cell and the setup cell of ``nb`` up to date, in place; what differed."""
    import nbformat

    problems = []
    badge = colab_badge(url, name)
    first = nb.cells[0] if nb.cells else None
    if first is None or TAG not in first.get("metadata", {}).get("tags", []):
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(badge, id=TAG, metadata={"tags": [TAG]}))
        problems.append(f"notebooks/{name}: no Colab badge cell (tag {TAG!r}) at the top")
    elif first.source != badge:
        first.source = badge
        problems.append(f"notebooks/{name}: the Colab badge cell does not point at {url}")
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if not code or not (code[0].source == SETUP_END or SETUP_CELL_ANY.fullmatch(code[0].source)):
        raise LinkError(f"notebooks/{name}: the first code cell must be the setup cell, {SETUP_END!r} "
                        "or this tool's Colab version of it; nothing written (set it to those two lines "
                        "and rerun)")
    setup = SETUP_CELL.format(url=url, branch=BRANCH, d2l=d2l)
    if code[0].source != setup:
        code[0].source = setup
        problems.append(f"notebooks/{name}: the setup cell does not install from {url}@{BRANCH} with {d2l}")
    return problems


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def fix_readme(text: str, url: str, names: list[str]) -> tuple[str, list[str]]:
    """README with the Colab column and the Binder line up to date; what differed."""
    lines = text.split("\n")
    problems = []
    try:
        top = next(i for i, line in enumerate(lines) if line.startswith(TABLE_HEADER))
    except StopIteration:
        raise LinkError(f"README.md: no notebook table (header {TABLE_HEADER!r})") from None
    if lines[top] != TABLE_HEADER + " Colab |":
        lines[top], lines[top + 1] = TABLE_HEADER + " Colab |", lines[top + 1] + "---|"
        problems.append("README.md: the notebook table has no Colab column")
    end = top + 2
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    listed = set()
    for i in range(top + 2, end):
        cells = [c.strip() for c in lines[i].strip().strip("|").split(" | ")]
        if len(cells) not in (4, 5):
            raise LinkError(f"README.md line {i + 1}: a notebook row has 4 or 5 cells, got {len(cells)}")
        found = re.search(r"\[([^\]]+\.ipynb)\]", cells[1])
        name = found.group(1) if found else cells[1]
        listed.add(name)
        want = colab_badge(url, name) if name in names else "—"
        if len(cells) == 4:
            cells.append("")
        if cells[4] != want:
            cells[4] = want
            problems.append(f"README.md: the Colab cell of {name}'s row is not "
                            + (f"its badge for {url}" if name in names else "— (not a numbered notebook)"))
            lines[i] = _row(cells)
    missing = [name for name in names if name not in listed]
    if missing:
        raise LinkError(f"README.md: the notebook table has no row for {', '.join(missing)}; "
                        "add one (this tool fills in its Colab cell)")
    binder = [i for i, line in enumerate(lines) if line.startswith(BINDER_LINE_START)]
    if not binder:
        lines[top:top] = [binder_line(url), ""]
        problems.append("README.md: no Binder badge line")
    elif lines[binder[0]] != binder_line(url):
        lines[binder[0]] = binder_line(url)
        problems.append(f"README.md: the Binder badge does not point at {url}")
    return "\n".join(lines), problems


def _save(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a half-written notebook is never left behind)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def run(root: Path, check: bool) -> tuple[list[str], list[str]]:
    """The differences this tool fixes (written unless ``check``) and those it leaves to you.
    Raises :class:`LinkError` where it cannot go on."""
    import nbformat

    url, d2l = repository(root), d2l_pin(root)
    problems = []
    notebooks = numbered_notebooks(root)
    readme_path = root / "README.md"
    readme, found = fix_readme(readme_path.read_text(encoding="utf-8"), url, [p.name for p in notebooks])
    problems += found
    changed = {readme_path: readme} if found else {}
    for path in notebooks:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=nbformat.NO_CONVERT)
        found = fix_notebook(nb, path.name, url, d2l)
        problems += found
        if found:
            changed[path] = nbformat.writes(nb) + "\n"  # nbformat's layout: indent 1, final newline
    if not check:
        for path, text in changed.items():
            _save(path, text)
    return problems, url_problems(root, url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="launch_links.py", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything differs")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository (default: this one)")
    args = parser.parse_args(argv)
    try:
        fixable, by_hand = run(args.root, args.check)
    except (LinkError, FileNotFoundError) as exc:
        print(f"launch_links: error: {exc}", file=sys.stderr)
        return 2
    for line in fixable:
        print(line if args.check else f"fixed: {line}")
    for line in by_hand:
        print(line if args.check else f"not fixed (edit it by hand): {line}")
    return 1 if by_hand or (args.check and fixable) else 0


if __name__ == "__main__":
    sys.exit(main())
