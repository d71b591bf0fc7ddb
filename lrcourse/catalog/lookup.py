"""Names to entries, and entries to built optimizers and schedulers.

Names are case-insensitive and ignore ``-``, ``_`` and spaces: ``CosineAnnealingLR``,
``cosine``, ``one-cycle``, ``SGD + momentum``, ``sgd-momentum`` ...
"""
from __future__ import annotations

import torch.optim.lr_scheduler

from .. import lr_scheduler
from ..lr_scheduler.momentum import momentum_key
from .. import checks
from .entries import OptimizerEntry, ScheduleEntry
from .optimizers import OPTIMIZERS
from .schedulers import SCHEDULES

#: what :func:`build_scheduler` builds from (``module=``): the oracle and the module under test,
#: same class names, same signatures
SCHEDULER_MODULES = {"torch": torch.optim.lr_scheduler, "lrcourse": lr_scheduler}


def key(name: str) -> str:
    """The form names are compared in: ``"One-Cycle"`` -> ``"onecycle"``."""
    return name.lower().replace("-", "").replace("_", "").replace(" ", "")


def _find(kind: str, name, table: dict):
    if not isinstance(name, str):
        raise TypeError(f"{kind} must be a name (str), got {name!r} of type {type(name).__name__}")
    for entry_name, entry in table.items():
        if key(name) in {key(n) for n in (entry_name, *entry.aliases)}:
            return entry
    known = ", ".join(f"{n} ({e.cli})" for n, e in table.items())
    raise ValueError(f"unknown {kind} {name!r}; known: {known}")


def schedule(name: str) -> ScheduleEntry:
    """The entry of a schedule by class name or alias (ValueError naming the known ones)."""
    return _find("scheduler", name, SCHEDULES)


def optimizer(name: str) -> OptimizerEntry:
    """The entry of an optimizer by name or alias (ValueError naming the known ones)."""
    return _find("optimizer", name, OPTIMIZERS)


def build_optimizer(name: str, params, **overrides):
    """``entry.cls(params, lr=entry.lr, **entry.settings, **overrides)``."""
    entry = optimizer(name)
    return entry.cls(params, **{"lr": entry.lr, **entry.settings, **overrides})


def base_lr(optimizer) -> float:
    """The lr the first param group started from (before any scheduler changed it)."""
    group = optimizer.param_groups[0]
    return group.get("initial_lr", group["lr"])


def build_scheduler(name: str, optimizer, steps: int, *, lr: float | None = None, module=None, **overrides):
    """The schedule ``name`` on ``optimizer``, its required settings sized to a run of ``steps``.

    Args:
        name: a class name or alias (see :data:`SCHEDULES`).
        optimizer: the optimizer to schedule (unused by d2l callables; may then be None).
        steps: the run's length in scheduler steps, int >= 1.
        lr: the lr the sizes refer to (``max_lr`` of one-cycle, ...); default: the optimizer's.
        module: ``lrcourse.lr_scheduler`` (default) or ``torch.optim.lr_scheduler``; where the
            module lacks the class, its ``LambdaLR`` over the entry's pure schedule stands in.
        **overrides: settings replacing the sized ones (the class's arguments, or the recipe's).
            ``cycle_momentum`` defaults to False for an optimizer without a momentum
            (:func:`lrcourse.lr_scheduler.momentum.momentum_key`).
    """
    entry = schedule(name)
    steps = checks.integer("steps", steps, low=1)
    settings = {**entry.sized(steps, base_lr(optimizer) if lr is None else lr), **overrides}
    if entry.takes("cycle_momentum") and momentum_key(optimizer) is None:
        settings.setdefault("cycle_momentum", False)  # Adagrad, Adadelta: nothing to cycle
    return make(entry, optimizer, steps, settings, module)


def make(entry: ScheduleEntry, optimizer, steps: int, settings: dict, module=None):
    """Build ``entry`` with exactly ``settings`` (no sizing): see :func:`build_scheduler`."""
    if entry.callable_:
        return entry.cls(**settings)
    if entry.build is not None:
        return entry.build(module or lr_scheduler, optimizer, steps, **settings)
    cls = entry.cls if module is None else getattr(module, entry.name, None)
    if cls is not None:
        return cls(optimizer, **settings)
    if entry.factory is None:
        raise ValueError(f"{module.__name__} has no {entry.name} and the catalog has no pure schedule for it")
    return module.LambdaLR(optimizer, entry.factory(**settings))
