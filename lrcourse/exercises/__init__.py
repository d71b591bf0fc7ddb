"""Exercises a student can check: write an optimizer, a schedule, an EMA or a plateau detector
yourself, and get ✓ or the first difference from torch with a hint.

* :func:`check_optimizer` — your ``torch.optim.Optimizer`` subclass against torch's class;
* :func:`check_schedule_free` — your schedule-free SGD against ``schedulefree``'s, in train and eval mode;
* :func:`check_schedule` — your ``lr(t)`` against a torch scheduler or one of
  :mod:`lrcourse.schedules`;
* :func:`check_ema` — your moving averages against :func:`lrcourse.ema.ema`;
* :func:`check_plateau` — your plateau detector against ``ReduceLROnPlateau``;
* :func:`train_within_budget` — your choice of optimizer and schedule against a constant lr,
  trained for the same epochs (notebook 10).

Each check returns a :class:`CheckResult`: truthy exactly when your code matches, one line
when printed, a short block in a notebook. The fingerprints of known mistakes (bias
correction, ε inside the root, a schedule shifted by one step, ...) are in :mod:`.hints`
(optimizers) and :mod:`.sequence_hints` (schedules, plateau, EMA).

Example:
    >>> print(check_schedule(lambda t: 0.1 * 0.5 ** ((t + 1) // 10), "StepLR", lr=0.1, steps=20, step_size=10,
    ...                      gamma=0.5))  # doctest: +ELLIPSIS
    ✗ fn differs from torch.optim.lr_scheduler.StepLR(...) with lr=0.1 at t=9: expected 0.1, got 0.05. Hint: step ...
"""
from .budget import train_within_budget
from .ema import check_ema
from .optimizers import check_optimizer
from .plateau import check_plateau
from .result import CheckResult
from .schedule_free import check_schedule_free
from .schedules import check_schedule

__all__ = ["check_optimizer", "check_schedule_free", "check_schedule", "check_ema", "check_plateau",
           "train_within_budget", "CheckResult"]
