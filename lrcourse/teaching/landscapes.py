r"""Small test functions to watch optimizers walk on, and the walk itself.

Three landscapes carry the optimizer notebooks:

* ``"parabola"``: :math:`f(x) = x^2` (one dimension; Hessian :math:`\lambda = 2`).
* ``"ill-conditioned"``: :math:`f(x) = 0.1\,x_1^2 + 2\,x_2^2`, the d2l chapter's example
  (Hessian eigenvalues 0.2 and 4: gradient descent converges for
  :math:`\eta < 2/4 = 0.5`, so :math:`\eta = 0.4` converges and :math:`\eta = 0.6` diverges).
* ``"banana"``: the Rosenbrock-like valley :math:`f(x) = (1 - x_1)^2 + 10\,(x_2 - x_1^2)^2`
  (minimum at (1, 1); Distill's "Why Momentum Really Works" uses a banana like it).

:func:`quadratic` builds :math:`f(x) = \tfrac12 \sum_i \lambda_i x_i^2` for any eigenvalues,
the model problem where gradient descent multiplies each coordinate by
:math:`(1 - \eta\lambda_i)` per step.

:func:`trajectory` runs a *real* optimizer (by its :mod:`lrcourse.catalog` name, or any
``torch.optim.Optimizer`` class) on a 2-D parameter and returns every iterate, so the
pictures in the notebooks are drawn by the same code that trains LeNet.

Example:
    >>> path = trajectory("sgd", "ill-conditioned", (-5.0, -2.0), 20, lr=0.4)
    >>> path.shape
    (21, 2)

References:
    Zhang et al., *Dive into Deep Learning*, ch. 12 "Optimization Algorithms".
    G. Goh, "Why Momentum Really Works", Distill, 2017.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from .. import catalog
from .. import checks


@dataclass(frozen=True)
class Landscape:
    """A test function with its analytic gradient and plotting defaults.

    ``func`` and ``grad_func`` take arrays whose last axis holds the coordinates (numpy
    arrays or torch tensors for ``func``; numpy for ``grad_func``).
    """

    name: str
    formula: str
    func: Callable
    grad_func: Callable
    minimizer: tuple[float, ...]
    start: tuple[float, ...]
    xlim: tuple[float, float]
    ylim: tuple[float, float] | None = None
    hessian_eigenvalues: tuple[float, ...] = ()

    @property
    def dim(self) -> int:
        return len(self.minimizer)

    def __call__(self, x):
        return self.func(x)

    def grad(self, x) -> np.ndarray:
        """Analytic gradient at ``x`` (last axis = coordinates)."""
        return self.grad_func(np.asarray(x, dtype=float))

    @property
    def min_value(self) -> float:
        return float(self.func(np.asarray(self.minimizer, dtype=float)))


def quadratic(eigenvalues: Sequence[float], *, start: Sequence[float] | None = None,
              name: str | None = None) -> Landscape:
    r"""The diagonal quadratic :math:`f(x) = \tfrac12 \sum_i \lambda_i x_i^2`.

    Args:
        eigenvalues: the curvatures :math:`\lambda_i > 0` (the Hessian's diagonal).
        start: starting point; default -1 in every coordinate.
        name: label used in plots; default lists the eigenvalues.
    """
    lams = tuple(float(v) for v in eigenvalues)
    if not lams or any(not np.isfinite(v) or v <= 0 for v in lams):
        raise ValueError(f"eigenvalues must be a non-empty sequence of finite numbers > 0, "
                         f"got {eigenvalues!r}")
    lam_np = np.array(lams)
    start = tuple(float(v) for v in (start if start is not None else [-1.0] * len(lams)))
    if len(start) != len(lams):
        raise ValueError(f"start must have {len(lams)} coordinates (one per eigenvalue), got {start!r}")

    def func(x):
        return sum(0.5 * lam * x[..., i] ** 2 for i, lam in enumerate(lams))

    terms = " + ".join(f"{0.5 * v:g}\\,x_{i + 1}^2" for i, v in enumerate(lams))
    terms = terms if len(lams) > 1 else f"{0.5 * lams[0]:g}\\,x^2"
    lim = 1.1 * max(abs(v) for v in start)
    return Landscape(name or f"quadratic λ={lams}", f"f(x) = {terms}", func,
                     lambda x: lam_np * x, (0.0,) * len(lams), start, (-lim, lim),
                     (-lim, lim) if len(lams) > 1 else None, lams)


def rosenbrock(b: float, *, name: str = "rosenbrock", start: tuple[float, float] = (-1.2, 1.0)) -> Landscape:
    r"""Rosenbrock's curved valley :math:`f(x) = (1 - x_1)^2 + b\,(x_2 - x_1^2)^2`, minimum at (1, 1).

    Its Hessian there is :math:`\begin{pmatrix} 2 + 8b & -4b \\ -4b & 2b \end{pmatrix}`: the larger
    ``b``, the narrower the valley (condition number about 2500 for the classical ``b = 100``).
    """

    def func(x):
        return (1 - x[..., 0]) ** 2 + b * (x[..., 1] - x[..., 0] ** 2) ** 2

    def grad_func(x):
        x1, x2 = x[..., 0], x[..., 1]
        return np.stack([-2 * (1 - x1) - 4 * b * x1 * (x2 - x1 ** 2), 2 * b * (x2 - x1 ** 2)], axis=-1)

    hessian = np.array([[2.0 + 8 * b, -4.0 * b], [-4.0 * b, 2.0 * b]])
    return Landscape(name, f"f(x) = (1 - x_1)^2 + {b:g}\\,(x_2 - x_1^2)^2", func, grad_func,
                     (1.0, 1.0), start, (-2.0, 2.0), (-1.0, 3.0),
                     tuple(float(v) for v in np.linalg.eigvalsh(hessian)))


LANDSCAPES: dict[str, Landscape] = {
    "parabola": Landscape("parabola", "f(x) = x^2", lambda x: x[..., 0] ** 2, lambda x: 2 * x,
                          (0.0,), (10.0,), (-12.0, 12.0), None, (2.0,)),
    "ill-conditioned": Landscape(
        "ill-conditioned", "f(x) = 0.1\\,x_1^2 + 2\\,x_2^2",
        lambda x: 0.1 * x[..., 0] ** 2 + 2 * x[..., 1] ** 2,
        lambda x: np.stack([0.2 * x[..., 0], 4 * x[..., 1]], axis=-1),
        (0.0, 0.0), (-5.0, -2.0), (-5.5, 2.0), (-3.0, 3.0), (0.2, 4.0)),
    "banana": rosenbrock(10, name="banana", start=(-1.2, 1.5)),
}


def get_landscape(landscape: str | Landscape) -> Landscape:
    """Look up a landscape by name (``"parabola"``, ``"ill-conditioned"``, ``"banana"``)."""
    if isinstance(landscape, Landscape):
        return landscape
    if landscape not in LANDSCAPES:
        raise ValueError(f"landscape must be one of {sorted(LANDSCAPES)} or a Landscape, "
                         f"got {landscape!r}")
    return LANDSCAPES[landscape]


def resolve_optimizer(optimizer: str | type) -> tuple[type, dict]:
    """The optimizer class and its settings: a ``torch.optim.Optimizer`` subclass with none, or
    a name from :data:`lrcourse.catalog.OPTIMIZERS` (``"sgd"``, ``"sgd-momentum"``, ``"adam"``, ...)
    with its entry's settings (e.g. ``momentum=0.9``)."""
    if isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer):
        return optimizer, {}
    if isinstance(optimizer, str):
        entry = catalog.optimizer(optimizer)
        return entry.cls, dict(entry.settings)
    raise ValueError("optimizer must be a torch.optim.Optimizer subclass or a name from "
                     f"lrcourse.catalog.OPTIMIZERS ({', '.join(catalog.OPTIMIZERS)}), got {optimizer!r}")


