r"""ReduceLROnPlateau under sliders, on a scripted metric sequence
(:func:`lrcourse.catalog.scripted_metric`, re-exported here).

``ReduceLROnPlateau`` watches a metric (``step(metric)``, not ``step()``). With
``mode="min"`` and ``threshold_mode="rel"`` a value counts as an improvement when

.. math::

    m_t < m^\ast (1 - \text{threshold}) \qquad(\texttt{abs}: m_t < m^\ast - \text{threshold}),

(``mode="max"``: :math:`m_t > m^\ast(1+\text{threshold})` / :math:`m^\ast + \text{threshold}`).
After more than ``patience`` steps without improvement the lr is multiplied by
``factor`` (not below ``min_lr``; a cut that would change the lr by at most ``eps`` is
skipped), then ``cooldown`` steps are ignored. The scripted metric is a fixed sequence: unlike
a real validation loss it does not react to the cuts.

Example:
    >>> view = plateau_view(patience=5)
    >>> "patience=5" in view.summary
    True
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import catalog
from ..catalog import scripted_metric
from .base import Explorer, View, control

__all__ = ["scripted_metric", "plateau_traces", "plateau_view", "plateau_explorer", "bad_epoch_counts",
           "plateau_run_view"]


def plateau_traces(metrics, *, lr=0.1, mode="min", factor=0.5, patience=5, threshold=1e-2,
                   threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8) -> dict[str, np.ndarray]:
    """lr per step of torch's and lrcourse's ReduceLROnPlateau fed ``metrics`` (one per step)."""
    settings = dict(mode=mode, factor=factor, patience=patience, threshold=threshold,
                    threshold_mode=threshold_mode, cooldown=cooldown, min_lr=min_lr, eps=eps)
    steps = len(metrics)
    return {name: catalog.simulate(
                lambda o: catalog.build_scheduler("ReduceLROnPlateau", o, steps, module=module, **settings),
                steps, lr=lr, metrics=list(metrics)).lr
            for name, module in catalog.SCHEDULER_MODULES.items()}


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
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))  # off the data, right of it
    axl.plot(t, traces["torch"], color="0.7", lw=5, label="torch")
    axl.plot(t, traces["lrcourse"], color="C0", ls="--", lw=1.5, label="lrcourse")
    axl.set_yscale("log")
    axl.set(xlabel="step (one step(metric) call each)", ylabel="learning rate (log)", title="learning rate")
    axl.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    diff = f", max |lrcourse - torch|={np.max(np.abs(traces['lrcourse'] - traces['torch'])):.1e}"
    summary = (f"mode={mode}, threshold_mode={threshold_mode}, threshold={threshold:.3g}, patience={patience}, "
               f"cooldown={cooldown}, factor={factor:.2f}, noise={noise:.3f} | {len(cuts)} reductions at steps "
               f"{cuts.tolist()}, final lr={lrs[-1]:.3g}{diff}")
    return View(fig, summary)


def plateau_explorer(mode: str = "min", threshold_mode: str = "rel", threshold: float = 0.01,
                     patience: int = 5, cooldown: int = 0, factor: float = 0.5,
                     noise: float = 0.01) -> Explorer:
    """Sliders for :func:`plateau_view` (mode, threshold mode and size, patience, cooldown, factor, noise), with
    the catalog's ranges of ReduceLROnPlateau's settings and of the scripted metric's noise."""
    ui = catalog.schedule("ReduceLROnPlateau").ui
    values = dict(mode=mode, threshold_mode=threshold_mode, threshold=threshold, patience=patience,
                  cooldown=cooldown, factor=factor)
    controls = {setting: control(ui.slider(setting).at(value)) for setting, value in values.items()}
    controls["noise"] = control(catalog.SIMULATION_SLIDERS["noise"].at(noise))
    return Explorer(plateau_view, controls, title="ReduceLROnPlateau on a scripted metric", columns=4)


