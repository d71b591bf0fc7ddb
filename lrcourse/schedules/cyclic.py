r"""Schedules that go up and down: cyclic (CLR), one-cycle and cosine with warm restarts.

Pure functions of the step, shared by :class:`lrcourse.lr_scheduler.CyclicLR`,
:class:`~lrcourse.lr_scheduler.OneCycleLR` and
:class:`~lrcourse.lr_scheduler.CosineAnnealingWarmRestarts`.

>>> s = one_cycle(total_steps=100, max_lr=1.0)
>>> round(s(0), 12), s(29), round(s(99), 12)
(0.04, 1.0, 4e-06)

References: Smith, "Cyclical Learning Rates for Training Neural Networks" (2017);
Smith & Topin, "Super-Convergence" (2018); Loshchilov & Hutter, "SGDR" (2017).
"""
from __future__ import annotations

import math
from typing import Callable

from . import checks
from .basic import Schedule, _check_step

MODES = ("triangular", "triangular2", "exp_range")
ANNEAL_STRATEGIES = ("cos", "linear")


# ----------------------------------------------------------------------------- cyclic
def cyclic_position(step_size_up: float = 2000, step_size_down: float | None = None,
                    mode: str = "triangular", gamma: float = 1.0,
                    scale_fn: Callable[[float], float] | None = None,
                    scale_mode: str = "cycle") -> Callable[[float], tuple[float, float]]:
    r"""Where a cyclic schedule is: ``position(t) -> (h, s)``.

    With $c = \lfloor 1 + t/(u+d) \rfloor$ and $x = 1 + t/(u+d) - c$, the triangle is
    $h = x/r$ going up ($r = u/(u+d)$) and $h = (x-1)/(r-1)$ going down; the amplitude scale
    is $s = 1$ (triangular), $2^{1-c}$ (triangular2), $\gamma^t$ (exp_range) or ``scale_fn``.
    Then $\eta_t = \eta_{base} + (\eta_{max} - \eta_{base})\,h\,s$ and the momentum moves the
    other way, $m_t = m_{max} - (m_{max} - m_{base})\,h\,s$.
    """
    up = checks.positive("step_size_up", step_size_up)
    down = up if step_size_down is None else checks.nonnegative("step_size_down", step_size_down)
    if scale_fn is None:
        checks.choice("mode", mode, MODES)
        scale_mode = "iterations" if mode == "exp_range" else "cycle"
        gamma = checks.positive("gamma", gamma)
        scale_fn = {"triangular": lambda x: 1.0, "triangular2": lambda x: 1 / (2.0 ** (x - 1)),
                    "exp_range": lambda x: gamma ** x}[mode]
    else:
        if not callable(scale_fn):
            raise TypeError(f"scale_fn must be callable or None, got {scale_fn!r}")
        checks.choice("scale_mode", scale_mode, ("cycle", "iterations"))
    total = up + down
    ratio = up / total
    by_cycle = scale_mode == "cycle"

    def position(t):
        if t < 0:
            _check_step(t)
        cycle = math.floor(1 + t / total)
        x = 1.0 + t / total - cycle
        h = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        return h, scale_fn(cycle if by_cycle else t)

    return position


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
        return lo + (hi - lo) * h * s

    return schedule


