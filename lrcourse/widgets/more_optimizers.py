r"""Slider views for notebook 11, "More optimizers": each draws real runs of ``lrcourse.optim``.

* :func:`rprop_view`: Rprop on the estimate-the-mean problem, full batch against mini-batches
  (sign-based steps break with mini-batches).
* :func:`asgd_view`: noisy SGD on the ill-conditioned quadratic, the last iterate against
  ASGD's averaged iterate ``ax``.
* :func:`lbfgs_view`: L-BFGS against GD and Adam on Rosenbrock or the quadratic, by evaluations.
* :func:`adamax_view`: Adamax's :math:`u_t` (an :math:`\infty`-norm) against Adam's
  :math:`\sqrt{\hat s_t}` on a rare feature's gradients, and the steps they give.
* :func:`radam_view`: RAdam's rectification :math:`r_t` beside the untuned warmups of notebook 7.
* :func:`muon_view`: singular values before and after Muon's Newton–Schulz iteration.

Example:
    >>> rprop_view(batch_size=1).summary.split(":")[0]
    'batch_size=1, min_step=1e-06'
"""
from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np
import torch

from .. import catalog, checks, optim
from ..teaching.landscapes import get_landscape, plot_paths
from ..optim.radam import rectification
from ..teaching.orthogonalize import ns_map, spectrum_matrix
from ..teaching.probes import minibatch_run, noisy_run, rare_gradients, replay, skewed_sample
from ..teaching.quasi_newton import ROSENBROCK, count_evaluations
from ..schedules import adam_warmup_steps, warmup_factor
from .base import Explorer, View, control

#: GD's and Adam's learning rates for the L-BFGS comparison (GD's near its stability limit)
BASELINES = {"rosenbrock": {"GD": 2e-3, "Adam": 0.3}, "ill-conditioned": {"GD": 0.4, "Adam": 0.3}}
TOLERANCE = 1e-8  # f - f* that counts as solved
SGD_LR = 0.02  # mini-batch SGD beside Rprop: small enough to hover near the mean


def _setting(optimizer: str, setting: str) -> catalog.Slider:
    """The catalog's range of ``optimizer``'s hyper-parameter ``setting``."""
    return catalog.optimizer(optimizer).ui.slider(setting)


def _problem(problem: str, setting: str) -> catalog.Slider:
    """The catalog's range of the teaching problem's ``setting``."""
    return catalog.PROBLEM_SLIDERS[problem][setting]


def rprop_view(batch_size: int = 1, min_step: float = 1e-6, steps: int = 1000, lr: float = 0.1) -> View:
    r"""Rprop estimating the mean of skewed data (:func:`~lrcourse.teaching.probes.skewed_sample`): full batch,
    mini-batches of ``batch_size`` with :math:`\Delta_{\min}` = ``min_step``, and mini-batch SGD.

    Args:
        batch_size: examples per mini-batch (drawn with replacement). Default 1.
        min_step: Rprop's smallest step :math:`\Delta_{\min}` (``step_sizes[0]``). Default 1e-6 (torch's).
        steps: steps of each run. Default 1000.
        lr: Rprop's first step :math:`\Delta_0`. Default 0.1.
    """
    data = skewed_sample()
    mean, median = data.mean(), np.median(data)
    rprop = dict(lr=lr, step_sizes=(min_step, 50), keys=("step_size",))
    full = minibatch_run(optim.Rprop, data, None, steps, **rprop)
    mini = minibatch_run(optim.Rprop, data, batch_size, steps, **rprop)
    sgd = minibatch_run(optim.SGD, data, batch_size, steps, lr=SGD_LR)
    fig, (ax, axs) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    t = np.arange(steps + 1)
    ax.plot(t, sgd["x"], color="0.6", lw=0.8, label=f"SGD, batch {batch_size}, lr={SGD_LR:g}")
    ax.plot(t, full["x"], color="C0", lw=2, label="Rprop, full batch")
    ax.plot(t, mini["x"], color="C3", lw=1.5, label=f"Rprop, batch {batch_size}")
    ax.axhline(mean, color="k", ls="--", lw=1, label=f"minimum = mean {mean:.3f}")
    ax.axhline(median, color="k", ls=":", lw=1, label=f"median {median:.3f}")
    ax.set(title=r"Estimating the mean: $\theta_t$", xlabel="step t", ylabel=r"$\theta_t$", ylim=(0, 1.6))
    ax.legend(fontsize="x-small", loc="lower right")
    axs.semilogy(t[1:], full["step_size"], color="C0", lw=2, label="full batch")
    axs.semilogy(t[1:], mini["step_size"], color="C3", lw=1.5, label=f"batch {batch_size}")
    axs.axhline(min_step, color="k", ls=":", lw=1, label=r"$\Delta_{\min}$")
    axs.set(title=r"Rprop's step size $\Delta_t$", xlabel="step t", ylabel=r"$\Delta_t$ (log scale)")
    axs.legend(fontsize="x-small")
    tail = mini["x"][-100:, 0].mean()
    summary = (f"batch_size={batch_size}, min_step={min_step:.0e}: full batch ends at {full['x'][-1, 0]:.3f} "
               f"(mean {mean:.3f}); batch {batch_size} averages {tail:.3f} over the last 100 steps "
               f"(median {median:.3f}), its step size ends at {mini['step_size'][-1, 0]:.1e}")
    return View(fig, summary)