def trajectory(optimizer: str | type, f: str | Landscape | Callable, x0: Sequence[float] | None = None,
               steps: int = 20, *, noise: float = 0.0, seed: int = 0,
               lr_lambda: Callable[[int], float] | None = None, **hparams) -> np.ndarray:
    r"""Run an optimizer on :math:`f` from ``x0``; return the ``steps + 1`` iterates.

    Each step: set the learning rate to ``lr * lr_lambda(t)`` if given and call
    ``optimizer.step(closure)``, the closure evaluating :math:`f(x_t)`, back-propagating and
    optionally adding Gaussian noise :math:`\sigma\,\xi_t` to the gradient (a stand-in for
    minibatch noise).
    Computed in float64.

    Args:
        optimizer: a name from :data:`lrcourse.catalog.OPTIMIZERS` (``"sgd"``, ``"adam"``, ...;
            its entry's settings apply unless ``hparams`` override them) or any
            ``torch.optim.Optimizer`` class (e.g. ``torch.optim.SGD`` for comparison).
        f: a :class:`Landscape`, its name, or a callable on a 1-D float64 tensor.
        x0: the starting point (default: the landscape's ``start``).
        steps: number of optimizer steps (int >= 0).
        noise: standard deviation :math:`\sigma \ge 0` of the gradient noise (default 0).
        seed: seed of the noise generator (default 0).
        lr_lambda: optional multiplier of the lr at step ``t`` (a decaying schedule).
        **hparams: passed to the optimizer (``lr=``, ``momentum=``, ``betas=``, ...).

    Returns:
        An array of shape ``(steps + 1, dim)``; row 0 is ``x0``. Divergent runs give inf/nan.
        A schedule-free optimizer (one with ``train()`` / ``eval()``) runs in train mode, so
        its path is the :math:`y` sequence, where its gradients are taken.
    """
    cls, settings = resolve_optimizer(optimizer)
    func = get_landscape(f) if isinstance(f, str) else f
    if x0 is None:
        if not isinstance(func, Landscape):
            raise ValueError("x0 is required when f is a plain callable (no default start)")
        x0 = func.start
    checks.integer("steps", steps, type_error=False)
    checks.real("noise", noise, low=0.0, high=math.inf, high_open=True)
    start = np.atleast_1d(np.asarray(x0, dtype=float))
    if start.ndim != 1 or (isinstance(func, Landscape) and start.size != func.dim):
        want = func.dim if isinstance(func, Landscape) else "any"
        raise ValueError(f"x0 must be a flat sequence of {want} coordinates, got {x0!r}")
    x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = cls([x], **{**settings, **hparams})
    if callable(getattr(opt, "train", None)):  # schedule-free: step() runs in train mode only
        opt.train()
    base_lrs = [g["lr"] for g in opt.param_groups]
    gen = torch.Generator().manual_seed(seed)
    path = np.empty((steps + 1, start.size))
    path[0] = start

    def closure():  # optimizers that evaluate f several times per step (LBFGS) call it again
        opt.zero_grad()
        loss = func(x)
        loss.backward()
        if noise:
            x.grad.add_(torch.randn(x.shape, generator=gen, dtype=torch.float64), alpha=noise)
        return loss

    for t in range(steps):
        if lr_lambda is not None:
            for group, lr in zip(opt.param_groups, base_lrs):
                group["lr"] = lr * lr_lambda(t)
        opt.step(closure)
        path[t + 1] = x.detach().numpy()
    return path


