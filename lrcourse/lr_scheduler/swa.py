r"""``SWALR`` (torch.optim.swa_utils): anneal each group's lr to ``swa_lr`` over
``anneal_epochs`` steps, then hold it, for stochastic weight averaging.

Recursive like torch's: each step recovers the lr the anneal started from,
$\eta_0 = (\eta - \alpha_{prev}\,\eta_{swa}) / (1 - \alpha_{prev})$, and returns
$\alpha\,\eta_{swa} + (1 - \alpha)\,\eta_0$, where $\alpha$ is the pure
:func:`lrcourse.schedules.anneal` from 0 to 1 over ``anneal_epochs`` steps (``"linear"``:
$\alpha = p$; ``"cos"``: $(1 - \cos \pi p)/2$). ``swa_lr`` may be a 0-dim tensor, as in torch.

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

from .. import schedules
from .. import checks
from .base import LRScheduler, check_optimizer, per_group

STRATEGIES = ("cos", "linear")


class SWALR(LRScheduler):
    """Args: optimizer; swa_lr (>= 0, or one per group); anneal_epochs (int >= 0, default 10);
    anneal_strategy ("cos" or "linear", default "cos"); last_epoch (default -1)."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        for lr, group in zip(per_group("swa_lr", check_optimizer(optimizer), swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        checks.choice("anneal_strategy", anneal_strategy, STRATEGIES)
        if not isinstance(anneal_epochs, int) or isinstance(anneal_epochs, bool) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0 (an int >= 0), got {anneal_epochs!r}")
        self._anneal_strategy, self.anneal_epochs = anneal_strategy, anneal_epochs
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        alpha = self._pure_schedule(schedules.anneal, 0.0, 1.0, max(1, self.anneal_epochs), self._anneal_strategy)
        prev_alpha, now_alpha = alpha(max(0, step - 1)), alpha(step)
        out = []
        for group in self.optimizer.param_groups:
            swa = group["swa_lr"]
            start = swa if prev_alpha == 1 else (group["lr"] - prev_alpha * swa) / (1 - prev_alpha)
            out.append(swa * now_alpha + start * (1 - now_alpha))
        return out
