r"""timm's schedulers (``timm.scheduler``), equal to timm 1.0.x at every step: thin adapters that
hold timm's settings and evaluate one pure schedule of :mod:`lrcourse.schedules.timm` per param group.

timm's protocol is not torch's. There is no ``last_epoch``: you pass the count. Call
``step(epoch)`` at the end of each epoch with the index of the epoch about to start, and
``step_update(num_updates)`` after each optimizer update with the number of updates done; a
scheduler built with ``t_in_epochs=True`` moves only on ``step``, with ``False`` only on
``step_update``. Construction writes ``initial_lr`` into every group (kept if already there;
with ``initialize=False`` it must be there), sets each group's lr to that base value, then to
``warmup_lr_init`` when there is a warmup; a group with an ``lr_scale`` key gets the value
times its scale. ``state_dict`` is every setting (all but the optimizer), as timm's: a timm
state dict loads here and continues on the same curve.

Noise (``noise_range_t``: from step n on, or ``[start, end)``) is timm's: the lr becomes
$\eta(1 + n_t)$ with $n_t$ from :func:`lr_noise`, a pure function of $t$.

lrcourse refuses, with one line naming the argument, what timm refuses (its asserts and
``ValueError``s) and also settings timm accepts but cannot compute or mean: non-int or
negative ``warmup_t``, a negative ``warmup_lr_init``, ``cycle_mul`` or ``cycle_decay`` <= 0,
a negative ``k_decay``, ``decay_t`` (step) or ``decay_rate`` <= 0, unsorted milestones,
``noise_pct`` <= 0 with noise on (timm's resampling would never end), a negative step.

>>> import torch
>>> opt = torch.optim.SGD([torch.zeros(1)], lr=0.1)
>>> s = CosineLRScheduler(opt, t_initial=10, warmup_t=2, warmup_lr_init=0.01)
>>> opt.param_groups[0]["lr"]
0.01
>>> s.step(5); round(opt.param_groups[0]["lr"], 6)
0.05
"""
from __future__ import annotations

import inspect
import math
from typing import Any

import torch

from .. import checks
from ..schedules import timm as T
from ..schedules.basic import KeepsBuilt
from ..schedules.cyclic import restart_start

NOISE_TYPES = ("normal", "uniform")


def lr_noise(t: int, seed: int, pct: float, std: float, kind: str = "normal") -> float:
    r"""timm's relative lr noise at step t, drawn from a torch generator seeded with ``seed + t``:
    ``normal`` redraws $n \sim \mathcal N(0, \sigma^2)$ until $|n| <$ ``pct``; ``uniform`` is
    $n \sim U[-\text{pct}, \text{pct})$."""
    g = torch.Generator()
    g.manual_seed(seed + t)
    if kind == "normal":
        while True:
            noise = torch.randn(1, generator=g).item() * std
            if abs(noise) < pct:
                return noise
    return 2 * (torch.rand(1, generator=g).item() - 0.5) * pct


def in_noise_range(t: float, noise_range_t) -> bool:
    """timm's noise window: none, ``t >= n``, or ``start <= t < end``."""
    if noise_range_t is None:
        return False
    if isinstance(noise_range_t, (list, tuple)):
        return noise_range_t[0] <= t < noise_range_t[1]
    return t >= noise_range_t


