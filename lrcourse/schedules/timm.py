r"""timm's schedules (``timm.scheduler``) as pure functions of the step, built from the shapes.

Each factory takes one param group's base lr and timm's settings and returns ``schedule(t) -> lr``
(:mod:`lrcourse.compat.timm` evaluates one per group). timm's conventions differ from torch's
and transformers':

* **warmup** (:func:`linear_warmup`): a line from ``warmup_lr_init`` at $t = 0$ towards the
  target at $t = W$, $\eta_t = \eta_{init} + (\eta - \eta_{init})\,t/W$ for $t < W$: counted from
  0, so the first step trains at ``warmup_lr_init`` (transformers counts from 0 to reach 0,
  lrcourse's :func:`~lrcourse.schedules.warmup_factor` from 1). With ``warmup_prefix`` the
  schedule's clock starts after the warmup; without it the warmup covers the schedule's first W
  steps and the lr jumps at $t = W$ to the schedule's value there.
* **cycles** (:func:`cycles`: cosine, tanh, poly): cycle $i$ lasts $T_0 m^i$ steps and peaks at
  $\eta d^i$; the progress is $t_{cur}^k / T_i^k$ (k-decay); after ``cycle_limit`` cycles the
  lr stays at ``lr_min``. The cycle index is the floor of a float logarithm, uncorrected
  (:func:`~lrcourse.schedules.cyclic.restart_position` with ``exact=False``).
* **step**: $\eta\,r^{\lfloor t / k \rfloor}$; **multistep**: milestones are compared with
  $t + 1$, so a milestone $m$ applies from $t = m - 1$, one step before torch's ``MultiStepLR``.
* **WSD** (:func:`wsd`): $\eta_t = \eta_{min} + (\eta\,s(t_s) - \eta_{min})\,g(p)$ with a stable
  function $s$ of the steps since warmup and a decay $g$ over the last ``decay_t`` steps.

>>> s = cosine(10, lr=1.0, warmup_t=2, warmup_lr_init=0.1, warmup_prefix=True)
>>> s(0), s(1), s(2), round(s(7), 6), s(12)
(0.1, 0.55, 1.0, 0.5, 0.0)

References: timm ``scheduler/*.py`` (Wightman); Loshchilov & Hutter, "SGDR" (2017); Hsueh et al.,
"SGD with hyperbolic-tangent decay" (2019); Zhang & Li, "k-decay" (2020); Hu et al., "MiniCPM"
(2024) and Hägele et al. (2024) for WSD; Shen et al., "Power scheduler" (2024).
"""
from __future__ import annotations

from typing import Callable

from .. import checks
from .basic import Schedule, checked, constant, exponential
from .basic import multistep as _multistep
from .cyclic import restart_position
from .join import join
from .shapes import anneal_1_pow, anneal_1_sqrt, anneal_cos, anneal_exp, anneal_linear, anneal_poly, anneal_tanh, rsqrt

STABLE_FNS = ("constant", "rsqrt", "power")
DECAY_FNS = ("linear", "1-sqrt", "cosine", "power", "exp")


def linear_warmup(schedule: Schedule, warmup_t: int, warmup_lr_init: float, target: float,
                  prefix: bool) -> Schedule:
    r"""$\eta_{init} + (\text{target} - \eta_{init})\,t/W$ for $t < W$ (``anneal_linear``), then
    ``schedule`` at $t - W$ (``prefix``: joined, its clock restarting) or at $t$ (overlapping)."""
    W = checks.integer("warmup_t", warmup_t)
    init = checks.nonnegative("warmup_lr_init", warmup_lr_init)
    after = schedule if checks.flag("warmup_prefix", prefix) else (lambda u: schedule(u + W))
    return join([lambda t: anneal_linear(init, target, t / W), after], [W])