def bad_epoch_counts(metrics, lrs, mode: str = "min", threshold: float = 1e-4,
                     threshold_mode: str = "rel") -> np.ndarray:
    """The scheduler's bad-epoch counter after each ``step(metrics[i])``, read off a finished run
    (``cooldown=0``): epochs since the last improvement, restarted at each lr cut.

    Args:
        metrics: the metric fed after epoch ``i``.
        lrs: the lr epoch ``i`` trained at (same length); ``lrs[i+1] < lrs[i]`` is a cut
            made by ``step(metrics[i])``.
        mode, threshold, threshold_mode: as ``ReduceLROnPlateau`` (defaults "min", 1e-4, "rel").

    Example:
        >>> bad_epoch_counts([1.0, 0.9, 0.95, 0.92, 0.93], [0.1, 0.1, 0.1, 0.1, 0.05]).tolist()
        [0, 0, 1, 2, 1]
    """
    sign = 1.0 if mode == "min" else -1.0
    best, count, counts = np.inf, 0, []
    for i, m in enumerate(np.asarray(metrics, dtype=float) * sign):
        better = m < (best * (1 - sign * threshold) if threshold_mode == "rel" else best - threshold)
        best, count = (m, 0) if better else (best, count + 1)
        counts.append(count)
        if i + 1 < len(lrs) and lrs[i + 1] < lrs[i]:
            count = 0
    return np.array(counts)


def plateau_run_view(val_loss, train_loss, epoch_lr, patience: int, threshold: float = 1e-4,
                     title: str = "ReduceLROnPlateau on a training run") -> View:
    """A finished run with a plateau scheduler (``mode="min"``, ``threshold_mode="rel"``), epochs
    counted from 1 in both panels: left the losses, the best validation loss so far, each bad
    epoch numbered with the scheduler's count and a dashed line at each lr cut; right the lr.

    Args:
        val_loss: validation loss after each epoch (what ``step`` was fed).
        train_loss: mean training loss of each epoch.
        epoch_lr: lr each epoch trained at.
        patience: the scheduler's patience (drawn as the count that triggers a cut).
        threshold: the scheduler's relative threshold (default 1e-4).
        title: the left panel's title.
    """
    counts = bad_epoch_counts(val_loss, epoch_lr, "min", threshold, "rel")
    epochs = np.arange(1, len(val_loss) + 1)
    cuts = [int(e) for e in epochs[:-1] if epoch_lr[e] < epoch_lr[e - 1]]  # cut after epoch e
    fig, (ax, axl) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained",
                                  gridspec_kw={"width_ratios": [3, 2]})
    ax.plot(epochs, val_loss, "s-", label="validation loss (fed to step)")
    ax.plot(epochs, train_loss, "o-", ms=4, label="train loss")
    ax.plot(epochs, np.minimum.accumulate(val_loss), color="C2", lw=1, label="best validation loss")
    bad = counts > 0
    ax.plot(epochs[bad], np.asarray(val_loss)[bad], "x", color="C3", ms=8, label="bad epoch (count)")
    for e, c in zip(epochs[bad], counts[bad]):
        ax.annotate(str(c), (e, val_loss[e - 1]), textcoords="offset points", xytext=(0, 6),
                    ha="center", color="C3", fontsize="small")
    for i, e in enumerate(cuts):
        ax.axvline(e + 0.5, color="C3", ls="--", lw=1, label=f"lr cut (count > {patience})" if i == 0 else None)
    ax.set(title=title, xlabel="epoch", ylabel="cross-entropy (log)", yscale="log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.title.set_fontsize("small")
    fig.legend(*ax.get_legend_handles_labels(), fontsize="small", loc="outside lower center", ncols=3)  # off the data
    axl.plot(epochs, epoch_lr, "o-", drawstyle="steps-mid")
    axl.set(title="lr each epoch trained at", xlabel="epoch", ylabel="learning rate (log)", yscale="log",
            xlim=ax.get_xlim())
    axl.xaxis.set_major_locator(MaxNLocator(integer=True))
    summary = (f"{len(val_loss)} epochs, patience={patience}: lr cut after epochs {cuts}, "
               f"bad-epoch count at each cut {[int(counts[e - 1]) for e in cuts]}, final lr={epoch_lr[-1]:.3g}")
    return View(fig, summary)
