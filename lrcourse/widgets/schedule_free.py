r"""Slider view of schedule-free SGD: the three sequences y, z and x on a noisy quadratic.

Schedule-free SGD (Defazio et al. 2024) takes the gradient at :math:`y`, steps :math:`z` by
plain SGD and keeps :math:`x`, a weighted average of the :math:`z`'s, to evaluate:

.. math::
    z_t = z_{t-1} - \gamma_t \nabla f(y_{t-1}),\qquad
    x_t = (1 - c_t)\, x_{t-1} + c_t z_t,\quad c_t = \frac{w_t}{\sum_{i \le t} w_i},\quad
    w_t = t^r \,(\max_{i \le t}\gamma_i)^{p},\qquad
    y_t = (1 - \beta)\, z_t + \beta\, x_t

The view runs :class:`lrcourse.optim.SGDScheduleFree` itself: :math:`y` is the parameter in
train mode, :math:`z` its state ``"z"`` and :math:`x` the parameter after ``eval()``.

Example:
    >>> schedule_free_view(beta=0.9, lr=0.3, r=0.0).summary.split(":")[0]
    'beta=0.90, lr=0.300, r=0.0'
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from .. import catalog, checks
from ..teaching.landscapes import get_landscape, plot_paths
from ..optim import SGDScheduleFree, sgd_schedule_free_update
from ..optim._schedule_free import average_weight, warmup_lr
from .base import Explorer, View, control

#: the three sequences, in drawing order, with their colours and what each one is
SEQUENCES = {"z": ("C0", "z: the SGD iterate"), "y": ("C1", "y: where the gradient is taken"),
             "x": ("C2", "x: the average (evaluate here)")}


def schedule_free_paths(beta: float = 0.9, lr: float = 0.3, r: float = 0.0, steps: int = 100, *,
                        warmup_steps: int = 0, weight_lr_power: float = 2.0, noise: float = 0.5, seed: int = 0,
                        landscape: str = "ill-conditioned") -> dict[str, np.ndarray]:
    r"""The iterates ``{"y": ..., "z": ..., "x": ...}`` of schedule-free SGD, each ``(steps + 1, dim)``,
    in float64, from the landscape's start; the gradient gets Gaussian noise :math:`\sigma\xi_t` (seeded).

    For :math:`\beta > 0` they come from :class:`lrcourse.optim.SGDScheduleFree`. At
    :math:`\beta = 0` that class refuses (as ``schedulefree`` does: :math:`x = (y - z)/\beta + z`
    cannot be recovered once :math:`y = z`), so the same update function
    (:func:`lrcourse.optim.sgd_schedule_free_update` with momentum 0) steps :math:`y` and
    :math:`z`, and :math:`x` is kept by its own recursion with the class's :math:`c_t`.
    """
    beta = checks.real("beta", beta, low=0.0, high=1.0, high_open=True)
    lr, r, steps = checks.lr(lr), checks.nonnegative("r", r), checks.integer("steps", steps, low=1)
    warmup_steps = checks.integer("warmup_steps", warmup_steps)
    weight_lr_power, noise = checks.nonnegative("weight_lr_power", weight_lr_power), checks.nonnegative("noise", noise)
    land = get_landscape(landscape)
    p = torch.tensor(land.start, dtype=torch.float64, requires_grad=True)
    gen = torch.Generator().manual_seed(seed)
    paths = {name: np.empty((steps + 1, land.dim)) for name in "yzx"}
    for path in paths.values():
        path[0] = land.start  # x_0 = y_0 = z_0
    if beta > 0:
        opt = SGDScheduleFree([p], lr=lr, momentum=beta, r=r, warmup_steps=warmup_steps,
                              weight_lr_power=weight_lr_power)
        opt.train()
    else:
        state = {"z": p.detach().clone()}
        x, counters = p.detach().clone(), dict(lr_max=-1.0, weight_sum=0.0)
    for t in range(steps):
        p.grad = None
        land(p).backward()
        p.grad.add_(torch.randn(p.shape, generator=gen, dtype=torch.float64), alpha=noise)
        if beta > 0:
            opt.step()
            paths["y"][t + 1], paths["z"][t + 1] = p.detach().numpy(), opt.state[p]["z"].numpy()
            opt.eval()
            paths["x"][t + 1] = p.detach().numpy()
            opt.train()
            continue
        step_lr = warmup_lr(lr, t, warmup_steps)
        counters["lr_max"], counters["weight_sum"], c = average_weight(
            t, step_lr, counters["lr_max"], counters["weight_sum"], r, weight_lr_power)
        with torch.no_grad():
            sgd_schedule_free_update(p, p.grad, state, lr=step_lr, momentum=0.0, weight_decay=0.0, c=c)
            x.lerp_(state["z"], c)
        paths["y"][t + 1], paths["z"][t + 1], paths["x"][t + 1] = p.detach().numpy(), state["z"].numpy(), x.numpy()
    return paths


def _gap(land, path):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.abs(land(path) - land.min_value)


def _fmt(value: float) -> str:
    return f"{value:.3g}" if np.isfinite(value) else "diverged"


def schedule_free_view(beta: float = 0.9, lr: float = 0.3, r: float = 0.0, steps: int = 100, *,
                       warmup_steps: int = 0, weight_lr_power: float = 2.0, noise: float = 0.5, seed: int = 0,
                       landscape: str = "ill-conditioned") -> View:
    r"""The paths of :math:`y`, :math:`z` and :math:`x` on the contours (left) and
    :math:`f - f^*` at each over the steps (right, log scale), from :func:`schedule_free_paths`.

    Args:
        beta: the interpolation :math:`\beta \in [0, 1)` (``momentum``). Default 0.9.
        lr: learning rate :math:`\eta \ge 0`. Default 0.3.
        r: power of the polynomial weighting :math:`t^r \ge 0`. Default 0.
        steps: optimizer steps. Default 100.
        warmup_steps: linear warmup length. Default 0.
        weight_lr_power: power :math:`p` of the largest lr so far in :math:`w_t`. Default 2.
        noise: standard deviation of the Gaussian noise added to each gradient. Default 0.5.
        seed: seed of the noise. Default 0.
        landscape: a name from :data:`lrcourse.teaching.landscapes.LANDSCAPES` with 2 coordinates.
            Default ``"ill-conditioned"`` (:math:`0.1 x_1^2 + 2 x_2^2`).
    """
    land = get_landscape(landscape)
    paths = schedule_free_paths(beta, lr, r, steps, warmup_steps=warmup_steps, weight_lr_power=weight_lr_power,
                                noise=noise, seed=seed, landscape=land)
    fig, (ax, axl) = plt.subplots(1, 2, figsize=(11.5, 4.0), gridspec_kw={"width_ratios": [1.1, 1]})
    plot_paths(land, {SEQUENCES[n][1]: paths[n] for n in SEQUENCES}, ax,
               title=f"${land.formula}$, gradient noise σ={noise:g}")
    for line in ax.get_lines():  # one colour per sequence in both panels
        for colour, label in SEQUENCES.values():
            if line.get_label() == label:
                line.set(color=colour, ms=2, lw=1.0 if label.startswith("z") else 1.6)
    ax.legend(fontsize="small", loc="lower right")
    t = np.arange(steps + 1)
    gaps = {n: _gap(land, paths[n]) for n in SEQUENCES}
    for n, (colour, label) in SEQUENCES.items():
        axl.semilogy(t, np.where(np.isfinite(gaps[n]), np.maximum(gaps[n], 1e-300), np.nan), color=colour,
                     lw=1.0 if n == "z" else 1.8, label=f"f({n}_t) − f*")
    finite = np.concatenate([g[np.isfinite(g)] for g in gaps.values()])
    axl.set_ylim(max(1e-12, finite.min(initial=1.0) * 0.5), max(10 * gaps["z"][0], 1.0))
    same = " (y = z at β = 0)" if beta == 0 else ""
    axl.set(title=f"β={beta:.2f}, lr={lr:.3g}, r={r:.1f}: loss gap{same}", xlabel="step t",
            ylabel="f − f* (log scale)")
    axl.legend(fontsize="small", loc="lower left")
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.13, top=0.91, wspace=0.22)  # fixed: fast redraws
    ends = ", ".join(f"{n} {_fmt(gaps[n][-1])}" for n in "xyz")
    return View(fig, f"beta={beta:.2f}, lr={lr:.3f}, r={r:.1f}: f-f* after {steps} steps at {ends}")


def schedule_free_explorer(beta: float = 0.9, lr: float = 0.3, r: float = 0.0, *, steps: int = 100,
                           noise: float = 0.5, warmup_steps: int = 0) -> Explorer:
    """Sliders ``beta`` (0 to 0.99), ``lr`` (log, 0.01 to 3) and ``r`` (0 to 4) for
    :func:`schedule_free_view`, SGDScheduleFree's in the catalog; ``steps``, ``noise`` and ``warmup_steps``
    stay fixed."""
    ui = catalog.optimizer("SGDScheduleFree").ui
    controls = {"beta": control(ui.slider("momentum").at(beta)), "lr": control(ui.slider("lr").at(lr)),
                "r": control(ui.slider("r").at(r))}
    return Explorer(schedule_free_view, controls, fixed=dict(steps=steps, noise=noise, warmup_steps=warmup_steps),
                    title="Schedule-free SGD: y, z and x")
