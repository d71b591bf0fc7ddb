"""Build the course as a static web site, ``build/site/``, from the committed notebooks
(``make site``). Nothing is executed: each page shows the outputs saved in ``notebooks/``.

The tool is Sphinx with myst-nb (reads ``.ipynb``, renders saved outputs, ``$``-math in
markdown) and sphinx-book-theme (a sidebar in reading order, previous/next links at the foot of
every page). The site works offline and loads nothing from another host:

* the front page is README's notebook table (:func:`notebook_table`), so the table has one
  source, and its order is the reading order of the pages;
* each page is made from a copy of its notebook (:func:`page_copy`) in which a widget shows its
  saved image (the PNG fallback every widget output carries) instead of a widget area that
  would need widget JavaScript from a CDN, and the widget state is left out;
* math is typeset by MathJax 2.7 from the ``jupyter-server-mathjax`` package (the copy Jupyter
  itself serves), copied into the site's ``_static/mathjax/``;
* after the build, :func:`remote_loads` lists every script, stylesheet, image, font or frame
  that a page or stylesheet would fetch from another host; the build fails if there is one.

The new site replaces the old one only when the build succeeded.

Usage:
    python tools/build_site.py                 # -> build/site/ (open build/site/index.html)
    python tools/build_site.py --out DIR
"""
from __future__ import annotations

import argparse
import copy
import html.parser
import io
import json
import re
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
NOTEBOOKS = ROOT / "notebooks"
SITE = ROOT / "build" / "site"
MARKER = ".lrcourse-site"  # written into every site this script builds; see _check_out

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TABLE_SECTION = "## The notebooks"
NOTEBOOK_LINK = re.compile(r"\]\(notebooks/([^)/]+)\.ipynb\)")
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)  # http://, https://, //host
MARKDOWN_IMAGE = re.compile(r"!\[([^\]]*)\]\((?:https?:)?//[^)]*\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*\bsrc=[\"'](?:https?:)?//[^>]*>", re.IGNORECASE)
HTML_ALT = re.compile(r"\balt=[\"']([^\"']*)[\"']", re.IGNORECASE)

# MathJax 2.7 as Jupyter's classic notebook configures it: the STIX web fonts the package ships.
MATHJAX_PATH = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
MATHJAX_CONFIG = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]]},
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web",
                 "imageFont": None},
    "messageStyle": "none",
}

SPHINX_CONFIG = {
    "project": "lrcourse",
    "extensions": ["myst_nb"],
    "exclude_patterns": ["_static"],
    "html_theme": "sphinx_book_theme",
    "html_title": "lrcourse",
    "html_static_path": ["_static"],
    "html_theme_options": {"home_page_in_toc": True, "show_navbar_depth": 1},
    "html_copy_source": True,  # the theme's download button offers the .ipynb
    "mathjax_path": MATHJAX_PATH,
    "mathjax2_config": MATHJAX_CONFIG,
    "myst_enable_extensions": ["dollarmath"],
    "myst_dmath_double_inline": True,  # $$...$$ inside a paragraph is display math too
    "myst_update_mathjax": False,  # it writes a MathJax 3/4 configuration; ours is 2.7
    "myst_heading_anchors": 3,
    "nb_execution_mode": "off",
    "nb_merge_streams": True,
    "nb_ipywidgets_js": {},  # no require.js / widget manager from a CDN
    "suppress_warnings": ["myst.header"],
}


class SiteError(Exception):
    """A problem with the inputs or the result, said in one line."""


class UsageError(SiteError):
    """A command-line argument that cannot be used (exit status 2)."""


@dataclass(frozen=True)
class Row:
    """One row of README's notebook table."""

    notebook: str  # file stem: "01_ema"
    line: str  # the row as README writes it


# --------------------------------------------------------------------------- front page