def rprop_explorer(batch_size: int = 1, min_step: float = 1e-6, steps: int = 1000) -> Explorer:
    """Sliders ``batch_size`` (1 to 256) and ``min_step`` (1e-6 to 1e-2, log) for :func:`rprop_view`."""
    controls = {"batch_size": control(_problem("skewed mean", "batch_size").at(batch_size)),
                "min_step": control(_setting("Rprop", "step_sizes").at(min_step))}
    return Explorer(rprop_view, controls, fixed={"steps": steps}, title="Rprop: full batch vs mini-batches")


def asgd_view(lr: float = 0.1, noise: float = 1.0, t0: int = 100, steps: int = 1000) -> View:
    r"""ASGD (``lambd=0``: a constant step) on the ill-conditioned quadratic with gradient noise
    :math:`\sigma`: the iterates :math:`\theta_t` and the average ``ax`` of those after ``t0``.

    Args:
        lr: the step :math:`\eta`. Default 0.1.
        noise: standard deviation :math:`\sigma` of the gradient noise. Default 1.0.
        t0: the step after which averaging starts. Default 100.
        steps: steps. Default 1000.
    """
    land = get_landscape("ill-conditioned")
    run = noisy_run(optim.ASGD, land, steps, noise=noise, keys=("ax",), lr=lr, lambd=0.0, t0=t0)
    ax_path = np.vstack([run["x"][:1], run["ax"]])
    gap_x, gap_ax = land(run["x"]) - land.min_value, land(ax_path) - land.min_value
    fig, (ax, axg) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    plot_paths(land, {"ASGD's average ax": ax_path}, ax, title=f"${land.formula}$, noise σ={noise:g}")
    ax.plot(run["x"][:, 0], run["x"][:, 1], ".", ms=2, color="C3", alpha=0.35, label=r"iterates $\theta_t$")
    ax.legend(fontsize="x-small", loc="lower right")
    t = np.arange(steps + 1)
    axg.semilogy(t, gap_x, color="C3", lw=0.6, alpha=0.7, label=r"last iterate $\theta_t$")
    axg.semilogy(t, gap_ax, color="C0", lw=2, label="average ax")
    axg.axvline(t0, color="k", ls=":", lw=1, label=f"t0={t0}")
    axg.set(title=f"$f - f^*$, ASGD lr={lr:g}, lambd=0", xlabel="step t", ylabel="$f - f^*$ (log scale)")
    axg.legend(fontsize="x-small")
    half = slice(steps // 2, None)
    summary = (f"lr={lr:.3g}, noise={noise:.2f}, t0={t0}: mean f-f* over the last {steps - steps // 2} steps "
               f"{gap_x[half].mean():.3g} at the iterate, {gap_ax[half].mean():.3g} at the average ax")
    return View(fig, summary)


def asgd_explorer(lr: float = 0.1, noise: float = 1.0, t0: int = 100, steps: int = 1000) -> Explorer:
    """Sliders ``lr`` (0.01 to 0.45), ``noise`` (0 to 3) and ``t0`` (0 to 900, sized for the default 1,000
    steps) for :func:`asgd_view`."""
    controls = {"lr": control(_setting("ASGD", "lr").at(lr)),
                "noise": control(_problem("noisy quadratic", "noise").at(noise)),
                "t0": control(_setting("ASGD", "t0").at(t0))}
    return Explorer(asgd_view, controls, fixed={"steps": steps}, title="ASGD: averaging the iterates of noisy SGD")


@functools.lru_cache(maxsize=64)
def lbfgs_runs(landscape: str = "rosenbrock", history_size: int = 10, line_search: bool = True,
               max_evals: int = 1000) -> dict:
    """:class:`~lrcourse.teaching.quasi_newton.Evaluations` of GD, Adam (lrs in :data:`BASELINES`) and L-BFGS.

    Cached (the runs are deterministic): a slider moved back, or a claim checked after the
    figure, does not run them again. Pass the arguments positionally to hit the cache.
    """
    checks.choice("landscape", landscape, tuple(BASELINES))
    land = ROSENBROCK if landscape == "rosenbrock" else get_landscape(landscape)
    lrs = BASELINES[landscape]
    search = "strong_wolfe" if line_search else None
    return {f"GD lr={lrs['GD']:g}": count_evaluations(optim.SGD, land, max_evals=max_evals, lr=lrs["GD"]),
            f"Adam lr={lrs['Adam']:g}": count_evaluations(optim.Adam, land, max_evals=max_evals, lr=lrs["Adam"]),
            f"L-BFGS m={history_size}" + (", strong Wolfe" if line_search else ", lr=1"): count_evaluations(
                optim.LBFGS, land, max_evals=max_evals, history_size=history_size, line_search_fn=search)}


def lbfgs_view(landscape: str = "rosenbrock", history_size: int = 10, line_search: bool = True,
               max_evals: int = 1000) -> View:
    r"""Paths (left) and the best :math:`f - f^*` against evaluations of :math:`f` and :math:`\nabla f`
    (right, log-log) for GD, Adam and L-BFGS.

    Args:
        landscape: ``"rosenbrock"`` or ``"ill-conditioned"``. Default ``"rosenbrock"``.
        history_size: L-BFGS's memory :math:`m`. Default 10.
        line_search: strong-Wolfe line search (else fixed step ``lr=1``). Default True.
        max_evals: evaluations per method. Default 1000.
    """
    runs = lbfgs_runs(landscape, history_size, line_search, max_evals)
    land = ROSENBROCK if landscape == "rosenbrock" else get_landscape(landscape)
    fig, (ax, axe) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    plot_paths(land, {name: run.iterates() for name, run in runs.items()}, ax)
    ax.legend(fontsize="x-small", loc="lower right")
    reached = {}
    for name, run in runs.items():
        gap = run.best_gap()
        axe.loglog(np.arange(1, len(gap) + 1), np.maximum(gap, 1e-20), lw=1.5, label=name)
        reached[name] = run.to_reach(TOLERANCE)
    axe.axhline(TOLERANCE, color="k", ls=":", lw=1, label=f"f - f* = {TOLERANCE:g}")
    axe.set(title="Best $f - f^*$ by evaluations of $f$ and $\\nabla f$", xlabel="evaluations (log scale)",
            ylabel="$f - f^*$ (log scale)", ylim=(1e-20, None))
    axe.legend(fontsize="x-small")
    said = ", ".join(f"{n}: {r if r else f'not within {max_evals}'}" for n, r in reached.items())
    summary = (f"landscape={landscape}, history_size={history_size}, line_search={line_search}: "
               f"evaluations to f-f* <= {TOLERANCE:g}: {said}")
    return View(fig, summary)


def lbfgs_explorer(landscape: str = "rosenbrock", history_size: int = 10, line_search: bool = True,
                   max_evals: int = 1000) -> Explorer:
    """Landscape chooser, ``history_size`` (1 to 20) and line-search box for :func:`lbfgs_view`."""
    controls = {"landscape": control(_problem("evaluations", "landscape").at(landscape)),
                "history_size": control(_setting("LBFGS", "history_size").at(history_size)),
                "line_search": control(_setting("LBFGS", "line_search_fn").at(line_search))}
    return Explorer(lbfgs_view, controls, fixed={"max_evals": max_evals},
                    title="L-BFGS against GD and Adam, by function evaluations")


def adamax_view(beta2: float = 0.999, period: int = 200, steps: int = 1000) -> View:
    r"""Adam and Adamax (``lr=1``, :math:`\beta_1 = 0.9`) fed :func:`~lrcourse.teaching.probes.rare_gradients`:
    their denominators :math:`\sqrt{\hat s_t}` and :math:`u_t` (left) and their steps
    :math:`|\Delta\theta_t|/\eta` (right).

    Args:
        beta2: :math:`\beta_2` of both. Default 0.999.
        period: steps between two gradients of 1. Default 200.
        steps: steps drawn. Default 1000.
    """
    g = rare_gradients(steps, period)
    adam = replay(optim.Adam, g, keys=("exp_avg_sq",), lr=1.0, betas=(0.9, beta2))
    adamax = replay(optim.Adamax, g, keys=("exp_inf",), lr=1.0, betas=(0.9, beta2))
    t = np.arange(1, steps + 1)
    adam_denominator = np.sqrt(adam["exp_avg_sq"][:, 0] / (1 - beta2 ** t))
    moves = {name: np.abs(np.diff(run["x"][:, 0])) for name, run in (("Adam", adam), ("Adamax", adamax))}
    fig, (ax, axs) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    ax.semilogy(t, adam_denominator, color="C0", label=r"Adam $\sqrt{\hat s_t}$")
    ax.semilogy(t, adamax["exp_inf"][:, 0], color="C1", label=r"Adamax $u_t = \max(\beta_2 u_{t-1}, |g_t|)$")
    ax.set(title=f"Denominators, gradient 1 every {period} steps, β2={beta2}", xlabel="step t",
           ylabel="log scale")
    ax.legend(fontsize="x-small")
    for i, (name, move) in enumerate(moves.items()):
        axs.semilogy(t, np.maximum(move, 1e-12), color=f"C{i}", label=name)
    axs.axhline(1.0, color="k", ls=":", lw=1, label="η")
    axs.set(title=r"Step $|\Delta\theta_t|\,/\,\eta$ (log scale)", xlabel="step t", ylabel="log scale",
            ylim=(1e-6, 100))  # room above the steps (at most ~1.3) for the legend
    axs.legend(fontsize="x-small", loc="upper center", ncols=3)
    summary = (f"beta2={beta2:.4g}, period={period}: largest step / lr {moves['Adam'].max():.3g} (Adam), "
               f"{moves['Adamax'].max():.3g} (Adamax)")
    return View(fig, summary)


def adamax_explorer(beta2: float = 0.999, period: int = 200, steps: int = 1000) -> Explorer:
    """``beta2`` chooser (0.9 to 0.9999) and ``period`` slider (10 to 500) for :func:`adamax_view`."""
    controls = {"beta2": control(_setting("Adamax", "betas").at(beta2)),
                "period": control(_problem("rare feature", "period").at(period))}
    return Explorer(adamax_view, controls, fixed={"steps": steps},
                    title="Adamax's ∞-norm against Adam's RMS, on a rare feature")


def radam_curves(beta2: float = 0.999, steps: int | None = None) -> dict[str, np.ndarray]:
    r"""Per step :math:`t = 1 \dots` ``steps`` (default :math:`3 \cdot 2/(1-\beta_2)`): RAdam's :math:`r_t`
    (NaN while it takes momentum-SGD steps) and the untuned linear (:math:`W = 2/(1-\beta_2)`) and
    exponential (:math:`1 - e^{-(1-\beta_2)t}`) warmup factors of Ma & Yarats (notebook 7)."""
    W = adam_warmup_steps(beta2)
    steps = 3 * W if steps is None else steps
    t = np.arange(1, steps + 1)
    r = [rectification(k, beta2) for k in t]
    linear, exponential = warmup_factor(W), warmup_factor(W / 2, "exponential")
    return {"t": t, "r": np.array([np.nan if v is None else v for v in r]),
            "linear": np.array([linear(k - 1) for k in t]), "exponential": np.array([exponential(k - 1) for k in t])}


def radam_view(beta2: float = 0.999) -> View:
    r"""RAdam's :math:`r_t` against the untuned linear and exponential warmups, for :math:`\beta_2`.

    Args:
        beta2: Adam's second-moment decay, in (0.9, 1). Default 0.999 (W = 2000 steps).
    """
    c = radam_curves(beta2)
    W = adam_warmup_steps(beta2)
    sgd_steps = int(np.isnan(c["r"]).sum())
    fig, ax = plt.subplots(figsize=(7.5, 3.6), layout="constrained")
    ax.plot(c["t"], c["r"], color="C0", lw=2, label=r"RAdam's rectification $r_t$")
    ax.plot(c["t"], c["linear"], color="C1", ls="--", label=f"untuned linear warmup, W = 2/(1-β2) = {W}")
    ax.plot(c["t"], c["exponential"], color="C2", ls=":", label=r"untuned exponential warmup $1-e^{-(1-\beta_2)t}$")
    ax.axvspan(0.5, sgd_steps + 0.5, color="C3", alpha=0.2, label=f"first {sgd_steps} steps: momentum SGD")
    ax.set(title=f"Effective multiplier of Adam's step, β2={beta2}", xlabel="step t", ylabel="multiplier",
           ylim=(0, 1.05))
    ax.legend(fontsize="x-small", loc="lower right")
    half = {k: int(c["t"][np.argmax(c[k] >= 0.5)]) for k in ("r", "linear", "exponential")}
    summary = (f"beta2={beta2:.4g}: momentum SGD for {sgd_steps} steps; multiplier reaches 0.5 at step "
               f"{half['r']} (RAdam), {half['linear']} (linear warmup), {half['exponential']} (exponential)")
    return View(fig, summary)


def radam_explorer(beta2: float = 0.999) -> Explorer:
    """A ``beta2`` chooser (0.95 to 0.9995) for :func:`radam_view`."""
    controls = {"beta2": control(_setting("RAdam", "betas").at(beta2))}
    return Explorer(radam_view, controls, title="RAdam's rectification as a warmup")


def muon_view(ns_steps: int = 5, decay: float = 0.9) -> View:
    r"""Singular values :math:`\sigma_i` of :func:`~lrcourse.teaching.orthogonalize.spectrum_matrix` (normalised by
    :math:`\|G\|_F`) and what ``ns_steps`` of :func:`lrcourse.optim.newton_schulz` make of each direction,
    :math:`u_i^\top \mathrm{NS}(G)\, v_i` (left), against the map :math:`p^{\circ k}(\sigma)` (right).

    Args:
        ns_steps: Newton–Schulz steps :math:`k`. Default 5 (torch's).
        decay: ratio of consecutive singular values of the matrix. Default 0.9.
    """
    G = spectrum_matrix(decay=decay)
    U, before, Vh = torch.linalg.svd(G / G.norm(), full_matrices=False)
    after = ((U.T @ optim.newton_schulz(G, ns_steps=ns_steps).double()) * Vh).sum(dim=1).numpy()
    before = before.numpy()
    fig, (ax, axm) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    i = np.arange(1, len(before) + 1)
    ax.semilogy(i, before, "o", ms=3, color="C0", label=r"before: $\sigma_i(G)/\|G\|_F$")
    ax.semilogy(i, after, "o", ms=3, color="C1", label=f"after {ns_steps} Newton–Schulz steps (bfloat16)")
    ax.set(title=f"Singular values of a {G.shape[0]} x {G.shape[1]} update", xlabel="direction i",
           ylabel=r"$\sigma_i$ (log scale)", ylim=(1e-5, 3))
    ax.legend(fontsize="x-small")
    s = np.geomspace(1e-5, 1, 600)
    axm.semilogx(s, ns_map(s, ns_steps=ns_steps), color="C1", label=f"$p^{{\\circ {ns_steps}}}(\\sigma)$, exact")
    axm.semilogx(before, after, "o", ms=3, color="C0", alpha=0.6, label="this matrix, bfloat16")
    axm.axhline(1, color="k", ls=":", lw=1)
    axm.set(title=r"$p(\sigma) = a\sigma + b\sigma^3 + c\sigma^5$, iterated", xlabel=r"$\sigma$ before (log scale)",
            ylabel=r"$\sigma$ after", xlim=(1e-5, 1))
    axm.legend(fontsize="x-small", loc="upper left")
    summary = (f"ns_steps={ns_steps}, decay={decay:.2f}: singular values {before.min():.1e}..{before.max():.2f} "
               f"become {after.min():.2f}..{after.max():.2f}")
    return View(fig, summary)


def muon_explorer(ns_steps: int = 5, decay: float = 0.9) -> Explorer:
    """Sliders ``ns_steps`` (0 to 10) and ``decay`` (0.5 to 0.99) for :func:`muon_view`."""
    controls = {"ns_steps": control(_setting("Muon", "ns_steps").at(ns_steps)),
                "decay": control(_problem("spectrum", "decay").at(decay))}
    return Explorer(muon_view, controls, title="Muon: orthogonalising the update")
