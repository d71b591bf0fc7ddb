r"""The closed forms of torch's decay schedules, as pure functions of the step.

Each factory checks its arguments once and returns ``schedule(step) -> float``, keeping no
state: calling it twice at one step gives one value. All take ``lr`` (default ``1.0``):
with the default a schedule returns the *factor* that multiplies a base learning rate
(what the scheduler classes in :mod:`lrcourse.lr_scheduler` use); pass your base lr to
get learning rates directly (what plots and sliders use). Steps are ints ``t >= 0``;
floats are accepted where the formula makes sense. The curves themselves are in
:mod:`lrcourse.schedules.shapes`; :func:`exponential` and :func:`polynomial` are shapes too.

>>> s = cosine(T_max=10, lr=0.1)
>>> round(s(0), 6), round(s(5), 6), round(s(10), 6)
(0.1, 0.05, 0.0)

References: torch.optim.lr_scheduler (the closed forms ``_get_closed_form_lr``);
Loshchilov & Hutter, "SGDR" (2017) for the cosine.
"""
from __future__ import annotations

from bisect import bisect_right
from typing import Callable

from .. import checks
from .shapes import anneal_cos, anneal_linear, anneal_poly

Schedule = Callable[[float], float]


def checked(schedule: Schedule) -> Schedule:
    """``schedule`` refusing a step < 0 (:func:`lrcourse.checks.step`): what every factory returns."""
    def checked_schedule(t):
        if t < 0:
            checks.step(t)
        return schedule(t)

    checked_schedule.__wrapped__ = schedule  # for a caller that knows its steps are >= 0
    return checked_schedule


class KeepsBuilt:
    """Holds the pure schedule (or schedules) built from settings it holds: the one built last is
    kept in the slot ``_built_schedule`` as ``(key, built, ...)`` with the key it was built from,
    outside ``__dict__`` (so ``vars``, pickles and state dicts hold the settings alone), and rebuilt
    when the key changes: a changed or loaded setting takes effect at once. A holder may append
    its own memo of the last value after ``built`` (:class:`lrcourse.lr_scheduler.forms.Chainable`);
    a rebuild drops it."""

    __slots__ = ("__dict__", "__weakref__", "_built_schedule")

    def __getstate__(self) -> dict:  # pickling or copying: the built schedule is rebuilt
        return self.__dict__

    def _built(self, key, build: Callable):
        """What ``build()`` made for ``key``, built again only when ``key`` differs from the last one."""
        built = getattr(self, "_built_schedule", None)
        if built is None or built[0] != key:
            built = self._built_schedule = (key, build())
        return built[1]


def _ramp(t, T: int) -> float:
    """Fraction of a ``T``-step ramp done at step ``t``, held at 1 after it. A ramp of 0 steps
    never moves (torch's recursive forms change the lr only at steps 1..T)."""
    return min(T, t) / T if T else 0.0


def constant(lr: float = 1.0, factor: float = 1.0, total_iters: int = 0) -> Schedule:
    r"""$\eta_t = \eta\,f$ for $t < T$, then $\eta$ (torch ``ConstantLR``; defaults: plain constant).

    Args:
        lr: the value after ``total_iters`` steps (default 1.0: a factor).
        factor: multiplier during the first ``total_iters`` steps, in [0, 1] (default 1.0).
        total_iters: number of steps at the reduced value, int >= 0 (default 0).
    """
    lr = checks.nonnegative("lr", lr)
    factor = checks.real("factor", factor, low=0.0, high=1.0)
    total_iters = checks.integer("total_iters", total_iters)

    return checked(lambda t: lr * factor if t < total_iters else lr)


