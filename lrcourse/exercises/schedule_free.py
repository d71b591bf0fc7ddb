r"""check_schedule_free: a student's schedule-free SGD against ``schedulefree``'s, in train and eval mode.

Schedule-free SGD (Defazio et al. 2024) takes the gradient at :math:`y`, steps :math:`z` and
evaluates at :math:`x`, the weighted average of the :math:`z`'s; the parameters hold :math:`y`
after ``train()`` and :math:`x` after ``eval()``. Both optimizers run :func:`check_optimizer`'s
problems (:data:`lrcourse.exercises.optimizers.PROBLEMS`) from the same start, ``train()``
first; after every step both are compared in train mode (y), then ``eval()`` on both, compared
again (x), and ``train()`` again.

The reference is ``schedulefree.SGDScheduleFree(..., foreach=False)`` when the package is
installed, else :class:`lrcourse.optim.SGDScheduleFree`, which the course's tests prove equal to
it at every step in both modes (``tests/test_optim_schedule_free.py``).

>>> from lrcourse.optim import SGDScheduleFree
>>> print(check_schedule_free(SGDScheduleFree, lr=0.1, warmup_steps=5, r=1.0))  # doctest: +ELLIPSIS
✓ SGDScheduleFree matches ...SGDScheduleFree(lr=0.1, warmup_steps=5, r=1.0) over 4 problems × 20 steps in train and eval mode
"""
from __future__ import annotations

import importlib

from .hints import schedule_free_variants
from .optimizers import check_against
from .result import CheckResult, returns_failures


def reference():
    """``(class, name, extra arguments)``: ``schedulefree``'s class with ``foreach=False`` if importable,
    else lrcourse's (equal to it in tests)."""
    try:  # by name: schedulefree is a test dependency (the course extra), not a runtime one
        SGDScheduleFree = importlib.import_module("schedulefree").SGDScheduleFree
        return SGDScheduleFree, "schedulefree.SGDScheduleFree", {"foreach": False}
    except ImportError:
        from ..optim import SGDScheduleFree
        return SGDScheduleFree, "lrcourse.optim.SGDScheduleFree", {}


@returns_failures
def check_schedule_free(cls, **hyper) -> CheckResult:
    """Run ``cls`` and the reference schedule-free SGD with ``hyper``; compare y and x after every step.

    Args:
        cls: the student's ``torch.optim.Optimizer`` subclass with ``train()`` and ``eval()``,
            called as ``cls(param_groups, **hyper)``.
        **hyper: constructor arguments for both (``lr``, ``momentum``, ``weight_decay``,
            ``warmup_steps``, ``r``, ``weight_lr_power``; the reference's defaults for those left out).
            ``warmup_steps > 1`` and ``r > 0`` let the check tell a missing warmup or a uniform
            average from the right answer.

    Returns:
        CheckResult: truthy when all parameters agree (to float64 rounding) in train and in eval
        mode after every step of every problem; otherwise the first step, problem, mode and
        parameter that differ, and a hint when the numbers are those of a known mistake (x and y
        swapped, the gradient taken at x, a uniform average, warmup left out, one lr for all groups).
    """
    ref_cls, ref_name, extra = reference()
    if "foreach" in hyper:
        raise ValueError(f"hyper must not set foreach (got foreach={hyper['foreach']!r}): the reference runs "
                         "with foreach=False, and the student's class needs no such argument")
    args = {**hyper, **extra}
    return check_against(cls, ref_name, lambda groups: ref_cls(groups, **args), hyper,
                         lambda full: schedule_free_variants(ref_cls, args, full), modes=True)
