r"""Every learning-rate scheduler under sliders: lrcourse's curve drawn over torch's.

The kinds are the entries of :data:`lrcourse.catalog.SCHEDULES` whose UI record has sliders
(:func:`chooser_kinds`); each entry says which settings get a slider and with what range, and how
to build the scheduler from a *module*: ``torch.optim.lr_scheduler`` or
``lrcourse.lr_scheduler`` (same class names, same signatures). The same entry therefore
builds the torch oracle and lrcourse's version, and :func:`compare_kinds` reports the
largest difference between them. Where torch lacks the class (inverse square root, WSD),
torch's ``LambdaLR`` over lrcourse's pure schedule stands in; transformers' and timm's
schedules are drawn over the library's own (:mod:`lrcourse.catalog.libraries`).

A curve has one entry per optimizer step: the lr the step used (the first entry is the lr
right after construction), from :func:`lrcourse.catalog.simulate`.

Example:
    >>> view = schedule_view("StepLR", steps=100, lr=0.1, step_size=30, gamma=0.1)
    >>> view.summary.split(":")[0]
    'StepLR'
"""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np

from .. import catalog, checks
from ..catalog.sliders import choice
from .base import Explorer, View, control


def chooser_kinds() -> dict[str, catalog.ScheduleEntry]:
    """The chooser's scheduler kinds: the catalog entries with sliders, in catalog order."""
    return {name: e for name, e in catalog.SCHEDULES.items() if e.ui.sliders}


def oracle(kind: str) -> str:
    """What lrcourse's curve of ``kind`` is drawn over."""
    entry = chooser_kinds()[kind]
    if entry.ui.reference:
        return entry.ui.reference
    if hasattr(catalog.SCHEDULER_MODULES["torch"], kind):
        return "torch.optim.lr_scheduler"
    return f"torch LambdaLR(lrcourse.schedules.{entry.factory.__name__})"


#: kinds drawn on a log lr axis by :func:`schedule_grid`: the geometric decays, whose equal
#: factors become equal drops (stairs or a straight line); every other curve reaches 0 or
#: moves within a decade, and a linear axis shows its shape
LOG_AXIS = frozenset({"StepLR", "MultiStepLR", "ExponentialLR", "MultiplicativeLR", "ReduceLROnPlateau",
                      "StepLRScheduler", "MultiStepLRScheduler"})


def _values(kind: str, params: dict) -> dict:
    kinds = chooser_kinds()
    ui = kinds[checks.choice("kind", kind, list(kinds))].ui
    unknown = set(params) - set(ui.sliders)
    if unknown:
        raise TypeError(f"{kind} takes parameters {sorted(ui.sliders)}, got unexpected {sorted(unknown)}")
    return {**ui.slider_defaults(), **params}


def kind_settings(kind: str, steps: int = 100, **params) -> dict:
    """The slider settings ``kind`` is drawn with: the defaults, then ``params``, fitted to ``steps``."""
    values, ui = _values(kind, params), chooser_kinds()[kind].ui
    return ui.fit(steps, values) if ui.fit else values


def kind_traces(kind: str, steps: int = 100, lr: float = 0.1, **params) -> dict[str, np.ndarray]:
    """``{"torch": ..., "lrcourse": ...}``: the lr of each step for one kind."""
    settings, entry = kind_settings(kind, steps, **params), chooser_kinds()[kind]
    metrics = catalog.scripted_metric(steps) if entry.metric else None
    return {name: catalog.simulate(lambda o: catalog.build_scheduler(kind, o, steps, module=module, **settings),
                                   steps, lr=lr, metrics=metrics).lr
            for name, module in catalog.SCHEDULER_MODULES.items()}


def compare_kinds(steps: int = 100, lr: float = 0.1) -> dict[str, float]:
    """Largest |lrcourse - torch| over ``steps`` steps, per kind at its default parameters."""
    out = {}
    for kind in chooser_kinds():
        t = kind_traces(kind, steps, lr)
        out[kind] = float(np.max(np.abs(t["lrcourse"] - t["torch"])))
    return out


