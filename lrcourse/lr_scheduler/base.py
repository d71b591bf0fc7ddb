r"""The stepping protocol of ``torch.optim.lr_scheduler``, written out.

An :class:`LRScheduler` owns the bookkeeping that makes schedulers interchangeable with
torch's: ``last_epoch`` (the step count), the initial step at construction, ``base_lrs``
from ``initial_lr`` in each param group (so a scheduler built with ``last_epoch >= 0``
resumes), ``get_last_lr()``, ``state_dict()`` / ``load_state_dict()``, and torch's warnings.

A scheduler is a thin adapter: its constructor checks and stores the *settings* under
torch's attribute names, and each step evaluates a pure schedule from
:mod:`lrcourse.schedules` built from the settings it holds *now*. The one schedule built last
is kept in the slot ``_built_schedule`` (with its last value, for the recursive form),
outside ``__dict__``, and rebuilt when the settings change. So ``__dict__`` is settings and
counters only: ``state_dict()`` is ``__dict__`` but the optimizer (as torch's),
``load_state_dict`` makes ``__dict__`` equal the saved one, and a loaded state is what gets
stepped:

>>> import torch
>>> from lrcourse.lr_scheduler import CosineAnnealingLR
>>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
>>> sched = CosineAnnealingLR(opt, T_max=10)
>>> for _ in range(3):
...     opt.step(); sched.step()
>>> rebuilt = CosineAnnealingLR(opt, T_max=5)   # other settings ...
>>> rebuilt.load_state_dict(sched.state_dict())  # ... then the saved ones are loaded
>>> opt.step(); rebuilt.step(); rebuilt.T_max, round(opt.param_groups[0]["lr"], 4)
(10, 0.6545)

The schedulers that are their settings and a pure schedule (StepLR, CosineAnnealingLR, ...)
are declared in :mod:`lrcourse.lr_scheduler.forms`.
"""
from __future__ import annotations

import types
import warnings
from typing import Any, Callable
from weakref import ref

import torch
from torch.optim import Optimizer

from .. import checks
from ..schedules.basic import KeepsBuilt

# torch's warning texts, word for word (tests trigger each in both libraries and compare).
EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated "
    "where possible. Please use `scheduler.step()` to step the scheduler. During the "
    "deprecation, if epoch is different from None, the closed form is used instead of the "
    "new chainable form, where available. Please open an issue if you are unable to replicate "
    "your use case: https://github.com/pytorch/pytorch/issues/new/choose.")
_SEE_MORE = "See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"
OVERRIDDEN_WARNING = (
    "Seems like `optimizer.step()` has been overridden after learning rate scheduler "
    "initialization. Please, make sure to call `optimizer.step()` before "
    "`lr_scheduler.step()`. " + _SEE_MORE)
ORDER_WARNING = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and "
    "later, you should call them in the opposite order: `optimizer.step()` before "
    "`lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first "
    "value of the learning rate schedule. " + _SEE_MORE)
GET_LR_WARNING = "To get the last learning rate computed by the scheduler, please use `get_last_lr()`."


def check_optimizer(optimizer) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer "
                        "(optimizer must be a torch.optim.Optimizer)")
    return optimizer


def hyper(name: str, value, check=checks.nonnegative):
    """A hyper-parameter as torch's ``_format_param`` takes it: a number (checked by ``check``)
    or a 0-dim real tensor (checked by value, kept as a tensor, cloned)."""
    if isinstance(value, torch.Tensor):
        if value.dim() != 0 or value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"{name} must be a number or a 0-dim real tensor, got a {value.dtype} tensor "
                            f"of shape {tuple(value.shape)}")
        check(name, value.item())
        return value.clone()
    return check(name, value)


