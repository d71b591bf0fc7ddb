r"""Slider view of momentum: the path, the loss and where (η, β) sits on Distill's rate map.

Heavy ball (torch's ``SGD(momentum=β)``): :math:`b_t = \beta b_{t-1} + g_t`,
:math:`x_t = x_{t-1} - \eta b_t` — the buffer is an (unnormalised) EMA of gradients.
On a quadratic with Hessian eigenvalues :math:`\lambda_i` the error shrinks by
:math:`\max_i \max(|\sigma_1|, |\sigma_2|)` per step (:mod:`lrcourse.teaching.momentum_theory`).

Example:
    >>> momentum_view(lr=0.4, beta=0.5).summary.split(":")[0]
    'lr=0.400, beta=0.50, nesterov=False'
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .. import catalog, checks
from ..teaching.landscapes import get_landscape, plot_paths, trajectory
from ..teaching.momentum_theory import convergence_rate, error_components, plot_rate_map, region
from .base import Explorer, View, control

#: per landscape: the steps drawn and the β the explorer starts at (its lr slider: the catalog's problem of that name)
LANDSCAPES = {"ill-conditioned": {"steps": 40, "beta": 0.5}, "banana": {"steps": 300, "beta": 0.9}}


def _gap(land, path):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.abs(land(path) - land.min_value)


def _fmt(value: float) -> str:
    return f"{value:.3g}" if np.isfinite(value) else "diverged"


def momentum_view(lr: float = 0.4, beta: float = 0.5, nesterov: bool = False,
                  landscape: str = "ill-conditioned", steps: int | None = None) -> View:
    """Gradient descent and momentum from the same start (left), their :math:`f - f^*` (middle,
    log) and the rate map over (η, β) for the landscape's Hessian eigenvalues (right).

    Args:
        lr: step size η. Default 0.4.
        beta: momentum β in [0, 1). Default 0.5.
        nesterov: Nesterov's look-ahead variant. Default False. At β = 0 there is no momentum
            to look ahead with: plain gradient descent is drawn and the summary says so.
        landscape: ``"ill-conditioned"`` or ``"banana"`` (eigenvalues at the minimum).
        steps: optimizer steps; default 40 (quadratic) or 300 (banana).
    """
    land = get_landscape(landscape)
    steps = steps or LANDSCAPES.get(land.name, {"steps": 40})["steps"]
    nesterov = bool(nesterov)
    look_ahead = nesterov and beta > 0  # torch refuses nesterov without momentum
    gd = trajectory("sgd", land, None, steps, lr=lr)
    mom = trajectory("sgd", land, None, steps, lr=lr, momentum=beta, nesterov=look_ahead)
    label = f"{'Nesterov' if look_ahead else 'momentum'} β={beta:.2f}"
    fig, (ax, axl, axr) = plt.subplots(1, 3, figsize=(12.5, 3.5), gridspec_kw={"width_ratios": [1.1, 1, 1.15]})
    plot_paths(land, {f"GD η={lr:.3f}": gd, label: mom}, ax)
    t = np.arange(steps + 1)
    for name, path in ((f"GD η={lr:.3f}", gd), (label, mom)):
        axl.semilogy(t, np.maximum(_gap(land, path), 1e-300), lw=1.5, label=name)
    axl.set(title="Loss gap", xlabel="step t", ylabel="f(x_t) - f* (log scale)")
    top = max(10 * land(np.asarray(land.start)), 1.0)
    finite = np.concatenate([g[np.isfinite(g)] for g in (_gap(land, gd), _gap(land, mom))])
    axl.set_ylim(max(1e-16, min(finite.min(), 1e-3)), top)
    axl.legend(fontsize="small")
    lams = land.hessian_eigenvalues
    plot_rate_map(lams, axr, alpha_max=max(4.2 / max(lams), lr * 1.05), mark=(lr, beta), n=120)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.14, top=0.91, wspace=0.33)  # fixed: fast redraws
    rate = max(convergence_rate(lr, beta, lam) for lam in lams)
    regions = ", ".join(f"λ={lam:.3g} {region(lr, beta, lam)}" for lam in lams)
    end = _gap(land, mom)[-1]
    note = " (no effect at beta=0)" if nesterov and not look_ahead else ""
    summary = (f"lr={lr:.3f}, beta={beta:.2f}, nesterov={nesterov}{note}: heavy-ball rate {rate:.3f} ({regions}); "
               f"f-f* after {steps} steps: {label.split(' ')[0]} {_fmt(end)}, GD {_fmt(_gap(land, gd)[-1])}")
    return View(fig, summary)


def momentum_explorer(landscape: str = "ill-conditioned", lr: float | None = None, beta: float | None = None,
                      nesterov: bool = False) -> Explorer:
    """Sliders ``lr`` and ``beta`` and a Nesterov checkbox for :func:`momentum_view`
    (defaults per landscape: η=0.4, β=0.5 on the quadratic; η=0.01, β=0.9 on the banana). The lr's range is
    the catalog's problem ``landscape`` (GD and heavy ball share it), β's and Nesterov's "SGD + momentum"'s."""
    start = LANDSCAPES[checks.choice("landscape", landscape, sorted(LANDSCAPES))]
    lr_slider, ui = catalog.PROBLEM_SLIDERS[landscape]["lr"], catalog.optimizer("SGD + momentum").ui
    controls = {"lr": control(lr_slider if lr is None else lr_slider.at(lr)),
                "beta": control(ui.slider("momentum").at(start["beta"] if beta is None else beta)),
                "nesterov": control(ui.slider("nesterov").at(nesterov))}
    return Explorer(momentum_view, controls, fixed={"landscape": landscape},
                    title=f"Momentum on the {landscape} function")


def plot_error_components(lr: float, beta: float, lams: Sequence[float] = (0.01, 0.1, 1.0),
                          steps: int = 100, ax=None):
    """Distill's error split: each eigen-coordinate of the error under momentum, from 1."""
    if ax is None:
        _, ax = plt.subplots()
    comps = error_components(lr, beta, lams, [1.0] * len(lams), steps)
    for i, lam in enumerate(lams):
        ax.plot(comps[:, i], lw=1.5, label=f"λ={lam:g} ({region(lr, beta, lam)}, rate {convergence_rate(lr, beta, lam):.3f})")
    ax.axhline(0, color="k", lw=0.5)
    ax.set(title=f"Error per eigen-direction, η={lr:g}, β={beta:g}", xlabel="step k",
           ylabel="$x_k^{(i)}$ (starts at 1)")
    ax.legend(fontsize="small")
    return ax



