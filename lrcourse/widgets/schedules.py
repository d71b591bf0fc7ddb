r"""Every learning-rate scheduler under sliders: lrcourse's curve drawn over torch's.

Each scheduler *kind* is one entry of :data:`KINDS`: its parameters (with the slider that
sets each) and a ``build(module, optimizer, steps, **params)`` that constructs the
scheduler from a *module*: ``torch.optim.lr_scheduler`` or ``lrcourse.lr_scheduler``
(same class names, same signatures). The same recipe therefore builds the torch oracle and
lrcourse's version, and :func:`compare_kinds` reports the largest difference between them.
Kinds torch does not have (inverse square root, WSD) use torch's ``LambdaLR`` with the
formula from the paper as the oracle.

A trace has one entry per optimizer step: the lr the step used (the first entry is the
lr right after construction). Curves come from :func:`trace`, which takes a builder
``make(optimizer)`` rather than a class (as :func:`lrcourse.lr_scheduler.simulate` does),
because composites (``SequentialLR``, ``ChainedScheduler``) need their parts built on the
same optimizer.

Example:
    >>> view = schedule_view("StepLR", steps=100, lr=0.1, step_size=30, gamma=0.1)
    >>> view.summary.split(":")[0]
    'StepLR'
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch

from .. import lr_scheduler
from .base import Explorer, View

#: the oracle and the module under test: same class names, same signatures
MODULES = {"torch": torch.optim.lr_scheduler, "lrcourse": lr_scheduler}


# ----------------------------------------------------------------------------- sliders
@dataclass(frozen=True)
class Param:
    """A parameter's slider (``make()`` builds a fresh widget) and its readout format."""

    default: object
    make: Callable[[], widgets.ValueWidget]
    fmt: str | None = None  # None: shown with str()

    def show(self, value) -> str:
        return str(value) if self.fmt is None else f"{value:{self.fmt}}"


def _int(value, lo, hi, desc):
    return Param(value, lambda: widgets.IntSlider(value=value, min=lo, max=hi, description=desc,
                                           continuous_update=False))


def _float(value, lo, hi, step, fmt, desc):
    return Param(value, lambda: widgets.FloatSlider(value=value, min=lo, max=hi, step=step, readout_format=fmt,
                                             description=desc, continuous_update=False), fmt)


def _log(value, lo_exp, hi_exp, desc, fmt=".3g"):
    return Param(value, lambda: widgets.FloatLogSlider(value=value, base=10, min=lo_exp, max=hi_exp, step=0.1,
                                                readout_format=fmt, description=desc,
                                                continuous_update=False), fmt)


def _choice(value, options, desc):
    return Param(value, lambda: widgets.Dropdown(value=value, options=list(options), description=desc))


def _check(value, desc):
    return Param(value, lambda: widgets.Checkbox(value=value, description=desc))


# ----------------------------------------------------------------------------- kinds
@dataclass(frozen=True)
class Kind:
    """One scheduler type: its sliders and how to build it from a scheduler module."""

    build: Callable
    params: dict = field(default_factory=dict)
    oracle: str = "torch"  # what the lrcourse curve is checked against

    def defaults(self) -> dict:
        return {name: p.default for name, p in self.params.items()}

    def describe(self, values: dict) -> str:
        """``"name=value, ..."`` formatted exactly as the sliders' readouts."""
        return ", ".join(f"{k}={self.params[k].show(v)}" for k, v in values.items())


def _inverse_sqrt(warmup_steps):
    return lambda t: (t + 1) / warmup_steps if t < warmup_steps else math.sqrt(warmup_steps / t)


def _wsd(warmup_steps, decay_steps, total, min_lr_ratio, shape):
    """Warmup-stable-decay factor, written from the REFERENCE.md definition."""
    def factor(t):
        if t < warmup_steps:
            return (t + 1) / warmup_steps
        start = total - decay_steps
        if t < start:
            return 1.0
        p = min(1.0, (t - start) / decay_steps)
        shaped = {"linear": 1 - p, "cosine": 0.5 * (1 + math.cos(math.pi * p)),
                  "1-sqrt": 1 - math.sqrt(p)}[shape]
        return min_lr_ratio + (1 - min_lr_ratio) * shaped
    return factor


def _plateau_metric(steps):
    from .plateau import scripted_metric
    return scripted_metric(steps)


GAMMA = _float(0.1, 0.05, 0.95, 0.05, ".2f", "gamma")
ETA_MIN = _float(0.0, 0.0, 0.05, 0.001, ".3f", "eta_min")

