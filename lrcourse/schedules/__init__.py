"""Learning-rate schedules as pure functions of the step.

Every factory checks its arguments once and returns ``schedule(step) -> float`` with no
state. With the default ``lr=1.0`` a schedule returns the factor that multiplies a base
learning rate (what :mod:`lrcourse.lr_scheduler` uses); pass ``lr=`` to get learning rates.

* the shapes, each written once (:mod:`~lrcourse.schedules.shapes`): :func:`anneal_cos`,
  :func:`anneal_linear`, :func:`anneal_1_sqrt`, :func:`triangle`, :func:`rsqrt`;
* torch's closed forms: :func:`constant`, :func:`linear`, :func:`step`, :func:`multistep`,
  :func:`exponential`, :func:`cosine`, :func:`polynomial`, :func:`cyclic`,
  :func:`one_cycle`, :func:`cosine_restarts`;
* composition: :func:`join`, :func:`anneal`, :func:`warmup`, :func:`warmup_factor`,
  :func:`adam_warmup_steps`;
* beyond torch: :func:`inverse_sqrt`, :func:`wsd`, :func:`cosine_cycles`;
* the d2l chapter's callables: :class:`SquareRootScheduler`, :class:`FactorScheduler`,
  :class:`CosineScheduler`;
* :func:`cached`: a schedule built once per distinct settings (the scheduler classes'
  per-step look-up).
"""
from .basic import cached, constant, cosine, exponential, linear, multistep, polynomial, step
from .cyclic import (cosine_restarts, cyclic, cyclic_position, one_cycle, one_cycle_level, one_cycle_phases, one_cycle_position,
                     one_cycle_through,
                     restart_position, triangle_wave)
from .d2l import CosineScheduler, FactorScheduler, SquareRootScheduler
from .join import adam_warmup_steps, anneal, join, warmup, warmup_factor
from .llm import cosine_cycles, inverse_sqrt, wsd
from .shapes import ANNEAL, anneal_1_sqrt, anneal_cos, anneal_linear, rsqrt, triangle

__all__ = [
    "anneal_cos", "anneal_linear", "anneal_1_sqrt", "triangle", "rsqrt", "ANNEAL",
    "constant", "linear", "step", "multistep", "exponential", "cosine", "polynomial",
    "cyclic", "cyclic_position", "triangle_wave", "one_cycle", "one_cycle_phases", "one_cycle_position", "one_cycle_level", "one_cycle_through",
    "cosine_restarts", "restart_position", "join", "anneal", "warmup", "warmup_factor", "adam_warmup_steps",
    "inverse_sqrt", "wsd", "cosine_cycles", "SquareRootScheduler", "FactorScheduler", "CosineScheduler",
    "cached",
]
