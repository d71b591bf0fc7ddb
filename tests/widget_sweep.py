"""Shared checker for slider explorers: every control at its minimum, maximum and default,
plus a seeded sample of combinations. Each redraw must give a figure with content and a
summary that names the value shown by the control that changed."""
from __future__ import annotations

import random

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")


def _extremes(w):
    if isinstance(w, widgets.IntRangeSlider):
        return [(w.min, w.min), (w.min, w.max), (w.max, w.max)]
    if isinstance(w, (widgets.FloatSlider, widgets.IntSlider, widgets.FloatLogSlider)):
        if isinstance(w, widgets.FloatLogSlider):
            return [w.base ** w.min, w.base ** w.max]
        return [w.min, w.max]
    if isinstance(w, (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons, widgets.Select)):
        return [v if not isinstance(v, tuple) else v[1] for v in w.options]
    if isinstance(w, (widgets.Checkbox, widgets.ToggleButton)):
        return [False, True]
    return []


def check_view(explorer) -> None:
    view = explorer.last_view
    assert view is not None, "explorer drew nothing"
    axes = view.fig.get_axes()
    assert axes, "figure has no axes"
    assert any(ax.lines or ax.collections or ax.images or ax.patches for ax in axes), "empty axes"
    assert any(ax.get_title() or ax.get_xlabel() for ax in axes), "axes without title/labels"
    assert view.summary and explorer.summary.value == view.summary


def sweep(explorer, samples: int = 6, seed: int = 0) -> int:
    """Drive ``explorer`` through extremes and random combinations; returns redraw count."""
    defaults = explorer.values()
    check_view(explorer)
    n = 0
    for name, w in explorer.controls.items():
        for value in _extremes(w):
            w.value = value
            check_view(explorer)
            n += 1
        w.value = defaults[name]
    rng = random.Random(seed)
    for _ in range(samples):
        for name, w in explorer.controls.items():
            options = _extremes(w)
            if isinstance(w, (widgets.FloatSlider, widgets.FloatLogSlider)):
                lo, hi = options
                w.value = rng.uniform(lo, hi) if not isinstance(w, widgets.FloatLogSlider) else lo * (hi / lo) ** rng.random()
            elif isinstance(w, widgets.IntSlider):
                w.value = rng.randint(*options)
            elif isinstance(w, widgets.IntRangeSlider):
                w.value = tuple(sorted(rng.randint(w.min, w.max) for _ in range(2)))
            elif options:
                w.value = rng.choice(options)
        check_view(explorer)
        n += 1
    return n
