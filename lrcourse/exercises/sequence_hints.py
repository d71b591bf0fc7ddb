r"""The fingerprints of known mistakes in sequences: learning-rate schedules, plateau cuts, EMAs.

As in :mod:`.hints`, each mistake is a wrong variant computed on the same inputs; a hint is
given when the student's sequence equals the variant's (``None`` in a variant: a step it leaves
open). The right answers come from :mod:`lrcourse.schedules` and :mod:`lrcourse.ema`; the
variants reuse them with a setting changed where that is the mistake (e.g. the floor
``eta_min`` left out is the same cosine with ``eta_min=0``).
"""
from __future__ import annotations

import math

import numpy as np

from .. import schedules
from ..ema import ema
from ..schedules.cyclic import ANNEAL

# ----------------------------------------------------------------------------- schedules
_BOUNDARY = {"StepLR": "once t reaches step_size, 2·step_size, …: lr·gamma**(t // step_size)",
             "MultiStepLR": "at each milestone m, once t ≥ m (not t > m)"}
_BOUNDARY.update(step=_BOUNDARY["StepLR"], multistep=_BOUNDARY["MultiStepLR"])
_EARLY = ("your schedule runs one step early: fn(t) is the lr of step t counted from 0, fn(0) the lr before any "
          "scheduler.step()")
_LATE = ("your schedule runs one step late: fn(0) is already the schedule's first value (t = scheduler.step() calls "
         "so far)")
_FLOOR = "the floor is left out: the cosine ends at {0}, not 0: {0} + (lr − {0})·(1 + cos(π·{1}))/2"
_WARMUP = "the warmup starts at 0 instead of its first ramp value {} (a step at lr 0 is wasted)"
NON_FINITE_SCHEDULE = ("nan or inf where torch's lr is finite. Usual causes: a division by t at t = 0 (t counts from "
                       "0: 1/t, 1/√t or t ** -0.5 there need t + 1, or the warmup's branch at t = 0), another "
                       "division by zero, the square root or a fractional power of a negative number")
NON_FINITE_EMA = ("nan or inf where the averages are finite. Usual causes: bias correction dividing by "
                  "1 − β⁰ = 0 (t = 1 for the first value, not 0), another division by zero")
NON_FINITE_PLATEAU = ("nan or inf where torch's lr is finite: a division by zero, or arithmetic with the best "
                      "value while it is still ±inf (compare with it; the lr only ever becomes max(lr·factor, min_lr))")


def schedule_variants(reference: str, lr: float, s: dict, ref: list):
    """``(hint, fn(t))`` for the mistakes that apply to ``reference`` with settings ``s``
    (its defaults filled in); ``ref`` holds the right values for t = 0..steps (None past the end)."""
    boundary = _BOUNDARY.get(reference)
    yield (f"step decay at the wrong boundary (one step early): torch decays {boundary}" if boundary else _EARLY,
           lambda t: ref[t + 1])
    yield (f"step decay at the wrong boundary (one step late): torch decays {boundary}" if boundary else _LATE,
           lambda t: ref[t - 1] if t else None)
    if reference in ("StepLR", "step"):
        k, gamma = s["step_size"], s["gamma"]
        yield f"step decay at the wrong boundary: torch decays {boundary}", lambda t: lr * gamma ** math.ceil(t / k)
        yield ("round t / step_size down (t // step_size): the lr changes every step_size steps",
               lambda t: lr * gamma ** (t / k))
    if reference in ("CosineAnnealingLR", "cosine") and s["eta_min"]:
        yield _FLOOR.format("eta_min", "t/T_max"), schedules.cosine(s["T_max"], lr=lr)
    if reference in ("CosineAnnealingWarmRestarts", "cosine_restarts") and s["eta_min"]:
        yield _FLOOR.format("eta_min", "T_cur/T_i"), schedules.cosine_restarts(s["T_0"], s["T_mult"], lr=lr)
    if reference == "CosineScheduler":
        if s["final_lr"]:
            yield _FLOOR.format("final_lr", "(t − W)/(T − W)"), schedules.CosineScheduler(**{**s, "final_lr": 0})
        if s["warmup_steps"] and s["warmup_begin_lr"]:
            yield (_WARMUP.format("warmup_begin_lr") + ": warmup_begin_lr + (base_lr − warmup_begin_lr)·t/W",
                   schedules.CosineScheduler(**{**s, "warmup_begin_lr": 0}))
    if reference == "LinearLR":
        T, end = s["total_iters"], s["end_factor"]
        yield (_WARMUP.format("lr·start_factor") + ": lr·(start_factor + (end_factor − start_factor)·min(t, T)/T)",
               lambda t: lr * end * min(T, t) / T)
    if reference.startswith("transformers:") and s.get("num_warmup_steps"):
        W = s["num_warmup_steps"]
        yield (f"the warmup is counted from 1: transformers ramps t/W, so step 0 trains at lr 0 and the peak comes "
               f"at t = W = {W} (lrcourse's warmup_factor and torch's LinearLR use (t+1)/W)",
               lambda t: ref[t + 1] if t < W else ref[t])
    if reference in ("OneCycleLR", "one_cycle") and not s["three_phase"]:
        yield _WARMUP.format("max_lr/div_factor"), _one_cycle(s, start=0.0)
        yield ("the last phase ends at max_lr/(div_factor·final_div_factor), not 0 (the floor is left out)",
               _one_cycle(s, floor=0.0))
        yield ("one-cycle's phases end at t = pct_start·total_steps − 1 (the peak) and total_steps − 1: "
               "torch counts steps from 0", _one_cycle(s, shift=1))


