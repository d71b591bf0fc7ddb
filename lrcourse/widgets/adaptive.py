r"""Slider view of adaptive optimizers walking on 2-D functions (optimizer chooser + lr).

Each optimizer is an entry of :data:`lrcourse.catalog.OPTIMIZERS` (an ``lrcourse.optim`` class
and its settings), run through :func:`lrcourse.landscapes.trajectory`.
Adaptive methods divide by a running size of the gradient, so the ill-conditioned
quadratic's steep :math:`x_2` and flat :math:`x_1` directions get similar step lengths
(Adagrad: sum of :math:`g^2`; RMSprop/Adam/Yogi: moving averages; Adadelta: no lr scale).

Example:
    >>> adaptive_view("Adam", lr=0.3).summary.split(":")[0]
    'optimizer=Adam, lr=0.300, landscape=ill-conditioned'
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .. import catalog
from ..landscapes import get_landscape, plot_paths, trajectory
from ..schedules import checks
from .base import Explorer, View

#: every catalog optimizer that takes a dense point, in catalog order (which also fixes each one's colour)
OPTIMIZERS = tuple(name for name, e in catalog.OPTIMIZERS.items() if e.dense)


def compare_paths(lr: float, landscape: str = "ill-conditioned", steps: int = 60,
                  optimizers=OPTIMIZERS, **hparams) -> dict[str, np.ndarray]:
    """Every optimizer's path at the same lr from the landscape's start, by catalog name
    (with the entry's settings, e.g. momentum 0.9 for "SGD + momentum")."""
    entries = [catalog.optimizer(name) for name in optimizers]
    return {e.name: trajectory(e.cls, landscape, None, steps, lr=lr, **{**e.settings, **hparams}) for e in entries}


def adaptive_view(optimizer: str = "Adam", lr: float = 0.3, landscape: str = "ill-conditioned",
                  steps: int = 60) -> View:
    """The chosen optimizer's path with plain SGD's at the same lr (left) and every
    optimizer's :math:`f - f^*` at that lr, the chosen one bold (right, log scale).

    Args:
        optimizer: one of :data:`OPTIMIZERS`. Default ``"Adam"``.
        lr: learning rate shared by all. Default 0.3.
        landscape: ``"ill-conditioned"`` or ``"banana"``. Default ``"ill-conditioned"``.
        steps: optimizer steps. Default 60.
    """
    checks.choice("optimizer", optimizer, OPTIMIZERS)
    land = get_landscape(landscape)
    paths = compare_paths(lr, land, steps)
    fig, (ax, axl) = plt.subplots(1, 2, figsize=(11, 3.8))
    shown = {f"{optimizer} lr={lr:.3f}": paths[optimizer]}
    if optimizer != "SGD":
        shown[f"SGD lr={lr:.3f}"] = paths["SGD"]
    plot_paths(land, shown, ax)
    for line in ax.get_lines():  # same colour per optimizer in both panels
        name = line.get_label().split(" lr=")[0]
        if name in OPTIMIZERS:
            line.set_color(f"C{OPTIMIZERS.index(name)}")
    with np.errstate(over="ignore", invalid="ignore"):
        gaps = {name: np.abs(land(p) - land.min_value) for name, p in paths.items()}
    t = np.arange(steps + 1)
    for i, (name, gap) in enumerate(gaps.items()):
        bold = name == optimizer
        axl.semilogy(t, np.where(np.isfinite(gap), np.maximum(gap, 1e-300), np.nan), color=f"C{i}",
                     lw=2.5 if bold else 1, alpha=1 if bold else 0.45, label=name)
    finite = [g[np.isfinite(g)] for g in gaps.values()]
    axl.set_ylim(max(1e-12, min(g.min() for g in finite if g.size) * 0.5), 10 * max(gaps["SGD"][0], 1))
    axl.set(title=f"Loss gap, every optimizer at lr={lr:.3f}", xlabel="step t", ylabel="f(x_t) - f* (log scale)")
    axl.legend(fontsize="x-small", ncol=2)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.91, wspace=0.25)  # fixed: fast redraws
    end, sgd_end = gaps[optimizer][-1], gaps["SGD"][-1]
    fmt = lambda v: f"{v:.3g}" if np.isfinite(v) else "diverged"  # noqa: E731
    summary = (f"optimizer={optimizer}, lr={lr:.3f}, landscape={land.name}: f-f*={fmt(end)} after {steps} steps "
               f"(SGD at the same lr: {fmt(sgd_end)})")
    return View(fig, summary)


def adaptive_explorer(optimizer: str = "Adam", lr: float = 0.3, landscape: str = "ill-conditioned",
                      steps: int = 60) -> Explorer:
    """Optimizer chooser, log-scale ``lr`` slider (0.001 to 3) and landscape chooser for
    :func:`adaptive_view`."""
    controls = {
        "optimizer": widgets.Dropdown(options=list(OPTIMIZERS), value=optimizer, description="optimizer"),
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-3, max=np.log10(3), step=0.05,
                                     readout_format=".3f", description="learning rate η",
                                     continuous_update=False),
        "landscape": widgets.Dropdown(options=["ill-conditioned", "banana"], value=landscape,
                                      description="function"),
    }
    return Explorer(adaptive_view, controls, fixed={"steps": steps}, title="Adaptive optimizers on 2-D functions")
