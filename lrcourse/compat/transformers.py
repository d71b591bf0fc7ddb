r"""``transformers.get_scheduler`` from lrcourse's shapes: every schedule name but ``greedy``.

Each transformers schedule is a pure factor $f(t)$ of the step, a warmup joined
(:func:`~lrcourse.schedules.join`) to one shape of :mod:`lrcourse.schedules.shapes`;
:class:`lrcourse.lr_scheduler.LambdaLR` turns it into the scheduler transformers builds,
$\eta_t = \eta_0 f(t)$ in every param group (``reduce_lr_on_plateau`` is
:class:`lrcourse.lr_scheduler.ReduceLROnPlateau`). transformers' conventions, kept here:

* the linear warmup is $t / W$, so step 0 trains at lr 0 (:func:`~lrcourse.schedules.warmup_factor`
  with ``offset=0``; lrcourse's default $(t+1)/W$ is what ``cosine_warmup_with_min_lr`` uses);
* after the warmup the progress is $p = (t - W)/\max(1, T - W)$; ``linear`` and
  ``cosine_with_restarts`` hold 0 from $T$ on, ``cosine`` and the min-lr cosines go on past $T$;
* ``polynomial``'s ``lr_end`` and ``min_lr`` are read against ``optimizer.defaults["lr"]``, the
  same factor for every param group;
* WSD's warmup is its shape played backwards (``"1-sqrt"``: $1 - \sqrt{1 - t/W}$), from
  ``min_lr_ratio`` up to 1.

Stricter than transformers where it would divide by zero or go negative later: steps are ints
>= 0; ``polynomial`` refuses ``num_training_steps == num_warmup_steps``, WSD a stable phase
< 0; ``timescale`` > 0; ``num_cycles``, ``lr_end``, min-lr rates >= 0; ``warmup_lr_rate`` < 1.
transformers' layer-wise (GaLore) optimizer is not supported.

>>> import torch
>>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
>>> sched = get_scheduler("linear", opt, num_warmup_steps=2, num_training_steps=4)
>>> lrs = []
>>> for _ in range(5):
...     lrs.append(opt.param_groups[0]["lr"]); opt.step(); sched.step()
>>> lrs
[0.0, 0.5, 1.0, 0.5, 0.0]
"""
from __future__ import annotations

import warnings

from .. import checks
from ..lr_scheduler import LambdaLR, ReduceLROnPlateau
from ..schedules import anneal, constant, join, polynomial, warmup_factor
from ..schedules.basic import Schedule
from ..schedules.shapes import ANNEAL, anneal_cos, anneal_linear, rsqrt

SCHEDULER_NAMES = ("linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup",
                   "inverse_sqrt", "reduce_lr_on_plateau", "cosine_with_min_lr", "cosine_warmup_with_min_lr",
                   "warmup_stable_decay")
WSD_SHAPES = ("linear", "cosine", "1-sqrt")


# ----------------------------------------------------------------------- pure factors
def _ramp(W: int) -> Schedule:
    """transformers' linear warmup, $t / W$ (step 0 at 0)."""
    return warmup_factor(W, offset=0.0)


def _lengths(num_warmup_steps, num_training_steps) -> tuple[int, int]:
    return (checks.integer("num_warmup_steps", num_warmup_steps),
            checks.integer("num_training_steps", num_training_steps))


def _min_lr_rate(lr_init: float, min_lr, min_lr_rate) -> float:
    if min_lr is not None and min_lr_rate is not None:
        raise ValueError("Only one of min_lr or min_lr_rate should be set")
    if min_lr is not None:
        return checks.nonnegative("min_lr", min_lr) / lr_init
    if min_lr_rate is None:
        raise ValueError("One of min_lr or min_lr_rate should be set through the `lr_scheduler_kwargs`")
    return checks.nonnegative("min_lr_rate", min_lr_rate)


def constant_with_warmup_factor(num_warmup_steps: int) -> Schedule:
    r"""$t/W$ for $t < W$, then 1."""
    return _ramp(checks.integer("num_warmup_steps", num_warmup_steps))


def linear_factor(num_warmup_steps: int, num_training_steps: int) -> Schedule:
    r"""$t/W$, then $1 - p$ down to 0 at $T$, then 0."""
    W, T = _lengths(num_warmup_steps, num_training_steps)
    return join([_ramp(W), anneal(1.0, 0.0, max(0, T - W), "linear")], [W])


