r"""Schedulers made of schedulers: ``SequentialLR`` (one after another, at milestones) and
``ChainedScheduler`` (all at once, their factors multiplying), with torch's semantics.

>>> import torch
>>> from lrcourse.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR
>>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
>>> warm = LinearLR(opt, start_factor=0.1, total_iters=5)
>>> cos = CosineAnnealingLR(opt, T_max=20)
>>> sched = SequentialLR(opt, [warm, cos], milestones=[5])
>>> round(opt.param_groups[0]["lr"], 6)
0.1

For warmup in front of any scheduler without this bookkeeping, see
:class:`lrcourse.lr_scheduler.WarmupLR`.
"""
from __future__ import annotations

from bisect import bisect_right
from typing import Any

from .. import checks
from .base import LRScheduler, check_optimizer, group_values, set_group_value
from .plateau import is_plateau


def _check_members(owner: str, schedulers, optimizer) -> list:
    schedulers = list(schedulers)
    if len(schedulers) < 1:
        raise ValueError(f"{owner} expects at least one scheduler, but got no scheduler (schedulers is empty).")
    for i, s in enumerate(schedulers):
        if not hasattr(s, "optimizer"):
            raise TypeError(f"{owner} at index {i} should have `optimizer` as its attribute "
                            f"(schedulers[{i}] is {type(s).__name__}, not a scheduler).")
        if is_plateau(s):
            raise ValueError(f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires "
                             f"additional kwargs to be specified when calling `step`, but got one at index {i} "
                             "in the given schedulers sequence.")
        if optimizer is not s.optimizer:
            raise ValueError(f"{owner} expects all schedulers to belong to the same optimizer, but got "
                             f"scheduler {type(s).__name__} at index {i} with a different optimizer.")
    return schedulers


class _Composite(LRScheduler):
    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in super().state_dict().items() if k != "_schedulers"}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        subs = state.pop("_schedulers")
        self.__dict__.update(state)
        for s, sub in zip(self._schedulers, subs):
            s.load_state_dict(sub)


class SequentialLR(_Composite):
    """Scheduler ``i`` drives the lr from ``milestones[i-1]`` on; at each milestone the next
    one starts from its closed form at step 0 (torch's semantics, which assume each member
    was freshly built on the optimizer: construction undoes their initial steps).

    Args:
        optimizer: the optimizer all ``schedulers`` were built on.
        schedulers: n schedulers (not ReduceLROnPlateau).
        milestones: n - 1 ints >= 0 in non-decreasing order (equal ones: a member that never runs, as in torch).
        last_epoch: -1 (default).
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        check_optimizer(optimizer)
        schedulers = _check_members(type(self).__name__, schedulers, optimizer)
        milestones = checks.milestones("milestones", milestones, ordered=True)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("Sequential Schedulers expects number of schedulers provided to be one more than "
                             f"the number of milestone points, but got number of schedulers {len(schedulers)} "
                             f"and the number of milestones to be equal to {len(milestones)}")
        self._schedulers, self._milestones = schedulers, milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            set_group_value(group, "lr", group["initial_lr"])
        self.recursive_undo()
        idx = bisect_right(milestones, 0)
        schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()

    def recursive_undo(self, sched=None) -> None:
        """Take back the initial step each member took at its construction."""
        target = self if sched is None else sched
        if hasattr(target, "_schedulers"):
            for s in target._schedulers:
                self.recursive_undo(s)
        elif hasattr(target, "last_epoch"):
            target.last_epoch -= 1

    def step(self) -> None:
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    """Steps every scheduler at each step; with chainable members their factors multiply.

    Args:
        schedulers: one or more schedulers on one optimizer (not ReduceLROnPlateau).
        optimizer: that optimizer (default: the first scheduler's).
    """

    def __init__(self, schedulers, optimizer=None):
        schedulers = list(schedulers) if hasattr(schedulers, "__iter__") else schedulers
        if not isinstance(schedulers, list):
            raise TypeError(f"schedulers must be a list of schedulers, got {schedulers!r}")
        if not schedulers:
            raise ValueError("ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.")
        optimizer = check_optimizer(optimizer if optimizer is not None else getattr(schedulers[0], "optimizer", None))
        self._schedulers = _check_members(type(self).__name__, schedulers, optimizer)
        self.optimizer = optimizer
        self._last_lr = group_values(optimizer, "lr")

    def step(self) -> None:
        for s in self._schedulers:
            s.step()
        self._last_lr = group_values(self.optimizer, "lr")
