r"""Figures of the edge of stability (:func:`lrcourse.teaching.sharpness.gd_with_sharpness`) and of gradient clipping.

:func:`sharpness_view`: the sharpness :math:`\lambda_{\max}` of full-batch GD at several :math:`\eta` against
:math:`2/\eta`, and the loss. :func:`warmup_sharpness_view`: GD at one peak :math:`\eta` from the start and
after a warmup, the sharpness against :math:`2/\eta_t`. :func:`clip_view`: the gradient norm before
clipping over training, and the threshold.

Example:
    >>> import numpy as np
    >>> from lrcourse.teaching.sharpness import GDRun
    >>> run = GDRun(np.full(4, 0.1), np.array([1.0, 0.5, 0.4, 0.3, 0.2]), np.array([0, 2, 4]), np.array([5.0, 19.0, 21.0]))
    >>> sharpness_view({0.1: run}).summary
    'eta 0.1: sharpness 5 -> 21 (2/eta = 20), median over the second half 20 (ratio 1.00), loss 1 -> 0.2'
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np

from .. import checks
from .base import View


def _plain_log(ax) -> None:
    """A log y axis labelled 0.1, 0.2, 0.5, 1, 2, 5, ... instead of powers of ten."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(mticker.FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(mticker.NullFormatter())


def second_half_median(run) -> float:
    """The median sharpness over the measurements at or after half the run's steps."""
    steps = len(run.lr)
    return float(np.median(run.sharpness[run.sharpness_steps >= steps / 2]))


def sharpness_view(runs: dict) -> View:
    """Left: the sharpness of each run (one colour per :math:`\\eta`) and its :math:`2/\\eta` (dashed);
    right: the full-batch loss (log scale).

    Args:
        runs: ``{eta: GDRun}`` at constant :math:`\\eta` (e.g. from :func:`~lrcourse.teaching.sharpness.gd_with_sharpness`).
    """
    if not runs:
        raise ValueError("runs must hold at least one {eta: GDRun}")
    fig, (ax_s, ax_l) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    parts, top, low = [], 0.0, np.inf
    for k, (eta, run) in enumerate(sorted(runs.items())):
        eta = checks.positive("eta", eta)
        color = f"C{k}"
        ax_s.plot(run.sharpness_steps, run.sharpness, "o-", color=color, ms=3, lw=1.5, label=f"η = {eta:g}")
        ax_s.axhline(2 / eta, color=color, ls="--", lw=1.2)
        ax_l.plot(np.arange(len(run.loss)), run.loss, color=color, lw=1.2, label=f"η = {eta:g}")
        top = max(top, float(np.nanmax(run.sharpness)), 2 / eta)
        low = min(low, float(np.nanmin(run.sharpness)), 2 / eta)
        med = second_half_median(run)
        parts.append(f"eta {eta:g}: sharpness {run.sharpness[0]:.3g} -> {run.sharpness[-1]:.3g} (2/eta = {2 / eta:.3g}), "
                     f"median over the second half {med:.3g} (ratio {med * eta / 2:.2f}), "
                     f"loss {run.loss[0]:.3g} -> {run.loss[-1]:.3g}")
    ax_s.set_yscale("log")
    ax_s.set_ylim(low / 1.3, top * 1.3)
    ticks = [v for v in (2, 5, 10, 20, 50, 100, 200, 500, 1000) if low / 1.3 <= v <= top * 1.3]
    ax_s.set_yticks(ticks, [f"{v:g}" for v in ticks])
    ax_s.set(xlabel="GD step", ylabel="sharpness λ_max (log)", title="Sharpness λ_max; dashed: 2/η in the same colour")
    _plain_log(ax_l)
    ax_l.set(xlabel="GD step", ylabel="full-batch loss (log)", title="Training loss")
    fig.legend(*ax_s.get_legend_handles_labels(), loc="outside lower center", ncols=len(runs), fontsize="small")
    return View(fig, "; ".join(parts))


