r"""Comparing optimizers by what they cost: evaluations of the function and its gradient.

Gradient descent and Adam evaluate :math:`f` and :math:`\nabla f` once per step; L-BFGS
evaluates them several times per ``step(closure)`` (line search, several iterations), so
steps are not comparable. :func:`count_evaluations` runs any optimizer with a closure that
records every evaluation, and :class:`Evaluations` says how many it took to get within a
tolerance of the minimum.

:data:`ROSENBROCK` is the classical test function :math:`(1-x_1)^2 + 100\,(x_2 - x_1^2)^2`
from :math:`(-1.2, 1)` (Rosenbrock 1960; Nocedal & Wright's standard example): a curved
valley whose Hessian at the minimum :math:`(1, 1)` has condition number about 2500.
``lrcourse.teaching.landscapes``' ``"banana"`` is the same valley with 10 instead of 100.

Example:
    >>> from lrcourse.optim import LBFGS
    >>> run = count_evaluations(LBFGS, ROSENBROCK, max_evals=100, line_search_fn="strong_wolfe")
    >>> run.to_reach(1e-8) < 60
    True
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .landscapes import Landscape, get_landscape, resolve_optimizer, rosenbrock
from .. import checks


ROSENBROCK = rosenbrock(100)  # landscapes' "banana" is rosenbrock(10)


@dataclass(frozen=True)
class Evaluations:
    """Every point where an optimizer evaluated :math:`f` (and its gradient), in order."""

    points: np.ndarray  # (n, dim)
    values: np.ndarray  # (n,): f at those points
    min_value: float    # f*

    def best_gap(self) -> np.ndarray:
        r""":math:`\min_{j \le k} f(x_j) - f^*` after each evaluation :math:`k` (NaN counts as no progress)."""
        gaps = np.where(np.isfinite(self.values), self.values - self.min_value, np.inf)
        return np.minimum.accumulate(gaps)

    def to_reach(self, tol: float) -> int | None:
        r"""How many evaluations until :math:`f - f^* \le` ``tol`` first; None if never."""
        hit = np.nonzero(self.best_gap() <= tol)[0]
        return int(hit[0]) + 1 if hit.size else None

    def iterates(self) -> np.ndarray:
        """The points that improved on every earlier one: the path the method took, without
        the line search's rejected trials."""
        best = self.best_gap()
        keep = np.r_[True, best[1:] < best[:-1]]
        return self.points[keep]


def count_evaluations(optimizer, landscape: str | Landscape, *, max_evals: int = 1000, x0=None,
                      **hparams) -> Evaluations:
    """Run ``optimizer`` on ``landscape`` until ``max_evals`` evaluations of the closure.

    ``step(closure)`` is called again and again; the closure (zero the gradient, evaluate,
    backward) records each point and value. Stops early when the value is no longer finite.

    Args:
        optimizer: an ``lrcourse.optim`` name or a ``torch.optim.Optimizer`` class (``LBFGS`` too).
        landscape: a :class:`~lrcourse.teaching.landscapes.Landscape` or its name (:data:`ROSENBROCK`, ...).
        max_evals: evaluations to allow, an int >= 1 (default 1000).
        x0: the start (default: the landscape's).
        **hparams: passed to the optimizer.
    """
    land = get_landscape(landscape)
    checks.integer("max_evals", max_evals, low=1)
    x = torch.tensor(land.start if x0 is None else x0, dtype=torch.float64, requires_grad=True)
    cls, settings = resolve_optimizer(optimizer)
    opt = cls([x], **{**settings, **hparams})
    points, values = [], []

    def closure():
        opt.zero_grad()
        loss = land(x)
        loss.backward()
        points.append(x.detach().numpy().copy())
        values.append(loss.item())
        return loss

    while len(values) < max_evals and (not values or np.isfinite(values[-1])):
        opt.step(closure)
    return Evaluations(np.array(points[:max_evals]), np.array(values[:max_evals]), land.min_value)
