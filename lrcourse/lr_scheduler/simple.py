r"""Decay schedulers with torch's names and signatures, as thin adapters over
:mod:`lrcourse.schedules`.

Each stores its settings under torch's names and evaluates the pure schedule of the settings
it holds at that step (so a loaded ``state_dict`` is what gets stepped). All but
:class:`LambdaLR` use torch's recursive (chainable) form through
:class:`~lrcourse.lr_scheduler.forms.Chainable`: the lr is multiplied by $f(t)/f(t-1)$, so
two of them on one optimizer multiply, exactly as torch's do.

>>> import torch
>>> from lrcourse.lr_scheduler import StepLR
>>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
>>> sched = StepLR(opt, step_size=2, gamma=0.5)
>>> for _ in range(3):
...     opt.step(); sched.step()
>>> sched.get_last_lr()
[0.05]

Stricter than torch (nonsense torch accepts and fails on, or silently misbehaves with,
later): step sizes and ``T_max`` must be ints >= 1, ``total_iters`` ints >= 0; ``gamma``
must be > 0 (> 1 grows the lr, allowed for lr range tests); milestones must be ints >= 0;
``ConstantLR(factor=0)`` is refused (torch divides by it at ``total_iters``). A phase of
zero length is not nonsense: ``total_iters=0`` is accepted and stepped as torch steps it.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from .. import schedules
from .. import checks
from .base import LRScheduler, callables_state, check_optimizer, group_values
from .forms import Chainable, Setting


def _lambdas(optimizer, lr_lambda) -> list:
    n = len(check_optimizer(optimizer).param_groups)
    fns = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
    if len(fns) != n:
        raise ValueError(f"Expected {n} lr_lambdas, but got {len(fns)} (lr_lambda must be one "
                         "callable or a list with one per param group)")
    for fn in fns:
        if not callable(fn):
            raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
    return fns


class _WithLambdas(LRScheduler):
    """A scheduler driven by ``lr_lambda``: one callable, or one per param group. As torch's, the
    state_dict keeps the ``__dict__`` of callable objects and nothing of plain functions."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.optimizer = optimizer
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["lr_lambdas"] = callables_state(self.lr_lambdas)
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        fns = state.pop("lr_lambdas")
        super().load_state_dict(state)
        for fn, saved in zip(self.lr_lambdas, fns):
            if saved is not None:
                fn.__dict__.update(saved)


class LambdaLR(_WithLambdas):
    r"""$\eta_t = \eta_0\,\lambda(t)$, one ``lr_lambda`` or one per param group (closed form)."""

    def get_lr(self):
        self._warn_outside_step()
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_WithLambdas):
    r"""$\eta_t = \eta_{t-1}\,\lambda(t)$ for $t \ge 1$ (recursive by definition)."""

    def get_lr(self):
        self._warn_outside_step()
        if self._is_initial:
            return group_values(self.optimizer, "lr")
        t = self.last_epoch
        return [g["lr"] * fn(t) for fn, g in zip(self.lr_lambdas, self.optimizer.param_groups)]


class StepLR(Chainable):
    r"""$\eta_t = \eta_0\,\gamma^{\lfloor t/k \rfloor}$ (:func:`lrcourse.schedules.step`). Args: step_size k (int >= 1), gamma (> 0, default 0.1)."""

    settings = (Setting("step_size"), Setting("gamma", 0.1))
    _factory = staticmethod(schedules.step)
    _hold_on_resume = False

    def _ratio(self, t):  # torch's: times gamma at each multiple of step_size after 0
        return (1.0, self.gamma) if t and t % self.step_size == 0 else (1.0, 1.0)


def _counts(name, milestones) -> Counter:
    return Counter(checks.milestones(name, milestones))


class MultiStepLR(Chainable):
    r"""$\eta_t = \eta_0\,\gamma^{\#\{m_i \le t\}}$ (:func:`lrcourse.schedules.multistep`); repeated milestones count twice.

    ``milestones`` is stored as torch stores it: a Counter of milestone -> how often it is given.
    """

    settings = (Setting("milestones", check=_counts), Setting("gamma", 0.1))
    _hold_on_resume = False

    @staticmethod
    def _factory(milestones, gamma):
        return schedules.multistep(list(milestones.elements()), gamma)

    def _ratio(self, t):  # torch's: times gamma ** (how often t is a milestone)
        k = self.milestones.get(t, 0)
        return (1.0, self.gamma ** k) if k else (1.0, 1.0)


def _factor(name, factor):
    checks.real(name, factor, low=0.0, high=1.0, low_open=True)  # 0 is refused: torch divides by it
    return factor


class ConstantLR(Chainable):
    r"""$\eta_t = \eta_0 f$ for $t <$ ``total_iters`` (int >= 0, default 5), then $\eta_0$; factor in (0, 1] (default 1/3).

    ``total_iters=0`` follows torch: its recursive form applies ``factor`` at step 0 before it
    looks at ``total_iters``, so stepping keeps $\eta_0 f$; ``step(epoch)`` gives $\eta_0$.
    """

    settings = (Setting("factor", 1.0 / 3, _factor), Setting("total_iters", 5))
    _hold_on_resume = False

    @staticmethod
    def _factory(factor, total_iters):
        return schedules.constant(1.0, factor, total_iters)

    def _ratio(self, t):  # torch's: times factor at step 0, divided by it at total_iters
        if t == 0:
            return 1.0, self.factor
        return (self.factor, 1.0) if t == self.total_iters else (1.0, 1.0)


class LinearLR(Chainable):
    r"""$\eta_t = \eta_0(s + (e - s)\min(T, t)/T)$ (:func:`lrcourse.schedules.linear`; T = 0 stays at $\eta_0 s$ as torch's)."""

    settings = (Setting("start_factor", 1.0 / 3), Setting("end_factor", 1.0), Setting("total_iters", 5))
    _factory = staticmethod(schedules.linear)


class ExponentialLR(Chainable):
    r"""$\eta_t = \eta_0\gamma^t$ (:func:`lrcourse.schedules.exponential`); gamma > 0."""

    settings = (Setting("gamma"),)
    _factory = staticmethod(schedules.exponential)

    def _ratio(self, t):  # torch's: times gamma at every step after 0
        return (1.0, self.gamma) if t else (1.0, 1.0)


class PolynomialLR(Chainable):
    r"""$\eta_t = \eta_0(1 - \min(T, t)/T)^p$ (:func:`lrcourse.schedules.polynomial`; T = 0 stays at $\eta_0$ as torch's)."""

    settings = (Setting("total_iters", 5), Setting("power", 1.0))
    _factory = staticmethod(schedules.polynomial)


class CosineAnnealingLR(Chainable):
    r"""$\eta_t = \eta_{min} + (\eta_0 - \eta_{min})\frac{1 + \cos(\pi t/T)}{2}$ (:func:`lrcourse.schedules.cosine`).

    Recursive like torch's: past ``T_max`` it follows the cosine back up; a hand-set lr is
    annealed from where it was set. Args: T_max (int >= 1), eta_min (>= 0, default 0.0).
    """

    settings = (Setting("T_max"), Setting("eta_min", 0.0, checks.nonnegative))

    @staticmethod
    def _factory(T_max, eta_min):  # the factor of the cosine; eta_min is the floor it is taken around
        return schedules.cosine(T_max)

    @property
    def _floor(self):
        return self.eta_min
