r"""Schedules LLM training uses that torch does not ship, built from the shapes by joining.

* :func:`inverse_sqrt`: the Transformer's warmup then $\sqrt{W/t}$ decay.
* :func:`wsd`: warmup-stable-decay (warmup, a long flat stretch, a short decay to a floor).
* :func:`cosine_cycles`: timm's cosine with restarts (cycle_mul, cycle_decay, cycle_limit).

>>> s = wsd(total_steps=100, warmup_steps=10, decay_steps=20, lr=1.0, min_lr_ratio=0.1)
>>> s(9), s(50), s(80), round(s(100), 6)
(1.0, 1.0, 1.0, 0.1)

References: Vaswani et al., "Attention is all you need" (2017); Hu et al., "MiniCPM" (2024)
and Hägele et al., "Scaling laws and compute-optimal training beyond fixed training
durations" (2024) for WSD and the 1-sqrt cooldown; timm ``scheduler/cosine_lr.py``.
"""
from __future__ import annotations

from .. import checks
from .basic import Schedule, constant
from .join import anneal, join, warmup_factor
from .shapes import anneal_cos, rsqrt
from .timm import cycles

DECAY_SHAPES = ("linear", "cosine", "1-sqrt")


def inverse_sqrt(warmup_steps: int, lr: float = 1.0) -> Schedule:
    r"""$\eta_t = \eta \min(1, \frac{t+1}{W})$ for $t < W$, then $\eta\sqrt{W/t}$ (continuous at $t = W$):
    the linear :func:`~lrcourse.schedules.warmup_factor` joined to :func:`~lrcourse.schedules.shapes.rsqrt`.

    Args:
        warmup_steps: W, int >= 1.
        lr: peak value (default 1.0: a factor).
    """
    W = checks.integer("warmup_steps", warmup_steps, low=1)
    lr = checks.nonnegative("lr", lr)
    curve = join([warmup_factor(W), lambda u: rsqrt(u + W, W)], [W])

    def schedule(t):
        return lr * curve(t)

    return schedule


def wsd(total_steps: int, warmup_steps: int, decay_steps: int, lr: float = 1.0,
        min_lr_ratio: float = 0.0, shape: str = "1-sqrt") -> Schedule:
    r"""Warmup-stable-decay: linear warmup $\min(1, \frac{t+1}{W})$ to ``lr``, hold, then over the
    last D steps $\eta\,(r + (1 - r)\,g(p))$ with $p = (t - (T - D))/D$ clipped to 1.

    Built with :func:`~lrcourse.schedules.join`: warmup factor | constant | :func:`~lrcourse.schedules.anneal`
    (a phase of 0 steps is skipped).

    Args:
        total_steps: T, int >= 1.
        warmup_steps: W, int >= 0 (0: no warmup).
        decay_steps: D, int >= 0 (0: the floor from step T on), with W + D <= T.
        lr: peak value (default 1.0).
        min_lr_ratio: r, the floor as a fraction of ``lr``, in [0, 1] (default 0.0).
        shape: "linear", "cosine" or "1-sqrt" (default "1-sqrt").
    """
    T = checks.integer("total_steps", total_steps, low=1)
    W = checks.integer("warmup_steps", warmup_steps)
    D = checks.integer("decay_steps", decay_steps)
    if W + D > T:
        raise ValueError(f"warmup_steps + decay_steps must be <= total_steps={T}, got {W} + {D} = {W + D}")
    lr = checks.nonnegative("lr", lr)
    r = checks.real("min_lr_ratio", min_lr_ratio, low=0.0, high=1.0)
    decay = anneal(1.0, r, D, checks.choice("shape", shape, DECAY_SHAPES))
    curve = join([warmup_factor(W), constant(), decay], [W, T - D])

    def schedule(t):
        return lr * curve(t)

    return schedule


def cosine_cycles(cycle_steps: float, lr: float = 1.0, lr_min: float = 0.0, cycle_mul: float = 1.0,
                  cycle_decay: float = 1.0, cycle_limit: int = 1) -> Schedule:
    r"""timm's cosine with restarts: cycle $i$ lasts $T_0 m^i$ steps and peaks at $\eta d^i$;
    $\eta_t = \eta_{min} + (\eta d^i - \eta_{min})\frac{1 + \cos(\pi t_{cur}/T_i)}{2}$; after
    ``cycle_limit`` cycles the value stays at $\eta_{min}$. It is :func:`lrcourse.schedules.timm.cycles`
    of ``anneal_cos`` restarting at exact cycle starts, where timm's float logarithm may not.

    Args:
        cycle_steps: T_0, length of the first cycle, > 0.
        lr: first peak (default 1.0).
        lr_min: floor, >= 0 (default 0.0).
        cycle_mul: m, cycle length growth, >= 1 (default 1.0).
        cycle_decay: d, peak decay per cycle, in (0, 1] (default 1.0).
        cycle_limit: number of cycles, int >= 1 (default 1).
    """
    checks.real("cycle_mul", cycle_mul, low=1.0)
    checks.real("cycle_decay", cycle_decay, low=0.0, high=1.0, low_open=True)
    checks.integer("cycle_limit", cycle_limit, low=1)
    return cycles(anneal_cos, cycle_steps, lr, lr_min, cycle_mul, cycle_decay, cycle_limit, exact_restarts=True)