class Scheduler(KeepsBuilt):
    """timm's ``Scheduler`` protocol. A subclass names its pure schedule of one base value in
    ``_factory`` (from :mod:`lrcourse.schedules.timm`), sets the factory's arguments but ``lr``
    under the same names (``warmup_t`` and ``warmup_lr_init`` among them), then calls this
    ``__init__``.

    The schedule of each base value is built from the settings held now and the base values, and
    rebuilt when one changes (:class:`~lrcourse.schedules.basic.KeepsBuilt`): ``state_dict`` is the
    settings alone and a loaded (or hand-changed) setting takes effect at the next step.
    """

    _factory = None
    _settings: tuple = ()  # the factory's arguments but lr: what the schedule is built from

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_factory" in vars(cls):
            cls._settings = tuple(name for name in inspect.signature(cls._factory).parameters if name != "lr")

    def __init__(self, optimizer, param_group_field: str, t_in_epochs: bool = True, noise_range_t=None,
                 noise_type: str = "normal", noise_pct: float = 0.67, noise_std: float = 1.0,
                 noise_seed: int | None = None, initialize: bool = True) -> None:
        checks.flag("t_in_epochs", t_in_epochs)
        checks.flag("initialize", initialize)
        _check_noise(noise_range_t, noise_type, noise_pct, noise_std, noise_seed)
        self.optimizer = optimizer
        self.param_group_field = param_group_field
        self._initial_param_group_field = initial = f"initial_{param_group_field}"
        for i, group in enumerate(optimizer.param_groups):
            if initialize and param_group_field not in group:
                raise KeyError(f"{param_group_field} missing from param_groups[{i}]")
            if not initialize and initial not in group:
                raise KeyError(f"{initial} missing from param_groups[{i}]")
        for group in optimizer.param_groups if initialize else ():
            group.setdefault(initial, group[param_group_field])
        self.base_values = [group[initial] for group in optimizer.param_groups]
        self.metric = None  # the last metric given to step(): timm's record, read by no schedule here
        self.t_in_epochs = t_in_epochs
        self.noise_range_t = noise_range_t
        self.noise_pct = noise_pct
        self.noise_type = noise_type
        self.noise_std = noise_std
        self.noise_seed = 42 if noise_seed is None else noise_seed
        self._schedules()  # the settings' checks, before any lr changes
        self.update_groups(self.base_values)
        if self.warmup_t:
            self.update_groups(self.warmup_lr_init)

    def _schedules(self) -> list:
        """The pure schedule of each base value, for the settings held now (a list setting, timm's
        milestones, is read as a tuple: changing it in place rebuilds too)."""
        held = (getattr(self, name) for name in self._settings)
        settings = tuple(tuple(v) if isinstance(v, list) else v for v in held)
        bases = tuple(self.base_values)
        return self._built((settings, bases), lambda: [self._factory(lr=base, **dict(zip(self._settings, settings)))
                                                       for base in bases])

    def state_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)

    def _get_lr(self, t: float) -> list[float]:
        return [schedule(t) for schedule in self._schedules()]

    def _get_values(self, t: float, on_epoch: bool = True) -> list[float] | None:
        if on_epoch != self.t_in_epochs:
            return None
        checks.real("epoch" if on_epoch else "num_updates", t, low=0.0)
        return self._get_lr(t)

    def step(self, epoch: int, metric: float | None = None) -> None:
        """At the end of an epoch, with the index of the next one (moves only with ``t_in_epochs``)."""
        self._step(epoch, metric, on_epoch=True)

    def step_update(self, num_updates: int, metric: float | None = None) -> None:
        """After an optimizer update, with the updates done (moves only without ``t_in_epochs``)."""
        self._step(num_updates, metric, on_epoch=False)

    def _step(self, t, metric, on_epoch: bool) -> None:
        self.metric = metric
        values = self._get_values(t, on_epoch)
        if values is not None:
            if in_noise_range(t, self.noise_range_t):
                noise = lr_noise(t, self.noise_seed, self.noise_pct, self.noise_std, self.noise_type)
                values = [v + v * noise for v in values]
            self.update_groups(values)

    def update_groups(self, values) -> None:
        if not isinstance(values, (list, tuple)):
            values = [values] * len(self.optimizer.param_groups)
        for group, value in zip(self.optimizer.param_groups, values):
            group[self.param_group_field] = value * group["lr_scale"] if "lr_scale" in group else value


class _Cycles(Scheduler):
    def get_cycle_length(self, cycles: int = 0) -> float:
        """Steps in ``cycles`` cycles (default ``cycle_limit``, at least 1), plus a prefix warmup."""
        cycles = max(1, cycles or self.cycle_limit)
        t = restart_start(cycles, self.t_initial, self.cycle_mul)
        t = t if self.cycle_mul == 1 else math.floor(t)
        return t + self.warmup_t if self.warmup_prefix else t


