r"""Schedulers that cycle the lr, and the momentum inversely: ``CyclicLR``, ``OneCycleLR``,
``CosineAnnealingWarmRestarts``. Each step evaluates a pure schedule of
:mod:`lrcourse.schedules.cyclic` built from the settings the scheduler holds at that step.

With ``cycle_momentum=True`` the momentum (Adam's ``betas[0]``, or SGD's ``momentum``: the one
rule of :mod:`lrcourse.lr_scheduler.momentum`) goes down while the lr goes up, as torch's.
They overwrite the lr each step (not chainable). The lrs and momenta may be 0-dim tensors, as
in torch (they are then stored as tensors).

Deliberately unlike torch: ``base_momentum`` and ``max_momentum`` must lie in [0, 1] (torch
takes any number; a momentum above 1 makes SGD diverge). The scale function of ``CyclicLR``
and the anneal of ``OneCycleLR`` live in their pure schedules, so torch's private attributes
for them (``_scale_fn_ref``, ``_anneal_func_type``) do not exist here.

>>> import torch
>>> from lrcourse.lr_scheduler import OneCycleLR
>>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
>>> sched = OneCycleLR(opt, max_lr=1.0, total_steps=10)
>>> round(opt.param_groups[0]["lr"], 6), opt.param_groups[0]["momentum"]
(0.04, 0.95)
"""
from __future__ import annotations

import math

from .. import schedules
from .. import checks
from ..schedules.cyclic import restart_position, triangle_wave
from ..schedules.shapes import anneal_cos, anneal_linear
from .base import LRScheduler, callables_state, check_optimizer, group_values, per_group, set_group_value
from .momentum import momentum_key, set_momentum


def _unit(name, value):
    return checks.real(name, value, low=0.0, high=1.0)


def _momentum_setup(optimizer, base_momentum, max_momentum, fresh: bool):
    """Check the optimizer has a momentum (:func:`~lrcourse.lr_scheduler.momentum.momentum_key`), and
    set it to ``max_momentum`` on a fresh start; the per-group ``(base_momentums, max_momentums)``."""
    key = momentum_key(optimizer)
    if key is None:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled "
                         "(pass cycle_momentum=False for optimizers without momentum)")
    bases = per_group("base_momentum", optimizer, base_momentum, _unit)
    maxes = per_group("max_momentum", optimizer, max_momentum, _unit)
    if fresh:
        for hi, lo, group in zip(maxes, bases, optimizer.param_groups):
            set_momentum(group, key, hi)
            group["max_momentum"], group["base_momentum"] = hi, lo
    return bases, maxes


