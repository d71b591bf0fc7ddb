r"""Adaptive optimizers walking on 2-D functions: one panel per optimizer, and a slider view.

Each optimizer is an entry of :data:`lrcourse.catalog.OPTIMIZERS` (an ``lrcourse.optim`` class
and its settings), run through :func:`lrcourse.teaching.landscapes.trajectory`.
Adaptive methods divide by a running size of the gradient, so the ill-conditioned
quadratic's steep :math:`x_2` and flat :math:`x_1` directions get similar step lengths
(Adagrad: sum of :math:`g^2`; RMSprop/Adam/Yogi: moving averages; Adadelta: no lr scale).

* :func:`paths_view`: small multiples, one panel per optimizer with plain SGD's path behind it
  (eight paths in one panel cannot be told apart);
* :func:`adaptive_view` / :func:`adaptive_explorer`: one optimizer's path next to plain SGD's
  and every shown optimizer's :math:`f - f^*`, under an optimizer chooser and an lr slider.

Example:
    >>> adaptive_view("Adam", lr=0.3).summary.split(":")[0]
    'optimizer=Adam, lr=0.300, landscape=ill-conditioned'
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .. import catalog, checks
from ..catalog import DENSE_OPTIMIZERS
from ..catalog.sliders import choice
from ..teaching.landscapes import get_landscape, plot_paths, trajectory
from .base import Explorer, View, control

#: the chapter's optimizers (d2l ch. 12 plus AdamW): what the views show unless told otherwise
CHAPTER = ("SGD", "SGD + momentum", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Yogi")
_STYLES = ("-", "--", ":", "-.")
_PALETTE = tuple(f"C{i}" for i in (0, 1, 2, 3, 4, 5, 6, 8, 9))  # no grey C7: grey is SGD's reference path


def colour(name: str) -> str:
    """The optimizer's colour in every panel (fixed by its place in :data:`~lrcourse.catalog.DENSE_OPTIMIZERS`)."""
    return _PALETTE[DENSE_OPTIMIZERS.index(name) % len(_PALETTE)]


def _names(optimizers) -> tuple[str, ...]:
    if isinstance(optimizers, str) or not optimizers:
        raise ValueError(f"optimizers must be a non-empty list of names from {DENSE_OPTIMIZERS}, got {optimizers!r}")
    return tuple(checks.choice("optimizers", name, DENSE_OPTIMIZERS) for name in optimizers)


def compare_paths(lr: float, landscape: str = "ill-conditioned", steps: int = 60,
                  optimizers=CHAPTER, **hparams) -> dict[str, np.ndarray]:
    """Each optimizer's path at the same lr from the landscape's start, by catalog name (with the
    entry's settings, e.g. momentum 0.9 for "SGD + momentum"). Default: :data:`CHAPTER`."""
    return {e.name: trajectory(e.cls, landscape, None, steps, lr=lr, **{**e.settings, **hparams})
            for e in map(catalog.optimizer, _names(optimizers))}


def _gap(land, path: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return np.abs(land(path) - land.min_value)


def _fmt(v: float) -> str:
    return f"{v:.2g}" if np.isfinite(v) else "diverged"


def _zoom(ax, path: np.ndarray, color: str) -> None:
    """An inset magnifying a path too short to see at the landscape's scale, in the corner
    opposite its start."""
    fx, fy = ax.transLimits.transform(path[0])
    inset = ax.inset_axes([0.06 if fx > 0.5 else 0.52, 0.06 if fy > 0.5 else 0.56, 0.42, 0.38])
    inset.plot(path[:, 0], path[:, 1], ".-", color=color, ms=2, lw=0.8)
    inset.plot(*path[0], "ko", mfc="none", ms=5)
    inset.set(xticks=[], yticks=[])
    ax.indicate_inset_zoom(inset, edgecolor="0.4")


def paths_view(lr: float = 0.3, landscape: str = "ill-conditioned", steps: int = 60,
               optimizers=CHAPTER, columns: int = 4) -> View:
    """Small multiples: each optimizer's path in its own panel (title: its final :math:`f - f^*`),
    plain SGD's path at the same lr in grey behind it, the start as a hollow circle. A path that
    stays within 3% of the window gets a zoomed inset.

    Args:
        lr: learning rate shared by all. Default 0.3.
        landscape: ``"ill-conditioned"`` or ``"banana"``. Default ``"ill-conditioned"``.
        steps: optimizer steps. Default 60.
        optimizers: names from :data:`~lrcourse.catalog.DENSE_OPTIMIZERS`, one panel each. Default
            :data:`CHAPTER`.
        columns: panels per row. Default 4.
    """
    checks.integer("columns", columns, low=1)
    land = get_landscape(landscape)
    paths = compare_paths(lr, land, steps, optimizers)
    sgd = compare_paths(lr, land, steps, ["SGD"])["SGD"]
    rows = math.ceil(len(paths) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.1 * columns, 2.7 * rows), squeeze=False,
                             sharex=True, sharey=True)
    width = land.xlim[1] - land.xlim[0]
    for ax, (name, path) in zip(axes.flat, paths.items()):
        shown = {name: path} if name == "SGD" else {"SGD": sgd, name: path}
        plot_paths(land, shown, ax, levels=12)
        ax.get_legend().remove()
        for line, label in zip(ax.get_lines()[1:], shown):
            line.set(color=colour(label) if label == name else "0.7", zorder=3 if label == name else 2)
        ax.plot(*path[0], "ko", mfc="none", ms=7, zorder=4)
        title = f"{name}: f−f*={_fmt(_gap(land, path)[-1])}"
        if np.ptp(path, axis=0).max() < 0.03 * width:
            _zoom(ax, path, colour(name))
            title += f", moved {np.linalg.norm(path[-1] - path[0]):.2g} (zoom)"
        ax.set_title(title, fontsize="medium", color=colour(name))
        ax.label_outer()
    for ax in axes.flat[len(paths):]:
        ax.set_visible(False)
    fig.suptitle(f"${land.formula}$, lr={lr:g}, {steps} steps (grey: plain SGD at the same lr; ○ start, ★ minimum)",
                 fontsize="medium")
    fig.tight_layout()
    ends = ", ".join(f"{n} {_fmt(_gap(land, p)[-1])}" for n, p in paths.items())
    return View(fig, f"lr={lr:.3f}, landscape={land.name}, {steps} steps: f-f* {ends}")


