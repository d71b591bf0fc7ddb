"""The one pattern every slider view in the course follows.

A *view* is a pure function ``view(**params) -> View``: it draws a matplotlib figure for
the given parameter values and says in one line what it drew (``View.summary``). Views
are plain functions, tested without any widget machinery.

An :class:`Explorer` wires sliders to a view with ``ipywidgets.interactive_output``
inside an explicit ``VBox``. Every redraw writes the view's summary into a label with
the CSS class ``lrcourse-summary``: the browser tests wait for that text (which names
the final slider value) instead of waiting for "the picture changed".

Without a widget front end (nbval, nbconvert, GitHub's viewer) the explorer still
shows a static PNG of the view at its default values: ``_repr_mimebundle_`` adds
``image/png`` next to the widget view, and front ends with widget support prefer the
widget. :class:`Tabs` does the same for a dashboard: one PNG of every tab's current view,
drawn by the pure :func:`tabs_view`.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Callable, Mapping

import ipywidgets as widgets
import matplotlib.figure
import matplotlib.image
import matplotlib.pyplot as plt
from IPython.display import display

SUMMARY_CLASS = "lrcourse-summary"


def control(slider) -> widgets.ValueWidget:
    """A fresh ipywidgets control for a :class:`lrcourse.catalog.Slider` (sliders redraw on release unless
    the slider is ``live``)."""
    common = dict(value=slider.default, description=slider.label)
    if slider.kind == "choice":
        return widgets.Dropdown(options=list(slider.options), **common)
    if slider.kind == "check":
        return widgets.Checkbox(**common)
    common.update(min=slider.low, max=slider.high, continuous_update=slider.live)
    if slider.kind == "int":
        return widgets.IntSlider(step=slider.step or 1, **common)
    if slider.kind == "int-range":
        return widgets.IntRangeSlider(**common)
    if slider.kind == "log":
        return widgets.FloatLogSlider(base=10, step=slider.step, readout_format=slider.fmt, **common)
    return widgets.FloatSlider(step=slider.step, readout_format=slider.fmt, **common)


@dataclass
class View:
    """What a view function returns: the figure and a one-line summary of it."""

    fig: matplotlib.figure.Figure
    summary: str

    def png(self, dpi: int = 80) -> bytes:
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        return buf.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()


class Explorer(widgets.VBox):
    """Sliders + figure + summary label around a pure view function.

    Args:
        view: ``view(**values) -> View``; called with every control's current value.
        controls: mapping from the view's keyword names to ipywidgets value widgets.
        fixed: extra keyword arguments passed to ``view`` unchanged.
        title: optional heading shown above the controls.
        columns: how many controls per row.

    Example:
        >>> from ipywidgets import FloatSlider
        >>> ex = Explorer(my_view, {"beta": FloatSlider(value=0.9, min=0, max=0.99)})
        >>> ex.summary.value  # what the current figure shows
    """

    def __init__(
        self,
        view: Callable[..., View],
        controls: Mapping[str, widgets.ValueWidget],
        *,
        fixed: Mapping[str, object] | None = None,
        title: str | None = None,
        columns: int = 3,
    ):
        self.view = view
        self.controls = dict(controls)
        self.fixed = dict(fixed or {})
        self.summary = widgets.Label(value="")
        self.summary.add_class(SUMMARY_CLASS)
        self.last_view: View | None = None
        for w in self.controls.values():
            w.style = {"description_width": "initial"}
        boxes = list(self.controls.values())
        rows = [widgets.HBox(boxes[i:i + columns]) for i in range(0, len(boxes), columns)]
        self.output = widgets.interactive_output(self._draw, self.controls)
        header = [widgets.HTML(f"<b>{title}</b>")] if title else []
        super().__init__(header + rows + [self.summary, self.output])

    def values(self) -> dict:
        return {name: w.value for name, w in self.controls.items()}

    def _draw(self, **values) -> None:
        result = self.view(**values, **self.fixed)
        self.last_view = result
        self.summary.value = result.summary
        display(result.fig)
        plt.close(result.fig)

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        if self.last_view is not None:
            bundle["image/png"] = base64.b64encode(self.last_view.png()).decode("ascii")
            bundle["text/plain"] = self.last_view.summary
        return bundle


def tabs_view(views: Mapping[str, View], columns: int = 2) -> View:
    """Every tab's view as one figure: its PNG under the tab's title, ``columns`` per row.

    Args:
        views: tab title -> :class:`View`, in tab order (at least one).
        columns: tabs per row, an int >= 1 (default 2).

    Example:
        >>> fig, ax = plt.subplots()
        >>> tabs_view({"A": View(fig, "a line")}).summary
        'A: a line'
    """
    if not isinstance(views, Mapping) or not views:
        raise ValueError(f"views must be a non-empty mapping of tab title -> View, got {views!r}")
    wrong = {t: type(v).__name__ for t, v in views.items() if not isinstance(v, View)}
    if wrong:
        raise TypeError(f"views must map each tab title to a View, got {wrong}")
    if isinstance(columns, bool) or not isinstance(columns, int) or columns < 1:
        raise ValueError(f"columns must be an int >= 1, got {columns!r}")
    columns = min(columns, len(views))
    rows = -(-len(views) // columns)
    fig = matplotlib.figure.Figure(figsize=(7 * columns, 3.8 * rows))
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, (title, view) in zip(axes, views.items()):
        ax.imshow(matplotlib.image.imread(io.BytesIO(view.png()), format="png"))
        ax.set_title(title, fontsize="x-large", fontweight="bold")
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return View(fig, "; ".join(f"{title}: {view.summary}" for title, view in views.items()))


class Tabs(widgets.Tab):
    """``ipywidgets.Tab`` of explorers whose static fallback is :func:`tabs_view` of their current views.

    Example:
        >>> tabs = Tabs({"EMA": ema_explorer(), "Momentum": momentum_explorer()})
    """

    def __init__(self, panels: Mapping[str, Explorer]):
        super().__init__(children=list(panels.values()), titles=list(panels))

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        views = {t: c.last_view for t, c in zip(self.titles, self.children) if getattr(c, "last_view", None)}
        if views:
            view = tabs_view(views)
            bundle["image/png"] = base64.b64encode(view.png()).decode("ascii")
            bundle["text/plain"] = view.summary
        return bundle
