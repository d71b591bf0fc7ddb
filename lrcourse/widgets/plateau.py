r"""ReduceLROnPlateau under sliders, on a scripted metric sequence
(:func:`lrcourse.catalog.scripted_metric`, re-exported here).

``ReduceLROnPlateau`` watches a metric (``step(metric)``, not ``step()``). With
``mode="min"`` and ``threshold_mode="rel"`` a value counts as an improvement when

.. math::

    m_t < m^\ast (1 - \text{threshold}) \qquad(\texttt{abs}: m_t < m^\ast - \text{threshold}),

(``mode="max"``: :math:`m_t > m^\ast(1+\text{threshold})` / :math:`m^\ast + \text{threshold}`).
After more than ``patience`` steps without improvement the lr is multiplied by
``factor`` (not below ``min_lr``), then ``cooldown`` steps are ignored.

Example:
    >>> view = plateau_view(patience=5)
    >>> "patience=5" in view.summary
    True
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ..catalog import scripted_metric, simulate
from .base import Explorer, View
from .schedules import MODULES

__all__ = ["scripted_metric", "plateau_traces", "plateau_view", "plateau_explorer"]


def plateau_traces(metrics, *, lr=0.1, mode="min", factor=0.5, patience=5, threshold=1e-2,
                   threshold_mode="rel", cooldown=0, min_lr=0.0) -> dict[str, np.ndarray]:
    """lr per step of torch's and lrcourse's ReduceLROnPlateau fed ``metrics`` (one per step)."""
    kwargs = dict(mode=mode, factor=factor, patience=patience, threshold=threshold,
                  threshold_mode=threshold_mode, cooldown=cooldown, min_lr=min_lr)
    return {name: simulate(lambda o: module.ReduceLROnPlateau(o, **kwargs), len(metrics), lr=lr,
                           metrics=list(metrics)).lr for name, module in MODULES.items()}


def plateau_view(mode: str = "min", threshold_mode: str = "rel", threshold: float = 0.01,
                 patience: int = 5, cooldown: int = 0, factor: float = 0.5, noise: float = 0.01,
                 steps: int = 100, lr: float = 0.1) -> View:
    """The metric with its best-so-far (top) and the lr ReduceLROnPlateau sets (bottom).

    Args:
        mode: ``"min"`` (a loss) or ``"max"`` (an accuracy). Default ``"min"``.
        threshold_mode: ``"rel"`` or ``"abs"``. Default ``"rel"``.
        threshold: least change that counts as improvement. Default 0.01.
        patience: steps without improvement tolerated. Default 5.
        cooldown: steps ignored after a reduction. Default 0.
        factor: lr multiplier at a reduction. Default 0.5.
        noise: noise level of the scripted metric. Default 0.01.
        steps: length of the sequence (one ``step(metric)`` each). Default 100.
        lr: initial lr. Default 0.1.
    """
    metric = scripted_metric(steps, mode, noise)
    traces = plateau_traces(metric, lr=lr, mode=mode, factor=factor, patience=patience,
                            threshold=threshold, threshold_mode=threshold_mode, cooldown=cooldown)
    lrs = traces["lrcourse"]
    # the lr of entry i+1 is set by step(metric[i]): a drop between i and i+1 is a reduction at i
    cuts = np.nonzero(lrs[1:] < lrs[:-1])[0]
    best = np.minimum.accumulate(metric) if mode == "min" else np.maximum.accumulate(metric)
    fig, (ax, axl) = plt.subplots(2, 1, figsize=(7, 5), layout="constrained", sharex=True)
    t = np.arange(steps)
    ax.plot(t, metric, ".-", ms=3, lw=0.8, color="C0", label="metric fed to step(metric)")
    ax.plot(t, best, color="C2", lw=1, label="best so far")
    for i, c in enumerate(cuts):
        ax.axvline(c, color="C3", lw=1, ls="--", label="lr reduced" if i == 0 else None)
    ax.set(title=f"ReduceLROnPlateau(mode={mode}, threshold_mode={threshold_mode}, threshold={threshold:.3g}, "
                 f"patience={patience}, cooldown={cooldown})", ylabel="validation loss" if mode == "min"
           else "validation accuracy")
    ax.title.set_fontsize("small")
    ax.legend(fontsize="small", loc="best")
    axl.plot(t, traces["torch"], color="0.7", lw=5, label="torch")
    axl.plot(t, traces["lrcourse"], color="C0", ls="--", lw=1.5, label="lrcourse")
    axl.set_yscale("log")
    axl.set(xlabel="step (one step(metric) call each)", ylabel="learning rate (log)", title="learning rate")
    axl.legend(fontsize="small", loc="best")
    diff = f", max |lrcourse - torch|={np.max(np.abs(traces['lrcourse'] - traces['torch'])):.1e}"
    summary = (f"mode={mode}, threshold_mode={threshold_mode}, threshold={threshold:.3g}, patience={patience}, "
               f"cooldown={cooldown}, factor={factor:.2f}, noise={noise:.3f} | {len(cuts)} reductions at steps "
               f"{cuts.tolist()}, final lr={lrs[-1]:.3g}{diff}")
    return View(fig, summary)


def plateau_explorer(mode: str = "min", threshold_mode: str = "rel", threshold: float = 0.01,
                     patience: int = 5, cooldown: int = 0, factor: float = 0.5,
                     noise: float = 0.01) -> Explorer:
    """Sliders for :func:`plateau_view` (mode, threshold mode and size, patience, cooldown, factor, noise)."""
    controls = {
        "mode": widgets.Dropdown(value=mode, options=["min", "max"], description="mode"),
        "threshold_mode": widgets.Dropdown(value=threshold_mode, options=["rel", "abs"],
                                           description="threshold_mode"),
        "threshold": widgets.FloatLogSlider(value=threshold, base=10, min=-4, max=-1, step=0.1,
                                            readout_format=".3g", description="threshold",
                                            continuous_update=False),
        "patience": widgets.IntSlider(value=patience, min=0, max=30, description="patience",
                                      continuous_update=False),
        "cooldown": widgets.IntSlider(value=cooldown, min=0, max=20, description="cooldown",
                                      continuous_update=False),
        "factor": widgets.FloatSlider(value=factor, min=0.05, max=0.95, step=0.05, readout_format=".2f",
                                      description="factor", continuous_update=False),
        "noise": widgets.FloatSlider(value=noise, min=0.0, max=0.05, step=0.001, readout_format=".3f",
                                     description="metric noise", continuous_update=False),
    }
    return Explorer(plateau_view, controls, title="ReduceLROnPlateau on a scripted metric", columns=4)
