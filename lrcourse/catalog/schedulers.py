"""Every learning-rate schedule by name: :data:`SCHEDULES`, one :class:`ScheduleEntry` each.

Adding a schedule is one entry here (after its class in :mod:`lrcourse.lr_scheduler`):
``lrcourse schedule``, ``lrcourse train --scheduler``, :func:`lrcourse.catalog.simulate`,
:mod:`lrcourse.exercises.schedules` (if it has a pure schedule), the schedule chooser (if its
:class:`~lrcourse.catalog.entries.ScheduleUI` has sliders) and the training panel (if it has a
``panel`` label) pick it up. The order here is the chooser's order; transformers' and timm's schedules
(:mod:`.libraries`) come last.
"""
from __future__ import annotations

import math

from .. import lr_scheduler as L
from .. import schedules
from .entries import ScheduleEntry, ScheduleUI
from .sliders import checkbox, choice, float_slider, int_range, int_slider, log_slider
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
WARMUP = int_slider(10, 1, 100, "warmup (LinearLR steps)")

_ENTRIES = [
    ScheduleEntry(cls=L.StepLR, aliases=("step",), factory=schedules.step,
                  sized=lambda n, lr: {"step_size": max(1, n // 3)},
                  ui=ScheduleUI(sliders={"step_size": int_slider(30, 1, 200, "step_size"), "gamma": GAMMA})),
    ScheduleEntry(cls=L.MultiStepLR, aliases=("multistep",), factory=schedules.multistep,
                  sized=lambda n, lr: {"milestones": [max(1, n // 2), max(1, 3 * n // 4)]},
                  ui=ScheduleUI(sliders={"milestones": int_range((30, 80), 1, 300, "milestones"), "gamma": GAMMA},
                                panel="step")),
    ScheduleEntry(cls=L.ConstantLR, aliases=("constant",), factory=schedules.constant,
                  ui=ScheduleUI(sliders={"factor": float_slider(0.33, 0.05, 1.0, 0.01, ".2f", "factor"),
                                         "total_iters": int_slider(20, 0, 200, "total_iters")})),
    ScheduleEntry(cls=L.LinearLR, aliases=("linear",), factory=schedules.linear,
                  ui=ScheduleUI(sliders={"start_factor": float_slider(0.1, 0.01, 1.0, 0.01, ".2f", "start_factor"),
                                         "end_factor": float_slider(1.0, 0.0, 1.0, 0.01, ".2f", "end_factor"),
                                         "total_iters": int_slider(20, 1, 200, "total_iters")})),
    ScheduleEntry(cls=L.ExponentialLR, aliases=("exponential", "exp"), factory=schedules.exponential,
                  sized=lambda n, lr: {"gamma": 0.95},
                  ui=ScheduleUI(sliders={"gamma": float_slider(0.97, 0.8, 0.999, 0.001, ".3f", "gamma")})),
    ScheduleEntry(cls=L.PolynomialLR, aliases=("polynomial", "poly"), factory=schedules.polynomial,
                  sized=lambda n, lr: {"total_iters": max(1, n)},
                  ui=ScheduleUI(sliders={"total_iters": int_slider(80, 1, 300, "total_iters"),
                                         "power": float_slider(1.0, 0.1, 5.0, 0.1, ".1f", "power")})),
    ScheduleEntry(cls=L.CosineAnnealingLR, aliases=("cosine", "cos"), factory=schedules.cosine,
                  sized=lambda n, lr: {"T_max": max(1, n)},
                  ui=ScheduleUI(sliders={"T_max": int_slider(100, 1, 300, "T_max"), "eta_min": ETA_MIN},
                                panel="cosine")),
    ScheduleEntry(cls=L.CosineAnnealingWarmRestarts, aliases=("sgdr", "cosine-restarts", "warm-restarts"),
                  factory=schedules.cosine_restarts, sized=lambda n, lr: {"T_0": _quarter(n)},
                  ui=ScheduleUI(sliders={"T_0": int_slider(20, 1, 100, "T_0"), "T_mult": int_slider(2, 1, 3, "T_mult"),
                                         "eta_min": ETA_MIN})),
    ScheduleEntry(cls=L.CyclicLR, aliases=("cyclic", "clr"), factory=schedules.cyclic,
                  sized=lambda n, lr: {"base_lr": lr / 10, "max_lr": lr, "step_size_up": _quarter(n)},
                  ui=ScheduleUI(sliders={"base_lr": log_slider(0.01, -4, 0, "base_lr"),
                                         "step_size_up": int_slider(20, 1, 100, "step_size_up"),
                                         "mode": choice("triangular", ("triangular", "triangular2", "exp_range"),
                                                        "mode"),
                                         "gamma": float_slider(0.99, 0.9, 1.0, 0.001, ".3f", "gamma (exp_range)")},
                                more={"max_lr": log_slider(0.1, -1, 0, "max_lr"),
                                      "step_size_down": int_slider(20, 1, 100, "step_size_down")})),
    ScheduleEntry(cls=L.OneCycleLR, aliases=("onecycle", "1cycle"), factory=schedules.one_cycle,
                  sized=lambda n, lr: {"max_lr": lr, "total_steps": max(1, n)},
                  ui=ScheduleUI(sliders={"pct_start": float_slider(0.3, 0.05, 0.45, 0.01, ".2f", "pct_start"),
                                         "anneal_strategy": choice("cos", ("cos", "linear"), "anneal_strategy"),
                                         "div_factor": log_slider(25.0, 0, 3, "div_factor"),
                                         "final_div_factor": log_slider(1e4, 0, 5, "final_div_factor"),
                                         "three_phase": checkbox(False, "three_phase")},
                                more={"max_lr": log_slider(0.1, -3, 0, "max_lr")}, panel="one-cycle")),
    ScheduleEntry(cls=L.ReduceLROnPlateau, aliases=("plateau",), sized=lambda n, lr: {"patience": max(1, n // 20)},
                  ui=ScheduleUI(sliders={"factor": float_slider(0.5, 0.05, 0.95, 0.05, ".2f", "factor"),
                                         "patience": int_slider(5, 0, 30, "patience")},
                                more={"mode": choice("min", ("min", "max"), "mode"),
                                      "threshold_mode": choice("rel", ("rel", "abs"), "threshold_mode"),
                                      "threshold": log_slider(1e-4, -4, -1, "threshold"),
                                      "cooldown": int_slider(0, 0, 20, "cooldown")})),
    ScheduleEntry(cls=L.LambdaLR, aliases=("lambda",), build=_inverse_time,
                  ui=ScheduleUI(sliders={"decay": float_slider(0.05, 0.0, 0.5, 0.01, ".2f",
                                                               "decay in 1/(1+decay·t)")})),
    ScheduleEntry(cls=L.MultiplicativeLR, aliases=("multiplicative",), build=_constant_factor,
                  ui=ScheduleUI(sliders={"factor": float_slider(0.98, 0.8, 1.0, 0.005, ".3f", "factor per step")})),
    ScheduleEntry(cls=L.SequentialLR, aliases=("warmup-cosine", "sequential"), sized=_warmup_cosine_sized,
                  build=_warmup_then_cosine,
                  ui=ScheduleUI(sliders={"warmup": WARMUP,
                                         "start_factor": float_slider(0.1, 0.01, 1.0, 0.01, ".2f", "start_factor")},
                                panel="warmup + cosine")),
    ScheduleEntry(cls=L.ChainedScheduler, aliases=("chained",), build=_warmup_times_exponential,
                  ui=ScheduleUI(sliders={"warmup": WARMUP,
                                         "gamma": float_slider(0.97, 0.8, 0.999, 0.001, ".3f",
                                                               "gamma (ExponentialLR)")})),
    ScheduleEntry(cls=L.InverseSqrtLR, aliases=("inverse-sqrt", "invsqrt", "rsqrt"), factory=schedules.inverse_sqrt,
                  sized=lambda n, lr: {"warmup_steps": max(1, n // 10)},
                  ui=ScheduleUI(sliders={"warmup_steps": int_slider(10, 1, 100, "warmup_steps")})),
    ScheduleEntry(cls=L.WSDLR, aliases=("wsd", "warmup-stable-decay"), factory=schedules.wsd,
                  sized=lambda n, lr: {"total_steps": max(1, n), "warmup_steps": n // 10,
                                       "decay_steps": max(1, n // 5)},
                  ui=ScheduleUI(sliders={"warmup_steps": int_slider(10, 0, 50, "warmup_steps"),
                                         "decay_steps": int_slider(20, 1, 100, "decay_steps"),
                                         "min_lr_ratio": float_slider(0.0, 0.0, 0.5, 0.01, ".2f", "min_lr_ratio"),
                                         "shape": choice("1-sqrt", ("linear", "cosine", "1-sqrt"), "decay shape")},
                                fit=_wsd_fit)),
    ScheduleEntry(cls=L.SWALR, aliases=("swa",), sized=lambda n, lr: {"swa_lr": lr / 10, "anneal_epochs": _quarter(n)}),
    ScheduleEntry(cls=schedules.SquareRootScheduler, aliases=("d2l-sqrt",), sized=lambda n, lr: {"lr": lr},
                  callable_=True),
    ScheduleEntry(cls=schedules.CosineScheduler, aliases=("d2l-cosine",),
                  sized=lambda n, lr: {"max_update": n, "base_lr": lr}, callable_=True,
                  # the warmup explorer's (lrcourse.widgets.warmup): epochs, start = warmup_begin_lr / base_lr
                  ui=ScheduleUI(more={"warmup_steps": int_slider(5, 0, 15, "warmup_steps (epochs)", live=True),
                                      "start": float_slider(0.0, 0.0, 0.9, 0.05, ".2f",
                                                            "start (warmup_begin_lr / base_lr)", live=True),
                                      "max_update": int_slider(20, 16, 30, "max_update (epochs)", live=True),
                                      "d2l_convention": checkbox(False, "show the chapter's off-by-one")})),
    ScheduleEntry(cls=schedules.FactorScheduler, aliases=("d2l-factor",), sized=lambda n, lr: {"base_lr": lr},
                  callable_=True),
]

SCHEDULES: dict[str, ScheduleEntry] = {e.name: e for e in _ENTRIES + LIBRARY_ENTRIES}