KINDS: dict[str, Kind] = {
    "StepLR": Kind(lambda m, o, n, step_size, gamma: m.StepLR(o, step_size, gamma),
                   {"step_size": _int(30, 1, 200, "step_size"), "gamma": GAMMA}),
    "MultiStepLR": Kind(lambda m, o, n, milestone_1, milestone_2, gamma:
                        m.MultiStepLR(o, sorted([milestone_1, milestone_2]), gamma),
                        {"milestone_1": _int(30, 1, 300, "milestone_1"),
                         "milestone_2": _int(80, 1, 300, "milestone_2"), "gamma": GAMMA}),
    "ConstantLR": Kind(lambda m, o, n, factor, total_iters: m.ConstantLR(o, factor, total_iters),
                       {"factor": _float(0.33, 0.05, 1.0, 0.01, ".2f", "factor"),
                        "total_iters": _int(20, 0, 200, "total_iters")}),
    "LinearLR": Kind(lambda m, o, n, start_factor, end_factor, total_iters:
                     m.LinearLR(o, start_factor, end_factor, total_iters),
                     {"start_factor": _float(0.1, 0.01, 1.0, 0.01, ".2f", "start_factor"),
                      "end_factor": _float(1.0, 0.0, 1.0, 0.01, ".2f", "end_factor"),
                      "total_iters": _int(20, 1, 200, "total_iters")}),
    "ExponentialLR": Kind(lambda m, o, n, gamma: m.ExponentialLR(o, gamma),
                          {"gamma": _float(0.97, 0.8, 0.999, 0.001, ".3f", "gamma")}),
    "PolynomialLR": Kind(lambda m, o, n, total_iters, power: m.PolynomialLR(o, total_iters, power),
                         {"total_iters": _int(80, 1, 300, "total_iters"),
                          "power": _float(1.0, 0.1, 5.0, 0.1, ".1f", "power")}),
    "CosineAnnealingLR": Kind(lambda m, o, n, T_max, eta_min: m.CosineAnnealingLR(o, T_max, eta_min),
                              {"T_max": _int(100, 1, 300, "T_max"), "eta_min": ETA_MIN}),
    "CosineAnnealingWarmRestarts": Kind(
        lambda m, o, n, T_0, T_mult, eta_min: m.CosineAnnealingWarmRestarts(o, T_0, T_mult, eta_min),
        {"T_0": _int(20, 1, 100, "T_0"), "T_mult": _int(2, 1, 3, "T_mult"), "eta_min": ETA_MIN}),
    "CyclicLR": Kind(lambda m, o, n, base_lr, step_size_up, mode, gamma:
                     m.CyclicLR(o, base_lr=base_lr, max_lr=o.defaults["lr"], step_size_up=step_size_up,
                                mode=mode, gamma=gamma),
                     {"base_lr": _log(0.01, -4, 0, "base_lr"), "step_size_up": _int(20, 1, 100, "step_size_up"),
                      "mode": _choice("triangular", ("triangular", "triangular2", "exp_range"), "mode"),
                      "gamma": _float(0.99, 0.9, 1.0, 0.001, ".3f", "gamma (exp_range)")}),
    "OneCycleLR": Kind(lambda m, o, n, pct_start, anneal_strategy, div_factor, final_div_factor, three_phase:
                       m.OneCycleLR(o, max_lr=o.defaults["lr"], total_steps=n, pct_start=pct_start,
                                    anneal_strategy=anneal_strategy, div_factor=div_factor,
                                    final_div_factor=final_div_factor, three_phase=three_phase),
                       {"pct_start": _float(0.3, 0.05, 0.45, 0.01, ".2f", "pct_start"),
                        "anneal_strategy": _choice("cos", ("cos", "linear"), "anneal_strategy"),
                        "div_factor": _log(25.0, 0, 3, "div_factor"),
                        "final_div_factor": _log(1e4, 0, 5, "final_div_factor"),
                        "three_phase": _check(False, "three_phase")}),
    "ReduceLROnPlateau": Kind(lambda m, o, n, factor, patience: m.ReduceLROnPlateau(o, factor=factor, patience=patience),
                              {"factor": _float(0.5, 0.05, 0.95, 0.05, ".2f", "factor"),
                               "patience": _int(5, 0, 30, "patience")}),
    "LambdaLR": Kind(lambda m, o, n, decay: m.LambdaLR(o, lambda t: 1 / (1 + decay * t)),
                     {"decay": _float(0.05, 0.0, 0.5, 0.01, ".2f", "decay in 1/(1+decay·t)")}),
    "MultiplicativeLR": Kind(lambda m, o, n, factor: m.MultiplicativeLR(o, lambda t: factor),
                             {"factor": _float(0.98, 0.8, 1.0, 0.005, ".3f", "factor per step")}),
    "SequentialLR": Kind(lambda m, o, n, warmup, start_factor: m.SequentialLR(
        o, [m.LinearLR(o, start_factor, 1.0, warmup), m.CosineAnnealingLR(o, max(1, n - warmup))], [warmup]),
        {"warmup": _int(10, 1, 100, "warmup (LinearLR steps)"),
         "start_factor": _float(0.1, 0.01, 1.0, 0.01, ".2f", "start_factor")}),
    "ChainedScheduler": Kind(lambda m, o, n, warmup, gamma: m.ChainedScheduler(
        [m.LinearLR(o, 0.1, 1.0, warmup), m.ExponentialLR(o, gamma)]),
        {"warmup": _int(10, 1, 100, "warmup (LinearLR steps)"),
         "gamma": _float(0.97, 0.8, 0.999, 0.001, ".3f", "gamma (ExponentialLR)")}),
    # beyond torch: the oracle is torch's LambdaLR with the formula written from the paper
    "InverseSqrtLR": Kind(lambda m, o, n, warmup_steps: (
        m.InverseSqrtLR(o, warmup_steps) if hasattr(m, "InverseSqrtLR")
        else m.LambdaLR(o, _inverse_sqrt(warmup_steps))),
        {"warmup_steps": _int(10, 1, 100, "warmup_steps")}, oracle="torch LambdaLR(formula)"),
    "WSDLR": Kind(lambda m, o, n, warmup_steps, decay_steps, min_lr_ratio, shape: _build_wsd(
        m, o, n, warmup_steps, decay_steps, min_lr_ratio, shape),
        {"warmup_steps": _int(10, 0, 50, "warmup_steps"), "decay_steps": _int(20, 1, 100, "decay_steps"),
         "min_lr_ratio": _float(0.0, 0.0, 0.5, 0.01, ".2f", "min_lr_ratio"),
         "shape": _choice("1-sqrt", ("linear", "cosine", "1-sqrt"), "decay shape")},
        oracle="torch LambdaLR(formula)"),
}