def adaptive_view(optimizer: str = "Adam", lr: float = 0.3, landscape: str = "ill-conditioned",
                  steps: int = 60, optimizers=CHAPTER) -> View:
    """The chosen optimizer's path with plain SGD's at the same lr (left) and each of
    ``optimizers``' :math:`f - f^*` at that lr, the chosen one bold (right, log scale).

    Args:
        optimizer: one of :data:`~lrcourse.catalog.DENSE_OPTIMIZERS`. Default ``"Adam"``.
        lr: learning rate shared by all. Default 0.3.
        landscape: ``"ill-conditioned"`` or ``"banana"``. Default ``"ill-conditioned"``.
        steps: optimizer steps. Default 60.
        optimizers: the curves on the right (the chosen one is added). Default :data:`CHAPTER`.
    """
    checks.choice("optimizer", optimizer, DENSE_OPTIMIZERS)
    land = get_landscape(landscape)
    names = _names(optimizers)
    paths = compare_paths(lr, land, steps, dict.fromkeys(("SGD",) + names + (optimizer,)))
    fig, (ax, axl) = plt.subplots(1, 2, figsize=(11.5, 3.8))
    shown = {f"{optimizer} lr={lr:.3f}": paths[optimizer]}
    if optimizer != "SGD":
        shown[f"SGD lr={lr:.3f}"] = paths["SGD"]
    plot_paths(land, shown, ax)
    for line in ax.get_lines():  # same colour per optimizer in both panels
        name = line.get_label().split(" lr=")[0]
        if name in DENSE_OPTIMIZERS:
            line.set_color(colour(name))
    ax.legend(fontsize="small", loc="best")  # again: the legend keeps the colours it was drawn with
    gaps = {name: _gap(land, paths[name]) for name in dict.fromkeys(names + (optimizer,))}
    t = np.arange(steps + 1)
    for i, (name, gap) in enumerate(gaps.items()):
        bold = name == optimizer
        axl.semilogy(t, np.where(np.isfinite(gap), np.maximum(gap, 1e-300), np.nan), color=colour(name),
                     ls=_STYLES[i % len(_STYLES)], lw=2.5 if bold else 1.2, alpha=1 if bold else 0.7, label=name)
    finite = [g[np.isfinite(g)] for g in gaps.values()]
    axl.set_ylim(max(1e-12, min(g.min() for g in finite if g.size) * 0.5), 10 * max(_gap(land, paths["SGD"])[0], 1))
    axl.set(title=f"Loss gap at lr={lr:.3f}", xlabel="step t", ylabel="f(x_t) - f* (log scale)")
    axl.legend(fontsize="x-small", loc="center left", bbox_to_anchor=(1.01, 0.5))  # outside: no data hidden
    fig.subplots_adjust(left=0.06, right=0.85, bottom=0.14, top=0.91, wspace=0.25)  # fixed: fast redraws
    end, sgd_end = _gap(land, paths[optimizer])[-1], _gap(land, paths["SGD"])[-1]
    fmt = lambda v: f"{v:.3g}" if np.isfinite(v) else "diverged"  # noqa: E731
    summary = (f"optimizer={optimizer}, lr={lr:.3f}, landscape={land.name}: f-f*={fmt(end)} after {steps} steps "
               f"(SGD at the same lr: {fmt(sgd_end)})")
    return View(fig, summary)


def adaptive_explorer(optimizer: str = "Adam", lr: float = 0.3, landscape: str = "ill-conditioned",
                      steps: int = 60) -> Explorer:
    """Optimizer chooser (every dense optimizer), log-scale ``lr`` slider (0.001 to 3) and
    landscape chooser for :func:`adaptive_view` (lr and landscape: the catalog's ``"2-D functions"`` problem)."""
    problem = catalog.PROBLEM_SLIDERS["2-D functions"]
    controls = {"optimizer": control(choice(optimizer, DENSE_OPTIMIZERS, "optimizer")),
                "lr": control(problem["lr"].at(lr)),
                "landscape": control(problem["landscape"].at(landscape))}
    return Explorer(adaptive_view, controls, fixed={"steps": steps}, title="Adaptive optimizers on 2-D functions")