def cosine_factor(num_warmup_steps: int, num_training_steps: int, num_cycles: float = 0.5,
                  min_lr_rate: float = 0.0, shift: int = 0, warmup: Schedule | None = None) -> Schedule:
    r"""$t/W$, then $r + (1 - r)\frac{1 + \cos(2\pi c\,p)}{2}$ with $p = (t - W + \text{shift})/\max(1, T - W)$
    (``cosine``, ``cosine_with_min_lr``; ``cosine_warmup_with_min_lr`` is shift 1 with its own warmup)."""
    W, T = _lengths(num_warmup_steps, num_training_steps)
    waves = 2 * checks.nonnegative("num_cycles", num_cycles)
    r = checks.nonnegative("min_lr_rate", min_lr_rate)
    n = max(1, T - W)
    return join([warmup or _ramp(W), lambda u: anneal_cos(1.0, r, waves * (u + shift) / n)], [W])


def cosine_restarts_factor(num_warmup_steps: int, num_training_steps: int, num_cycles: float = 1) -> Schedule:
    r"""$t/W$, then $c$ half cosines from 1 to 0, each restarting at 1: $\frac{1 + \cos(\pi\,(c\,p \bmod 1))}{2}$;
    0 from $p = 1$ on."""
    W, T = _lengths(num_warmup_steps, num_training_steps)
    c = checks.nonnegative("num_cycles", num_cycles)
    n = max(1, T - W)
    return join([_ramp(W), lambda u: anneal_cos(1.0, 0.0, (c * (u / n)) % 1.0), constant(0.0)], [W, W + n])


def polynomial_factor(num_warmup_steps: int, num_training_steps: int, lr_init: float, lr_end: float = 1e-7,
                      power: float = 1.0) -> Schedule:
    r"""$t/W$, then $\big(e + (\eta_0 - e)(1 - p)^k\big)/\eta_0$ (:func:`~lrcourse.schedules.polynomial`
    rescaled from 1..0 to $\eta_0$..e), then $e/\eta_0$ after $T$."""
    W, T = _lengths(num_warmup_steps, num_training_steps)
    if not lr_init > lr_end:
        raise ValueError(f"lr_end ({lr_end}) must be smaller than initial lr ({lr_init})")
    end = checks.nonnegative("lr_end", lr_end)
    if T == W:
        raise ValueError(f"num_training_steps must differ from num_warmup_steps for 'polynomial' "
                         f"(transformers divides by their difference), got both {T}")
    decay = polynomial(max(0, T - W), power)
    return join([_ramp(W), lambda u: anneal_linear(end, lr_init, decay(u)) / lr_init, constant(end / lr_init)],
                [W, max(W, T + 1)])


def inverse_sqrt_factor(num_warmup_steps: int, timescale: float | None = None) -> Schedule:
    r"""$t/W$, then $\sqrt{\tau / (t - W + \tau)}$ (:func:`~lrcourse.schedules.shapes.rsqrt`);
    $\tau$ defaults to W, or 10000 when W = 0."""
    W = checks.integer("num_warmup_steps", num_warmup_steps)
    tau = checks.positive("timescale", (W or 10_000) if timescale is None else timescale)
    return join([_ramp(W), lambda u: rsqrt(u + tau, tau)], [W])


def wsd_factor(num_warmup_steps: int, num_decay_steps: int, num_stable_steps: int, warmup_type: str = "linear",
               decay_type: str = "cosine", min_lr_ratio: float = 0.0, num_cycles: float = 0.5) -> Schedule:
    r"""Warmup-stable-decay: from r up to 1 over W steps (the warmup_type shape played backwards), 1 for S steps,
    down to r over D steps ($r + (1 - r)\,g(p)$, the cosine with $2c\,p$), then r."""
    W, D = checks.integer("num_warmup_steps", num_warmup_steps), checks.integer("num_decay_steps", num_decay_steps)
    S = checks.integer("num_stable_steps", num_stable_steps)
    up = ANNEAL[checks.choice("warmup_type", warmup_type, WSD_SHAPES)]
    down = ANNEAL[checks.choice("decay_type", decay_type, WSD_SHAPES)]
    r = checks.nonnegative("min_lr_ratio", min_lr_ratio)
    waves = 2 * checks.nonnegative("num_cycles", num_cycles) if decay_type == "cosine" else 1.0
    W1, D1 = max(1, W), max(1, D)
    return join([lambda t: up(1.0, r, 1.0 - t / W1), constant(), lambda u: down(1.0, r, waves * u / D1),
                 constant(r)], [W, W + S, W + S + D])


