"""The dashboard's static fallback: tabs_view stitches each tab's PNG under its title, and
Tabs puts it in the output bundle next to the widget view."""
from __future__ import annotations

import base64
import io

import matplotlib
import matplotlib.image
import pytest
from matplotlib.figure import Figure

from lrcourse.widgets.base import Tabs, View, tabs_view
from lrcourse.widgets.ema import ema_explorer
from lrcourse.widgets.momentum import momentum_explorer

matplotlib.use("Agg")


def _view(summary, size=(3, 2)):
    fig = Figure(figsize=size)
    fig.subplots().plot([0, 1], [1, 0])
    return View(fig, summary)


def _pixels(png: bytes):
    return matplotlib.image.imread(io.BytesIO(png), format="png")


@pytest.mark.parametrize("n, columns, grid", [(1, 2, (1, 1)), (3, 2, (2, 2)), (4, 2, (2, 2)), (3, 3, (1, 3))])
def test_tabs_view_shows_every_tab_under_its_title(n, columns, grid):
    views = {f"tab {i}": _view(f"summary {i}", (3 + i, 2)) for i in range(n)}
    out = tabs_view(views, columns)
    axes = out.fig.axes
    assert len(axes) == grid[0] * grid[1]
    assert [ax.get_title() for ax in axes[:n]] == list(views)
    for ax, view in zip(axes, views.values()):  # each tab's own PNG, pixel for pixel
        (image,) = ax.get_images()
        assert (image.get_array() == _pixels(view.png())).all()
    assert all(not ax.get_images() and not ax.axison for ax in axes[n:])
    assert out.summary == "; ".join(f"tab {i}: summary {i}" for i in range(n))


ERRORS = [  # views, columns, exception, words the message must contain
    ({}, 2, ValueError, ["views", "non-empty mapping", "{}"]),
    ([_view("a")], 2, ValueError, ["views", "non-empty mapping"]),
    ({"A": "not a view"}, 2, TypeError, ["views", "'A': 'str'", "View"]),
    ({"A": _view("a")}, 0, ValueError, ["columns", "int >= 1", "0"]),
    ({"A": _view("a")}, 1.5, ValueError, ["columns", "int >= 1", "1.5"]),
]


@pytest.mark.parametrize("views, columns, exc, words", ERRORS)
def test_tabs_view_errors(views, columns, exc, words):
    with pytest.raises(exc) as info:
        tabs_view(views, columns)
    for word in words:
        assert word in str(info.value)


def test_tabs_fallback_is_an_image_of_every_tab():
    panels = {"EMA": ema_explorer(), "Momentum": momentum_explorer()}
    tabs = Tabs(panels)
    assert tabs.titles == ("EMA", "Momentum") and list(tabs.children) == list(panels.values())
    bundle = tabs._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    expected = tabs_view({t: p.last_view for t, p in panels.items()})
    assert bundle["text/plain"] == expected.summary
    assert _pixels(base64.b64decode(bundle["image/png"])).shape == _pixels(expected.png()).shape
