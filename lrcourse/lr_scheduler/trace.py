"""Any schedule's curve without building an optimizer by hand: :func:`simulate` and
:func:`plot_schedule` (used by the notebooks, the sliders and ``lrcourse schedule``).

>>> from lrcourse.lr_scheduler import simulate
>>> tr = simulate("onecycle", 100, lr=1.0)
>>> tr.lr.shape, round(float(tr.lr.max()), 6), float(tr.momentum[0])
((100,), 1.0, 0.95)
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..schedules import checks
from .registry import default_kwargs, resolve

OPTIMIZERS = ("sgd", "adam")


@dataclass
class Trace:
    """The learning rate (and momentum) an optimizer sees at each step.

    Attributes:
        lr: shape (steps,), the first param group's lr used by optimizer step i.
        lrs: shape (steps, n_groups), every group's lr.
        momentum: shape (steps,), the first group's momentum (Adam: beta1), or None when the
            scheduler left it alone.
        name: e.g. ``"CosineAnnealingLR(T_max=100)"``.
    """

    lr: np.ndarray
    lrs: np.ndarray
    momentum: np.ndarray | None
    name: str
    kwargs: dict = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return len(self.lr)

    def to_csv(self, path) -> Path:
        """Write ``step, lr[, lr_group1, ...][, momentum]`` rows; returns the path."""
        path = Path(path)
        n = self.lrs.shape[1]
        header = ["step", "lr"] + [f"lr_group{i}" for i in range(1, n)]
        header += ["momentum"] if self.momentum is not None else []
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            for i in range(self.steps):
                row = [i, *(repr(float(v)) for v in self.lrs[i])]
                if self.momentum is not None:
                    row.append(repr(float(self.momentum[i])))
                w.writerow(row)
        return path


def _momentum(group: dict) -> float | None:
    if "betas" in group:
        return float(group["betas"][0])
    return float(group["momentum"]) if "momentum" in group else None


def _plateau_metric(steps: int) -> list[float]:
    """A loss that improves quickly, then plateaus with small noise (seeded)."""
    rng = np.random.default_rng(0)
    t = np.arange(steps)
    return list(0.3 + 0.7 * np.exp(-t / max(1.0, steps / 10)) + 0.01 * rng.standard_normal(steps))


def simulate(scheduler, steps: int, *, lr: float = 0.1, momentum: float = 0.9,
             optimizer: str = "sgd", n_groups: int = 1, metrics=None, **kwargs) -> Trace:
    """Step ``scheduler`` ``steps`` times on a throw-away optimizer and record what it sets.

    Args:
        scheduler: a scheduler class (lrcourse's or torch's) or a name ("cosine",
            "onecycle", "CosineAnnealingLR", ...; see ``lrcourse schedule --list``).
        steps: number of optimizer steps, int >= 1.
        lr: the optimizer's lr (group i starts at ``lr / 2**i``) (default 0.1).
        momentum: SGD momentum or Adam beta1 (default 0.9).
        optimizer: "sgd" or "adam" (default "sgd").
        n_groups: number of param groups, int >= 1 (default 1).
        metrics: one value per step for ReduceLROnPlateau (default: a loss that plateaus).
        **kwargs: the scheduler's arguments; required ones missing are sized to ``steps``
            (e.g. ``T_max=steps`` for cosine).

    Returns:
        :class:`Trace`; ``trace.lr[0]`` is the lr of the first optimizer step.
    """
    steps = checks.integer("steps", steps, low=1)
    lr = checks.nonnegative("lr", lr)
    momentum = checks.real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    checks.choice("optimizer", optimizer, OPTIMIZERS)
    n_groups = checks.integer("n_groups", n_groups, low=1)
    cls = resolve(scheduler) if isinstance(scheduler, str) else scheduler
    if not isinstance(cls, type):
        raise TypeError(f"scheduler must be a scheduler class or a name, got {scheduler!r}")
    kwargs = {**default_kwargs(cls.__name__, steps, lr), **kwargs}
    plateau = cls.__name__ == "ReduceLROnPlateau"
    if plateau:
        metrics = _plateau_metric(steps) if metrics is None else list(metrics)
        if len(metrics) < steps:
            raise ValueError(f"metrics must have at least steps={steps} values, got {len(metrics)}")

    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr / 2 ** i} for i in range(n_groups)]
    opt = (torch.optim.SGD(groups, lr=lr, momentum=momentum) if optimizer == "sgd"
           else torch.optim.Adam(groups, lr=lr, betas=(momentum, 0.999)))
    sched = cls(opt, **kwargs)
    lrs = np.empty((steps, n_groups))
    moms = np.empty(steps)
    for i in range(steps):
        lrs[i] = [float(g["lr"]) for g in opt.param_groups]
        moms[i] = _momentum(opt.param_groups[0])
        opt.step()  # no gradients: updates nothing, keeps torch's order check quiet
        if i < steps - 1:
            sched.step(metrics[i]) if plateau else sched.step()
    changed = not np.all(moms == momentum)
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return Trace(lr=lrs[:, 0].copy(), lrs=lrs, momentum=moms if changed else None,
                 name=f"{cls.__name__}({args})", kwargs=kwargs)


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
    for i, tr in enumerate(traces):
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
