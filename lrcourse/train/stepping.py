"""When and how the trainer applies a schedule: the three kinds it accepts.

1. A torch-style scheduler object (torch's or lrcourse's ``LRScheduler``): ``step()`` after
   every batch (``interval="step"``) or after every epoch (``interval="epoch"``); the caller
   must say which, since ``T_max``, ``step_size``, ``total_steps`` mean different things.
2. ``ReduceLROnPlateau``, torch's or lrcourse's, or any scheduler stepped with a metric
   (:func:`lrcourse.lr_scheduler.plateau.is_plateau`): ``step(metric)`` after each epoch's
   evaluation, fed the validation loss when the data holds a ``"val"`` split, else the test
   loss, or the metric named by ``plateau_metric`` (an accuracy needs ``mode="max"``).
3. A callable ``lr = schedule(i)`` (d2l's ``SquareRootScheduler``, ``CosineScheduler``, or any
   pure function): with ``interval="epoch"``, epoch :math:`e` trains at :math:`\\eta = s(e)`,
   set *before* the epoch; with ``interval="step"``, step :math:`t` trains at :math:`s(t)`.
   This differs from the d2l chapter's loop, which sets ``lr = scheduler(epoch)`` *after*
   each epoch, so its epoch 0 trains at the optimizer's initial lr and epoch :math:`e` at
   :math:`s(e-1)`; ``convention="d2l"`` reproduces that off-by-one exactly, for comparison.

timm's schedulers (``step(epoch)`` / ``step_update(num_updates)``, the count passed in) are
refused with a TypeError saying to wrap them in :class:`lrcourse.catalog.TimmStepper`, which
gives them torch's ``step()`` (the catalog's ``timm-*`` names come wrapped).
"""
from __future__ import annotations

import math

from .. import checks
from ..lr_scheduler.plateau import is_plateau

INTERVALS = ("step", "epoch")
PLATEAU_METRICS = ("val_loss", "val_acc", "test_loss", "test_acc")
CONVENTIONS = ("exact", "d2l")


def set_lr(optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


class Stepper:
    """Validates a schedule against the trainer's options and applies it at the right moments."""

    def __init__(self, optimizer, scheduler, interval, plateau_metric="test_loss", convention="exact"):
        self.optimizer, self.scheduler = optimizer, scheduler
        checks.choice("callable_convention", convention, CONVENTIONS)
        checks.choice("plateau_metric", plateau_metric, PLATEAU_METRICS)
        if interval is not None:
            checks.choice("scheduler_interval", interval, INTERVALS)
        if scheduler is None:
            self.kind = "none"
        elif callable(getattr(scheduler, "step_update", None)):  # step(epoch) would pass for a plateau's
            raise TypeError(f"scheduler {type(scheduler).__name__} has timm's protocol (step(epoch), "
                            "step_update(num_updates)); give the trainer torch's step(): "
                            "lrcourse.catalog.TimmStepper(scheduler)")
        elif hasattr(scheduler, "step"):
            self.kind = "plateau" if is_plateau(scheduler) else "object"
        elif callable(scheduler):
            self.kind = "callable"
        else:
            raise TypeError("scheduler must be a torch-style scheduler (with step()), ReduceLROnPlateau, "
                            f"a callable lr = schedule(i), or None; got {type(scheduler).__name__}")
        if self.kind == "plateau":
            if interval == "step":
                raise ValueError("scheduler_interval='step' does not fit ReduceLROnPlateau: it is stepped "
                                 "once per epoch with an evaluation metric; use 'epoch' or None")
            interval = "epoch"
            mode = getattr(scheduler, "mode", None)
            want = "max" if plateau_metric.endswith("acc") else "min"
            if mode is not None and mode != want:
                raise ValueError(f"plateau_metric={plateau_metric!r} needs ReduceLROnPlateau(mode={want!r}), "
                                 f"but the scheduler has mode={mode!r}")
        elif self.kind != "none" and interval is None:
            raise ValueError("scheduler_interval must be 'step' or 'epoch' when a scheduler is given (got None): "
                             "say whether it steps once per batch or once per epoch")
        if convention == "d2l" and not (self.kind == "callable" and interval == "epoch"):
            raise ValueError("callable_convention='d2l' applies only to a callable schedule with "
                             "scheduler_interval='epoch'")
        self.interval, self.metric, self.convention = interval, plateau_metric, convention

    @property
    def name(self) -> str:
        s = self.scheduler
        return "constant" if s is None else getattr(s, "__name__", type(s).__name__)

    def _call(self, i: int) -> float:
        lr = self.scheduler(i)
        lr = float(lr.item() if hasattr(lr, "item") else lr)
        if not math.isfinite(lr) or lr < 0:
            raise ValueError(f"schedule({i}) returned lr={lr}; a learning rate must be finite and >= 0")
        return lr

    def before_epoch(self, epoch: int) -> None:
        if self.kind == "callable" and self.interval == "epoch" and self.convention == "exact":
            set_lr(self.optimizer, self._call(epoch))

    def before_step(self, step: int) -> None:
        if self.kind == "callable" and self.interval == "step":
            set_lr(self.optimizer, self._call(step))

    def after_step(self) -> None:
        if self.kind == "object" and self.interval == "step":
            self.scheduler.step()

    def after_epoch(self, epoch: int, metrics: dict) -> None:
        """``metrics``: the epoch's evaluation, e.g. ``{"test_loss": ..., "val_loss": ...}``."""
        if self.kind == "object" and self.interval == "epoch":
            self.scheduler.step()
        elif self.kind == "plateau":
            self.scheduler.step(metrics[self.metric])
        elif self.kind == "callable" and self.convention == "d2l":
            set_lr(self.optimizer, self._call(epoch))