def notebook_table(readme: str) -> tuple[list[str], list[Row]]:
    """README's notebook table: its header lines (title row and separator) and its rows.

    The table is the first one after the ``## The notebooks`` heading; each row names one
    notebook as a link ``[...](notebooks/NAME.ipynb)``.
    """
    lines = readme.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == TABLE_SECTION)
    except StopIteration:
        raise SiteError(f"README.md has no '{TABLE_SECTION}' section (the site's front page "
                        "is its notebook table)") from None
    table: list[str] = []
    for line in lines[start + 1:]:
        if line.startswith("#") and not table:
            break
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
    if len(table) < 3:
        raise SiteError(f"README.md: no table with rows under '{TABLE_SECTION}'")
    rows = []
    for line in table[2:]:
        links = NOTEBOOK_LINK.findall(line)
        if len(links) != 1:
            raise SiteError(f"README.md notebook table: row {line[:60]!r} links "
                            f"{len(links)} notebooks; each row links exactly one "
                            "(notebooks/NAME.ipynb)")
        rows.append(Row(notebook=links[0], line=line))
    return table[:2], rows


def check_rows(rows: list[Row], notebooks: list[str]) -> None:
    """Every row names a notebook that exists, once; every notebook has a row."""
    named = [r.notebook for r in rows]
    for name in named:
        if name not in notebooks:
            raise SiteError(f"README.md notebook table links notebooks/{name}.ipynb, which does "
                            f"not exist (notebooks/ has {', '.join(notebooks)})")
        if named.count(name) > 1:
            raise SiteError(f"README.md notebook table lists notebooks/{name}.ipynb twice")
    missing = [n for n in notebooks if n not in named]
    if missing:
        raise SiteError(f"README.md notebook table has no row for {', '.join(missing)}: "
                        "every notebook gets a page, in the table's order")


def intro(readme: str) -> tuple[str, str]:
    """README's title (its first ``# `` heading) and the paragraph after it."""
    lines = readme.splitlines()
    title = next((line[2:].strip() for line in lines if line.startswith("# ")), "lrcourse")
    paragraph: list[str] = []
    after_title = False
    for line in lines:
        if line.startswith("# "):
            after_title = True
        elif after_title and line.strip():
            paragraph.append(line)
        elif paragraph:
            break
    return title, "\n".join(paragraph)


def index_page(readme: str, notebooks: list[str]) -> str:
    """The front page in MyST markdown: README's title, first paragraph and notebook table
    (badges from another host as their alt text), and a hidden table of contents in the
    table's order (the previous/next order)."""
    header, rows = notebook_table(readme)
    check_rows(rows, notebooks)
    title, paragraph = intro(readme)
    toc = "\n".join(f"notebooks/{r.notebook}" for r in rows)
    table = "\n".join(header + [r.line for r in rows])
    page = f"# {title}\n\n{paragraph}\n\n{TABLE_SECTION}\n\n{table}\n\n"
    return (offline_markdown(page) +
            "Each page is a notebook as committed, outputs included; the pages follow the "
            "table's order (previous / next at the foot of each page).\n\n"
            f"```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{toc}\n```\n")


# --------------------------------------------------------------------------- pages


def _alt(tag: str) -> str:
    found = HTML_ALT.search(tag)
    return found.group(1) if found else ""


def offline_markdown(text: str) -> str:
    """Images from another host become their alt text (a badge inside a link stays a link)."""
    text = MARKDOWN_IMAGE.sub(lambda m: m.group(1), text)
    return HTML_IMAGE.sub(lambda m: _alt(m.group(0)), text)


def page_copy(nb: dict) -> dict:
    """What a page shows of a notebook (a dict as in the .ipynb file; not changed).

    Widget outputs keep their saved image and text (the widget view itself is dropped, and
    with it the widget state), empty outputs (a cleared progress bar) are dropped, and images
    from another host in markdown become their alt text.
    """
    nb = copy.deepcopy(nb)
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            cell["source"] = offline_markdown("".join(source) if isinstance(source, list)
                                               else source)
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data is not None:
                data.pop(WIDGET_VIEW, None)
                if not any("".join(v) if isinstance(v, list) else v for v in data.values()):
                    continue
            outputs.append(out)
        if "outputs" in cell:
            cell["outputs"] = outputs
    return nb


