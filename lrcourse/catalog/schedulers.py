"""Every learning-rate schedule by name: :data:`SCHEDULES`, one :class:`ScheduleEntry` each.

Adding a schedule is one entry here (after its class in :mod:`lrcourse.lr_scheduler`):
``lrcourse schedule``, ``lrcourse train --scheduler``, :func:`lrcourse.catalog.simulate`,
the schedule chooser (if it has sliders) and the training panel (if it has a ``panel``
label) pick it up. The order here is the chooser's order; transformers' and timm's schedules
(:mod:`.libraries`) come last.
"""
from __future__ import annotations

import math

from .. import lr_scheduler as L
from .. import schedules
from .entries import ScheduleEntry, checkbox, choice, float_slider, int_range, int_slider, log_slider
from .libraries import ENTRIES as LIBRARY_ENTRIES


def _quarter(steps: int) -> int:
    return max(1, steps // 4)


def _warmup_length(steps: int) -> int:
    """A tenth of the run, at least one step."""
    return max(1, math.ceil(steps / 10))


# ------------------------------------------------------------------ recipes (settings are not the class's arguments)
def _inverse_time(m, optimizer, steps, decay=0.05):
    """LambdaLR with ``lr_lambda(t) = 1 / (1 + decay t)``."""
    return m.LambdaLR(optimizer, lambda t: 1 / (1 + decay * t))


def _constant_factor(m, optimizer, steps, factor=0.98):
    """MultiplicativeLR with ``lr_lambda(t) = factor``."""
    return m.MultiplicativeLR(optimizer, lambda t: factor)


def _warmup_then_cosine(m, optimizer, steps, warmup, start_factor):
    """SequentialLR: LinearLR from ``start_factor`` over ``warmup`` steps, then cosine over the rest."""
    return m.SequentialLR(optimizer, [m.LinearLR(optimizer, start_factor, 1.0, warmup),
                                      m.CosineAnnealingLR(optimizer, max(1, steps - warmup))], [warmup])


def _warmup_times_exponential(m, optimizer, steps, warmup=10, gamma=0.97):
    """ChainedScheduler: LinearLR from 0.1 over ``warmup`` steps, multiplied by ExponentialLR(gamma)."""
    return m.ChainedScheduler([m.LinearLR(optimizer, 0.1, 1.0, warmup), m.ExponentialLR(optimizer, gamma)])


def _warmup_cosine_sized(steps, lr):
    """Warm up over a tenth of the run from 1/(W+1): the first step trains at lr/(W+1), not 0."""
    W = _warmup_length(steps)
    return {"warmup": W, "start_factor": 1 / (W + 1)}


def _wsd_fit(steps, s):
    """Warmup at most half the run, decay at most what is left."""
    W = min(s["warmup_steps"], steps // 2)
    return {**s, "warmup_steps": W, "decay_steps": max(1, min(s["decay_steps"], steps - W))}


GAMMA = float_slider(0.1, 0.05, 0.95, 0.05, ".2f", "gamma")
ETA_MIN = float_slider(0.0, 0.0, 0.05, 0.001, ".3f", "eta_min")

_ENTRIES = [
    ScheduleEntry(L.StepLR, ("step",), schedules.step, lambda n, lr: {"step_size": max(1, n // 3)},
                  {"step_size": int_slider(30, 1, 200, "step_size"), "gamma": GAMMA}),
    ScheduleEntry(L.MultiStepLR, ("multistep",), schedules.multistep,
                  lambda n, lr: {"milestones": [max(1, n // 2), max(1, 3 * n // 4)]},
                  {"milestones": int_range((30, 80), 1, 300, "milestones"), "gamma": GAMMA}, panel="step"),
    ScheduleEntry(L.ConstantLR, ("constant",), schedules.constant, sliders={
        "factor": float_slider(0.33, 0.05, 1.0, 0.01, ".2f", "factor"),
        "total_iters": int_slider(20, 0, 200, "total_iters")}),
    ScheduleEntry(L.LinearLR, ("linear",), schedules.linear, sliders={
        "start_factor": float_slider(0.1, 0.01, 1.0, 0.01, ".2f", "start_factor"),
        "end_factor": float_slider(1.0, 0.0, 1.0, 0.01, ".2f", "end_factor"),
        "total_iters": int_slider(20, 1, 200, "total_iters")}),
    ScheduleEntry(L.ExponentialLR, ("exponential", "exp"), schedules.exponential, lambda n, lr: {"gamma": 0.95},
                  {"gamma": float_slider(0.97, 0.8, 0.999, 0.001, ".3f", "gamma")}),
    ScheduleEntry(L.PolynomialLR, ("polynomial", "poly"), schedules.polynomial,
                  lambda n, lr: {"total_iters": max(1, n)},
                  {"total_iters": int_slider(80, 1, 300, "total_iters"),
                   "power": float_slider(1.0, 0.1, 5.0, 0.1, ".1f", "power")}),
    ScheduleEntry(L.CosineAnnealingLR, ("cosine", "cos"), schedules.cosine, lambda n, lr: {"T_max": max(1, n)},
                  {"T_max": int_slider(100, 1, 300, "T_max"), "eta_min": ETA_MIN}, panel="cosine"),
    ScheduleEntry(L.CosineAnnealingWarmRestarts, ("sgdr", "cosine-restarts", "warm-restarts"),
                  schedules.cosine_restarts, lambda n, lr: {"T_0": _quarter(n)},
                  {"T_0": int_slider(20, 1, 100, "T_0"), "T_mult": int_slider(2, 1, 3, "T_mult"), "eta_min": ETA_MIN}),
    ScheduleEntry(L.CyclicLR, ("cyclic", "clr"), schedules.cyclic,
                  lambda n, lr: {"base_lr": lr / 10, "max_lr": lr, "step_size_up": _quarter(n)},
                  {"base_lr": log_slider(0.01, -4, 0, "base_lr"),
                   "step_size_up": int_slider(20, 1, 100, "step_size_up"),
                   "mode": choice("triangular", ("triangular", "triangular2", "exp_range"), "mode"),
                   "gamma": float_slider(0.99, 0.9, 1.0, 0.001, ".3f", "gamma (exp_range)")}),
    ScheduleEntry(L.OneCycleLR, ("onecycle", "1cycle"), schedules.one_cycle,
                  lambda n, lr: {"max_lr": lr, "total_steps": max(1, n)},
                  {"pct_start": float_slider(0.3, 0.05, 0.45, 0.01, ".2f", "pct_start"),
                   "anneal_strategy": choice("cos", ("cos", "linear"), "anneal_strategy"),
                   "div_factor": log_slider(25.0, 0, 3, "div_factor"),
                   "final_div_factor": log_slider(1e4, 0, 5, "final_div_factor"),
                   "three_phase": checkbox(False, "three_phase")}, panel="one-cycle"),
    ScheduleEntry(L.ReduceLROnPlateau, ("plateau",), sized=lambda n, lr: {"patience": max(1, n // 20)},
                  sliders={"factor": float_slider(0.5, 0.05, 0.95, 0.05, ".2f", "factor"),
                           "patience": int_slider(5, 0, 30, "patience")}, metric=True),
    ScheduleEntry(L.LambdaLR, ("lambda",), build=_inverse_time,
                  sliders={"decay": float_slider(0.05, 0.0, 0.5, 0.01, ".2f", "decay in 1/(1+decay·t)")}),
    ScheduleEntry(L.MultiplicativeLR, ("multiplicative",), build=_constant_factor,
                  sliders={"factor": float_slider(0.98, 0.8, 1.0, 0.005, ".3f", "factor per step")}),
    ScheduleEntry(L.SequentialLR, ("warmup-cosine", "sequential"), sized=_warmup_cosine_sized,
                  build=_warmup_then_cosine,
                  sliders={"warmup": int_slider(10, 1, 100, "warmup (LinearLR steps)"),
                           "start_factor": float_slider(0.1, 0.01, 1.0, 0.01, ".2f", "start_factor")},
                  panel="warmup + cosine"),
    ScheduleEntry(L.ChainedScheduler, ("chained",), build=_warmup_times_exponential,
                  sliders={"warmup": int_slider(10, 1, 100, "warmup (LinearLR steps)"),
                           "gamma": float_slider(0.97, 0.8, 0.999, 0.001, ".3f", "gamma (ExponentialLR)")}),
    ScheduleEntry(L.InverseSqrtLR, ("inverse-sqrt", "invsqrt", "rsqrt"), schedules.inverse_sqrt,
                  lambda n, lr: {"warmup_steps": max(1, n // 10)},
                  {"warmup_steps": int_slider(10, 1, 100, "warmup_steps")}),
    ScheduleEntry(L.WSDLR, ("wsd", "warmup-stable-decay"), schedules.wsd,
                  lambda n, lr: {"total_steps": max(1, n), "warmup_steps": n // 10, "decay_steps": max(1, n // 5)},
                  {"warmup_steps": int_slider(10, 0, 50, "warmup_steps"),
                   "decay_steps": int_slider(20, 1, 100, "decay_steps"),
                   "min_lr_ratio": float_slider(0.0, 0.0, 0.5, 0.01, ".2f", "min_lr_ratio"),
                   "shape": choice("1-sqrt", ("linear", "cosine", "1-sqrt"), "decay shape")}, fit=_wsd_fit),
    ScheduleEntry(L.SWALR, ("swa",), sized=lambda n, lr: {"swa_lr": lr / 10, "anneal_epochs": _quarter(n)}),
    ScheduleEntry(schedules.SquareRootScheduler, ("d2l-sqrt",), sized=lambda n, lr: {"lr": lr}, callable_=True),
    ScheduleEntry(schedules.CosineScheduler, ("d2l-cosine",), sized=lambda n, lr: {"max_update": n, "base_lr": lr},
                  callable_=True),
    ScheduleEntry(schedules.FactorScheduler, ("d2l-factor",), sized=lambda n, lr: {"base_lr": lr}, callable_=True),
]

SCHEDULES: dict[str, ScheduleEntry] = {e.name: e for e in _ENTRIES + LIBRARY_ENTRIES}