def _one_cycle(s: dict, start=None, floor=None, shift=0):
    """Two-phase one-cycle from its equations, with the start, the floor or the phase ends changed."""
    T = s["total_steps"] or s["epochs"] * s["steps_per_epoch"]
    hi = s["max_lr"]
    lo = hi / s["div_factor"]
    start = lo if start is None else start
    floor = lo / s["final_div_factor"] if floor is None else floor
    up, last = s["pct_start"] * T - 1 + shift, T - 1 + shift
    anneal = ANNEAL[s["anneal_strategy"]]
    return lambda t: anneal(start, hi, t / up) if t <= up else anneal(hi, floor, (t - up) / (last - up))


# ----------------------------------------------------------------------------- plateau
PLATEAU_MISTAKES = {  # mistake: (applies(settings), hint)
    "patience": (lambda s: True, "cut after more than `patience` bad epochs (bad > patience), not at `patience`"),
    "no reset": (lambda s: s["cooldown"] == 0, "reset the count of bad epochs to 0 after a cut"),
    "last": (lambda s: True, "compare with the best value so far, not with the previous epoch's value"),
    "threshold": (lambda s: s["threshold"] > 0, "an improvement must beat the best by the threshold: "
                  "a < best·(1 − threshold) ('rel'), a < best − threshold ('abs')"),
    "threshold_mode": (lambda s: s["threshold"] > 0, "threshold_mode 'rel' scales the threshold by the best value "
                       "(best·(1 ∓ threshold)); 'abs' adds it (best ∓ threshold)"),
    "cooldown": (lambda s: s["cooldown"] > 0, "after a cut, wait `cooldown` epochs: bad epochs do not count while "
                 "cooling down (reset the count in each of them)"),
    "mode": (lambda s: s["mode"] == "max", "mode='max': a larger metric is better (e.g. an accuracy)"),
    "min_lr": (lambda s: s["min_lr"] > 0, "never cut below min_lr: new lr = max(lr·factor, min_lr)"),
    "eps": (lambda s: not s["min_lr"], "skip a cut smaller than eps: torch changes the lr only when lr − new_lr > eps"),
}


class Plateau:
    """ReduceLROnPlateau's rule written out: ``step(metric)`` returns the lr for the next epoch.

    With ``mistake=None`` it is torch's; otherwise one of ``PLATEAU_MISTAKES`` is made.
    """

    def __init__(self, lr, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0.0, eps=1e-8, *, mistake=None):
        self.lr, self.factor, self.patience, self.min_lr, self.eps = lr, factor, patience, min_lr, eps
        self.mistake, self.cooldown = mistake, 0 if mistake == "cooldown" else cooldown
        self.maximize = mode == "max" and mistake != "mode"
        self.threshold = 0.0 if mistake == "threshold" else threshold
        self.relative = (threshold_mode == "rel") != (mistake == "threshold_mode")
        self.best, self.bad, self.cooling = -math.inf if self.maximize else math.inf, 0, 0

    def better(self, a) -> bool:
        if self.relative:
            return a > self.best * (1 + self.threshold) if self.maximize else a < self.best * (1 - self.threshold)
        return a > self.best + self.threshold if self.maximize else a < self.best - self.threshold

    def step(self, metric):
        if self.better(metric):
            self.best, self.bad = metric, 0
        else:
            self.bad += 1
        if self.mistake == "last":
            self.best = metric
        if self.cooling > 0:
            self.cooling -= 1
            self.bad = 0
        if self.bad > self.patience - (self.mistake == "patience"):
            new = self.lr * self.factor if self.mistake == "min_lr" else max(self.lr * self.factor, self.min_lr)
            if self.lr - new > (0.0 if self.mistake == "eps" else self.eps):
                self.lr = new
            self.cooling = self.cooldown
            self.bad = self.bad if self.mistake == "no reset" else 0
        return self.lr


# ----------------------------------------------------------------------------- ema
def ema_variants(xs: np.ndarray, beta: float, bias_correction: bool):
    """``(hint, values)`` for the known mistakes in a (bias-corrected) EMA of ``xs``."""
    t = np.arange(1, len(xs) + 1)
    plain = ema(xs, beta)
    if bias_correction:
        yield "bias correction is missing: divide v_t by 1 − βᵗ (t = 1 for the first value)", plain
        yield "the exponent is off by one: divide v_t by 1 − βᵗ with t = 1 for the first value", plain / (
            1 - beta ** (t + 1))
        with np.errstate(divide="ignore", invalid="ignore"):
            yield ("t starts at 0: the first value is divided by 1 − β⁰ = 0 (inf or nan); divide v_t by 1 − βᵗ "
                   "with t = 1 for the first value"), plain / (1 - beta ** (t - 1))
    else:
        yield "bias_correction=False asks for v_t itself, without dividing by 1 − βᵗ", plain / (1 - beta ** t)
    started = xs[0] * beta ** (t - 1) + np.concatenate([[0.0], ema(xs[1:], beta) if len(xs) > 1 else []])
    yield "start from v₀ = 0 (then divide by 1 − βᵗ), not v₁ = x₁: the first value gets too much weight", started
    if beta > 0:
        swapped = ema(xs, 1 - beta) / ((1 - beta ** t) if bias_correction else 1)
        yield "β and 1 − β are swapped: v_t = β·v_{t−1} + (1 − β)·x_t keeps β of the old average", swapped
