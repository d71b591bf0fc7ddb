"""The one slider vocabulary: :class:`Slider`, a widget control for one setting, as data.

The catalog gives each setting its range once: a schedule's in its entry's
:class:`~lrcourse.catalog.entries.ScheduleUI`, an optimizer's in its entry's
:class:`~lrcourse.catalog.entries.OptimizerUI`, :func:`~lrcourse.catalog.simulate`'s own in
:data:`~lrcourse.catalog.simulate.SIMULATION_SLIDERS` and a teaching problem's (a landscape, the
EMA's noisy series, LeNet's run) in :data:`~lrcourse.catalog.problems.PROBLEM_SLIDERS`. Every
explorer builds its controls from those with :func:`lrcourse.widgets.base.control`, starting
where it likes (:meth:`Slider.at`). Nothing here imports a widget library.

>>> s = float_slider(0.3, 0.05, 0.45, 0.01, ".2f", "pct_start")
>>> s.at(0.25).default, s.at(0.25).high, s.show(0.25)
(0.25, 0.45, '0.25')
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

SLIDER_KINDS = ("int", "float", "log", "choice", "check", "int-range")
#: the label of a learning-rate slider on a teaching problem
ETA = "learning rate η"


@dataclass(frozen=True)
class Slider:
    """A widget control for one setting, as data.

    ``kind`` is one of :data:`SLIDER_KINDS`; ``low``/``high`` are the ends (for ``"log"``
    the base-10 exponents), ``step`` the increment, ``options`` the choices, ``fmt`` the
    readout format (None: ``str(value)``) and ``label`` the description shown. A slider redraws
    when released, or while it moves where ``live`` (views cheap enough to follow the handle).
    """

    kind: str
    default: Any
    label: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    options: tuple = ()
    fmt: str | None = None
    live: bool = False

    def __post_init__(self):
        if self.kind not in SLIDER_KINDS:
            raise ValueError(f"kind must be one of {SLIDER_KINDS}, got {self.kind!r}")

    def show(self, value) -> str:
        """``value`` as the control's readout shows it."""
        return str(value) if self.fmt is None else f"{value:{self.fmt}}"

    def at(self, default) -> Slider:
        """The same control starting at ``default`` (its range unchanged)."""
        return replace(self, default=tuple(default) if self.kind == "int-range" else default)


def int_slider(default: int, low: int, high: int, label: str, step: int | None = None, *,
               live: bool = False) -> Slider:
    return Slider("int", default, label, low, high, step, live=live)


def float_slider(default: float, low: float, high: float, step: float, fmt: str, label: str, *,
                 live: bool = False) -> Slider:
    return Slider("float", default, label, low, high, step, fmt=fmt, live=live)


def log_slider(default: float, low_exp: float, high_exp: float, label: str, fmt: str = ".3g",
               step: float = 0.1) -> Slider:
    return Slider("log", default, label, low_exp, high_exp, step, fmt=fmt)


def choice(default: str, options, label: str) -> Slider:
    return Slider("choice", default, label, options=tuple(options))


def checkbox(default: bool, label: str) -> Slider:
    return Slider("check", default, label)


def int_range(default: tuple[int, int], low: int, high: int, label: str) -> Slider:
    return Slider("int-range", tuple(default), label, low, high)