def schedule_grid(kinds, steps: int = 100, lr: float = 0.1, columns: int = 3) -> View:
    """Thumbnails of several kinds at their default slider values, torch's curve under lrcourse's.

    Each thumbnail is titled with the settings it was drawn with; the lr axis is logarithmic
    for the kinds in :data:`LOG_AXIS` and linear otherwise.

    Args:
        kinds: keys of :func:`chooser_kinds`, drawn in this order.
        steps: optimizer steps per curve. Default 100.
        lr: the optimizer's lr. Default 0.1.
        columns: thumbnails per row at most, int >= 1. Default 3.

    Example:
        >>> schedule_grid(["StepLR", "PolynomialLR"], steps=50).summary.split(":")[0]
        '2 schedulers, 50 steps, lr=0.1'
    """
    known = list(chooser_kinds())
    kinds = [checks.choice("kind", k, known) for k in kinds]
    if not kinds:
        raise ValueError(f"kinds must name at least one of {', '.join(known)}, got an empty list")
    columns = min(checks.integer("columns", columns, low=1), len(kinds))
    rows = -(-len(kinds) // columns)
    # at least 100 dpi and 9-pt text: legible at the notebook's width (the course's default is 72 dpi)
    fig, axes = plt.subplots(rows, columns, figsize=(3.0 * columns, 2.4 * rows + 0.6), layout="constrained",
                             squeeze=False, dpi=max(100, plt.rcParams["figure.dpi"]))
    worst = 0.0
    for ax, kind in zip(axes.flat, kinds):
        traces = kind_traces(kind, steps, lr)
        worst = max(worst, float(np.max(np.abs(traces["lrcourse"] - traces["torch"]))))
        ax.plot(traces["torch"], color="0.7", lw=4, label="torch")
        ax.plot(traces["lrcourse"], "--", color="C0", lw=1.2, label="lrcourse")
        ax.set_yscale("log" if kind in LOG_AXIS else "linear")
        shown = chooser_kinds()[kind].ui.describe(kind_settings(kind, steps))
        ax.set_title("\n".join([kind] + textwrap.wrap(shown, 40)), fontsize=9)
        ax.set_xlabel("optimizer step", fontsize=9)
        ax.set_ylabel("lr" + (" (log)" if kind in LOG_AXIS else ""), fontsize=9)
    for ax in axes.flat[len(kinds):]:
        ax.axis("off")
    fig.legend(*axes.flat[0].get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=9)
    summary = f"{len(kinds)} schedulers, {steps} steps, lr={lr:.3g}: max |lrcourse - torch|={worst:.1e}"
    return View(fig, summary)


# ----------------------------------------------------------------------------- the view
def schedule_view(kind: str = "CosineAnnealingLR", steps: int = 100, lr: float = 0.1, log: bool = False,
                  **params) -> View:
    """The learning rate of each step for one scheduler kind: torch's curve, lrcourse's over it.

    Args:
        kind: a key of :func:`chooser_kinds` (torch class name). Default ``"CosineAnnealingLR"``.
        steps: number of optimizer steps drawn. Default 100.
        lr: the optimizer's lr (``max_lr`` for CyclicLR/OneCycleLR). Default 0.1.
        log: log-scale lr axis. Default False.
        **params: the kind's slider settings (its entry's ``ui.sliders``); missing ones use
            the sliders' defaults, the rest is sized to ``steps`` (``total_steps=steps``, ...).
    """
    traces = kind_traces(kind, steps, lr, **params)
    values = _values(kind, params)
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    t = np.arange(steps)
    ax.plot(t, traces["torch"], color="0.7", lw=5, label=oracle(kind))
    ax.plot(t, traces["lrcourse"], color="C0", lw=1.5, ls="--", label="lrcourse.lr_scheduler")
    if log:
        ax.set_yscale("log")
    shown = chooser_kinds()[kind].ui.describe(values)
    ax.set(title=f"{kind}({shown})" if len(shown) < 70 else kind, xlabel="optimizer step",
           ylabel="learning rate" + (" (log)" if log else ""))
    ax.legend(loc="best", fontsize="small")
    final = traces["lrcourse"][-1]
    diff = f", max |lrcourse - torch|={np.max(np.abs(traces['lrcourse'] - traces['torch'])):.1e}"
    summary = f"{kind}: steps={steps}, lr={lr:.3g}, log={log}" + (", " + shown if shown else "") + f" | final lr={final:.3g}{diff}"
    return View(fig, summary)


class ScheduleExplorer(Explorer):
    """A chooser of scheduler kind; only the chosen kind's sliders are shown."""

    def __init__(self, kind: str, steps: int, lr: float, log: bool):
        kinds, common = chooser_kinds(), catalog.SIMULATION_SLIDERS
        controls = {
            "kind": control(choice(kind, kinds, "scheduler")),
            "steps": control(common["steps"].at(steps)),
            "lr": control(common["lr"].at(lr)),
            "log": control(common["log"].at(log)),
        }
        for name, entry in kinds.items():
            for param, slider in entry.ui.sliders.items():
                controls[f"{name}.{param}"] = control(slider)
        super().__init__(schedule_view, controls, title="Every learning-rate schedule", columns=4)
        controls["kind"].observe(lambda change: self._show(change["new"]), names="value")
        self._show(kind)

    def _show(self, kind: str) -> None:
        for name, w in self.controls.items():
            if "." in name:
                w.layout.display = None if name.startswith(kind + ".") else "none"

    def _draw(self, **values) -> None:
        kind = values["kind"]
        params = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith(kind + ".")}
        common = {k: values[k] for k in ("kind", "steps", "lr", "log")}
        super()._draw(**common, **params)


def schedule_explorer(kind: str = "CosineAnnealingLR", steps: int = 100, lr: float = 0.1,
                      log: bool = False) -> ScheduleExplorer:
    """Dropdown of scheduler kinds + the chosen kind's sliders (see :func:`schedule_view`)."""
    _values(kind, {})
    return ScheduleExplorer(kind, steps, lr, log)