# ----------------------------------------------------------------------------- one-cycle
def anneal_cos(start: float, end: float, pct: float) -> float:
    r"""$e + (s - e)\,\frac{1 + \cos(\pi p)}{2}$: cosine from ``start`` (p=0) to ``end`` (p=1)."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def anneal_linear(start: float, end: float, pct: float) -> float:
    """$s + (e - s)\\,p$: straight line from ``start`` to ``end``."""
    return (end - start) * pct + start


ANNEAL = {"cos": anneal_cos, "linear": anneal_linear}


def one_cycle_phases(total_steps: int, pct_start: float = 0.3, three_phase: bool = False):
    """The phases of one-cycle as ``(end_step, start, end, start_momentum, end_momentum)``.

    Names are the param-group keys torch uses: ``initial_lr = max_lr / div_factor``,
    ``min_lr = initial_lr / final_div_factor``. Two phases: warm up to ``max_lr`` over
    ``pct_start * total_steps`` steps, then anneal to ``min_lr``. Three phases (fastai's
    original): up, back down to ``initial_lr`` symmetrically, then to ``min_lr``.
    """
    T = checks.integer("total_steps", total_steps, low=1, type_error=False)
    if not isinstance(pct_start, float):
        raise ValueError(f"pct_start must be a float in [0, 1], got {pct_start!r}")
    p = checks.real("pct_start", pct_start, low=0.0, high=1.0)
    up = ("initial_lr", "max_lr", "max_momentum", "base_momentum")
    if three_phase:
        phases = [(p * T - 1, *up), (2 * p * T - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                  (T - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
    else:
        phases = [(p * T - 1, *up), (T - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
    ends = [0.0] + [ph[0] for ph in phases]
    if any(b == a for a, b in zip(ends, ends[1:])):
        raise ValueError(f"pct_start={pct_start!r} with total_steps={T} gives a phase of zero length "
                         "(torch divides by zero there); pick pct_start so that pct_start*total_steps != 1 "
                         "and the phases differ")
    return phases


def one_cycle_locate(phases, t: float, total_steps: int) -> tuple[int, float]:
    """``(phase index, fraction of the phase done)`` at step ``t``, as torch's ``OneCycleLR``."""
    if t > total_steps:
        raise ValueError(f"Tried to step {t} times. The specified number of total steps is {total_steps}"
                         " (total_steps, or epochs * steps_per_epoch; build the scheduler with more steps)")
    start = 0.0
    last = len(phases) - 1
    for i, phase in enumerate(phases):
        end = phase[0]
        if t <= end or i == last:
            return i, (t - start) / (end - start)
        start = end
    raise AssertionError("unreachable")


def one_cycle(total_steps: int, max_lr: float = 1.0, pct_start: float = 0.3,
              anneal_strategy: str = "cos", div_factor: float = 25.0,
              final_div_factor: float = 1e4, three_phase: bool = False,
              momentum: tuple[float, float] | None = None) -> Schedule:
    r"""One-cycle learning rate (torch ``OneCycleLR``), or its momentum when ``momentum=(base, max)``.

    Args:
        total_steps: number of steps in the cycle, int >= 1 (stepping past it raises).
        max_lr: peak value (default 1.0).
        pct_start: fraction of the steps spent going up, float in [0, 1] (default 0.3).
        anneal_strategy: "cos" or "linear" (default "cos").
        div_factor: ``initial_lr = max_lr / div_factor`` (default 25).
        final_div_factor: ``min_lr = initial_lr / final_div_factor`` (default 1e4).
        three_phase: fastai's up / down / annihilate shape (default False).
        momentum: ``(base_momentum, max_momentum)`` to get the momentum schedule instead.
    """
    phases = one_cycle_phases(total_steps, pct_start, three_phase)
    anneal = ANNEAL[checks.choice("anneal_strategy", anneal_strategy, ANNEAL_STRATEGIES)]
    hi = checks.nonnegative("max_lr", max_lr)
    lo = hi / checks.positive("div_factor", div_factor)
    values = {"max_lr": hi, "initial_lr": lo, "min_lr": lo / checks.positive("final_div_factor", final_div_factor)}
    a, b = 1, 2
    if momentum is not None:
        base_m, max_m = momentum
        values = {"base_momentum": checks.real("base_momentum", base_m, low=0.0, high=1.0),
                  "max_momentum": checks.real("max_momentum", max_m, low=0.0, high=1.0)}
        a, b = 3, 4

    def schedule(t):
        if t < 0:
            _check_step(t)
        i, pct = one_cycle_locate(phases, t, total_steps)
        return anneal(values[phases[i][a]], values[phases[i][b]], pct)

    return schedule


# ----------------------------------------------------------------------------- restarts
def restart_position(t: float, first: float, mult: float) -> tuple[int, float, float]:
    r"""``(cycle index n, steps into the cycle, cycle length)`` for cycles of length
    $T_0, T_0 m, T_0 m^2, \dots$: cycle n starts at $T_0 (m^n - 1)/(m - 1)$ ($n T_0$ when m = 1).

    The index from the logarithm is corrected by one either way, so exact cycle starts
    restart even where a float logarithm rounds down (torch's ``step(epoch)`` does not).
    """
    if mult == 1:
        return int(t // first), t % first, first
    n = int(math.log(t / first * (mult - 1) + 1, mult))

    def start(k):
        return first * (mult ** k - 1) / (mult - 1)

    while n > 0 and start(n) > t:
        n -= 1
    while start(n + 1) <= t:
        n += 1
    return n, t - start(n), first * mult ** n


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
        if t < 0:
            _check_step(t)
        _, t_cur, t_i = restart_position(t, T_0, T_mult)
        return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2

    return schedule