def linear(start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5,
           lr: float = 1.0) -> Schedule:
    r"""$\eta_t = \eta\,\big(s + (e - s)\min(T, t)/T\big)$ (torch ``LinearLR``).

    Args:
        start_factor: factor at step 0, in (0, 1] (default 1/3).
        end_factor: factor from step ``total_iters`` on, in [0, 1] (default 1.0).
        total_iters: steps of the ramp, int >= 0 (default 5; 0 stays at ``start_factor``, as torch's).
        lr: base value (default 1.0: a factor).
    """
    s = checks.real("start_factor", start_factor, low=0.0, high=1.0, low_open=True)
    e = checks.real("end_factor", end_factor, low=0.0, high=1.0)
    T = checks.integer("total_iters", total_iters)
    lr = checks.nonnegative("lr", lr)

    return checked(lambda t: lr * anneal_linear(s, e, _ramp(t, T)))


def exponential(gamma: float, lr: float = 1.0) -> Schedule:
    r"""$\eta_t = \eta\,\gamma^t$ (torch ``ExponentialLR``; the geometric shape every decay by gamma uses).

    Args:
        gamma: decay per step, > 0 (> 1 grows the lr, as in lr range tests).
        lr: base value (default 1.0: a factor).
    """
    gamma = checks.positive("gamma", gamma)
    lr = checks.nonnegative("lr", lr)

    return checked(lambda t: lr * gamma ** t)


def step(step_size: int, gamma: float = 0.1, lr: float = 1.0) -> Schedule:
    r"""$\eta_t = \eta\,\gamma^{\lfloor t / k \rfloor}$ (torch ``StepLR``): :func:`exponential` at $\lfloor t/k \rfloor$.

    Args:
        step_size: k, steps between decays, int >= 1.
        gamma: decay per k steps, > 0 (default 0.1; > 1 grows the lr, as in lr range tests).
        lr: base value (default 1.0: a factor).
    """
    k = checks.integer("step_size", step_size, low=1)
    decay = exponential(gamma, lr)

    return checked(lambda t: decay(t // k))


def multistep(milestones, gamma: float = 0.1, lr: float = 1.0) -> Schedule:
    r"""$\eta_t = \eta\,\gamma^{\#\{m_i \le t\}}$ (torch ``MultiStepLR``; repeated milestones count twice).

    Args:
        milestones: steps (ints >= 0, any order, repeats allowed) at which lr is multiplied by gamma.
        gamma: decay per milestone, > 0 (default 0.1).
        lr: base value (default 1.0: a factor).
    """
    ms = sorted(checks.milestones("milestones", milestones))
    decay = exponential(gamma, lr)

    return checked(lambda t: decay(bisect_right(ms, t)))


def cosine(T_max: int, lr: float = 1.0, eta_min: float = 0.0) -> Schedule:
    r"""$\eta_t = \eta_{min} + (\eta - \eta_{min})\,\frac{1 + \cos(\pi t / T)}{2}$ (torch ``CosineAnnealingLR``).

    Past ``T_max`` the cosine keeps going (back up to ``lr`` at ``2 T_max``), as torch's does;
    use :func:`lrcourse.schedules.anneal` to hold the floor instead.

    Args:
        T_max: half period in steps, int >= 1.
        lr: value at step 0 (default 1.0).
        eta_min: value at ``T_max``, >= 0 (default 0.0).
    """
    T = checks.integer("T_max", T_max, low=1)
    lr = checks.nonnegative("lr", lr)
    eta_min = checks.nonnegative("eta_min", eta_min)

    return checked(lambda t: anneal_cos(lr, eta_min, t / T))


def polynomial(total_iters: int = 5, power: float = 1.0, lr: float = 1.0) -> Schedule:
    r"""$\eta_t = \eta\,(1 - \min(T, t)/T)^p$ (torch ``PolynomialLR``).

    Args:
        total_iters: steps to reach 0, int >= 0 (default 5; 0 stays at ``lr``, as torch's).
        power: p, >= 0 (default 1.0: linear decay).
        lr: base value (default 1.0: a factor).
    """
    T = checks.integer("total_iters", total_iters)
    p = checks.nonnegative("power", power)
    lr = checks.nonnegative("lr", lr)

    return checked(lambda t: lr * anneal_poly(1.0, 0.0, _ramp(t, T), p))
