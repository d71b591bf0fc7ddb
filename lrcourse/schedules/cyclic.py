r"""Schedules that go up and down: cyclic (CLR), one-cycle and cosine with warm restarts.

Pure functions of the step, evaluated by :class:`lrcourse.lr_scheduler.CyclicLR`,
:class:`~lrcourse.lr_scheduler.OneCycleLR` and
:class:`~lrcourse.lr_scheduler.CosineAnnealingWarmRestarts`: the triangle is
:func:`~lrcourse.schedules.shapes.triangle`, one-cycle is anneals through the phases of one table
(:data:`ONE_CYCLE_PHASES`), for the lr and the momentum alike, and every cosine is
:func:`~lrcourse.schedules.shapes.anneal_cos`.

>>> s = one_cycle(total_steps=100, max_lr=1.0)
>>> round(s(0), 12), s(29), round(s(99), 12)
(0.04, 1.0, 4e-06)
>>> s(0, (0.95, 0.85, 0.95)), s(29, (0.95, 0.85, 0.95))     # the momentum: the same phases, other levels
(0.95, 0.85)

References: Smith, "Cyclical Learning Rates for Training Neural Networks" (2017);
Smith & Topin, "Super-Convergence" (2018); Loshchilov & Hutter, "SGDR" (2017).
"""
from __future__ import annotations

import math
from typing import Callable

from .. import checks
from .basic import Schedule, checked, constant, exponential
from .shapes import ANNEAL, anneal_cos, anneal_linear, triangle

MODES = ("triangular", "triangular2", "exp_range")
ANNEAL_STRATEGIES = ("cos", "linear")


# ----------------------------------------------------------------------------- cyclic
def triangle_wave(total_size: float, step_ratio: float, mode: str = "triangular", gamma: float = 1.0,
                  scale_fn: Callable[[float], float] | None = None,
                  scale_mode: str = "cycle") -> Callable[[float], tuple[float, float]]:
    r"""``position(t) -> (h, s)`` for cycles of ``total_size`` steps that rise for the first
    ``step_ratio`` of each (the settings torch's ``CyclicLR`` stores).

    With $c = \lfloor 1 + t/L \rfloor$ and $x = 1 + t/L - c$, $h$ is the :func:`triangle`
    at $x$; the amplitude scale is $s = 1$ (triangular), $2^{1-c}$ (triangular2),
    $\gamma^t$ (exp_range) or ``scale_fn`` of c (``scale_mode="cycle"``) or of t ("iterations").

    Args:
        total_size: L, steps per cycle, > 0.
        step_ratio: r, the rising fraction of a cycle, in (0, 1].
        mode: "triangular", "triangular2" or "exp_range" (default "triangular"; ignored with ``scale_fn``).
        gamma: exp_range's decay per step (default 1.0).
        scale_fn: a custom amplitude scale (default None).
        scale_mode: "cycle" or "iterations", what ``scale_fn`` is given (default "cycle").
    """
    total = checks.positive("total_size", total_size)
    ratio = checks.real("step_ratio", step_ratio, low=0.0, high=1.0, low_open=True)
    if scale_fn is None:
        checks.choice("mode", mode, MODES)
        by_cycle = mode != "exp_range"
        if mode == "triangular":
            scale = constant()
        elif mode == "triangular2":
            halving = exponential(0.5)
            scale = lambda c: halving(c - 1)  # noqa: E731
        else:
            scale = exponential(gamma)
    else:
        if not callable(scale_fn):
            raise TypeError(f"scale_fn must be callable or None, got {scale_fn!r}")
        by_cycle = checks.choice("scale_mode", scale_mode, ("cycle", "iterations")) == "cycle"
        scale = scale_fn

    def position(t):
        cycle = math.floor(1 + t / total)
        return triangle(1.0 + t / total - cycle, ratio), scale(cycle if by_cycle else t)

    return checked(position)