def per_group(name: str, optimizer: Optimizer, value, check=checks.nonnegative) -> list:
    """``value`` (see :func:`hyper`) repeated for each param group, or a list/tuple with one per group."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(value)} values, param_groups has {n}.")
        return [hyper(name, v, check) for v in value]
    return [hyper(name, value, check) for _ in range(n)]


def group_values(optimizer: Optimizer, key: str) -> list:
    return [g[key].clone() if isinstance(g[key], torch.Tensor) else g[key] for g in optimizer.param_groups]


def set_group_value(group: dict, key: str, value) -> None:
    if isinstance(group[key], torch.Tensor):
        group[key].fill_(float(value))
    else:
        group[key] = value


def callables_state(fns) -> list:
    """torch's convention for lambdas in a state_dict: save the ``__dict__`` of callable
    objects, nothing for plain functions (they cannot be pickled)."""
    return [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy() for fn in fns]


def _patch_optimizer_step(optimizer: Optimizer) -> None:
    """Wrap ``optimizer.step`` to record that it ran (same marker as torch's, so both mix)."""
    if hasattr(optimizer.step, "_wrapped_by_lr_sched"):
        return
    opt_ref = ref(optimizer)
    func = optimizer.step.__func__

    def wrapper(*args, **kwargs):
        opt = opt_ref()
        opt._opt_called = True
        return func.__get__(opt, opt.__class__)(*args, **kwargs)

    wrapper._wrapped_by_lr_sched = True
    optimizer.step = wrapper


class LRScheduler(KeepsBuilt):
    """Base class: subclasses define ``get_lr()`` (and optionally ``_get_closed_form_lr()``).

    Args:
        optimizer: any ``torch.optim.Optimizer`` (torch's or lrcourse's).
        last_epoch: index of the last step taken, -1 for a fresh start (default -1). With
            ``last_epoch >= 0`` every param group must hold ``initial_lr`` (it does after
            loading the optimizer's state_dict).
    """

    _is_initial = False
    _in_step = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = check_optimizer(optimizer)
        last_epoch = checks.integer("last_epoch", last_epoch, low=-1)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                lr = group["lr"]
                group.setdefault("initial_lr", lr.clone() if isinstance(lr, torch.Tensor) else lr)
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when "
                                   "resuming scheduler with last_epoch >= 0 (load the optimizer's "
                                   "state_dict first, or use last_epoch=-1 for a fresh run)")
        self.base_lrs = group_values(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        _patch_optimizer_step(optimizer)
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def _pure_schedule(self, factory: Callable, *settings):
        """The pure schedule ``factory(*settings)`` of the settings held *now*, built once per
        distinct settings (:class:`~lrcourse.schedules.basic.KeepsBuilt`; key ``(factory, settings)``)."""
        return self._built((factory, settings), lambda: factory(*settings))

    def state_dict(self) -> dict[str, Any]:
        """Settings and counters: everything but the optimizer (save its state_dict alongside)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take over the saved settings and counters: the next step follows the loaded schedule."""
        self.__dict__.update(state_dict)

    def get_last_lr(self) -> list:
        """The lr of each param group after the last ``step()``."""
        return self._last_lr

    def get_lr(self) -> list:
        raise NotImplementedError

    def _warn_outside_step(self) -> None:
        if not self._in_step:
            warnings.warn(GET_LR_WARNING, UserWarning, stacklevel=3)

    def step(self, epoch: int | None = None) -> None:
        """Advance one step (``epoch`` jumps there with the closed form; deprecated in torch)."""
        if self._step_count == 1:
            if not hasattr(self.optimizer.step, "_wrapped_by_lr_sched"):
                warnings.warn(OVERRIDDEN_WARNING, UserWarning, stacklevel=2)
            elif not getattr(self.optimizer, "_opt_called", False):
                warnings.warn(ORDER_WARNING, UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._in_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed = getattr(self, "_get_closed_form_lr", None)
                values = closed() if closed is not None else self.get_lr()
        finally:
            self._in_step = False
        groups = self.optimizer.param_groups
        if len(values) != len(groups):
            raise RuntimeError(f"{type(self).__name__} computed {len(values)} lrs for {len(groups)} param groups")
        Tensor, last = torch.Tensor, []
        for group, lr in zip(groups, values):  # set_group_value and group_values in one loop (hot path)
            current = group["lr"]
            if isinstance(current, Tensor):
                current.fill_(float(lr))
                last.append(current.clone())
            else:
                group["lr"] = lr
                last.append(lr)
        self._last_lr = last
