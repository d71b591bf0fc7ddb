"""check_schedule: a student's ``lr(t)`` against torch's scheduler, one of lrcourse's pure schedules,
or a transformers schedule.

Torch's lr at step t is read from the optimizer before the t-th ``scheduler.step()`` (t = 0:
the lr of the first step), as a training loop sees it. For schedules torch lacks, the
reference can name a schedule in :mod:`lrcourse.schedules` (e.g. d2l's ``CosineScheduler``
with warmup), called with ``lr`` as its ``lr`` (or ``base_lr`` / ``max_lr``), or
``"transformers:NAME"``, transformers' ``get_scheduler(NAME, ...)`` as
:mod:`lrcourse.compat.transformers` builds it (equal to transformers at every step), stepped
like torch's, with ``num_warmup_steps``, ``num_training_steps`` and the schedule's own
arguments as settings.

>>> print(check_schedule(lambda t: 0.1 * 0.5 ** (t // 10), "StepLR", lr=0.1, steps=40, step_size=10, gamma=0.5))
✓ fn matches torch.optim.lr_scheduler.StepLR(step_size=10, gamma=0.5) with lr=0.1 over 40 steps
"""
from __future__ import annotations

import inspect

import numpy as np
import torch
from torch.optim import lr_scheduler

from .. import catalog, schedules
from .. import checks
from ..compat import transformers as compat_transformers
from .hints import first_match, numeric_hint
from .result import (CheckResult, as_float, call, expected_got, first_difference, name_of, number, returns_failures,
                     shown)
from .sequence_hints import NON_FINITE_SCHEDULE, schedule_variants

