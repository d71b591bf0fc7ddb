r"""Schedulers declared as their settings and a pure schedule, in torch's two forms.

A :class:`Declared` scheduler lists its ``settings`` (:class:`Setting`: torch's name, default
and an optional check) and its pure schedule ``_factory``; that is all a subclass writes
(plus torch's exact ratio where torch writes a plain multiplier):

>>> from lrcourse import schedules
>>> class HalvingLR(Chainable):
...     settings = (Setting("step_size"),)
...     _factory = staticmethod(lambda step_size: schedules.step(step_size, gamma=0.5))
>>> import torch
>>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
>>> sched = HalvingLR(opt, step_size=2)
>>> for _ in range(4):
...     opt.step(); sched.step()
>>> sched.get_last_lr(), sched.state_dict()["step_size"]
([0.25], 2)

:class:`Chainable` is torch's *recursive* form: each step multiplies the group's current lr
by $f(t)/f(t-1)$ of a pure factor schedule $f$ (affinely around a floor for cosine). That
is what makes two schedulers on one optimizer multiply, and a learning rate set by hand be
scaled from where the user left it. Without such interference it equals the closed form
$\eta_0 f(t)$, which :class:`ClosedForm` writes directly.
"""
from __future__ import annotations

import inspect
from operator import attrgetter
from typing import Any, Callable, NamedTuple

from .base import LRScheduler, group_values


class Setting(NamedTuple):
    """A scheduler's setting: its name (torch's argument and attribute), its default (none:
    required) and an optional ``check(name, value) -> value to store``; the pure schedule built
    from the settings checks whatever ``check`` leaves."""

    name: str
    default: Any = inspect.Parameter.empty
    check: Callable | None = None


def _tuple_getter(names: list):
    """``obj -> (obj.<name>, ...)``: attrgetter's speed (each recursive step reads the settings),
    and a tuple for one name too."""
    if len(names) > 1:
        return attrgetter(*names)
    return lambda obj: tuple(getattr(obj, name) for name in names)


class Declared(LRScheduler):
    """A scheduler that is its declared ``settings`` and pure schedule ``_factory``.

    Subclasses declare ``settings`` (a tuple of :class:`Setting`) and ``_factory`` (takes the
    settings in that order, returns the pure schedule). The constructor is then
    ``Cls(optimizer, *settings, last_epoch=-1)`` with torch's names and defaults: it stores each
    setting under its name (after its ``check``), builds the schedule once (which checks the
    rest), then takes the initial step.
    """

    settings: tuple = ()
    _factory = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        P = inspect.Parameter
        params = [P("optimizer", P.POSITIONAL_OR_KEYWORD),
                  *(P(s.name, P.POSITIONAL_OR_KEYWORD, default=s.default) for s in cls.settings),
                  P("last_epoch", P.POSITIONAL_OR_KEYWORD, default=-1)]
        cls._signature = inspect.Signature(params)
        # _settings_of(self): the settings held now, in _factory's argument order
        cls._settings_of = staticmethod(_tuple_getter([s.name for s in cls.settings]))
        # what inspect.signature(cls) shows; a subclass writing its own __init__ shows that one
        cls.__signature__ = None if "__init__" in vars(cls) else cls._signature

    def __init__(self, *args, **kwargs):
        given = self._signature.bind(*args, **kwargs)
        given.apply_defaults()
        values = given.arguments
        for s in self.settings:
            value = values[s.name]
            setattr(self, s.name, value if s.check is None else s.check(s.name, value))
        self._schedule()  # checks the settings
        super().__init__(values["optimizer"], values["last_epoch"])

    def _schedule(self):
        """The pure schedule of the current settings."""
        return self._pure_schedule(self._factory, *self._settings_of(self))


class Chainable(Declared):
    r"""torch's recursive form over the pure factor schedule ``self._schedule()`` (built from the settings).

    ``get_lr``: at $t = 0$, $\eta \leftarrow \eta f(0)$; then
    $\eta \leftarrow \eta_{min} + (\eta - \eta_{min}) f(t)/f(t-1)$ (unchanged when $f(t) = f(t-1)$;
    when $f(t-1) = 0$ the step adds $(\eta_0 - \eta_{min})(f(t) - f(t-1))$, torch's cosine branch).
    ``_hold_on_resume``: whether the initial step of a resumed scheduler (``last_epoch >= 0``)
    leaves the lr alone, which is torch's behaviour for all but StepLR, MultiStepLR and ConstantLR.
    """

    _floor = 0.0
    _hold_on_resume = True

    def _ratio(self, t: int) -> tuple:
        """``(f(t-1), f(t))``, with $f(-1) = 1$ and $f(t-1)$ the value the step before took when
        the settings are the same (kept with the built schedule: one evaluation per step);
        subclasses whose ratio torch writes as a plain multiplier (StepLR, ExponentialLR, ...)
        override it with torch's exact one."""
        built = getattr(self, "_built_schedule", None)
        if built is None or built[0][1] != self._settings_of(self):  # a setting changed (or a copy): rebuild
            self._schedule()
            built = self._built_schedule
        f = built[1]
        g = getattr(f, "__wrapped__", f)  # t >= 0 here: the schedule without its step check
        before = built[3] if len(built) == 4 and built[2] == t - 1 else (g(t - 1) if t else 1.0)
        now = g(t)
        self._built_schedule = (built[0], f, t, now)  # the built schedule and its last value
        return before, now

    def get_lr(self) -> list:
        if not self._in_step:
            self._warn_outside_step()
        t = self.last_epoch
        if t and self._is_initial and self._hold_on_resume:
            return group_values(self.optimizer, "lr")
        before, now = self._ratio(t)
        if now == before:
            return group_values(self.optimizer, "lr")
        groups, floor = self.optimizer.param_groups, self._floor
        if before == 0:
            return [g["lr"] + (base - floor) * (now - before) for g, base in zip(groups, self.base_lrs)]
        r = now / before
        return [r * (g["lr"] - floor) + floor for g in groups]

    def _get_closed_form_lr(self) -> list:
        f = self._schedule()(self.last_epoch)
        floor = self._floor
        return [floor + (base - floor) * f for base in self.base_lrs]


class ClosedForm(Declared):
    r"""$\eta_t = \eta_0 f(t)$ with $f$ the pure factor schedule ``self._schedule()`` of the current settings."""

    def get_lr(self) -> list:
        self._warn_outside_step()
        f = self._schedule()(self.last_epoch)
        return [base * f for base in self.base_lrs]

    _get_closed_form_lr = get_lr
