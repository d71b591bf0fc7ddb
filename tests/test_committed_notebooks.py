"""The committed notebooks show nothing that is not meant to be read.

Two kinds of output noise are ruled out:

* **blank outputs**: a display output that shows nothing, what a closed transient progress bar
  leaves behind. The definition is ``tools/run_notebooks.py``'s ``_blank`` (the same rule
  ``drop_blank_outputs`` applies before saving a full run), imported here, not copied; and a
  widget view whose model the notebook did not keep (``prune_widget_state`` keeps every model an
  output shows, so only a hand-edited file has one) and that has no picture to fall back on;
* **stray return values**: an ``execute_result`` whose only content is the repr of what the last
  line of a cell happened to return, a matplotlib artist (``Text(0.5, 1.0, 'title')``,
  ``[<matplotlib.lines.Line2D at 0x...>]``, ``<matplotlib.legend.Legend at 0x...>``), the
  ``(left, right)`` pair of ``set_xlim``, a returned ``Figure`` (drawn twice: once by the inline
  backend, once as the cell's value), or any object's default ``<... at 0x...>`` repr. End
  such a line with ``;``. A value a cell *means* to show (a widget, a figure, a table) carries
  more than ``text/plain`` or a repr of its own, and is not matched.

A second check reads the cell *sources*, so a cell that will print a stray value is caught before
the notebooks are rerun: a code cell whose last statement is a bare call to a matplotlib method
that returns an artist (``ax.legend(...)``, ``ax.set_title(...)``, ``plt.xlim(...)``, ...) must
end with ``;``.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "tools" / "run_notebooks.py")
run_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_notebooks)

#: the reprs of values nobody meant to show: matplotlib artists and containers (alone or in a
#: list), the ``(low, high)`` tuple of set_xlim/set_ylim/plt.xlim, and a default object repr
STRAY = re.compile(
    r"""^\s*(?:
        \[?\s*(?:Text|Line2D|Annotation)\(.*               # Text(0.5, 1.0, 'title'), [Text(...), ...]
      | \[?\s*<(?:matplotlib|mpl_toolkits)\.[^>]*>.*      # <matplotlib.legend.Legend at 0x..>, [<matplotlib.lines.Line2D ...>]
      | \[?\s*<(?:Figure|Axes|AxesSubplot|BarContainer|ErrorbarContainer|StemContainer)\b.*
      | \(\s*-?[\d.]+(?:e[+-]?\d+)?,\s*-?[\d.]+(?:e[+-]?\d+)?\s*\)    # (0.0, 1.0)
      | <[\w.]+(?:\s+object)?\s+at\s+0x[0-9a-fA-F]+>      # <foo.Bar object at 0x7f...>
    )\s*$""",
    re.VERBOSE | re.DOTALL,
)

#: matplotlib methods that return an artist, a list of them or a pair of limits
RETURNS_SOMETHING = frozenset({
    "plot", "semilogx", "semilogy", "loglog", "scatter", "bar", "barh", "hist", "step", "fill_between",
    "errorbar", "imshow", "pcolormesh", "contour", "contourf", "text", "annotate", "legend", "colorbar",
    "set_title", "set_xlabel", "set_ylabel", "set_xlim", "set_ylim", "set", "suptitle", "supxlabel",
    "supylabel", "title", "xlabel", "ylabel", "xlim", "ylim", "axhline", "axvline", "axhspan", "axvspan",
    "xticks", "yticks", "set_xticks", "set_yticks", "set_xticklabels", "set_yticklabels", "figlegend",
})


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def stray(out) -> bool:
    """An ``execute_result`` that shows nothing but the repr of an unintended return value."""
    if out.get("output_type") != "execute_result":
        return False
    data = out.get("data", {})
    text = _text(data.get("text/plain", ""))
    if text.startswith("<Figure size"):  # a returned Figure: drawn a second time under the inline one
        return True
    return set(data) == {"text/plain"} and bool(STRAY.match(text))


def orphan_view(out, state: dict) -> bool:
    """A widget view whose model is not in the notebook's saved widget state, with nothing else
    to show (no image or HTML): an empty area, or "Error displaying widget", when the file is opened."""
    data = out.get("data", {})
    view = data.get(run_notebooks.WIDGET_VIEW)
    return (view is not None and view.get("model_id") not in state
            and not set(data) - {run_notebooks.WIDGET_VIEW, "text/plain"})


def noise(nb) -> list[str]:
    """``"cell N: blank display_data"`` / ``"cell N: stray 'Text(...)'"`` for each noisy output."""
    state = nb.get("metadata", {}).get("widgets", {}).get(run_notebooks.WIDGET_STATE, {}).get("state", {})
    found = []
    for i, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []):
            if run_notebooks._blank(out):
                found.append(f"cell {i}: blank {out['output_type']}")
            elif orphan_view(out, state):
                found.append(f"cell {i}: widget view without its model")
            elif stray(out):
                found.append(f"cell {i}: stray {_text(out['data']['text/plain'])[:60]!r}")
    return found


def _python(source: str) -> str:
    """The cell with IPython's magics and shell escapes blanked out, so ``ast`` can read it."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def unsilenced_last_call(source: str) -> str | None:
    """The name of the matplotlib method a cell's last line calls without ``;``, else None."""
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return None
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return None
    call = tree.body[-1].value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr in RETURNS_SOMETHING):
        return None
    code = [line.split("#")[0].rstrip() for line in source.splitlines()]
    last = [line for line in code if line][-1]
    return None if last.endswith(";") else call.func.attr


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_notebooks_are_found():
    assert len(NOTEBOOKS) >= 10


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_hold_no_blank_areas_and_no_stray_values(path):
    found = noise(load(path))
    assert not found, f"{path.name}: " + "; ".join(found) + (
        " (rerun it with tools/run_notebooks.py, which drops blank outputs; end a line whose value"
        " is not meant to be shown with ';')")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_ends_on_an_unsilenced_matplotlib_call(path):
    found = [f"cell {i}: {name}(...)" for i, cell in enumerate(load(path)["cells"])
             if cell["cell_type"] == "code" and (name := unsilenced_last_call(_text(cell["source"])))]
    assert not found, f"{path.name}: " + "; ".join(found) + " returns a value the cell would print: end it with ';'"


# ----------------------------------------------------------------- the rules on made-up outputs
def result(text, **more):
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {},
            "data": {"text/plain": text, **more}}


@pytest.mark.parametrize("text", [
    "Text(0.5, 1.0, 'LeNet: per-batch training loss')",
    "[<matplotlib.lines.Line2D at 0x7f3a2c1b2d90>]",
    ["[<matplotlib.lines.Line2D at 0x7f3a2c1b2d90>,\n", " <matplotlib.lines.Line2D at 0x7f3a2c1b2e50>]"],
    "<matplotlib.legend.Legend at 0x7f3a2c1b2d90>",
    "[Text(0.5, 0, 'epoch'), Text(0, 0.5, 'loss')]",
    "(0.0, 1.0)",
    "(-0.5, 1e-05)",
    "<Figure size 504x259.2 with 1 Axes>",
    "<BarContainer object of 15 artists>",
    "<lrcourse.train.history.History object at 0x7f3a2c1b2d90>",
])
def test_a_stray_return_value_is_found(text):
    nb = {"cells": [{"cell_type": "code", "source": "x", "outputs": [result(text)]}]}
    assert noise(nb) and "stray" in noise(nb)[0]


def test_a_returned_figure_is_stray_even_with_its_picture():
    assert noise({"cells": [{"cell_type": "code", "source": "plot_histories(h)", "outputs": [
        result("<Figure size 864x244.8 with 3 Axes>", **{"image/png": "iVBOR"})]}]}) != []


@pytest.mark.parametrize("out", [
    result("beta=0.90: window 10.0 steps", **{"image/png": "iVBOR", run_notebooks.WIDGET_VIEW: {"model_id": "a"}}),
    result("array([1., 2.])"),          # a value a cell means to show
    result("0.875"),
    result("(0.0, 1.0, 2.0)"),          # a tuple, but not a pair of limits
    {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "<Figure size 504x259.2 with 1 Axes>",
                                                              "image/png": "iVBOR"}},
    {"output_type": "stream", "name": "stdout", "text": "Text(0.5, 1.0, 'printed on purpose')\n"},
])
def test_what_a_cell_means_to_show_is_not_noise(out):
    assert noise({"cells": [{"cell_type": "code", "source": "x", "outputs": [out]}]}) == []


def test_a_widget_view_without_its_model_is_found():
    view = {run_notebooks.WIDGET_VIEW: {"model_id": "bar"}, "text/plain": "  0%|          | 0/40"}
    nb = {"cells": [{"cell_type": "code", "source": "train()",
                     "outputs": [{"output_type": "display_data", "metadata": {}, "data": view}]}],
          "metadata": {"widgets": {run_notebooks.WIDGET_STATE: {"state": {"other": {}}}}}}
    assert noise(nb) == ["cell 0: widget view without its model"]
    nb["metadata"]["widgets"][run_notebooks.WIDGET_STATE]["state"]["bar"] = {}  # the model kept: shown
    assert noise(nb) == []
    del nb["metadata"]["widgets"][run_notebooks.WIDGET_STATE]["state"]["bar"]
    nb["cells"][0]["outputs"][0]["data"]["image/png"] = "iVBOR"  # a picture to fall back on
    assert noise(nb) == []


def test_a_blank_area_is_found_and_the_runner_removes_it():
    """The rule is the runner's: after ``drop_blank_outputs`` (what a full rerun does before
    saving) no blank output is left, and the outputs that show something are kept."""
    blank = {"output_type": "display_data", "metadata": {}, "data": {"text/plain": ""}}
    blank_spaces = {"output_type": "display_data", "metadata": {}, "data": {"text/plain": ["  ", "\n"]}}
    shown = {"output_type": "stream", "name": "stdout", "text": "3 epochs: test acc 0.745\n"}
    figure = {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "<Figure>", "image/png": "iVBOR"}}
    nb = {"cells": [{"cell_type": "code", "source": "train()", "outputs": [blank, shown, blank_spaces, figure]}]}
    assert noise(nb) == ["cell 0: blank display_data", "cell 0: blank display_data"]
    assert run_notebooks.drop_blank_outputs(nb) == 2
    assert noise(nb) == [] and nb["cells"][0]["outputs"] == [shown, figure]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_rerun_leaves_no_blank_areas(path):
    """The committed notebook after the runner's own clean-up: blank areas gone, the rest kept."""
    nb = load(path)
    before = sum(len(c.get("outputs", [])) for c in nb["cells"])
    dropped = run_notebooks.drop_blank_outputs(nb)
    assert not [f for f in noise(nb) if "blank" in f]
    assert sum(len(c.get("outputs", [])) for c in nb["cells"]) == before - dropped


@pytest.mark.parametrize("source, name", [
    ("ax.plot(x)\nax.set_title('loss')", "set_title"),
    ("fig, ax = plt.subplots()\nax.legend(fontsize='small')  # a comment", "legend"),
    ("%matplotlib inline\nplt.xlim(0, 1)", "xlim"),
    ("ax.set(title='t',\n       xlabel='x')", "set"),
])
def test_an_unsilenced_last_call_is_found(source, name):
    assert unsilenced_last_call(source) == name


@pytest.mark.parametrize("source", [
    "ax.set_title('loss');",
    "ax.legend(fontsize='small');  # a comment",
    "ax.set(title='t',\n       xlabel='x');",
    "plt.show()",                      # returns None
    "ema_explorer()",                  # a widget, meant to be shown
    "ax.plot(x)\nprint('done')",       # not the last statement
    "lines = ax.plot(x)",              # an assignment shows nothing
])
def test_a_silenced_or_harmless_last_line_passes(source):
    assert unsilenced_last_call(source) is None
