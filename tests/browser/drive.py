"""Move an explorer's controls in the browser and in a twin explorer built in the test.

A *move* is one user action on one control: arrow presses on a slider, a choice in a
dropdown, a click on a checkbox. :func:`drive` applies each move twice: in the browser
(keyboard/mouse on the real page) and to a twin explorer built in the test process by the
same builder the notebook calls. After each move the browser's ``.lrcourse-summary`` must
reach exactly the twin's summary (which names the control's new value as its readout
shows it) and the figure's ``<img>`` must change. The caller then checks the summary's
numbers against an independent computation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import ipywidgets as widgets

from widget_page import PageExplorer


@dataclass(frozen=True)
class Move:
    """One action: ``steps`` arrow presses (slider), ``option`` (dropdown) or ``toggle``."""

    control: str
    steps: int = 0
    option: str | None = None
    toggle: bool = False


def slider_target(w, steps: int):
    """The value and readout text a slider shows after ``steps`` arrow presses."""
    if isinstance(w, widgets.FloatLogSlider):
        exponent = min(max(math.log(w.value, w.base) + steps * w.step, w.min), w.max)
        value = w.base ** round(exponent, 10)
        fmt = w.readout_format
    elif isinstance(w, widgets.FloatSlider):
        value = round(min(max(w.value + steps * w.step, w.min), w.max), 10)
        fmt = w.readout_format
    elif isinstance(w, widgets.IntSlider):
        value = min(max(w.value + steps * w.step, w.min), w.max)
        fmt = w.readout_format or "d"
    else:
        raise TypeError(f"control {w.description!r} is a {type(w).__name__}, not a slider")
    return value, f"{value:{fmt}}"


def exact_value(w, position: float, expected: float):
    """The value the browser's slider holds, from its handle position.

    Arrow presses add ``step`` in JavaScript, so 0.9 - 6 x 0.01 may be 0.8400000000000001;
    a summary such as ``1/(1-beta)`` formatted to one decimal can depend on that last bit,
    so the twin takes the browser's exact value, not the rounded one.
    """
    value = w.base ** position if isinstance(w, widgets.FloatLogSlider) else position
    if isinstance(w, widgets.IntSlider):
        value = int(round(value))
    assert math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12), (
        f"{w.description!r} is at {value!r}, expected {expected!r}")
    return value


def drive(page_explorer: PageExplorer, twin, moves, screenshot: str) -> dict:
    """Apply ``moves`` in the browser and to ``twin``; returns the twin's final values."""
    initial = page_explorer.wait_for_summary(twin.summary.value)
    assert initial == twin.summary.value, (
        f"the notebook's explorer starts at {initial!r}, the test's builder at "
        f"{twin.summary.value!r}: build the twin with the notebook's arguments")
    for i, move in enumerate(moves):
        w = twin.controls[move.control]
        before = page_explorer.image_src()
        if move.option is not None:
            page_explorer.select(w.description, move.option)
            w.value = move.option
        elif move.toggle:
            page_explorer.toggle(w.description)
            w.value = not w.value
        else:
            value, readout = slider_target(w, move.steps)
            page_explorer.move_slider(w.description, move.steps, readout)
            w.value = exact_value(w, page_explorer.slider_position(w.description), value)
        page_explorer.wait_for_summary(twin.summary.value, exact=True)
        page_explorer.wait_for_new_image(before)
        page_explorer.screenshot(f"{screenshot}-{i + 1}-{move.control}")
    return twin.values()
