"""Learning-rate schedules as pure functions of the step.

Every factory checks its arguments once and returns ``schedule(step) -> float`` with no
state. With the default ``lr=1.0`` a schedule returns the factor that multiplies a base
learning rate (what :mod:`lrcourse.lr_scheduler` uses); pass ``lr=`` to get learning rates.

* torch's closed forms: :func:`constant`, :func:`linear`, :func:`step`, :func:`multistep`,
  :func:`exponential`, :func:`cosine`, :func:`polynomial`, :func:`cyclic`,
  :func:`one_cycle`, :func:`cosine_restarts`;
* composition: :func:`join`, :func:`warmup`, :func:`warmup_factor`, :func:`adam_warmup_steps`;
* beyond torch: :func:`inverse_sqrt`, :func:`wsd`, :func:`cosine_cycles`;
* the d2l chapter's callables: :class:`SquareRootScheduler`, :class:`FactorScheduler`,
  :class:`CosineScheduler`.
"""
from .basic import constant, cosine, exponential, linear, multistep, polynomial, step
from .cyclic import (anneal_cos, anneal_linear, cosine_restarts, cyclic, cyclic_position, one_cycle,
                     one_cycle_phases, restart_position)
from .d2l import CosineScheduler, FactorScheduler, SquareRootScheduler
from .join import adam_warmup_steps, join, warmup, warmup_factor
from .llm import cosine_cycles, inverse_sqrt, wsd

__all__ = [
    "constant", "linear", "step", "multistep", "exponential", "cosine", "polynomial",
    "cyclic", "cyclic_position", "one_cycle", "one_cycle_phases", "anneal_cos", "anneal_linear",
    "cosine_restarts", "restart_position", "join", "warmup", "warmup_factor", "adam_warmup_steps",
    "inverse_sqrt", "wsd", "cosine_cycles", "SquareRootScheduler", "FactorScheduler", "CosineScheduler",
]