def _build_wsd(m, o, n, warmup_steps, decay_steps, min_lr_ratio, shape):
    """WSD over ``n`` steps; warmup clamped to n // 2 and decay to what is left, so any slider fits."""
    W = min(warmup_steps, n // 2)
    D = max(1, min(decay_steps, n - W))
    if hasattr(m, "WSDLR"):
        return m.WSDLR(o, n, W, D, min_lr_ratio, shape)
    return m.LambdaLR(o, _wsd(W, D, n, min_lr_ratio, shape))


# ----------------------------------------------------------------------------- traces
def trace(make: Callable, steps: int, *, lr: float = 0.1, metrics=None,
          optimizer: str = "sgd") -> tuple[np.ndarray, np.ndarray]:
    """Step a scheduler ``steps`` times on a throw-away optimizer: ``(lrs, momenta)`` per step.

    ``make(optimizer)`` builds the scheduler; ``metrics[i]`` feeds ``ReduceLROnPlateau``;
    ``optimizer`` is ``"sgd"`` (momentum 0.9; momentum read from the group) or ``"adam"``
    (momentum = ``betas[0]``).
    """
    param = [torch.zeros(1, requires_grad=True)]
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    opt = (torch.optim.SGD(param, lr=lr, momentum=0.9) if optimizer == "sgd"
           else torch.optim.Adam(param, lr=lr))
    sched = make(opt)
    lrs, moms = np.empty(steps), np.empty(steps)
    for i in range(steps):
        group = opt.param_groups[0]
        lrs[i] = group["lr"]
        moms[i] = group["momentum"] if optimizer == "sgd" else group["betas"][0]
        opt.step()
        sched.step(metrics[i]) if metrics is not None else sched.step()
    return lrs, moms


def kind_traces(kind: str, steps: int = 100, lr: float = 0.1, **params) -> dict[str, np.ndarray]:
    """``{"torch": ..., "lrcourse": ...}``: the lr of each step for one kind."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
    spec = KINDS[kind]
    unknown = set(params) - set(spec.params)
    if unknown:
        raise TypeError(f"{kind} takes parameters {sorted(spec.params)}, got unexpected {sorted(unknown)}")
    values = {**spec.defaults(), **params}
    metrics = _plateau_metric(steps) if kind == "ReduceLROnPlateau" else None
    return {name: trace(lambda o: spec.build(module, o, steps, **values), steps, lr=lr, metrics=metrics)[0]
            for name, module in MODULES.items()}


def compare_kinds(steps: int = 100, lr: float = 0.1) -> dict[str, float]:
    """Largest |lrcourse - torch| over ``steps`` steps, per kind at its default parameters."""
    out = {}
    for kind in KINDS:
        t = kind_traces(kind, steps, lr)
        out[kind] = float(np.max(np.abs(t["lrcourse"] - t["torch"])))
    return out


# ----------------------------------------------------------------------------- the view
def schedule_view(kind: str = "CosineAnnealingLR", steps: int = 100, lr: float = 0.1, log: bool = False,
                  **params) -> View:
    """The learning rate of each step for one scheduler kind: torch's curve, lrcourse's over it.

    Args:
        kind: a key of :data:`KINDS` (torch class name). Default ``"CosineAnnealingLR"``.
        steps: number of optimizer steps drawn. Default 100.
        lr: the optimizer's lr (``max_lr`` for CyclicLR/OneCycleLR). Default 0.1.
        log: log-scale lr axis. Default False.
        **params: the kind's parameters (see ``KINDS[kind].params``); missing ones use defaults.
    """
    traces = kind_traces(kind, steps, lr, **params)
    values = {**KINDS[kind].defaults(), **params}
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    t = np.arange(steps)
    oracle = KINDS[kind].oracle
    ax.plot(t, traces["torch"], color="0.7", lw=5,
            label="torch.optim.lr_scheduler" if oracle == "torch" else oracle)
    ax.plot(t, traces["lrcourse"], color="C0", lw=1.5, ls="--", label="lrcourse.lr_scheduler")
    if log:
        ax.set_yscale("log")
    shown = KINDS[kind].describe(values)
    ax.set(title=f"{kind}({shown})" if len(shown) < 70 else kind, xlabel="optimizer step",
           ylabel="learning rate" + (" (log)" if log else ""))
    ax.legend(loc="best", fontsize="small")
    final = traces["lrcourse"][-1]
    diff = f", max |lrcourse - torch|={np.max(np.abs(traces['lrcourse'] - traces['torch'])):.1e}"
    summary = f"{kind}: steps={steps}, lr={lr:.3g}, log={log}" + (", " + shown if shown else "") + f" | final lr={final:.3g}{diff}"
    return View(fig, summary)


class ScheduleExplorer(Explorer):
    """A chooser of scheduler kind; only the chosen kind's sliders are shown."""

    def __init__(self, kind: str, steps: int, lr: float, log: bool):
        controls = {
            "kind": widgets.Dropdown(value=kind, options=list(KINDS), description="scheduler"),
            "steps": widgets.IntSlider(value=steps, min=10, max=400, description="steps",
                                       continuous_update=False),
            "lr": widgets.FloatLogSlider(value=lr, base=10, min=-4, max=0, step=0.1, readout_format=".3g",
                                         description="lr (optimizer)", continuous_update=False),
            "log": widgets.Checkbox(value=log, description="log lr axis"),
        }
        for name, spec in KINDS.items():
            for param, p in spec.params.items():
                controls[f"{name}.{param}"] = p.make()
        super().__init__(schedule_view, controls, title="Every learning-rate schedule", columns=4)
        controls["kind"].observe(lambda change: self._show(change["new"]), names="value")
        self._show(kind)

    def _show(self, kind: str) -> None:
        for name, w in self.controls.items():
            if "." in name:
                w.layout.display = None if name.startswith(kind + ".") else "none"

    def _draw(self, **values) -> None:
        kind = values["kind"]
        params = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith(kind + ".")}
        common = {k: values[k] for k in ("kind", "steps", "lr", "log")}
        super()._draw(**common, **params)


def schedule_explorer(kind: str = "CosineAnnealingLR", steps: int = 100, lr: float = 0.1,
                      log: bool = False) -> ScheduleExplorer:
    """Dropdown of scheduler kinds + the chosen kind's sliders (see :func:`schedule_view`)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
    return ScheduleExplorer(kind, steps, lr, log)