def _mathjax_dir() -> Path:
    try:
        import jupyter_server_mathjax
    except ImportError:
        raise SiteError("the jupyter-server-mathjax package is not installed (it ships the "
                        "MathJax the site serves); pip install -e '.[course]'") from None
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def write_sources(src: Path, readme: Path = README, notebooks: Path = NOTEBOOKS) -> None:
    """The Sphinx source folder: index.md, the page copies, MathJax under _static/."""
    names = sorted(p.stem for p in notebooks.glob("*.ipynb"))
    (src / "notebooks").mkdir(parents=True)
    (src / "index.md").write_text(index_page(readme.read_text(encoding="utf-8"), names),
                                  encoding="utf-8")
    for name in names:
        nb = json.loads((notebooks / f"{name}.ipynb").read_text(encoding="utf-8"))
        (src / "notebooks" / f"{name}.ipynb").write_text(json.dumps(page_copy(nb)),
                                                         encoding="utf-8")
    shutil.copytree(_mathjax_dir(), src / "_static" / "mathjax")


# --------------------------------------------------------------------------- offline check


class _Loads(html.parser.HTMLParser):
    """The URLs a page fetches by itself: scripts, stylesheets and other <link>s, images,
    frames, media (not the targets of <a> links, which load only when followed)."""

    ATTRS = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src",
             "video": "src", "audio": "src", "embed": "src", "object": "data"}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") in {"canonical", "alternate"}:
            return
        url = attrs.get(self.ATTRS.get(tag, ""))
        if url:
            self.urls.append(url)
        if attrs.get("srcset"):
            self.urls += [part.split()[0] for part in attrs["srcset"].split(",") if part.strip()]


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


def remote_loads(site: Path) -> list[str]:
    """``"page: url"`` for every fetch from another host in the site's pages and stylesheets."""
    found = []
    for page in sorted(site.rglob("*.html")):
        parser = _Loads()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        found += [f"{page.relative_to(site)}: {u}" for u in parser.urls if REMOTE.match(u)]
    for sheet in sorted(site.rglob("*.css")):
        for a, b in CSS_URL.findall(sheet.read_text(encoding="utf-8", errors="replace")):
            if REMOTE.match(a or b):
                found.append(f"{sheet.relative_to(site)}: {a or b}")
    return found


# --------------------------------------------------------------------------- build


def _check_out(out: Path) -> None:
    """Only a site this script built is replaced, never another folder."""
    if out.exists() and not (out / MARKER).is_file():
        raise UsageError(f"--out {out}: exists and is not a site built by this script "
                        f"(no {MARKER} file in it); pick another folder or remove it")


def _sphinx(src: Path, out: Path, doctrees: Path, quiet: bool) -> str:
    """Run Sphinx's HTML builder; return its warnings (raise SiteError on an error)."""
    from sphinx.application import Sphinx
    from sphinx.errors import SphinxError

    log = io.StringIO()
    with warnings.catch_warnings():
        # The theme's and myst's use of APIs Sphinx will remove: theirs to fix, not ours.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        try:
            app = Sphinx(src, None, out, doctrees, "html", confoverrides=SPHINX_CONFIG,
                         status=None if quiet else sys.stdout, warning=log, freshenv=True)
            app.build()
        except SphinxError as exc:
            raise SiteError(f"sphinx: {exc}") from None
    if app.statuscode:
        raise SiteError(f"sphinx failed: {log.getvalue().strip()}")
    return log.getvalue()


def build(out: Path = SITE, *, quiet: bool = True) -> Path:
    """Build the site into ``out`` and return ``out``. An earlier site there is replaced only
    once the new one is complete; a folder this script did not build is never touched."""
    out = Path(out).resolve()
    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".site-", dir=out.parent) as tmp:
        work = Path(tmp)
        write_sources(work / "src")
        site = work / "html"
        log = _sphinx(work / "src", site, work / "doctrees", quiet)
        if log.strip():
            print(f"sphinx warnings:\n{log.strip()}", file=sys.stderr)
        remote = remote_loads(site)
        if remote:
            raise SiteError(f"the site would load from another host: {'; '.join(remote[:5])}")
        (site / MARKER).write_text("built by tools/build_site.py\n")
        _check_out(out)  # again: something may have appeared there during the build
        if out.exists():
            out.rename(work / "old")  # deleted with the work folder
        site.rename(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=SITE,
                        help="where the site goes (default: build/site)")
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's progress")
    args = parser.parse_args(argv)
    try:
        out = build(args.out, quiet=not args.verbose)
    except SiteError as exc:
        print(f"build_site: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    print(f"site built: {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
