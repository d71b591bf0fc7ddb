r"""Gradient descent and the size of the step, on :math:`f(x) = \tfrac12 \lambda x^2`.

The gradient is :math:`\lambda x`, so one step is
:math:`x_{t+1} = x_t - \eta \lambda x_t = (1 - \eta\lambda)\, x_t` and
:math:`x_t = (1 - \eta\lambda)^t x_0`: it converges iff :math:`|1 - \eta\lambda| < 1`,
i.e. :math:`0 < \eta < 2/\lambda`; it crawls when :math:`\eta\lambda \ll 1` and
oscillates when :math:`\eta\lambda > 1`. (:math:`\lambda = 2` is :math:`f(x) = x^2`.)

Example:
    >>> descent_view(lr=0.2, lam=2.0).summary.split(":")[0]
    'lr=0.20, lam=2.0'
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .. import catalog
from ..schedules import inverse_sqrt
from ..teaching.landscapes import quadratic, trajectory
from .base import Explorer, View, control


def gd_regime(lr: float, lam: float) -> str:
    r"""Name what :math:`q = 1 - \eta\lambda` does: diverges, oscillates, crawls or converges."""
    q = 1 - lr * lam
    if abs(q) >= 1:
        return "diverges"
    if q < 0:
        return "oscillates, converges"
    return "crawls" if q > 0.8 else "converges"


def plot_parabola_paths(paths: Mapping[str, np.ndarray], lam: float = 2.0, ax=None, *,
                        title: str | None = None):
    r"""Iterates of 1-D runs on :math:`f(x) = \tfrac12\lambda x^2`, drawn on the curve.

    The window grows to hold every finite iterate (a diverging path stays in the picture; the
    curve is drawn over the same window). Returns the Axes.
    """
    if ax is None:
        _, ax = plt.subplots()
    xs = np.concatenate([p[:, 0] for p in paths.values()])
    reach = 1.1 * np.abs(xs[np.isfinite(xs)]).max()
    grid = np.linspace(-reach, reach, 300)
    curve = "x^2" if lam == 2 else f"{lam / 2:g}\\,x^2"
    ax.plot(grid, 0.5 * lam * grid ** 2, color="0.6", label=f"$f(x) = {curve}$")
    for label, path in paths.items():
        ax.plot(path[:, 0], 0.5 * lam * path[:, 0] ** 2, "o-", ms=3, lw=1, label=label)
    ax.set(xlim=(-reach, reach), ylim=(-0.05 * lam * reach ** 2 / 2, 1.05 * lam * reach ** 2 / 2),
           xlabel="x", ylabel="f(x)", title=title or f"$f(x) = {curve}$ (λ={lam:g})")
    ax.legend(fontsize="small", loc="upper center")
    return ax


def descent_view(lr: float = 0.2, lam: float = 2.0, steps: int = 20, x0: float = 10.0) -> View:
    r"""Gradient descent (lrcourse's SGD) on :math:`\tfrac12\lambda x^2`: iterates on the curve
    (left) and :math:`|x_t|` against the prediction :math:`|1-\eta\lambda|^t |x_0|` (right, log)."""
    path = trajectory("sgd", quadratic((lam,), start=(x0,)), None, steps, lr=lr)
    fig, (ax, axe) = plt.subplots(1, 2, figsize=(10, 3.6))
    plot_parabola_paths({f"GD, η={lr:.2f}": path}, lam, ax)
    t = np.arange(steps + 1)
    q = 1 - lr * lam
    with np.errstate(divide="ignore"):
        axe.semilogy(t, np.abs(path[:, 0]), "o", ms=4, label="|x_t| (lrcourse SGD)")
        axe.semilogy(t, np.abs(q) ** t * abs(x0), "k--", lw=1, label=f"$|1-ηλ|^t|x_0|$, 1-ηλ={q:+.2f}")
    regime = gd_regime(lr, lam)
    axe.set(title=f"Distance to the minimum: {regime}", xlabel="step t", ylabel="|x_t| (log scale)")
    axe.legend(fontsize="small")
    fig.tight_layout()
    summary = (f"lr={lr:.2f}, lam={lam:.1f}: factor 1-lr*lam={q:+.3f} per step, "
               f"|x_{steps}|={abs(path[-1, 0]):.3g} ({regime})")
    return View(fig, summary)


def descent_explorer(lr: float = 0.2, lam: float = 2.0, steps: int = 20) -> Explorer:
    """Sliders ``lr`` (η, SGD's in the catalog) and ``lam`` (λ, the ``"parabola"`` problem's) for
    :func:`descent_view`."""
    controls = {"lr": control(catalog.optimizer("SGD").ui.slider("lr").at(lr)),
                "lam": control(catalog.PROBLEM_SLIDERS["parabola"]["lam"].at(lam))}
    return Explorer(descent_view, controls, fixed={"steps": steps}, title="Gradient descent on ½λx²")


def plot_eigen_factors(lr: float, lams: Sequence[float] = (0.1, 1, 10, 19), steps: int = 20, ax=None):
    r"""The factor :math:`(1 - \eta\lambda)^t` per eigen-direction (d2l's figure). Returns the Axes."""
    if ax is None:
        _, ax = plt.subplots()
    t = np.arange(steps + 1)
    for lam in lams:
        ax.plot(t, (1 - lr * lam) ** t, "o-", ms=3, lw=1, label=f"λ={lam:g}: 1-ηλ={1 - lr * lam:+.2f}")
    ax.axhline(0, color="k", lw=0.5)
    ax.set(title=f"$(1-\\eta\\lambda)^t$ per eigen-direction, η={lr:g}", xlabel="step t",
           ylabel="remaining fraction of $x_0$")
    ax.set_ylim(-1.5, 1.5)
    ax.legend(fontsize="small")
    return ax


def plot_noisy_descent(lr: float = 0.4, noise: float = 1.0, steps: int = 200,
                       decay: Callable[[int], float] | None = None, seeds: Sequence[int] = tuple(range(10)),
                       ax=None):
    r"""SGD with gradient noise on the ill-conditioned quadratic: a constant lr stalls at a
    noise floor, a shrinking lr keeps going (default :math:`\eta_t = \eta\sqrt{10/(t + 10)}`:
    :func:`lrcourse.schedules.inverse_sqrt` with :math:`W = 10`, past its warmup).
    Plots the mean of :math:`f(x_t)` over the noise seeds (bold) and one run (faint), log
    scale. Returns the Axes."""
    from ..teaching.landscapes import get_landscape

    land = get_landscape("ill-conditioned")
    if decay is None:
        past_warmup = inverse_sqrt(warmup_steps=10)
        decay = lambda t: past_warmup(t + 10)  # noqa: E731
    if ax is None:
        _, ax = plt.subplots()
    for kind, lam_fn, color in (("constant lr", None, "C3"), ("decaying lr", decay, "C0")):
        runs = np.array([land(trajectory("sgd", land, None, steps, lr=lr, noise=noise, seed=seed,
                                         lr_lambda=lam_fn)) for seed in seeds])
        ax.semilogy(runs[0], color=color, lw=0.7, alpha=0.35)
        ax.semilogy(runs.mean(axis=0), color=color, lw=2, label=f"{kind}: mean of {len(seeds)} runs")
    ax.set(title=f"SGD with noisy gradients (σ={noise:g}), η₀={lr:g}", xlabel="step t",
           ylabel="f(x_t) (log scale)")
    ax.legend(fontsize="small")
    return ax