TORCH = tuple(n for n in lr_scheduler.__all__
              if n not in ("LRScheduler", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau"))
#: the schedules of :mod:`lrcourse.schedules` a function can be checked against: the catalog's pure
#: schedules (each entry's ``factory``) and d2l callables, then timm's cosine cycles (in the catalog as
#: timm's class)
PURE = tuple(dict.fromkeys([*(e.factory.__name__ for e in catalog.SCHEDULES.values() if e.factory),
                            *(e.name for e in catalog.SCHEDULES.values() if e.callable_), "cosine_cycles"]))
TRANSFORMERS = tuple(f"transformers:{n}" for n in compat_transformers.SCHEDULER_NAMES if n != "reduce_lr_on_plateau")
LR_NAMES = ("lr", "base_lr", "max_lr")


def with_defaults(obj, settings: dict) -> dict:
    """``settings`` plus the defaults of ``obj``'s other keyword arguments."""
    params = inspect.signature(obj).parameters.values()
    return {**{p.name: p.default for p in params if p.default is not inspect.Parameter.empty}, **settings}


def torch_lrs(cls, lr: float, settings: dict, n: int) -> list:
    """The lr an SGD at ``lr`` trains with at steps 0..n-1 under ``cls(opt, **settings)``."""
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = cls(opt, **settings)
    out = []
    for t in range(n):
        out.append(float(opt.param_groups[0]["lr"]))
        if t < n - 1:
            opt.step()
            sched.step()
    return out


def _lr_key(reference: str, settings: dict) -> str | None:
    """The argument a pure schedule takes its lr as (None for torch's schedulers)."""
    if reference in TORCH + TRANSFORMERS:
        return None
    key = next(k for k in LR_NAMES if k in inspect.signature(getattr(schedules, reference)).parameters)
    if key in settings:
        raise ValueError(f"settings must not hold {key}={settings[key]!r}: give the learning rate as lr=..., "
                         f"which check_schedule passes to lrcourse.schedules.{reference} as {key}")
    return key


def _reference(reference: str, lr: float, settings: dict, key: str | None):
    """``(label, settings with defaults, values(n))`` for the reference schedule."""
    args = ", ".join(f"{k}={v!r}" for k, v in settings.items())
    if reference in TRANSFORMERS:
        name = reference.split(":", 1)[1]

        def build(opt, num_warmup_steps=None, num_training_steps=None, **kwargs):
            return compat_transformers.get_scheduler(name, opt, num_warmup_steps, num_training_steps, kwargs or None)
        build(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr), **settings)  # refused settings raise here
        return (f"transformers' get_scheduler({name!r}, {args}) with lr={lr:g}", dict(settings),
                lambda n: torch_lrs(build, lr, settings, n))
    if key is None:
        cls = getattr(lr_scheduler, reference)
        return (f"torch.optim.lr_scheduler.{reference}({args}) with lr={lr:g}", with_defaults(cls, settings),
                lambda n: torch_lrs(cls, lr, settings, n))
    factory = getattr(schedules, reference)
    schedule = factory(**settings, **{key: lr})
    return (f"lrcourse.schedules.{reference}({args}{', ' if args else ''}{key}={lr:g})",
            with_defaults(factory, {**settings, key: lr}), lambda n: [float(schedule(t)) for t in range(n)])


@returns_failures
def check_schedule(fn, reference: str, *, lr: float, steps: int, **settings) -> CheckResult:
    """Compare ``fn(t)`` for t = 0..steps-1 with the reference schedule.

    Args:
        fn: the student's function ``t -> lr`` (t counts from 0).
        reference: a scheduler in ``torch.optim.lr_scheduler`` (``TORCH``, e.g. ``"StepLR"``,
            ``"OneCycleLR"``), a schedule in :mod:`lrcourse.schedules` (``PURE``, e.g. ``"CosineScheduler"``),
            or a transformers schedule (``TRANSFORMERS``, e.g. ``"transformers:warmup_stable_decay"``).
        lr: the optimizer's lr for torch's schedulers; the schedule's ``lr``/``base_lr``/``max_lr`` for lrcourse's.
        steps: how many steps to compare, int >= 1.
        **settings: the scheduler's other arguments (e.g. ``step_size=10, gamma=0.5``).

    Returns:
        CheckResult: truthy when every value agrees to float64 rounding; otherwise the first t
        that differs (a nan or inf where torch's lr is finite first), the expected and obtained
        lr, and a hint when the numbers are those of a known mistake (shifted by one step, the
        floor left out, warmup from 0, ...; nan or inf: a division by t at t = 0, ...).
    """
    if not isinstance(reference, str) or reference not in TORCH + PURE + TRANSFORMERS:
        raise (ValueError if isinstance(reference, str) else TypeError)(
            f"reference must be one of {', '.join(TORCH + PURE + TRANSFORMERS)}, got {reference!r}"
            + (" (use check_plateau)" if reference == "ReduceLROnPlateau" else ""))
    lr = checks.positive("lr", lr)
    steps = checks.integer("steps", steps, low=1)
    key = _lr_key(reference, settings)
    try:
        label, full, values = _reference(reference, lr, settings, key)
        expected = np.array(values(steps))
    except (TypeError, ValueError) as err:
        raise ValueError(f"settings {settings} are refused by {reference}: {err}") from err
    if not callable(fn):
        return CheckResult("wrong type", f"expected a function t -> lr, got {shown(fn)}")
    name = name_of(fn)
    got = np.array([as_float(call(f"{name}({t})", fn, t), f"{name}({t})", first=t == 0) for t in range(steps)])
    diff = first_difference(got, expected)
    if diff is None:
        return CheckResult("match", f"{name} matches {label} over {steps} steps", (("reference", label),))
    t = diff[0]
    try:
        ahead = list(values(steps + 1))
    except Exception:  # e.g. OneCycleLR past total_steps: the shifted variant leaves the last step open
        ahead = list(expected) + [None]
    variants = schedule_variants(reference, lr, full, ahead)
    hint = first_match(((h, lambda v=v: [v(k) for k in range(steps)]) for h, v in variants), got) or numeric_hint(
        got, expected, NON_FINITE_SCHEDULE)
    return CheckResult("differs", f"{name} differs from {label} at t={t}: {expected_got(expected[t], got[t])}",
                       (("reference", label), ("first difference", f"t={t}"), ("expected", number(expected[t])),
                        ("got", number(got[t]))), hint)