class CyclicLR(LRScheduler):
    r"""Triangle waves between ``base_lr`` and ``max_lr`` (Smith 2017; :func:`lrcourse.schedules.cyclic.triangle_wave`).

    $\eta_t = \eta_{base} + (\eta_{max} - \eta_{base})\,h_t\,s_t$ and
    $m_t = m_{max} - (m_{max} - m_{base})\,h_t\,s_t$. Same arguments as torch's; ``step_size_up``
    must be > 0 and lrs >= 0. Stores torch's settings ``total_size`` and ``step_ratio``.
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None,
                 mode="triangular", gamma=1.0, scale_fn=None, scale_mode="cycle",
                 cycle_momentum=True, base_momentum=0.8, max_momentum=0.9, last_epoch=-1):
        self.optimizer = check_optimizer(optimizer)
        base_lrs = per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                set_group_value(group, "lr", lr.clone() if hasattr(lr, "clone") else lr)
        self.max_lrs = per_group("max_lr", optimizer, max_lr)
        up = checks.positive("step_size_up", step_size_up)
        down = up if step_size_down is None else checks.nonnegative("step_size_down", step_size_down)
        self.total_size, self.step_ratio = up + down, up / (up + down)
        self.mode, self.gamma, self.scale_mode, self._scale_fn_custom = mode, gamma, scale_mode, scale_fn
        self._wave()  # checks the settings
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.base_momentums, self.max_momentums = _momentum_setup(
                optimizer, base_momentum, max_momentum, last_epoch == -1)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _wave(self):
        return self._pure_schedule(triangle_wave, self.total_size, self.step_ratio, self.mode, self.gamma,
                                   self._scale_fn_custom, self.scale_mode)

    def get_lr(self):
        self._warn_outside_step()
        h, s = self._wave()(self.last_epoch)
        lrs = [anneal_linear(lo, hi, h * s) for lo, hi in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            key = momentum_key(self.optimizer)
            for lo, hi, group in zip(self.base_momentums, self.max_momentums, self.optimizer.param_groups):
                set_momentum(group, key, anneal_linear(hi, lo, h * s))
        return lrs

    def state_dict(self):
        state = super().state_dict()
        fn = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = None if fn is None else callables_state([fn])[0]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        fn = state.pop("_scale_fn_custom", None)
        super().load_state_dict(state)
        if fn is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(fn)


class OneCycleLR(LRScheduler):
    r"""One-cycle (Smith & Topin 2018; :func:`lrcourse.schedules.one_cycle`): warm up from
    ``max_lr/div_factor`` to ``max_lr`` over ``pct_start`` of the steps, anneal to
    ``initial_lr/final_div_factor``; momentum from ``max_momentum`` down to ``base_momentum`` and back.

    The levels are read from each param group (``initial_lr``, ``max_lr``, ``min_lr``,
    ``max_momentum``, ``base_momentum``) as torch's; the phases from ``total_steps``,
    ``pct_start``, ``three_phase`` and ``anneal_strategy``. Stepping past ``total_steps``
    raises ValueError, as torch's does.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        self.optimizer = check_optimizer(optimizer)
        if total_steps is not None:
            self.total_steps = checks.integer("total_steps", total_steps, low=1, type_error=False)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = (checks.integer("epochs", epochs, low=1, type_error=False)
                                * checks.integer("steps_per_epoch", steps_per_epoch, low=1, type_error=False))
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        self.pct_start, self.three_phase, self.anneal_strategy = pct_start, three_phase, anneal_strategy
        self._cycle()  # checks the settings
        div = checks.positive("div_factor", div_factor)
        final_div = checks.positive("final_div_factor", final_div_factor)
        max_lrs = per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for hi, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = hi / div
                group["max_lr"] = hi
                group["min_lr"] = group["initial_lr"] / final_div
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _momentum_setup(optimizer, base_momentum, max_momentum, last_epoch == -1)
        super().__init__(optimizer, last_epoch)

    def _cycle(self):
        """The one-cycle of the phase settings held now (the levels are read from each group)."""
        return self._pure_schedule(schedules.one_cycle, self.total_steps, 1.0, self.pct_start,
                                   self.anneal_strategy, 25.0, 1e4, self.three_phase)

    def get_lr(self):
        self._warn_outside_step()
        cycle, t = self._cycle(), self.last_epoch
        key = momentum_key(self.optimizer) if self.cycle_momentum else None
        lrs = []
        for g in self.optimizer.param_groups:
            lrs.append(cycle(t, (g["initial_lr"], g["max_lr"], g["min_lr"])))
            if key is not None:
                set_momentum(g, key, cycle(t, (g["max_momentum"], g["base_momentum"], g["max_momentum"])))
        return lrs


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""SGDR (Loshchilov & Hutter 2017; :func:`lrcourse.schedules.cosine_restarts`):
    $\eta_t = \eta_{min} + (\eta_0 - \eta_{min})\frac{1 + \cos(\pi T_{cur}/T_i)}{2}$, restarting
    after $T_0, T_0 T_{mult}, \dots$ steps. ``T_cur`` and ``T_i`` are counters, advanced
    recursively as torch's (``T_cur += 1``, past ``T_i`` wrap and grow ``T_i``);
    ``step(epoch)`` takes fractional epochs (e.g. ``epoch + i / iters``) and places them with
    :func:`lrcourse.schedules.cyclic.restart_position`; at exact restarts lrcourse restarts even where
    torch's float logarithm rounds down (T_mult >= 3, rare).
    """

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        if not isinstance(T_0, int) or isinstance(T_0, bool) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0!r} (T_0 must be an int >= 1)")
        if not isinstance(T_mult, int) or isinstance(T_mult, bool) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult!r}")
        if not isinstance(eta_min, (float, int)) or isinstance(eta_min, bool):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min!r} of type {type(eta_min).__name__}")
        checks.nonnegative("eta_min", eta_min)
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        return [anneal_cos(base, self.eta_min, self.T_cur / self.T_i) for base in self.base_lrs]

    def step(self, epoch=None):
        """One step, or jump to (fractional) ``epoch`` >= 0."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            checks.real("epoch", epoch, low=0.0)
            _, self.T_cur, self.T_i = restart_position(epoch, self.T_0, self.T_mult)
        self.last_epoch = math.floor(epoch)
        self._in_step = True
        try:
            lrs = self.get_lr()
        finally:
            self._in_step = False
        for group, lr in zip(self.optimizer.param_groups, lrs):
            set_group_value(group, "lr", lr)
        self._last_lr = group_values(self.optimizer, "lr")