# ----------------------------------------------------------------------- transformers' functions
def get_constant_schedule(optimizer, last_epoch=-1):
    """The lr set in the optimizer, unchanged."""
    return LambdaLR(optimizer, constant(), last_epoch)


def get_reduce_on_plateau_schedule(optimizer, **kwargs):
    """:class:`lrcourse.lr_scheduler.ReduceLROnPlateau` with torch's arguments."""
    return ReduceLROnPlateau(optimizer, **kwargs)


def get_constant_schedule_with_warmup(optimizer, num_warmup_steps, last_epoch=-1):
    """:func:`constant_with_warmup_factor`."""
    return LambdaLR(optimizer, constant_with_warmup_factor(num_warmup_steps), last_epoch)


def get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, last_epoch=-1):
    """:func:`linear_factor`."""
    return LambdaLR(optimizer, linear_factor(num_warmup_steps, num_training_steps), last_epoch)


def get_cosine_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, num_cycles=0.5, last_epoch=-1):
    """:func:`cosine_factor` down to 0."""
    return LambdaLR(optimizer, cosine_factor(num_warmup_steps, num_training_steps, num_cycles), last_epoch)


def get_cosine_with_hard_restarts_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps,
                                                       num_cycles=1, last_epoch=-1):
    """:func:`cosine_restarts_factor`."""
    return LambdaLR(optimizer, cosine_restarts_factor(num_warmup_steps, num_training_steps, num_cycles), last_epoch)


def get_polynomial_decay_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, lr_end=1e-7,
                                              power=1.0, last_epoch=-1):
    """:func:`polynomial_factor` from ``optimizer.defaults["lr"]`` to ``lr_end``."""
    f = polynomial_factor(num_warmup_steps, num_training_steps, optimizer.defaults["lr"], lr_end, power)
    return LambdaLR(optimizer, f, last_epoch)


def get_inverse_sqrt_schedule(optimizer, num_warmup_steps, timescale=None, last_epoch=-1):
    """:func:`inverse_sqrt_factor`."""
    return LambdaLR(optimizer, inverse_sqrt_factor(num_warmup_steps, timescale), last_epoch)


def get_cosine_with_min_lr_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps, num_cycles=0.5,
                                                last_epoch=-1, min_lr=None, min_lr_rate=None):
    """:func:`cosine_factor` down to ``min_lr`` (or ``min_lr_rate`` times the optimizer's lr)."""
    r = _min_lr_rate(optimizer.defaults["lr"], min_lr, min_lr_rate)
    return LambdaLR(optimizer, cosine_factor(num_warmup_steps, num_training_steps, num_cycles, r), last_epoch)


def get_cosine_with_min_lr_schedule_with_warmup_lr_rate(optimizer, num_warmup_steps, num_training_steps,
                                                        num_cycles=0.5, last_epoch=-1, min_lr=None,
                                                        min_lr_rate=None, warmup_lr_rate=None):
    r""":func:`cosine_factor` one step ahead ($p = (t - W + 1)/\max(1, T - W)$) after the warmup
    $(t + 1)/W$, or with ``warmup_lr_rate`` $w$: $w + (1 - w)\,t/\max(1, W - 1)$."""
    r = _min_lr_rate(optimizer.defaults["lr"], min_lr, min_lr_rate)
    W = checks.integer("num_warmup_steps", num_warmup_steps)
    if warmup_lr_rate is None:
        warm = warmup_factor(W)
    else:
        w = checks.real("warmup_lr_rate", warmup_lr_rate, low=0.0, high=1.0, high_open=True)
        warm = warmup_factor(max(1, W - 1), start=w, offset=0.0)
    return LambdaLR(optimizer, cosine_factor(W, num_training_steps, num_cycles, r, shift=1, warmup=warm), last_epoch)


