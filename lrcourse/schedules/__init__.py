"""Learning-rate schedules as pure functions of the step.

Every factory checks its arguments once and returns ``schedule(step) -> float`` with no
state. With the default ``lr=1.0`` a schedule returns the factor that multiplies a base
learning rate (what :mod:`lrcourse.lr_scheduler` uses); pass ``lr=`` to get learning rates.

What a user calls (``__all__``: every callable imported here):

* torch's closed forms: :func:`constant`, :func:`linear`, :func:`step`, :func:`multistep`,
  :func:`exponential`, :func:`cosine`, :func:`polynomial`, :func:`cyclic`, :func:`one_cycle`,
  :func:`cosine_restarts`;
* composition: :func:`join`, :func:`anneal`, :func:`warmup`, :func:`warmup_factor`,
  :func:`adam_warmup_steps`;
* beyond torch: :func:`inverse_sqrt`, :func:`wsd`, :func:`cosine_cycles`;
* the d2l chapter's callables: :class:`SquareRootScheduler`, :class:`FactorScheduler`,
  :class:`CosineScheduler`.

The pieces they are built from stay in their modules: the curves in
:mod:`~lrcourse.schedules.shapes` (``anneal_cos``, ``triangle``, ...), the cycle positions
(``triangle_wave``, ``restart_position``) and one-cycle's phase table (``ONE_CYCLE_PHASES``) in
:mod:`~lrcourse.schedules.cyclic`, timm's schedules in :mod:`~lrcourse.schedules.timm`, and
:func:`~lrcourse.schedules.basic.checked`, the step check every factory's schedule runs.
"""
from .basic import constant, cosine, exponential, linear, multistep, polynomial, step
from .cyclic import cosine_restarts, cyclic, one_cycle
from .d2l import CosineScheduler, FactorScheduler, SquareRootScheduler
from .join import adam_warmup_steps, anneal, join, warmup, warmup_factor
from .llm import cosine_cycles, inverse_sqrt, wsd

__all__ = sorted(name for name, value in globals().items() if not name.startswith("_") and callable(value))