def plot_paths(landscape: str | Landscape, paths: Mapping[str, np.ndarray], ax=None, *,
               title: str | None = None, levels: int = 18):
    """Contours of a 2-D landscape (or the curve of a 1-D one) with optimizer paths on top.

    Axis limits stay at the landscape's window, so a diverging path leaves the picture
    instead of squashing it. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    land = get_landscape(landscape)
    if ax is None:
        _, ax = plt.subplots()
    with np.errstate(over="ignore", invalid="ignore"):
        if land.dim == 1:
            xs = np.linspace(*land.xlim, 300)
            ax.plot(xs, land(xs[:, None]), color="0.6", label=f"${land.formula}$")
            for label, path in paths.items():
                ax.plot(path[:, 0], land(path), "o-", ms=3, lw=1, label=label)
            ax.set_ylim(-0.05 * land(np.array([land.xlim[1]])), 1.05 * land(np.array([land.xlim[1]])))
            ax.set_ylabel("f(x)")
            ax.set_xlabel("x")
        else:
            gx, gy = np.meshgrid(np.linspace(*land.xlim, 200), np.linspace(*land.ylim, 200))
            z = land(np.stack([gx, gy], axis=-1)) - land.min_value
            lv = np.geomspace(max(z.min(), 1e-3), z.max(), levels)
            ax.contour(gx, gy, z + 1e-12, levels=lv, cmap="viridis", linewidths=0.8, alpha=0.45)
            ax.plot(*land.minimizer, "k*", ms=10, label="minimum")
            for label, path in paths.items():  # markers only where steps can be told apart
                ax.plot(path[:, 0], path[:, 1], "o-" if len(path) <= 80 else "-", ms=2.5, lw=1.2, label=label)
            ax.set_ylim(*land.ylim)
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
        ax.set_xlim(*land.xlim)
    ax.set_title(title or f"${land.formula}$")
    ax.legend(fontsize="small", loc="best")
    return ax