def get_wsd_schedule(optimizer, num_warmup_steps, num_decay_steps, num_training_steps=None, num_stable_steps=None,
                     warmup_type="linear", decay_type="cosine", min_lr_ratio=0, num_cycles=0.5, last_epoch=-1):
    """:func:`wsd_factor`; the stable phase is ``num_stable_steps`` or else T - W - D."""
    if num_training_steps is None and num_stable_steps is None:
        raise ValueError("Either num_training_steps or num_stable_steps must be specified.")
    if num_training_steps is not None and num_stable_steps is not None:
        warnings.warn("Both num_training_steps and num_stable_steps are specified. num_stable_steps will be used.",
                      stacklevel=2)
    if warmup_type not in WSD_SHAPES:
        raise ValueError(f"Unknown warmup type: {warmup_type}, expected 'linear', 'cosine' or '1-sqrt'")
    if decay_type not in WSD_SHAPES:
        raise ValueError(f"Unknown decay type: {decay_type}, expected 'linear', 'cosine' or '1-sqrt'")
    if num_stable_steps is None:
        T = checks.integer("num_training_steps", num_training_steps)
        W, D = checks.integer("num_warmup_steps", num_warmup_steps), checks.integer("num_decay_steps", num_decay_steps)
        if W + D > T:
            raise ValueError(f"num_warmup_steps + num_decay_steps must be <= num_training_steps={T} "
                             f"(the stable phase T - W - D would be < 0), got {W} + {D} = {W + D}")
        num_stable_steps = T - W - D
    f = wsd_factor(num_warmup_steps, num_decay_steps, num_stable_steps, warmup_type, decay_type, min_lr_ratio,
                   num_cycles)
    return LambdaLR(optimizer, f, last_epoch)


TYPE_TO_SCHEDULER_FUNCTION = {
    "linear": get_linear_schedule_with_warmup,
    "cosine": get_cosine_schedule_with_warmup,
    "cosine_with_restarts": get_cosine_with_hard_restarts_schedule_with_warmup,
    "polynomial": get_polynomial_decay_schedule_with_warmup,
    "constant": get_constant_schedule,
    "constant_with_warmup": get_constant_schedule_with_warmup,
    "inverse_sqrt": get_inverse_sqrt_schedule,
    "reduce_lr_on_plateau": get_reduce_on_plateau_schedule,
    "cosine_with_min_lr": get_cosine_with_min_lr_schedule_with_warmup,
    "cosine_warmup_with_min_lr": get_cosine_with_min_lr_schedule_with_warmup_lr_rate,
    "warmup_stable_decay": get_wsd_schedule,
}


def get_scheduler(name, optimizer, num_warmup_steps=None, num_training_steps=None, scheduler_specific_kwargs=None):
    """Any schedule by its transformers name, as ``transformers.get_scheduler`` builds it.

    Args:
        name: one of :data:`SCHEDULER_NAMES`, a string or transformers' ``SchedulerType``.
        optimizer: any ``torch.optim.Optimizer``.
        num_warmup_steps: W, int >= 0; needed by all but ``constant`` and ``reduce_lr_on_plateau``.
        num_training_steps: T, int >= 0; needed by all but those two, ``constant_with_warmup``,
            ``inverse_sqrt`` and ``warmup_stable_decay`` (which takes ``num_stable_steps`` instead).
        scheduler_specific_kwargs: the schedule's own arguments (``num_cycles``, ``power``,
            ``lr_end``, ``min_lr``, ``min_lr_rate``, ``warmup_lr_rate``, ``timescale``,
            ``num_decay_steps``, ``num_stable_steps``, ``warmup_type``, ``decay_type``,
            ``min_lr_ratio``; torch's for ``reduce_lr_on_plateau``); others raise TypeError.
    """
    key = getattr(name, "value", name)
    if key == "greedy":
        raise ValueError("name 'greedy' (transformers' GreedyLR) is not in lrcourse.compat.transformers; "
                         f"name must be one of {', '.join(SCHEDULER_NAMES)}")
    schedule_func = TYPE_TO_SCHEDULER_FUNCTION[checks.choice("name", key, SCHEDULER_NAMES)]
    if key == "constant":
        return schedule_func(optimizer)
    kwargs = dict(scheduler_specific_kwargs or {})
    if key == "reduce_lr_on_plateau":
        return schedule_func(optimizer, **kwargs)
    if num_warmup_steps is None:
        raise ValueError(f"num_warmup_steps must be an int >= 0 for {key!r}, got None")
    if key == "constant_with_warmup":
        return schedule_func(optimizer, num_warmup_steps=num_warmup_steps)
    if key == "inverse_sqrt":
        return schedule_func(optimizer, num_warmup_steps=num_warmup_steps, **kwargs)
    if key == "warmup_stable_decay":
        return schedule_func(optimizer, num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps,
                             **kwargs)
    if num_training_steps is None:
        raise ValueError(f"num_training_steps must be an int >= 0 for {key!r}, got None")
    return schedule_func(optimizer, num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps, **kwargs)
