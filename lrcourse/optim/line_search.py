r"""The strong-Wolfe line search L-BFGS uses: how far to go along a descent direction.

Along a direction :math:`d` from :math:`\theta`, look at the loss as a function of the step,
:math:`\phi(t) = f(\theta + t\,d)`, with slope :math:`\phi'(t) = \nabla f(\theta + t\,d)^\top d`
(negative at 0: :math:`d` goes downhill). A step :math:`t` is accepted when it satisfies the
*strong Wolfe conditions* (Nocedal & Wright, eq. 3.7):

.. math::
    \phi(t) &\le \phi(0) + c_1\, t\, \phi'(0) && \text{(sufficient decrease)} \\
    |\phi'(t)| &\le c_2\, |\phi'(0)| && \text{(the slope has flattened)}

with :math:`0 < c_1 < c_2 < 1`. The search has two phases: *bracketing* (Alg. 3.5) grows
:math:`t` until an interval must contain an acceptable step, and *zoom* (Alg. 3.6) shrinks
that interval. Each new trial step is the minimiser of the cubic that matches
:math:`\phi` and :math:`\phi'` at two known points (:func:`cubic_interpolate`).

The numbers are torch's (``torch.optim.lbfgs._strong_wolfe``, a port of Torch7's
``lswolfe.lua``), including its safeguards: extrapolation stays in
:math:`[t + 0.01\,(t - t_{prev}),\ 10\,t]`, a zoom trial closer than 10% of the interval to
an end is pushed back to 10% after two such trials in a row, the search stops once the
interval times :math:`\|d\|_\infty` is below ``tolerance_change``, and after ``max_ls``
trials beyond the first it returns the best point seen. Slopes are 0-d tensors, as torch computes them.

Example:
    >>> d = torch.tensor([1.0], dtype=torch.float64)
    >>> def phi(t):  # f(x) = (x - 3)^2 from x = 0: value and gradient at 0 + t d
    ...     x = t * d
    ...     return float(((x - 3) ** 2).sum()), 2 * (x - 3)
    >>> f0, g0 = phi(0.0)
    >>> f, g, t, evals = strong_wolfe(phi, 10.0, d, f0, g0, g0.dot(d))  # t = 10 overshoots
    >>> round(float(t), 6), evals  # the cubic through t = 0 and t = 10 hits the minimum
    (3.0, 2)

References:
    Nocedal, Wright (2006), *Numerical Optimization*, 2nd ed., Springer: section 3.5,
    Algorithms 3.5 and 3.6, and the cubic interpolation formula (3.59).
    Moré, Thuente (1994), "Line search algorithms with guaranteed sufficient decrease",
    ACM Transactions on Mathematical Software 20(3).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch


class Point(NamedTuple):
    """One evaluated trial step: ``t``, :math:`\\phi(t)`, the flat gradient there, :math:`\\phi'(t)`."""

    t: float
    f: float
    g: torch.Tensor
    gtd: torch.Tensor


def cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    r"""Minimiser of the cubic through :math:`(x_1, f_1)`, :math:`(x_2, f_2)` with slopes
    :math:`g_1`, :math:`g_2`, clipped to ``bounds`` (default: between :math:`x_1` and :math:`x_2`).

    With :math:`x_2` the right end (the points are swapped if not), Nocedal & Wright's (3.59):

    .. math::
        d_1 = g_1 + g_2 - 3\,\frac{f_1 - f_2}{x_1 - x_2}, \qquad
        d_2 = \sqrt{d_1^2 - g_1 g_2}, \qquad
        x^\star = x_2 - (x_2 - x_1)\,\frac{g_2 + d_2 - d_1}{g_2 - g_1 + 2 d_2}

    When :math:`d_1^2 < g_1 g_2` the cubic has no minimiser: the middle of the bounds.
    The slopes are 0-d tensors (``d_2`` is taken with ``Tensor.sqrt``).
    """
    if x1 > x2:  # make (x2, f2, g2) the right end
        x1, f1, g1, x2, f2, g2 = x2, f2, g2, x1, f1, g1
    low, high = bounds if bounds is not None else (x1, x2)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square.sqrt()
        x_min = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        return min(max(x_min, low), high)
    return (low + high) / 2.0


def strong_wolfe(
    phi: Callable[[float], tuple[float, torch.Tensor]],
    t,
    d: torch.Tensor,
    f: float,
    g: torch.Tensor,
    gtd,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
):
    """Find a step along ``d`` satisfying the strong Wolfe conditions, starting from ``t``.

    Args:
        phi: ``phi(t) -> (loss, flat gradient)`` at :math:`\\theta + t\\,d` (one evaluation each).
        t: the first trial step.
        d: the search direction (flat).
        f, g, gtd: loss, flat gradient and slope :math:`\\phi'(0) = g^\\top d < 0` at ``t = 0``.
        c1: sufficient-decrease constant. Default ``1e-4``.
        c2: curvature constant. Default ``0.9``.
        tolerance_change: stop once the bracket is this small along ``d``. Default ``1e-9``.
        max_ls: the most trials after the first, so up to ``max_ls + 1`` evaluations of
            ``phi`` (torch's count). Default ``25``.

    Returns:
        ``(loss, flat gradient, t, evaluations)`` at the accepted (or best) step.
    """
    d_norm = d.abs().max()

    def trial(step) -> Point:
        f_new, g_new = phi(step)
        return Point(step, f_new, g_new, g_new.dot(d))

    def sufficient_decrease(p: Point) -> bool:
        return not p.f > f + c1 * p.t * gtd

    def flat_enough(p: Point) -> bool:
        return abs(p.gtd) <= -c2 * gtd

    # Bracketing (Alg. 3.5): extrapolate until [prev, new] must hold an acceptable step.
    start = Point(0, f, g, gtd)
    prev, new = start, trial(t)
    tries = 0  # trials after the first
    bracket = None
    while tries < max_ls:
        if not sufficient_decrease(new) or (tries > 1 and new.f >= prev.f):
            bracket = [prev, new]  # went too far: a good step lies before new
            break
        if flat_enough(new):
            return new.f, new.g, new.t, tries + 1
        if new.gtd >= 0:  # the slope turned positive: a minimiser lies between
            bracket = [prev, new]
            break
        step = cubic_interpolate(
            prev.t, prev.f, prev.gtd, new.t, new.f, new.gtd, bounds=(new.t + 0.01 * (new.t - prev.t), new.t * 10)
        )
        prev, new = new, trial(step)
        tries += 1
    if bracket is None:  # out of trials while still extrapolating: the better end
        bracket = [start, new]

    # Zoom (Alg. 3.6): shrink the bracket, keeping its low end (smaller loss) acceptable so far.
    lo, hi = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
    stalled = False  # the previous trial already sat next to an end of the bracket
    while tries < max_ls:
        if abs(bracket[1].t - bracket[0].t) * d_norm < tolerance_change:
            break
        a, b = bracket
        step = cubic_interpolate(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        left, right = min(a.t, b.t), max(a.t, b.t)
        margin = 0.1 * (right - left)
        if min(right - step, step - left) < margin:  # too close to an end to make progress
            if stalled or step >= right or step <= left:  # move it 10% inside
                step = right - margin if abs(step - right) < abs(step - left) else left + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        new = trial(step)
        tries += 1
        if not sufficient_decrease(new) or new.f >= bracket[lo].f:
            bracket[hi] = new  # no better than the low end: new high end
            lo, hi = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
            continue
        if flat_enough(new):
            return new.f, new.g, new.t, tries + 1
        if new.gtd * (bracket[hi].t - bracket[lo].t) >= 0:  # the minimiser is behind new
            bracket[hi] = bracket[lo]
        bracket[lo] = new
    best = bracket[lo]
    return best.f, best.g, best.t, tries + 1
