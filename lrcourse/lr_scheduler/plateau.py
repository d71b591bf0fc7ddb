r"""``ReduceLROnPlateau``: multiply the lr by ``factor`` when a metric stops improving.

Unlike the other schedulers it is stepped with the metric: ``scheduler.step(val_loss)``.
A step is *better* than the best so far when (mode min, rel) $a < b(1 - \theta)$,
(min, abs) $a < b - \theta$, (max, rel) $a > b(1 + \theta)$, (max, abs) $a > b + \theta$.
After more than ``patience`` steps that are not better, each group's lr becomes
$\max(\eta f, \eta_{min})$ (skipped when the change is at most ``eps``), then ``cooldown``
steps ignore bad steps.

>>> import torch
>>> from lrcourse.lr_scheduler import ReduceLROnPlateau
>>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
>>> sched = ReduceLROnPlateau(opt, patience=1, factor=0.5)
>>> for loss in [1.0, 1.0, 1.0]:
...     sched.step(loss)
>>> sched.get_last_lr()
[0.5]

:func:`is_plateau` is how the composites, the trainer, the catalog's entries and
:func:`lrcourse.catalog.simulate` tell such a scheduler from one stepped without arguments.
"""
from __future__ import annotations

import inspect
import math
import warnings
from typing import Any

import torch

from .. import checks
from .base import EPOCH_DEPRECATION_WARNING, LRScheduler, check_optimizer, group_values, set_group_value


class ReduceLROnPlateau(LRScheduler):
    """Args (torch's): mode "min"/"max" (default "min"), factor in (0, 1) (default 0.1),
    patience int >= 0 (default 10), threshold >= 0 (default 1e-4), threshold_mode
    "rel"/"abs" (default "rel"), cooldown int >= 0 (default 0), min_lr >= 0 or one per group
    (default 0), eps >= 0 (default 1e-8)."""

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
        if isinstance(factor, (int, float)) and factor >= 1.0:
            raise ValueError(f"Factor should be < 1.0 (factor must be in (0, 1)), got {factor!r}")
        self.factor = checks.real("factor", factor, low=0.0, high=1.0, low_open=True, high_open=True)
        self.optimizer = check_optimizer(optimizer)
        if isinstance(min_lr, (list, tuple)):
            n = len(optimizer.param_groups)
            if len(min_lr) != n:
                raise ValueError(f"expected {n} min_lrs, got {len(min_lr)} (min_lr must be a number or one per param group)")
            self.default_min_lr = None
            self.min_lrs = [checks.nonnegative("min_lr", v) for v in min_lr]
        else:
            self.default_min_lr = checks.nonnegative("min_lr", min_lr)
            self.min_lrs = [self.default_min_lr] * len(optimizer.param_groups)
        self.patience = checks.integer("patience", patience)
        self.cooldown = checks.integer("cooldown", cooldown)
        self.eps = checks.nonnegative("eps", eps)
        self.last_epoch = 0
        self._last_lr = group_values(optimizer, "lr")
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode, threshold, threshold_mode) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode!r} is unknown! (mode must be 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode!r} is unknown! (threshold_mode must be 'rel' or 'abs')")
        self.threshold = checks.nonnegative("threshold", threshold)
        self.mode, self.threshold_mode = mode, threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def step(self, metrics, epoch=None) -> None:
        """Record one value of the monitored metric (a number or a 0-dim tensor)."""
        try:
            current = float(metrics)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"metrics must be a number or a 0-dim tensor, got {metrics!r}") from None
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        best, th = self.best, self.threshold
        if self.mode == "min":
            better = current < best * (1.0 - th) if self.threshold_mode == "rel" else current < best - th
        else:
            better = current > best * (th + 1.0) if self.threshold_mode == "rel" else current > best + th
        if better:
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:  # in cooldown
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [g["lr"].clone() if isinstance(g["lr"], torch.Tensor) else g["lr"]
                         for g in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"The number of param groups in the optimizer ({len(groups)}) differs from when "
                                   f"ReduceLROnPlateau was initialized ({len(self.min_lrs)}); set `min_lrs` to match.")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, floor in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, floor)
            if old - new > self.eps:
                set_group_value(group, "lr", new)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)


def is_plateau(scheduler) -> bool:
    """Whether ``scheduler`` (a scheduler or its class) is stepped with a metric, ``step(metrics)``:
    lrcourse's or torch's ``ReduceLROnPlateau`` (or a subclass), or any scheduler whose ``step``
    requires its first argument, but for timm's protocol (a ``step_update`` beside
    ``step(epoch, metric=None)``): there the first argument is the count, and the metric, which
    only timm's own loop feeds, comes second (:mod:`lrcourse.compat.timm`'s ``metric`` attribute
    records it, as timm's does). The catalog, the trainer and :func:`lrcourse.catalog.simulate`
    ask this function alone."""
    cls = scheduler if isinstance(scheduler, type) else type(scheduler)
    if issubclass(cls, (ReduceLROnPlateau, torch.optim.lr_scheduler.ReduceLROnPlateau)):
        return True
    if callable(getattr(scheduler, "step_update", None)):
        return False
    try:
        params = list(inspect.signature(scheduler.step).parameters.values())
    except (AttributeError, TypeError, ValueError):
        return False
    if isinstance(scheduler, type):
        params = params[1:]  # self
    return bool(params) and params[0].default is inspect.Parameter.empty and \
        params[0].kind in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD)