class CosineLRScheduler(_Cycles):
    r"""timm's cosine with warmup, restarts and k-decay (:func:`lrcourse.schedules.timm.cosine`)."""

    _factory = staticmethod(T.cosine)

    def __init__(self, optimizer, t_initial: int, lr_min: float = 0., cycle_mul: float = 1., cycle_decay: float = 1.,
                 cycle_limit: int = 1, warmup_t: int = 0, warmup_lr_init: float = 0., warmup_prefix: bool = False,
                 t_in_epochs: bool = True, noise_range_t=None, noise_pct: float = 0.67, noise_std: float = 1.0,
                 noise_seed: int = 42, k_decay: float = 1.0, initialize: bool = True) -> None:
        self.t_initial, self.lr_min, self.k_decay = t_initial, lr_min, k_decay
        self.cycle_mul, self.cycle_decay, self.cycle_limit = cycle_mul, cycle_decay, cycle_limit
        self.warmup_t, self.warmup_lr_init, self.warmup_prefix = warmup_t, warmup_lr_init, warmup_prefix
        super().__init__(optimizer, "lr", t_in_epochs, noise_range_t, noise_pct=noise_pct, noise_std=noise_std,
                         noise_seed=noise_seed, initialize=initialize)


class TanhLRScheduler(_Cycles):
    r"""timm's hyperbolic-tangent decay with warmup and restarts (:func:`lrcourse.schedules.timm.tanh`)."""

    _factory = staticmethod(T.tanh)

    def __init__(self, optimizer, t_initial: int, lb: float = -7., ub: float = 3., lr_min: float = 0.,
                 cycle_mul: float = 1., cycle_decay: float = 1., cycle_limit: int = 1, warmup_t: int = 0,
                 warmup_lr_init: float = 0., warmup_prefix: bool = False, t_in_epochs: bool = True,
                 noise_range_t=None, noise_pct: float = 0.67, noise_std: float = 1.0, noise_seed: int = 42,
                 initialize: bool = True) -> None:
        self.t_initial, self.lb, self.ub, self.lr_min = t_initial, lb, ub, lr_min
        self.cycle_mul, self.cycle_decay, self.cycle_limit = cycle_mul, cycle_decay, cycle_limit
        self.warmup_t, self.warmup_lr_init, self.warmup_prefix = warmup_t, warmup_lr_init, warmup_prefix
        super().__init__(optimizer, "lr", t_in_epochs, noise_range_t, noise_pct=noise_pct, noise_std=noise_std,
                         noise_seed=noise_seed, initialize=initialize)


class PolyLRScheduler(_Cycles):
    r"""timm's polynomial decay $(1 - p)^{power}$ with warmup, restarts and k-decay
    (:func:`lrcourse.schedules.timm.poly`)."""

    _factory = staticmethod(T.poly)

    def __init__(self, optimizer, t_initial: int, power: float = 0.5, lr_min: float = 0., cycle_mul: float = 1.,
                 cycle_decay: float = 1., cycle_limit: int = 1, warmup_t: int = 0, warmup_lr_init: float = 0.,
                 warmup_prefix: bool = False, t_in_epochs: bool = True, noise_range_t=None, noise_pct: float = 0.67,
                 noise_std: float = 1.0, noise_seed: int = 42, k_decay: float = 1.0, initialize: bool = True) -> None:
        self.t_initial, self.power, self.lr_min, self.k_decay = t_initial, power, lr_min, k_decay
        self.cycle_mul, self.cycle_decay, self.cycle_limit = cycle_mul, cycle_decay, cycle_limit
        self.warmup_t, self.warmup_lr_init, self.warmup_prefix = warmup_t, warmup_lr_init, warmup_prefix
        super().__init__(optimizer, "lr", t_in_epochs, noise_range_t, noise_pct=noise_pct, noise_std=noise_std,
                         noise_seed=noise_seed, initialize=initialize)


