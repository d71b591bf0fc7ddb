"""tools/build_site.py (``make site``): README's table -> the front page, notebooks -> page
copies, the offline check, and what the build may replace. The site in a browser:
tests/browser/test_site.py."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
build_site = sys.modules["build_site"] = importlib.util.module_from_spec(spec)  # for its dataclass
spec.loader.exec_module(build_site)

VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"

README = """# course

A course about *things*.

More text.

## The notebooks

| # | notebook | what it teaches |
|---|---|---|
| 01 | [01_a.ipynb](notebooks/01_a.ipynb) | first | [![Open](https://badge.example/b.svg)](https://run.example/01_a) |
| — | [dash.ipynb](notebooks/dash.ipynb) | the dashboard |

After the table.
"""


def test_rows_are_the_table_rows_in_order():
    header, rows = build_site.notebook_table(README)
    assert header == ["| # | notebook | what it teaches |", "|---|---|---|"]
    assert [r.notebook for r in rows] == ["01_a", "dash"]
    assert rows[1].line == "| — | [dash.ipynb](notebooks/dash.ipynb) | the dashboard |"


def test_the_real_readme_lists_every_notebook_in_reading_order():
    _, rows = build_site.notebook_table((ROOT / "README.md").read_text(encoding="utf-8"))
    stems = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    numbered = [s for s in stems if s[:2].isdigit()]
    assert [r.notebook for r in rows] == numbered + sorted(set(stems) - set(numbered))


def test_index_page_is_readme_title_intro_table_and_a_toc_in_table_order():
    page = build_site.index_page(README, ["01_a", "dash"])
    assert page.startswith("# course\n\nA course about *things*.\n\n## The notebooks\n\n")
    assert "More text" not in page and "After the table" not in page
    assert "| 01 | [01_a.ipynb](notebooks/01_a.ipynb) | first | [Open](https://run.example/01_a) |" in page
    assert "badge.example" not in page
    assert page.endswith("```{toctree}\n:hidden:\n:maxdepth: 1\n\nnotebooks/01_a\nnotebooks/dash\n```\n")


BAD_TABLES = [
    # (README, notebooks on disk, words the one-line message must hold)
    ("# c\n\nintro\n", ["01_a"], ["'## The notebooks'"]),
    ("# c\n\n## The notebooks\n\nno table here\n", ["01_a"], ["no table"]),
    ("## The notebooks\n\n| # | nb |\n|---|---|\n| 01 | first |\n", ["01_a"],
     ["'| 01 | first |'", "links 0 notebooks"]),
    ("## The notebooks\n\n| # | nb |\n|---|---|\n| 01 | [x](notebooks/01_x.ipynb) |\n", ["01_a"],
     ["notebooks/01_x.ipynb", "does not exist", "01_a"]),
    ("## The notebooks\n\n| # | nb |\n|---|---|\n| 01 | [a](notebooks/01_a.ipynb) |\n"
     "| 01 | [a](notebooks/01_a.ipynb) |\n", ["01_a"], ["notebooks/01_a.ipynb twice"]),
    ("## The notebooks\n\n| # | nb |\n|---|---|\n| 01 | [a](notebooks/01_a.ipynb) |\n",
     ["01_a", "02_b"], ["no row for 02_b"]),
]


@pytest.mark.parametrize("readme, notebooks, words", BAD_TABLES)
def test_a_table_that_cannot_make_the_front_page_is_one_clear_error(readme, notebooks, words):
    with pytest.raises(build_site.SiteError) as err:
        build_site.index_page(readme, notebooks)
    message = str(err.value)
    assert "\n" not in message and message.startswith("README.md")
    for word in words:
        assert word in message


OFFLINE = [
    ("[![Open In Colab](https://x.example/badge.svg)](https://x.example/nb)",
     "[Open In Colab](https://x.example/nb)"),
    ("see ![plot](//cdn.example/p.png) here", "see plot here"),
    ('<a href="https://x.example"><img src="https://x.example/b.svg" alt="Binder"></a>',
     '<a href="https://x.example">Binder</a>'),
    ("<img src='http://x.example/b.svg'>", ""),
    ("![local](figures/p.png) and [a link](https://x.example)",
     "![local](figures/p.png) and [a link](https://x.example)"),
]


@pytest.mark.parametrize("markdown, expected", OFFLINE)
def test_images_from_another_host_become_their_alt_text(markdown, expected):
    assert build_site.offline_markdown(markdown) == expected


def test_page_copy_shows_a_widget_as_its_saved_image_and_drops_empty_outputs():
    widget = {"output_type": "execute_result", "execution_count": 3, "metadata": {},
              "data": {VIEW: {"model_id": "ab"}, "image/png": "iVBOR", "text/plain": "VBox()"}}
    cleared_bar = {"output_type": "display_data", "metadata": {}, "data": {"text/plain": ""}}
    stream = {"output_type": "stream", "name": "stdout", "text": "✓ holds\n"}
    nb = {"cells": [{"cell_type": "markdown", "source": ["![b](https://x.example/b.svg)\n", "# T"]},
                    {"cell_type": "code", "source": "x", "outputs": [widget, cleared_bar, stream]}],
          "metadata": {"kernelspec": {"name": "python3"}, "widgets": {STATE: {"state": {}}}}}
    before = json.dumps(nb)
    page = build_site.page_copy(nb)
    assert json.dumps(nb) == before  # the notebook itself is not changed
    assert page["metadata"] == {"kernelspec": {"name": "python3"}}
    assert page["cells"][0]["source"] == "b\n# T"
    assert page["cells"][1]["outputs"] == [
        {"output_type": "execute_result", "execution_count": 3, "metadata": {},
         "data": {"image/png": "iVBOR", "text/plain": "VBox()"}}, stream]


def test_remote_loads_lists_what_a_page_or_stylesheet_fetches_from_another_host(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "page.html").write_text(
        '<link rel="stylesheet" href="//fonts.example/css">'
        '<link rel="canonical" href="https://x.example/page.html">'
        '<script src="https://cdn.example/require.js"></script>'
        '<script src="../_static/local.js"></script>'
        '<img src="img.png" srcset="a.png 1x, https://cdn.example/b.png 2x">'
        '<a href="https://x.example/more">a link loads nothing</a>')
    (tmp_path / "style.css").write_text(
        "@import 'https://fonts.example/a.css'; .x { background: url(img/y.png) }"
        " @font-face { src: url('https://fonts.example/f.woff2') }")
    assert build_site.remote_loads(tmp_path) == [
        "sub/page.html: //fonts.example/css",
        "sub/page.html: https://cdn.example/require.js",
        "sub/page.html: https://cdn.example/b.png",
        "style.css: https://fonts.example/a.css",
        "style.css: https://fonts.example/f.woff2",
    ]


def test_out_that_is_not_a_built_site_is_refused_and_left_alone(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert build_site.main(["--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--out {out}" in err and "not a site built" in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]  # no work folder left behind


def test_build_replaces_an_earlier_site_with_a_complete_offline_one(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / build_site.MARKER).write_text("")
    (out / "stale.html").write_text("from an earlier build")
    assert build_site.build(out) == out
    assert not (out / "stale.html").exists() and (out / build_site.MARKER).is_file()
    stems = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(p.stem for p in (out / "notebooks").glob("*.html")) == stems
    assert (out / "_static" / "mathjax" / "MathJax.js").is_file()
    assert build_site.remote_loads(out) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # the work folder is gone
    for stem in stems:
        page = (out / "notebooks" / f"{stem}.html").read_text(encoding="utf-8")
        assert "widget-view+json" not in page and "widget-state+json" not in page
