r"""``SWALR`` (torch.optim.swa_utils): anneal each group's lr to ``swa_lr`` over
``anneal_epochs`` steps, then hold it, for stochastic weight averaging.

Recursive like torch's: each step recovers the lr the anneal started from,
$\eta_0 = (\eta - \alpha_{prev}\,\eta_{swa}) / (1 - \alpha_{prev})$, and returns
$\alpha\,\eta_{swa} + (1 - \alpha)\,\eta_0$ with $\alpha = p$ (linear) or
$(1 - \cos \pi p)/2$ (cos), $p = \min(1, t / \text{anneal\_epochs})$.

>>> import torch
>>> from lrcourse.lr_scheduler import SWALR
>>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
>>> sched = SWALR(opt, swa_lr=0.1, anneal_epochs=2, anneal_strategy="linear")
>>> for _ in range(3):
...     opt.step(); sched.step()
>>> round(sched.get_last_lr()[0], 12)
0.1

Reference: Izmailov et al., "Averaging weights leads to wider optima and better
generalization" (2018).
"""
from __future__ import annotations

import math

from ..schedules import checks
from .base import LRScheduler, check_optimizer, per_group

ALPHA = {"linear": lambda p: p, "cos": lambda p: (1 - math.cos(math.pi * p)) / 2}


class SWALR(LRScheduler):
    """Args: optimizer; swa_lr (>= 0, or one per group); anneal_epochs (int >= 0, default 10);
    anneal_strategy ("cos" or "linear", default "cos"); last_epoch (default -1)."""

    _transient = LRScheduler._transient + ("anneal_func",)

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        for lr, group in zip(per_group("swa_lr", check_optimizer(optimizer), swa_lr), optimizer.param_groups):
            group["swa_lr"] = checks.nonnegative("swa_lr", lr)
        checks.choice("anneal_strategy", anneal_strategy, tuple(ALPHA))
        if not isinstance(anneal_epochs, int) or isinstance(anneal_epochs, bool) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0 (an int >= 0), got {anneal_epochs!r}")
        self._anneal_strategy = anneal_strategy
        self.anneal_func = ALPHA[anneal_strategy]
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / span)))
        alpha = self.anneal_func(max(0, min(1, step / span)))
        out = []
        for group in self.optimizer.param_groups:
            swa = group["swa_lr"]
            start = swa if prev_alpha == 1 else (group["lr"] - prev_alpha * swa) / (1 - prev_alpha)
            out.append(swa * alpha + start * (1 - alpha))
        return out

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self.anneal_func = ALPHA[self._anneal_strategy]