def cycles(shape: Callable[[float, float, float], float], cycle_steps: float, lr: float = 1.0,
           lr_min: float = 0.0, cycle_mul: float = 1.0, cycle_decay: float = 1.0, cycle_limit: int = 1,
           k_decay: float = 1.0, exact_restarts: bool = False) -> Schedule:
    r"""``shape(peak, lr_min, p)`` in each cycle: cycle $i$ lasts $T_0 m^i$ steps, peaks at
    $\eta d^i$ (:func:`~lrcourse.schedules.exponential`), $p = t_{cur}^k / T_i^k$; ``lr_min`` after
    ``cycle_limit`` cycles.

    Args:
        shape: an anneal ``(start, end, pct) -> value`` from :mod:`~lrcourse.schedules.shapes`.
        cycle_steps: T_0, length of the first cycle, > 0.
        lr: first peak, >= 0 (default 1.0).
        lr_min: floor, >= 0 (default 0.0).
        cycle_mul: m, cycle length growth, > 0 (default 1.0; m < 1 shrinks the cycles, which
            then end at $T_0/(1 - m)$).
        cycle_decay: d, peak decay per cycle, > 0 (default 1.0).
        cycle_limit: number of cycles, int >= 0 (default 1).
        k_decay: k, >= 0 (default 1.0).
        exact_restarts: correct the float logarithm's cycle index at exact cycle starts
            (default False: timm's index).
    """
    T0 = checks.positive("cycle_steps", cycle_steps)
    lr = checks.nonnegative("lr", lr)
    lr_min = checks.nonnegative("lr_min", lr_min)
    m = checks.positive("cycle_mul", cycle_mul)
    peak = exponential(checks.positive("cycle_decay", cycle_decay), lr)
    limit = checks.integer("cycle_limit", cycle_limit)
    k = checks.nonnegative("k_decay", k_decay)
    exact = checks.flag("exact_restarts", exact_restarts)

    def schedule(t):
        if m < 1 and t / T0 * (m - 1) + 1 <= 0:
            raise ValueError(f"step must be < {T0 / (1 - m):g}, where cycles shrinking by cycle_mul={m:g} end, got {t!r}")
        i, t_cur, t_i = restart_position(t, T0, m, exact)
        return lr_min if i >= limit else shape(peak(i), lr_min, t_cur ** k / t_i ** k)

    return checked(schedule)


def cosine(t_initial: float, lr: float = 1.0, lr_min: float = 0.0, cycle_mul: float = 1.0,
           cycle_decay: float = 1.0, cycle_limit: int = 1, warmup_t: int = 0, warmup_lr_init: float = 0.0,
           warmup_prefix: bool = False, k_decay: float = 1.0) -> Schedule:
    r"""timm ``CosineLRScheduler``: :func:`cycles` of ``anneal_cos`` after a :func:`linear_warmup` to ``lr``."""
    body = cycles(anneal_cos, _t_initial(t_initial), lr, lr_min, cycle_mul, cycle_decay, cycle_limit, k_decay)
    return linear_warmup(body, warmup_t, warmup_lr_init, lr, warmup_prefix)


def tanh(t_initial: float, lr: float = 1.0, lb: float = -7.0, ub: float = 3.0, lr_min: float = 0.0,
         cycle_mul: float = 1.0, cycle_decay: float = 1.0, cycle_limit: int = 1, warmup_t: int = 0,
         warmup_lr_init: float = 0.0, warmup_prefix: bool = False) -> Schedule:
    r"""timm ``TanhLRScheduler``: :func:`cycles` of ``anneal_tanh`` from ``lb`` to ``ub`` (no k-decay);
    without ``warmup_prefix`` the warmup rises to the schedule's value at $t = W$ (no jump), with
    it to ``lr``."""
    lb = checks.real("lb", lb)
    ub = checks.real("ub", ub)
    if not lb < ub:
        raise ValueError(f"lb must be < ub, got lb={lb!r}, ub={ub!r}")
    body = cycles(lambda s, e, p: anneal_tanh(s, e, p, lb, ub), _t_initial(t_initial), lr, lr_min,
                  cycle_mul, cycle_decay, cycle_limit)
    W = checks.integer("warmup_t", warmup_t)
    return linear_warmup(body, W, warmup_lr_init, lr if warmup_prefix or not W else body(W), warmup_prefix)


def poly(t_initial: float, lr: float = 1.0, power: float = 0.5, lr_min: float = 0.0, cycle_mul: float = 1.0,
         cycle_decay: float = 1.0, cycle_limit: int = 1, warmup_t: int = 0, warmup_lr_init: float = 0.0,
         warmup_prefix: bool = False, k_decay: float = 1.0) -> Schedule:
    r"""timm ``PolyLRScheduler``: :func:`cycles` of ``anneal_poly``, $(1 - p)^{power}$."""
    power = checks.real("power", power)
    body = cycles(lambda s, e, p: anneal_poly(s, e, p, power), _t_initial(t_initial), lr, lr_min,
                  cycle_mul, cycle_decay, cycle_limit, k_decay)
    return linear_warmup(body, warmup_t, warmup_lr_init, lr, warmup_prefix)