def effective_lr(lr: float, momentum: float = 0.0) -> float:
    r"""The step along a steady gradient once the buffer has filled: :math:`\eta/(1-\beta)`."""
    lr = checks.real("lr", lr, low=0.0)
    return lr / (1 - checks.real("momentum", momentum, low=0.0, high=1.0, high_open=True))


def plot_effective_lr_runs(histories: Mapping, settings: Mapping[str, dict], title: str | None = None):
    r"""Training runs coloured by their effective step :math:`\eta/(1-\beta)`: train loss per epoch
    (left) and test accuracy per epoch (right); solid without momentum, one dash style per :math:`\beta`.

    Args:
        histories: run name -> :class:`lrcourse.train.History`.
        settings: run name -> the optimizer's ``dict(lr=..., momentum=...)`` (momentum default 0).
        title: optional figure title.
    """
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4.2))
    colors, styles = {}, {0.0: "-"}
    for name, h in histories.items():
        beta = settings[name].get("momentum", 0.0)
        eff = effective_lr(settings[name]["lr"], beta)
        color = colors.setdefault(round(eff, 12), f"C{len(colors)}")
        style = styles.setdefault(beta, ("--", ":", "-.")[(len(styles) - 1) % 3])
        label = f"{name}: η/(1-β)={eff:.3g}"
        epochs = np.arange(1, h.epochs + 1)
        ax_loss.plot(epochs, h.train_loss, style, color=color, marker="o", ms=3, label=label)
        ax_acc.plot(epochs, h.test_acc, style, color=color, marker="o", ms=3, label=label)
    ax_loss.set(title="Training loss (epoch mean)", xlabel="epoch", ylabel="cross-entropy")
    ax_loss.set_ylim(bottom=0)
    ax_acc.set(title="Test accuracy", xlabel="epoch", ylabel="accuracy")
    fig.legend(*ax_acc.get_legend_handles_labels(), loc="lower center", ncol=2, fontsize="small")  # below the data
    if title:
        fig.suptitle(title, fontsize="medium")
    fig.tight_layout(rect=(0, 0.03 + 0.05 * ((len(histories) + 1) // 2), 1, 1))
    return fig
