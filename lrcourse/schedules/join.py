r"""Composing schedules: join them at boundaries, anneal between two values, or put a
warmup in front of any of them.

``join([a, b], [100])`` runs ``a`` for steps 0..99 and then ``b`` with its step count
restarting at 0 (optax ``join_schedules``). :func:`anneal` is one shape from
:mod:`~lrcourse.schedules.shapes` over a number of steps, then its end value held.
:func:`warmup` multiplies any schedule by a warmup factor that rises to 1, without
delaying the schedule's own clock.

>>> from lrcourse.schedules import cosine, linear
>>> s = join([linear(0.1, 1.0, 5), cosine(20)], [5])     # 5 steps of ramp, then cosine
>>> round(s(4), 2), s(5), round(s(25), 6)
(0.82, 1.0, 0.0)
>>> a = anneal(1.0, 0.1, 10, "linear")
>>> round(a(5), 6), a(10), a(99)
(0.55, 0.1, 0.1)
"""
from __future__ import annotations

import math
from bisect import bisect_right
from typing import Sequence

from .. import checks
from .basic import Schedule, checked, constant
from .shapes import ANNEAL, anneal_linear

WARMUP_KINDS = ("linear", "exponential")


def join(schedules: Sequence[Schedule], boundaries: Sequence[int]) -> Schedule:
    """Schedule ``i`` runs from ``boundaries[i-1]`` on, its step count restarting there.

    Args:
        schedules: n callables ``step -> value``.
        boundaries: n - 1 ints >= 0 in non-decreasing order (two equal boundaries give
            the schedule between them zero steps: it is skipped).
    """
    schedules = list(schedules)
    if not schedules or not all(callable(s) for s in schedules):
        raise TypeError(f"schedules must be a non-empty list of callables step -> value, got {schedules!r}")
    bounds = checks.milestones("boundaries", boundaries, ordered=True)
    if len(bounds) != len(schedules) - 1:
        raise ValueError(f"boundaries must have len(schedules) - 1 = {len(schedules) - 1} entries, "
                         f"got {len(bounds)}: {bounds}")
    starts = [0] + bounds

    def schedule(t):
        i = bisect_right(bounds, t)
        return schedules[i](t - starts[i])

    return checked(schedule)


def anneal(start: float, end: float, steps: int, shape: str = "cos") -> Schedule:
    r"""From ``start`` to ``end`` over ``steps`` steps along ``shape``, then ``end`` held:
    $\text{shape}(s, e, t / n)$ for $t < n$, then $e$ (``join`` of the shape and a constant).

    Args:
        start: value at step 0, >= 0.
        end: value from step ``steps`` on, >= 0.
        steps: n, int >= 0 (0: ``end`` at once).
        shape: "cos" (or "cosine"), "linear" or "1-sqrt" (default "cos").
    """
    start = checks.nonnegative("start", start)
    end = checks.nonnegative("end", end)
    n = checks.integer("steps", steps)
    curve = ANNEAL[checks.choice("shape", shape, tuple(ANNEAL))]
    return join([lambda t: curve(start, end, t / n), constant(end)], [n])


def warmup_factor(steps: float, kind: str = "linear", start: float = 0.0, offset: float = 1.0) -> Schedule:
    r"""The warmup factor alone: $s + (1-s)\min(1, \frac{t+o}{W})$ (linear) or
    $s + (1-s)(1 - e^{-(t+o)/W})$ (exponential, Ma & Yarats 2019).

    The default $o = 1$ makes the first step train at a small lr rather than 0 (a step at
    lr 0 is wasted); $o = 0$ is the other convention, transformers' $t / W$ (step 0 at $s$).

    Args:
        steps: W, warmup length in steps, >= 0 (0: no warmup, the factor is 1; see
            :func:`adam_warmup_steps`).
        kind: "linear" or "exponential" (default "linear").
        start: s, the factor the ramp starts from, in [0, 1) (default 0.0).
        offset: o, where step 0 sits on the ramp, in [0, 1] (default 1.0).
    """
    W = checks.nonnegative("steps", steps)
    checks.choice("kind", kind, WARMUP_KINDS)
    s = checks.real("start", start, low=0.0, high=1.0, high_open=True)
    o = checks.real("offset", offset, low=0.0, high=1.0)
    if W == 0:
        return constant()
    if kind == "linear":
        return checked(lambda t: anneal_linear(s, 1.0, min(1.0, (t + o) / W)))
    return checked(lambda t: anneal_linear(s, 1.0, 1 - math.exp(-(t + o) / W)))


def warmup(schedule: Schedule, steps: float, kind: str = "linear", start: float = 0.0) -> Schedule:
    r"""$\eta_t = w(t)\,\text{schedule}(t)$ with $w$ from :func:`warmup_factor`.

    The schedule's clock is not delayed (the warmup overlaps its first steps). To run a
    ramp first and start the schedule after it, use ``join([ramp, schedule], [steps])``.
    """
    if not callable(schedule):
        raise TypeError(f"schedule must be a callable step -> value, got {schedule!r}")
    w = warmup_factor(steps, kind, start)

    def warmed(t):
        return w(t) * schedule(t)

    return warmed


def adam_warmup_steps(beta2: float = 0.999) -> int:
    r"""The "untuned" warmup length for Adam, $W = 2 / (1 - \beta_2)$ (2000 for 0.999).

    Reference: Ma & Yarats, "On the adequacy of untuned warmup for adaptive optimization" (2021).
    """
    b2 = checks.real("beta2", beta2, low=0.0, high=1.0, high_open=True)
    return int(round(2 / (1 - b2)))