def warmup_sharpness_view(straight: dict, warmed: dict, peak: float) -> View:
    """GD at peak :math:`\\eta` from step 0 (``straight``) and after a warmup (``warmed``), one curve per seed.
    Left: the loss (log; a diverged run ends where it left the plot). Right: the warmed-up runs'
    sharpness with :math:`2/\\eta_t` of their schedule (dashed).

    Args:
        straight, warmed: ``{seed: GDRun}``.
        peak: the peak :math:`\\eta` (> 0), for the title and the level 2/peak.
    """
    peak = checks.positive("peak", peak)
    if not straight or not warmed:
        raise ValueError("straight and warmed must each hold at least one {seed: GDRun}")
    fig, (ax_l, ax_s) = plt.subplots(1, 2, figsize=(11, 4.0), layout="constrained")
    cap = 10 * max(r.loss[0] for r in list(straight.values()) + list(warmed.values()))  # the loss axis ends here
    for k, (seed, run) in enumerate(sorted(straight.items())):
        shown = np.flatnonzero(run.loss <= cap)  # a diverging run leaves the plot at its first loss above cap
        end = shown[-1] + 1 if len(shown) == len(run.loss) else np.argmax(~(run.loss <= cap))
        ax_l.plot(np.arange(end), run.loss[:end], color="C3", lw=1.2,
                  label=f"η = {peak:g} from step 0" if k == 0 else None)
        if run.diverged is not None:
            ax_l.plot([end - 1], [run.loss[end - 1]], "x", color="C3", ms=8, mew=2,
                      label=f"leaves the plot; inf at step ~{run.diverged}" if k == 0 else None)
    top = 0.0
    for k, (seed, run) in enumerate(sorted(warmed.items())):
        ax_l.plot(np.arange(len(run.loss)), np.minimum(run.loss, cap), color="C0", lw=1.2,
                  label=f"linear warmup to η = {peak:g}" if k == 0 else None)
        ax_s.plot(run.sharpness_steps, run.sharpness, "o-", ms=2.5, lw=1.2, color=f"C{k}", label=f"seed {seed}")
        top = max(top, float(np.nanmax(run.sharpness)))
    lr = next(iter(sorted(warmed.items())))[1].lr
    t = np.arange(len(lr))
    edge = np.where(lr > 0, 2 / np.maximum(lr, 1e-300), np.inf)
    ax_s.plot(t, edge, "k--", lw=1.2, label="2/η_t of the warmup")
    ax_s.set_ylim(0, 1.25 * top)
    _plain_log(ax_l)
    ax_l.set_ylim(None, cap)
    ax_l.set(xlabel="GD step", ylabel="full-batch loss (log)", title=f"Peak η = {peak:g}: with and without warmup")
    ax_s.set(xlabel="GD step", ylabel="sharpness λ_max", title="With warmup: the sharpness and 2/η_t")
    handles, labels = (a + b for a, b in zip(ax_l.get_legend_handles_labels(), ax_s.get_legend_handles_labels()))
    fig.legend(handles, labels, loc="outside lower center", fontsize="small", ncols=4)
    div = sum(r.diverged is not None for r in straight.values())
    wdiv = sum(r.diverged is not None for r in warmed.values())
    summary = (f"peak eta {peak:g}: from step 0 {div} of {len(straight)} seeds diverged; with warmup {wdiv} of "
               f"{len(warmed)}, final sharpness " + ", ".join(f"{r.sharpness[-1]:.3g}" for _, r in sorted(warmed.items()))
               + f" (2/eta = {2 / peak:.3g})")
    return View(fig, summary)


def clip_view(norms: dict, max_norm: float, steps_per_epoch: int) -> View:
    """The gradient norm before clipping at every step (log scale), one curve per run, and the
    threshold ``max_norm`` (dashed): the steps above it are the ones clipping changed.

    Args:
        norms: ``{label: per-step pre-clip norms}``.
        max_norm: the clipping threshold, > 0.
        steps_per_epoch: to put the x axis in epochs, int >= 1.
    """
    max_norm = checks.positive("max_norm", max_norm)
    nb = checks.integer("steps_per_epoch", steps_per_epoch, low=1)
    if not norms:
        raise ValueError("norms must hold at least one {label: per-step norms}")
    fig, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
    parts = []
    for k, (label, values) in enumerate(norms.items()):
        v = np.asarray(values, dtype=float)
        ax.plot(np.arange(len(v)) / nb, v, color=f"C{k}", lw=0.9, alpha=0.85, label=label)
        parts.append(f"{label}: norm above {max_norm:g} on {np.mean(v > max_norm):.0%} of {len(v)} steps, "
                     f"median norm {np.median(v):.3g}")
    ax.axhline(max_norm, color="k", ls="--", lw=1.2, label=f"max_norm = {max_norm:g}")
    ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel="gradient norm before clipping (log)", title="Pre-clip gradient norm per step")
    fig.legend(loc="outside right center", fontsize="small")
    return View(fig, "; ".join(parts))