def cyclic_position(step_size_up: float = 2000, step_size_down: float | None = None,
                    mode: str = "triangular", gamma: float = 1.0,
                    scale_fn: Callable[[float], float] | None = None,
                    scale_mode: str = "cycle") -> Callable[[float], tuple[float, float]]:
    r"""Where a cyclic schedule is: ``position(t) -> (h, s)`` (:func:`triangle_wave` with
    $L = u + d$, $r = u / L$). Then $\eta_t = \eta_{base} + (\eta_{max} - \eta_{base})\,h\,s$
    and the momentum moves the other way, $m_t = m_{max} - (m_{max} - m_{base})\,h\,s$.

    Args:
        step_size_up: u, steps going up, > 0 (default 2000).
        step_size_down: d, steps going down, >= 0 (default: u).
        mode, gamma, scale_fn, scale_mode: the amplitude scale, as torch's ``CyclicLR``.
    """
    up = checks.positive("step_size_up", step_size_up)
    down = up if step_size_down is None else checks.nonnegative("step_size_down", step_size_down)
    return triangle_wave(up + down, up / (up + down), mode, gamma, scale_fn, scale_mode)


def cyclic(base_lr: float, max_lr: float, step_size_up: float = 2000,
           step_size_down: float | None = None, mode: str = "triangular", gamma: float = 1.0,
           scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle") -> Schedule:
    """Cyclic learning rate between ``base_lr`` and ``max_lr`` (torch ``CyclicLR``); see
    :func:`cyclic_position` for the formula and the arguments (lrs must be >= 0)."""
    lo = checks.nonnegative("base_lr", base_lr)
    hi = checks.nonnegative("max_lr", max_lr)
    position = cyclic_position(step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode)

    def schedule(t):
        h, s = position(t)
        return anneal_linear(lo, hi, h * s)

    return schedule


# ----------------------------------------------------------------------------- one-cycle
START, PEAK, END = 0, 1, 2  # the levels a one-cycle goes through: lr (initial, max, min), momentum (max, base, max)

# torch's OneCycleLR phases (its _schedule_phases), by three_phase. Each phase: the step it ends at, from
# up = pct_start * T and T; the level it starts from; the level it goes to. It starts where the one before ends.
ONE_CYCLE_PHASES = {
    False: ((lambda up, T: up - 1, START, PEAK),           # warm up
            (lambda up, T: T - 1, PEAK, END)),             # anneal
    True: ((lambda up, T: up - 1, START, PEAK),            # fastai's original: warm up,
           (lambda up, T: 2 * up - 2, PEAK, START),        # come back down,
           (lambda up, T: T - 1, START, END)),             # annihilate
}


def one_cycle(total_steps: int, max_lr: float = 1.0, pct_start: float = 0.3, anneal_strategy: str = "cos",
              div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False) -> Schedule:
    r"""One-cycle (torch ``OneCycleLR``): step $t$ is in the first phase of :data:`ONE_CYCLE_PHASES`
    with $t \le s_i$ (the last phase past them all) and anneals from its start level to its end level,
    $p = (t - s_{i-1}) / (s_i - s_{i-1})$ along the way ($s_{-1} = 0$).

    ``schedule(t)`` is the lr, through the levels ``(max_lr / div_factor, max_lr, that / final_div_factor)``;
    ``schedule(t, levels)`` goes through other ``(start, peak, end)`` levels (numbers or 0-dim tensors),
    e.g. the momentum's ``(max_momentum, base_momentum, max_momentum)``: what
    :class:`~lrcourse.lr_scheduler.OneCycleLR` evaluates per param group.

    Args:
        total_steps: T, int >= 1 (stepping past it raises ValueError, as torch's does).
        max_lr: the peak lr (default 1.0).
        pct_start: fraction of the steps spent going up, float in [0, 1] (default 0.3).
        anneal_strategy: "cos" or "linear" (default "cos").
        div_factor: ``initial_lr = max_lr / div_factor``, > 0 (default 25).
        final_div_factor: ``min_lr = initial_lr / final_div_factor``, > 0 (default 1e4).
        three_phase: fastai's up / down / annihilate shape (default False).

    optax writes the same as one ``piecewise_interpolate_schedule`` (``cosine_onecycle_schedule``).
    """
    T = checks.integer("total_steps", total_steps, low=1, type_error=False)
    if not isinstance(pct_start, float):
        raise ValueError(f"pct_start must be a float in [0, 1], got {pct_start!r}")
    up = checks.real("pct_start", pct_start, low=0.0, high=1.0) * T
    curve = ANNEAL[checks.choice("anneal_strategy", anneal_strategy, ANNEAL_STRATEGIES)]
    peak = checks.nonnegative("max_lr", max_lr)
    initial = peak / checks.positive("div_factor", div_factor)
    lrs = (initial, peak, initial / checks.positive("final_div_factor", final_div_factor))
    phases, begin = [], 0.0
    for ends_at, i, j in ONE_CYCLE_PHASES[bool(three_phase)]:
        end = ends_at(up, T)
        if end == begin:
            raise ValueError(f"pct_start={pct_start!r} with total_steps={T} gives a phase of zero length "
                             "(torch divides by zero there); pick pct_start so that pct_start*total_steps != 1 "
                             "and the phases differ")
        phases.append((begin, end, i, j))
        begin = end

    def schedule(t, levels=lrs):
        if t > T:
            raise ValueError(f"Tried to step {t} times. The specified number of total steps is {T}"
                             " (total_steps, or epochs * steps_per_epoch; build the scheduler with more steps)")
        if t < 0:
            checks.step(t)
        for begin, end, i, j in phases:
            if t <= end:
                break  # (past every end, the loop leaves the last phase: torch's rule)
        return curve(levels[i], levels[j], (t - begin) / (end - begin))

    return schedule


# ----------------------------------------------------------------------------- restarts
def restart_start(n: int, first: float, mult: float) -> float:
    r"""The step where cycle n starts, for cycles of length $T_0, T_0 m, T_0 m^2, \dots$:
    $T_0 (m^n - 1)/(m - 1)$ ($n T_0$ when m = 1)."""
    return first * n if mult == 1 else first * (mult ** n - 1) / (mult - 1)


def restart_position(t: float, first: float, mult: float, exact: bool = True) -> tuple[int, float, float]:
    r"""``(cycle index n, steps into the cycle, cycle length)`` for cycles of length
    $T_0, T_0 m, T_0 m^2, \dots$ (cycle n starts at :func:`restart_start`).

    With ``exact`` (the default) the index from the logarithm is corrected by one either way,
    so exact cycle starts restart even where a float logarithm rounds down; ``exact=False``
    keeps the floor of the float logarithm, as torch's ``step(epoch)`` and timm do (for
    m = 3 the start of cycle 5 is then the end of cycle 4).
    """
    if mult == 1:
        return int(t // first), t % first, first
    n = int(math.log(t / first * (mult - 1) + 1, mult))
    while exact and n > 0 and restart_start(n, first, mult) > t:
        n -= 1
    while exact and restart_start(n + 1, first, mult) <= t:
        n += 1
    return n, t - restart_start(n, first, mult), first * mult ** n


def cosine_restarts(T_0: int, T_mult: int = 1, lr: float = 1.0, eta_min: float = 0.0) -> Schedule:
    r"""SGDR: $\eta_t = \eta_{min} + (\eta - \eta_{min})\frac{1 + \cos(\pi T_{cur}/T_i)}{2}$,
    restarting after $T_0, T_0 T_{mult}, \dots$ steps (torch ``CosineAnnealingWarmRestarts``;
    fractional steps allowed).

    Args:
        T_0: length of the first cycle, int >= 1.
        T_mult: growth of the cycle length, int >= 1 (default 1).
        lr: value at each restart (default 1.0).
        eta_min: floor, >= 0 (default 0.0).
    """
    T_0 = checks.integer("T_0", T_0, low=1)
    T_mult = checks.integer("T_mult", T_mult, low=1)
    lr = checks.nonnegative("lr", lr)
    eta_min = checks.nonnegative("eta_min", eta_min)

    def schedule(t):
        _, t_cur, t_i = restart_position(t, T_0, T_mult)
        return anneal_cos(lr, eta_min, t_cur / t_i)

    return checked(schedule)