class _Decays(Scheduler):
    """The settings of timm's step and multi-step decays (``decay_t``: a step count or the milestones)."""

    def __init__(self, optimizer, decay_t: float | list[int], decay_rate: float = 1., warmup_t: int = 0,
                 warmup_lr_init: float = 0., warmup_prefix: bool = True, t_in_epochs: bool = True,
                 noise_range_t=None, noise_pct: float = 0.67, noise_std: float = 1.0, noise_seed: int = 42,
                 initialize: bool = True) -> None:
        self.decay_t, self.decay_rate = decay_t, decay_rate
        self.warmup_t, self.warmup_lr_init, self.warmup_prefix = warmup_t, warmup_lr_init, warmup_prefix
        super().__init__(optimizer, "lr", t_in_epochs, noise_range_t, noise_pct=noise_pct, noise_std=noise_std,
                         noise_seed=noise_seed, initialize=initialize)


class StepLRScheduler(_Decays):
    r"""timm's step decay $\eta\,r^{\lfloor t / k \rfloor}$ after a warmup (:func:`lrcourse.schedules.timm.step`);
    ``decay_t`` is k, a step count > 0."""

    _factory = staticmethod(T.step)


class MultiStepLRScheduler(_Decays):
    r"""timm's multi-step decay after a warmup; ``decay_t`` is the list of milestones, and a milestone
    m applies from $t = m - 1$, one step before torch's ``MultiStepLR`` (:func:`lrcourse.schedules.timm.multistep`)."""

    _factory = staticmethod(T.multistep)


class WSDLRScheduler(Scheduler):
    r"""timm's warmup-stable-decay with its stable and decay functions (:func:`lrcourse.schedules.timm.wsd`):
    the warmup is always a prefix, ``lr_min`` is reached at ``warmup_t + t_initial``."""

    _factory = staticmethod(T.wsd)

    def __init__(self, optimizer, t_initial: int, decay_t: int, lr_min: float = 0., stable_fn: str = "constant",
                 stable_timescale: float | None = None, stable_power: float = 0.5, decay_fn="1-sqrt",
                 decay_power: float = 0.5, decay_ratio: float = 0.1, warmup_t: int = 0, warmup_lr_init: float = 0.,
                 t_in_epochs: bool = True, noise_range_t=None, noise_pct: float = 0.67, noise_std: float = 1.0,
                 noise_seed: int = 42, initialize: bool = True) -> None:
        self.t_initial, self.decay_t, self.lr_min = t_initial, decay_t, lr_min
        self.stable_fn, self.stable_timescale, self.stable_power = stable_fn, stable_timescale, stable_power
        self.decay_fn, self.decay_power, self.decay_ratio = decay_fn, decay_power, decay_ratio
        self.warmup_t, self.warmup_lr_init = warmup_t, warmup_lr_init
        super().__init__(optimizer, "lr", t_in_epochs, noise_range_t, noise_pct=noise_pct, noise_std=noise_std,
                         noise_seed=noise_seed, initialize=initialize)

    def get_cycle_length(self, cycles: int = 0) -> float:
        """``warmup_t + t_initial``, the step from which ``lr_min`` holds."""
        return self.warmup_t + self.t_initial


def _check_noise(noise_range_t, noise_type, noise_pct, noise_std, noise_seed) -> None:
    if noise_range_t is not None:
        pair = isinstance(noise_range_t, (list, tuple))
        if pair and len(noise_range_t) != 2:
            raise ValueError(f"noise_range_t must be None, a step or a pair [start, end), got {noise_range_t!r}")
        for end in noise_range_t if pair else [noise_range_t]:
            checks.real("noise_range_t", end)
        checks.positive("noise_pct", noise_pct)
    checks.choice("noise_type", noise_type, NOISE_TYPES)
    checks.real("noise_std", noise_std)
    if noise_seed is not None:
        checks.integer("noise_seed", noise_seed)


# timm's ``--sched`` names (``timm.scheduler.create_scheduler_v2``) for the catalog.
SCHEDULERS = {"cosine": CosineLRScheduler, "tanh": TanhLRScheduler, "poly": PolyLRScheduler,
              "step": StepLRScheduler, "multistep": MultiStepLRScheduler, "wsd": WSDLRScheduler}
