r"""What torch lacks: warmup in front of any scheduler, the Transformer's inverse square
root, and warmup-stable-decay (WSD). Thin adapters over :mod:`lrcourse.schedules`.

:class:`WarmupLR` wraps a scheduler that is already built (lrcourse's or torch's, including
``ReduceLROnPlateau``) and multiplies its lr by a warmup factor $w(t)$ that rises to 1:
$w(t) = s + (1 - s)\min(1, \frac{t+1}{W})$ (linear) or $s + (1 - s)(1 - e^{-(t+1)/W})$
(exponential). The inner scheduler's clock is not delayed and it never sees the factor
(WarmupLR takes it off before the inner step and puts it back after), so recursive inner
schedulers keep working. Step the wrapper instead of the inner scheduler. InverseSqrtLR and
WSDLR are closed forms $\eta_0 f(t)$ of their pure schedules.

>>> import torch
>>> from lrcourse.lr_scheduler import CosineAnnealingLR, WarmupLR
>>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
>>> sched = WarmupLR(CosineAnnealingLR(opt, T_max=100), warmup_steps=10)
>>> opt.param_groups[0]["lr"]
0.1

References: Goyal et al., "Accurate, large minibatch SGD" (2017); Ma & Yarats, "On the
adequacy of untuned warmup for adaptive optimization" (2021); Vaswani et al. (2017);
Hägele et al. (2024) for WSD.
"""
from __future__ import annotations

from typing import Any

from .. import schedules
from .. import checks
from .base import LRScheduler, group_values, set_group_value
from .forms import ClosedForm, Setting


class WarmupLR(LRScheduler):
    """Warmup in front of any scheduler.

    Args:
        scheduler: a built scheduler (has ``optimizer`` and ``step``); its lr at step 0 is warmed too.
        warmup_steps: W, >= 0 (0: no warmup; see :func:`lrcourse.schedules.adam_warmup_steps`
            for Adam's untuned W).
        kind: "linear" or "exponential" (default "linear").
        start_factor: s, the factor the warmup starts from, in [0, 1) (default 0.0).
    """

    def __init__(self, scheduler, warmup_steps, kind="linear", start_factor=0.0):
        if not hasattr(scheduler, "optimizer") or not callable(getattr(scheduler, "step", None)):
            raise TypeError(f"scheduler must be a built learning-rate scheduler, got {scheduler!r}")
        self.warmup_steps, self.kind, self.start_factor = warmup_steps, kind, start_factor
        self.scheduler, self.optimizer = scheduler, scheduler.optimizer
        self.last_epoch = 0
        self._scale(self._factor()(0))

    def _factor(self):
        return self._pure_schedule(schedules.warmup_factor, self.warmup_steps, self.kind, self.start_factor)

    def _scale(self, w: float) -> None:
        if w != 1:
            for group in self.optimizer.param_groups:
                set_group_value(group, "lr", group["lr"] * w)
        self._last_lr = group_values(self.optimizer, "lr")

    def step(self, *args, **kwargs) -> None:
        """Step the inner scheduler (passing ``metrics`` etc. through) under the warmup factor."""
        factor = self._factor()
        w = factor(self.last_epoch)
        if w != 1:
            for group in self.optimizer.param_groups:
                set_group_value(group, "lr", group["lr"] / w)
        self.scheduler.step(*args, **kwargs)
        self.last_epoch += 1
        self._scale(factor(self.last_epoch))

    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in super().state_dict().items() if k != "scheduler"}
        state["scheduler"] = self.scheduler.state_dict()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        self.scheduler.load_state_dict(state.pop("scheduler"))
        self.__dict__.update(state)


class InverseSqrtLR(ClosedForm):
    r"""The Transformer's schedule: $\eta_0 \min(1, \frac{t+1}{W})$ for $t < W$, then
    $\eta_0\sqrt{W/t}$ (:func:`lrcourse.schedules.inverse_sqrt`).

    Args:
        optimizer: any torch optimizer.
        warmup_steps: W, int >= 1.
        last_epoch: -1 (default) or the step to resume after.
    """

    settings = (Setting("warmup_steps"),)
    _factory = staticmethod(schedules.inverse_sqrt)


class WSDLR(ClosedForm):
    r"""Warmup-stable-decay (:func:`lrcourse.schedules.wsd`): linear warmup over W steps, hold
    the peak, decay over the last D of ``total_steps`` to ``min_lr_ratio`` times the peak.

    Args:
        optimizer: any torch optimizer (its lr is the peak).
        total_steps: T, int >= 1.
        warmup_steps: W, int >= 0 (default 0).
        decay_steps: D, int >= 0 (default: T // 5, at least 1), W + D <= T.
        min_lr_ratio: floor as a fraction of the peak, in [0, 1] (default 0.0).
        shape: decay shape "linear", "cosine" or "1-sqrt" (default "1-sqrt").
        last_epoch: -1 (default) or the step to resume after.
    """

    settings = (Setting("total_steps"), Setting("warmup_steps", 0), Setting("decay_steps", None),
                Setting("min_lr_ratio", 0.0), Setting("shape", "1-sqrt"))

    def __init__(self, optimizer, total_steps, warmup_steps=0, decay_steps=None, min_lr_ratio=0.0,
                 shape="1-sqrt", last_epoch=-1):  # written out: the default decay_steps depends on total_steps
        if decay_steps is None:
            decay_steps = max(1, checks.integer("total_steps", total_steps, low=1) // 5)
        super().__init__(optimizer, total_steps, warmup_steps, decay_steps, min_lr_ratio, shape, last_epoch)

    @staticmethod
    def _factory(total_steps, warmup_steps, decay_steps, min_lr_ratio, shape):
        return schedules.wsd(total_steps, warmup_steps, decay_steps, 1.0, min_lr_ratio, shape)
