r"""Any schedule's curve without training: :func:`simulate`, :class:`Trace`, :func:`plot_schedule`.

:func:`simulate` is the one loop that steps a scheduler on a throw-away optimizer; the
notebooks, the sliders and ``lrcourse schedule`` all draw from it. ``ReduceLROnPlateau``
is fed :func:`scripted_metric` unless given ``metrics``.

>>> tr = simulate("onecycle", 100, lr=1.0)
>>> tr.lr.shape, round(float(tr.lr.max()), 6), float(tr.momentum[0])
((100,), 1.0, 0.95)
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .. import checks
from ..lr_scheduler.momentum import read_momentum
from ..lr_scheduler.plateau import is_plateau
from .lookup import make, schedule
from .schedulers import SCHEDULES
from .sliders import checkbox, choice, float_slider, int_slider, log_slider

#: the throw-away optimizers :func:`simulate` steps (momentum or beta1 is what one-cycle cycles)
SIMULATED_OPTIMIZERS = ("sgd", "adam")
#: the range of each of simulate's own settings (and the scripted metric's noise) under a slider
SIMULATION_SLIDERS = {
    "steps": int_slider(100, 10, 400, "steps"),
    "lr": log_slider(0.1, -4, 0, "lr (optimizer)"),
    "optimizer": choice("sgd", SIMULATED_OPTIMIZERS, "optimizer"),
    "log": checkbox(False, "log lr axis"),
    "noise": float_slider(0.01, 0.0, 0.05, 0.001, ".3f", "metric noise"),
}


@dataclass
class Trace:
    """The learning rate (and momentum) an optimizer sees at each step.

    Attributes:
        lr: shape (steps,), the first param group's lr used by optimizer step i.
        lrs: shape (steps, n_groups), every group's lr.
        momentum: shape (steps,), the first group's momentum (Adam: beta1), or None when the
            scheduler left it alone.
        name: e.g. ``"CosineAnnealingLR(T_max=100)"``.
        kwargs: the settings the scheduler was built with.
    """

    lr: np.ndarray
    lrs: np.ndarray
    momentum: np.ndarray | None
    name: str
    kwargs: dict = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return len(self.lr)

    def to_csv(self, path):
        """Write ``step, lr[, lr_group1, ...][, momentum]`` rows to ``path``, or into a text file
        open for writing (opened with ``newline=""``); returns the path (or the file)."""
        if hasattr(path, "write"):
            self._write_csv(path)
            return path
        path = Path(path)
        with path.open("w", newline="") as fh:
            self._write_csv(fh)
        return path

    def _write_csv(self, fh) -> None:
        header = ["step", "lr"] + [f"lr_group{i}" for i in range(1, self.lrs.shape[1])]
        header += ["momentum"] if self.momentum is not None else []
        w = csv.writer(fh)
        w.writerow(header)
        for i in range(self.steps):
            row = [i, *(repr(float(v)) for v in self.lrs[i])]
            if self.momentum is not None:
                row.append(repr(float(self.momentum[i])))
            w.writerow(row)


def scripted_metric(steps: int = 100, mode: str = "min", noise: float = 0.01, seed: int = 0) -> np.ndarray:
    r"""A validation-loss-like sequence: fast progress, then a noisy plateau.

    :math:`m_t = 0.3 + 0.7 e^{-t/12} + 0.05\,\max(0, 1 - t/(0.8 T)) + \sigma \varepsilon_t`
    (seeded); ``mode="max"`` returns :math:`1 - m_t` (an accuracy-like sequence).
    """
    steps = checks.integer("steps", steps, low=1)
    checks.choice("mode", mode, ("min", "max"))
    noise = checks.real("noise", noise, low=0.0, high=1.0)
    t = np.arange(steps)
    m = 0.3 + 0.7 * np.exp(-t / 12) + 0.05 * np.maximum(0, 1 - t / (0.8 * steps))
    m = m + noise * np.random.default_rng(seed).standard_normal(steps)
    return m if mode == "min" else 1 - m


def _maker(scheduler, steps: int, lr: float, settings: dict):
    """``(make(optimizer) -> scheduler, label, settings, fed a metric?)`` for a name, class or builder
    (a builder is fed a metric when given ``metrics``: None)."""
    if isinstance(scheduler, str):
        entry = schedule(scheduler)
        settings = {**entry.sized(steps, lr), **settings}
        return (lambda o: make(entry, o, steps, settings)), entry.name, settings, entry.metric
    if isinstance(scheduler, type):
        entry = SCHEDULES.get(scheduler.__name__)
        if entry is not None and entry.build is None and not entry.callable_:
            settings = {**entry.sized(steps, lr), **settings}
        return (lambda o: scheduler(o, **settings)), scheduler.__name__, settings, is_plateau(scheduler)
    if callable(scheduler) and not settings:
        return scheduler, getattr(scheduler, "__name__", "schedule"), {}, None
    raise TypeError(f"scheduler must be a name, a scheduler class or a builder optimizer -> scheduler "
                    f"(settings only with a name or class), got {scheduler!r}")


def simulate(scheduler, steps: int, *, lr: float = 0.1, momentum: float = 0.9, optimizer: str = "sgd",
             n_groups: int = 1, metrics=None, **settings) -> Trace:
    """Step ``scheduler`` ``steps`` times on a throw-away optimizer and record what it sets.

    Args:
        scheduler: a name ("cosine", "onecycle", "CosineAnnealingLR", ...; see
            ``lrcourse schedule --list``), a scheduler class (lrcourse's or torch's), or a
            builder ``make(optimizer) -> scheduler`` (for composites built on that optimizer;
            returning None means no scheduler: a constant lr).
        steps: number of optimizer steps, int >= 1.
        lr: the optimizer's lr (group i starts at ``lr / 2**i``) (default 0.1).
        momentum: SGD momentum or Adam beta1, in [0, 1) (default 0.9).
        optimizer: "sgd" or "adam" (default "sgd").
        n_groups: number of param groups, int >= 1 (default 1).
        metrics: one value per step, fed to ``step(metric)`` (default for ReduceLROnPlateau:
            :func:`scripted_metric`).
        **settings: the scheduler's arguments; required ones missing are sized to ``steps``
            (e.g. ``T_max=steps`` for cosine).

    Returns:
        :class:`Trace`; ``trace.lr[0]`` is the lr of the first optimizer step. A d2l callable
        ``lr = schedule(t)`` sets every group's lr before step t.
    """
    steps = checks.integer("steps", steps, low=1)
    lr = checks.nonnegative("lr", lr)
    momentum = checks.real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    checks.choice("optimizer", optimizer, SIMULATED_OPTIMIZERS)
    n_groups = checks.integer("n_groups", n_groups, low=1)
    build, label, settings, plateau = _maker(scheduler, steps, lr, settings)
    plateau = metrics is not None if plateau is None else plateau
    if plateau and metrics is None:
        metrics = scripted_metric(steps)
    if plateau and len(metrics) < steps - 1:
        raise ValueError(f"metrics must have at least steps - 1 = {steps - 1} values, got {len(metrics)}")

    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr / 2 ** i} for i in range(n_groups)]
    opt = (torch.optim.SGD(groups, lr=lr, momentum=momentum) if optimizer == "sgd"
           else torch.optim.Adam(groups, lr=lr, betas=(momentum, 0.999)))
    sched = build(opt)
    step = getattr(sched, "step", None)
    lrs, moms = np.empty((steps, n_groups)), np.empty(steps)
    for i in range(steps):
        if step is None and sched is not None:  # a d2l callable: lr = schedule(t), every group
            for group in opt.param_groups:
                group["lr"] = sched(i)
        lrs[i] = [float(g["lr"]) for g in opt.param_groups]
        moms[i] = read_momentum(opt)
        opt.step()  # no gradients: updates nothing, keeps torch's order check quiet
        if step is not None and i < steps - 1:
            step(metrics[i]) if plateau else step()
    args = ", ".join(f"{k}={v!r}" for k, v in settings.items())
    return Trace(lr=lrs[:, 0].copy(), lrs=lrs, momentum=None if np.all(moms == momentum) else moms,
                 name=f"{label}({args})", kwargs=settings)


def plot_schedule(trace_or_traces, ax=None, log: bool = False):
    """Plot one or more :class:`Trace` s: lr against step, momentum on a twin axis if cycled.

    Args:
        trace_or_traces: a Trace or a list of them.
        ax: matplotlib Axes to draw on (default: a new figure).
        log: log-scale lr axis (default False; use it when the lr spans decades).

    Returns:
        the lr Axes.
    """
    import matplotlib.pyplot as plt

    traces = [trace_or_traces] if isinstance(trace_or_traces, Trace) else list(trace_or_traces)
    if not traces or not all(isinstance(t, Trace) for t in traces):
        raise TypeError(f"trace_or_traces must be a Trace or a list of Traces, got {trace_or_traces!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    twin = None
    for tr in traces:
        line, = ax.plot(np.arange(tr.steps), tr.lr, label=tr.name if len(tr.name) < 60 else tr.name[:57] + "...")
        if tr.momentum is not None:
            twin = twin or ax.twinx()
            twin.plot(np.arange(tr.steps), tr.momentum, "--", color=line.get_color(), alpha=0.6,
                      label=f"momentum ({tr.name.split('(')[0]})")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.set_title("Learning-rate schedule" if len(traces) > 1 else traces[0].name.split("(")[0])
    handles, labels = ax.get_legend_handles_labels()
    if twin is not None:
        twin.set_ylabel("momentum / beta1 (dashed)")
        h2, l2 = twin.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, fontsize="small", loc="best")
    ax.grid(True, alpha=0.3)
    return ax