def step(decay_t: float, lr: float = 1.0, decay_rate: float = 1.0, warmup_t: int = 0,
         warmup_lr_init: float = 0.0, warmup_prefix: bool = True) -> Schedule:
    r"""timm ``StepLRScheduler``: $\eta\,r^{\lfloor t / k \rfloor}$ (:func:`~lrcourse.schedules.exponential`
    at $\lfloor t/k \rfloor$; k may be a float)."""
    k = checks.positive("decay_t", decay_t)
    decay = exponential(checks.positive("decay_rate", decay_rate), lr)
    return linear_warmup(lambda t: decay(t // k), warmup_t, warmup_lr_init, lr, warmup_prefix)


def multistep(decay_t, lr: float = 1.0, decay_rate: float = 1.0, warmup_t: int = 0,
              warmup_lr_init: float = 0.0, warmup_prefix: bool = True) -> Schedule:
    r"""timm ``MultiStepLRScheduler``: :func:`~lrcourse.schedules.multistep` at $t + 1$
    (timm's convention: a milestone m applies from t = m - 1). Milestones in non-decreasing
    order (timm assumes it)."""
    checks.milestones("decay_t", decay_t, ordered=True)
    decay = _multistep(decay_t, checks.positive("decay_rate", decay_rate), lr)
    return linear_warmup(lambda t: decay(t + 1), warmup_t, warmup_lr_init, lr, warmup_prefix)


def wsd(t_initial: int, decay_t: int, lr: float = 1.0, lr_min: float = 0.0, stable_fn: str = "constant",
        stable_timescale: float | None = None, stable_power: float = 0.5,
        decay_fn: str | Callable[[float], float] = "1-sqrt", decay_power: float = 0.5, decay_ratio: float = 0.1,
        warmup_t: int = 0, warmup_lr_init: float = 0.0) -> Schedule:
    r"""timm ``WSDLRScheduler``: a :func:`linear_warmup` (always a prefix), then with $t_s$ the steps
    since warmup and $p = \min(1, (t_s - (T - D))/D)$ in the last D of T steps:

    $\eta_t = \max(\eta\,s(t_s), \eta_{min})$, then $\eta_{min} + (\max(\eta\,s(t_s), \eta_{min}) - \eta_{min})\,g(p)$.

    Stable $s$: "constant" 1; "rsqrt" $(1 + t_s/\tau)^{-1/2}$ = ``rsqrt`` $(\tau + t_s, \tau)$; "power"
    $(1 + t_s/\tau)^{-a}$ = ``rsqrt``$^{2a}$ ($\tau$ = ``stable_timescale``, default W). Decay $g$ from
    1 to 0: "linear", "1-sqrt", "cosine", "power" $1 - p^b$, "exp" (``anneal_exp`` to ``decay_ratio``),
    or your callable.
    """
    W = checks.integer("warmup_t", warmup_t)
    T = checks.real("t_initial", t_initial, low=0.0, low_open=True)
    D = checks.real("decay_t", decay_t, low=0.0, high=T, low_open=True)
    lr = checks.nonnegative("lr", lr)
    lr_min = checks.nonnegative("lr_min", lr_min)
    checks.choice("stable_fn", stable_fn, STABLE_FNS)
    if not callable(decay_fn):
        checks.choice("decay_fn", decay_fn, DECAY_FNS)
    r = checks.real("decay_ratio", decay_ratio, low=0.0, high=1.0, low_open=True, high_open=True)
    b = checks.positive("decay_power", decay_power)
    a = 0.5 if stable_fn == "rsqrt" else stable_power
    checks.positive("stable_power", stable_power)
    if stable_fn == "constant":
        stable = constant()
    else:
        tau = checks.positive(f"stable_timescale (stable_fn={stable_fn!r}; it defaults to warmup_t)",
                              W if stable_timescale is None else stable_timescale)
        stable = lambda u: rsqrt(tau + u, tau) ** (2 * a)  # noqa: E731
    g = decay_fn if callable(decay_fn) else {
        "linear": lambda p: anneal_linear(1.0, 0.0, p), "1-sqrt": lambda p: anneal_1_sqrt(1.0, 0.0, p),
        "cosine": lambda p: anneal_cos(1.0, 0.0, p), "power": lambda p: anneal_1_pow(1.0, 0.0, p, b),
        "exp": lambda p: anneal_exp(1.0, 0.0, p, r)}[decay_fn]

    def body(u):
        held = max(lr * stable(u), lr_min)
        if u <= T - D:
            return held
        return anneal_linear(lr_min, held, g(min((u - (T - D)) / D, 1.0)))

    return linear_warmup(body, W, warmup_lr_init, lr, True)


def _t_initial(t_initial) -> float:
    return checks.positive("t_initial", t_initial)
