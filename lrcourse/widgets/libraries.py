r"""The schedules of transformers and timm drawn over lrcourse's, with the torch classes that build them.

Each :class:`Case` is one library schedule at fixed settings: how the library builds it (called
on the library itself and on :mod:`lrcourse.compat`, which has the same names and signatures) and
the torch scheduler classes that give the same lr at every step (built from
``torch.optim.lr_scheduler`` or from :mod:`lrcourse.lr_scheduler`: same class names). Where torch
has no class for a piece (a warmup from lr 0: ``LinearLR`` refuses ``start_factor=0``; tanh,
1-sqrt, inverse square root), a ``LambdaLR`` over the shape of :mod:`lrcourse.schedules.shapes`
stands in, and the label says so.

A curve has one entry per optimizer step: the lr that step trains with. transformers' schedulers
are torch ``LambdaLR``\ s (``step()`` after each update); timm's are stepped with
``step_update(num_updates)`` after each update (built with ``t_in_epochs=False``).

transformers and timm are imported only when a curve of theirs is drawn.

Example:
    >>> traces = case_traces(TRANSFORMERS["cosine"], steps=20)
    >>> sorted(traces), float(abs(traces["lrcourse.compat"] - traces["library"]).max()) < 1e-12
    (['library', 'lrcourse classes', 'lrcourse.compat', 'torch classes'], True)
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np
import torch

from .. import catalog, checks
from ..catalog.libraries import library
from ..schedules.shapes import anneal_1_sqrt, anneal_tanh, rsqrt
from .base import View

W, T = 10, 100  # warmup steps and run length every case is drawn with (timm: t_initial = T - W after the warmup)
LIBRARIES = {"transformers": ("transformers", "lrcourse.compat.transformers"),
             "timm": ("timm.scheduler", "lrcourse.compat.timm")}
MODULES = {f"{name} classes": module for name, module in catalog.SCHEDULER_MODULES.items()}


@dataclass(frozen=True)
class Case:
    """One library schedule: ``library`` ("transformers" or "timm"), its ``name`` (transformers'
    schedule name or timm's class), the ``settings`` it is called with, and ``torch``, the label
    and ``build(module, optimizer)`` of the torch classes that give the same curve."""

    library: str
    name: str
    settings: dict
    torch: str
    build: Callable = field(repr=False)

    def library_scheduler(self, module, optimizer):
        """The scheduler as ``module`` (the library, or lrcourse.compat's twin) builds it."""
        s = dict(self.settings)
        if self.library == "transformers":
            return module.get_scheduler(self.name, optimizer, s.pop("num_warmup_steps", None),
                                        s.pop("num_training_steps", None), s or None)
        return getattr(module, self.name)(optimizer, t_in_epochs=False, **s)


def _ramp(m, opt):
    """transformers' warmup t / W from lr 0 (torch's LinearLR refuses start_factor=0)."""
    return m.LambdaLR(opt, lambda t: t / W)


def _after(m, opt, *rest, at=(W,)):
    """transformers' ramp, then ``rest`` from step W on (SequentialLR)."""
    return m.SequentialLR(opt, [_ramp(m, opt), *(r(m, opt) for r in rest)], list(at))


def _timm_warmup(m, opt, *rest, init=0.1, at=(W,)):
    """timm's warmup init + (lr - init) t/W = LinearLR(init/lr, 1, W), then ``rest``."""
    ramp = m.LinearLR(opt, init / opt.defaults["lr"], 1.0, W)
    return m.SequentialLR(opt, [ramp, *(r(m, opt) for r in rest)], list(at))


_TF = [
    Case("transformers", "constant", {}, "ConstantLR(factor=1)", lambda m, o: m.ConstantLR(o, factor=1.0)),
    Case("transformers", "constant_with_warmup", {"num_warmup_steps": W},
         "SequentialLR(LambdaLR(t/W), ConstantLR(factor=1))",
         lambda m, o: _after(m, o, lambda m, o: m.ConstantLR(o, factor=1.0))),
    Case("transformers", "linear", {"num_warmup_steps": W, "num_training_steps": T},
         "SequentialLR(LambdaLR(t/W), LinearLR(1, 0, T-W))",
         lambda m, o: _after(m, o, lambda m, o: m.LinearLR(o, 1.0, 0.0, T - W))),
    Case("transformers", "cosine", {"num_warmup_steps": W, "num_training_steps": T},
         "SequentialLR(LambdaLR(t/W), CosineAnnealingLR(T-W))",
         lambda m, o: _after(m, o, lambda m, o: m.CosineAnnealingLR(o, T - W))),
    Case("transformers", "cosine_with_restarts", {"num_warmup_steps": W, "num_training_steps": T, "num_cycles": 3},
         "SequentialLR(LambdaLR(t/W), CosineAnnealingWarmRestarts((T-W)/3))",
         lambda m, o: _after(m, o, lambda m, o: m.CosineAnnealingWarmRestarts(o, (T - W) // 3))),
    Case("transformers", "polynomial", {"num_warmup_steps": W, "num_training_steps": T, "power": 2.0, "lr_end": 0.0},
         "SequentialLR(LambdaLR(t/W), PolynomialLR(T-W, power=2))",
         lambda m, o: _after(m, o, lambda m, o: m.PolynomialLR(o, T - W, power=2.0))),
    Case("transformers", "inverse_sqrt", {"num_warmup_steps": W},
         "SequentialLR(LambdaLR(t/W), LambdaLR(rsqrt(k+W, W))): no inverse-sqrt class in torch",
         lambda m, o: _after(m, o, lambda m, o: m.LambdaLR(o, lambda k: rsqrt(k + W, W)))),
    Case("transformers", "cosine_with_min_lr", {"num_warmup_steps": W, "num_training_steps": T, "min_lr_rate": 0.1},
         "SequentialLR(LambdaLR(t/W), CosineAnnealingLR(T-W, eta_min=0.1 lr))",
         lambda m, o: _after(m, o, lambda m, o: m.CosineAnnealingLR(o, T - W, eta_min=0.1 * o.defaults["lr"]))),
    Case("transformers", "cosine_warmup_with_min_lr",
         {"num_warmup_steps": W, "num_training_steps": T, "min_lr_rate": 0.1},
         "SequentialLR(LinearLR(1/W, 1, W-1), CosineAnnealingLR(T-W, eta_min=0.1 lr), milestone W-1)",
         lambda m, o: m.SequentialLR(o, [m.LinearLR(o, 1 / W, 1.0, W - 1),
                                         m.CosineAnnealingLR(o, T - W, eta_min=0.1 * o.defaults["lr"])], [W - 1])),
    Case("transformers", "warmup_stable_decay",
         {"num_warmup_steps": W, "num_training_steps": T, "num_decay_steps": 20, "decay_type": "1-sqrt"},
         "SequentialLR(LambdaLR(t/W), ConstantLR(factor=1), LambdaLR(1-sqrt(k/D))): no 1-sqrt class in torch",
         lambda m, o: _after(m, o, lambda m, o: m.ConstantLR(o, factor=1.0),
                             lambda m, o: m.LambdaLR(o, lambda k: anneal_1_sqrt(1.0, 0.0, min(1.0, k / 20))),
                             at=(W, T - 20))),
]
_TIMM_WARMUP = {"warmup_t": W, "warmup_lr_init": 0.1, "warmup_prefix": True}
_TIMM = [
    Case("timm", "CosineLRScheduler", {"t_initial": T - W, "lr_min": 0.05, **_TIMM_WARMUP},
         "SequentialLR(LinearLR(0.1, 1, W), CosineAnnealingLR(T-W, eta_min=0.05))",
         lambda m, o: _timm_warmup(m, o, lambda m, o: m.CosineAnnealingLR(o, T - W, eta_min=0.05))),
    Case("timm", "CosineLRScheduler", {"t_initial": 30, "cycle_limit": 3, "cycle_decay": 0.5},
         "no torch class decays the peaks: LambdaLR(cosine_cycles(30, cycle_decay=0.5, cycle_limit=3))",
         lambda m, o: m.LambdaLR(o, _cosine_cycles)),
    Case("timm", "TanhLRScheduler", {"t_initial": T - W, **_TIMM_WARMUP},
         "SequentialLR(LinearLR(0.1, 1, W), LambdaLR(tanh shape)): no tanh class in torch",
         lambda m, o: _timm_warmup(m, o, lambda m, o: m.LambdaLR(o, lambda k: anneal_tanh(1.0, 0.0, k / (T - W))))),
    Case("timm", "PolyLRScheduler", {"t_initial": T - W, "power": 2.0, **_TIMM_WARMUP},
         "SequentialLR(LinearLR(0.1, 1, W), PolynomialLR(T-W, power=2))",
         lambda m, o: _timm_warmup(m, o, lambda m, o: m.PolynomialLR(o, T - W, power=2.0))),
    Case("timm", "StepLRScheduler", {"decay_t": 30, "decay_rate": 0.5, **_TIMM_WARMUP},
         "SequentialLR(LinearLR(0.1, 1, W), StepLR(30, gamma=0.5))",
         lambda m, o: _timm_warmup(m, o, lambda m, o: m.StepLR(o, 30, gamma=0.5))),
    Case("timm", "MultiStepLRScheduler", {"decay_t": [30, 60], "decay_rate": 0.5, **_TIMM_WARMUP},
         "SequentialLR(LinearLR(0.1, 1, W), MultiStepLR([29, 59], 0.5)): timm's milestone m acts from m-1",
         lambda m, o: _timm_warmup(m, o, lambda m, o: m.MultiStepLR(o, [29, 59], gamma=0.5))),
    Case("timm", "WSDLRScheduler", {"t_initial": T - W, "decay_t": 20, "decay_fn": "1-sqrt", "warmup_t": W,
                                    "warmup_lr_init": 0.1},
         "SequentialLR(LinearLR(0.1, 1, W), ConstantLR(factor=1), LambdaLR(1-sqrt(k/D))): no 1-sqrt class in torch",
         lambda m, o: _timm_warmup(m, o, lambda m, o: m.ConstantLR(o, factor=1.0),
                                   lambda m, o: m.LambdaLR(o, lambda k: anneal_1_sqrt(1.0, 0.0, min(1.0, k / 20))),
                                   at=(W, T - 20))),
]


def _cosine_cycles(t):
    from ..schedules import cosine_cycles  # noqa: PLC0415 - one schedule, built on first use
    return cosine_cycles(30, cycle_decay=0.5, cycle_limit=3)(t)


#: transformers' schedules by name (all of ``get_scheduler``'s but reduce_lr_on_plateau and greedy)
TRANSFORMERS = {c.name: c for c in _TF}
#: timm's schedulers; the cosine twice (with a warmup, and with cycles)
TIMM = {("CosineLRScheduler (cycles)" if "cycle_limit" in c.settings else c.name): c for c in _TIMM}
CASES = {"transformers": TRANSFORMERS, "timm": TIMM}


def _lrs(build, steps: int, lr: float, timm_protocol: bool) -> np.ndarray:
    """The lr of steps 0 .. steps-1 of the scheduler ``build(optimizer)`` builds on an SGD at ``lr``."""
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = build(opt)
    out = []
    for t in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step_update(t + 1) if timm_protocol else sched.step()
    return np.array(out)


def case_traces(case: Case, steps: int = T, lr: float = 1.0) -> dict[str, np.ndarray]:
    """The lr of each step: ``library`` (transformers or timm), ``lrcourse.compat``, and the torch
    classes built from ``torch.optim.lr_scheduler`` (``torch classes``) and from
    :mod:`lrcourse.lr_scheduler` (``lrcourse classes``)."""
    if not isinstance(case, Case):
        raise TypeError(f"case must be a Case (e.g. TRANSFORMERS['cosine']), got {case!r}")
    steps = checks.integer("steps", steps, low=1)
    lr = checks.positive("lr", lr)
    timm_protocol = case.library == "timm"
    out = {}
    for label, path in zip(("library", "lrcourse.compat"), LIBRARIES[case.library]):
        module = library(path)
        out[label] = _lrs(lambda o: case.library_scheduler(module, o), steps, lr, timm_protocol)
    for label, module in MODULES.items():
        out[label] = _lrs(lambda o: case.build(module, o), steps, lr, False)
    return out


def library_grid(library: str, steps: int = T, lr: float = 1.0, columns: int = 3) -> View:
    """Small multiples: each schedule of ``library`` ("transformers" or "timm"), the library's curve
    (thick, grey) under lrcourse.compat's (dashed) and the torch classes' (dotted), titled with its
    name and the torch classes. The summary gives the largest differences over all of them."""
    cases = CASES[checks.choice("library", library, tuple(CASES))]
    columns = min(checks.integer("columns", columns, low=1), len(cases))
    rows = -(-len(cases) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 2.9 * rows + 0.6), layout="constrained",
                             squeeze=False)
    worst = {"lrcourse.compat": 0.0, "torch classes": 0.0, "lrcourse classes": 0.0}
    for ax, (title, case) in zip(axes.flat, cases.items()):
        tr = case_traces(case, steps, lr)
        for key in worst:
            worst[key] = max(worst[key], float(np.max(np.abs(tr[key] - tr["library"]))))
        ax.plot(tr["library"], color="0.7", lw=5, label=library)
        ax.plot(tr["lrcourse.compat"], "--", color="C0", lw=1.5, label="lrcourse.compat")
        ax.plot(tr["torch classes"], ":", color="C3", lw=1.5, label="torch classes (below each title)")
        ax.set_title("\n".join([title] + textwrap.wrap(case.torch, 46)), fontsize=9.5)
        ax.set_ylim(-0.05 * lr, 1.08 * lr)
        ax.set_xlabel("optimizer step", fontsize=9)
    for ax in axes[:, 0]:
        ax.set_ylabel("lr")
    for ax in axes.flat[len(cases):]:
        ax.axis("off")
    fig.legend(*axes.flat[0].get_legend_handles_labels(), loc="outside lower center", ncols=3)
    summary = (f"{len(cases)} {library} schedules, {steps} steps, lr={lr:g}: max |difference from {library}| "
               + ", ".join(f"{k} {v:.1e}" for k, v in worst.items()))
    return View(fig, summary)


def warmup_conventions(warmup_steps: int = 5, steps: int = 8, lr: float = 1.0, warmup_lr_init: float = 0.0) -> dict:
    """The lr of the first ``steps`` steps of a linear warmup to ``lr`` over ``warmup_steps`` steps, as
    each library counts it: transformers ``t/W`` (``constant_with_warmup``), timm ``init + (lr - init) t/W``
    (``StepLRScheduler`` that never decays, with ``warmup_lr_init``), torch ``LinearLR(1/W, 1, W-1)``
    and lrcourse ``warmup_factor(W)``, ``(t+1)/W``. Each from the library's own scheduler."""
    Wn = checks.integer("warmup_steps", warmup_steps, low=2)
    steps = checks.integer("steps", steps, low=1)
    lr = checks.positive("lr", lr)
    init = checks.real("warmup_lr_init", warmup_lr_init, low=0.0, high=lr, high_open=True)
    timm_scheduler = library("timm.scheduler")  # only this view needs the libraries
    transformers = library("transformers")

    from ..schedules import warmup_factor  # noqa: PLC0415

    return {
        "transformers": _lrs(lambda o: transformers.get_scheduler("constant_with_warmup", o, Wn), steps, lr, False),
        "timm": _lrs(lambda o: timm_scheduler.StepLRScheduler(o, decay_t=10 ** 9, warmup_t=Wn, warmup_lr_init=init,
                                                              t_in_epochs=False), steps, lr, True),
        "torch LinearLR": _lrs(lambda o: torch.optim.lr_scheduler.LinearLR(o, 1 / Wn, 1.0, Wn - 1), steps, lr, False),
        "lrcourse warmup_factor": lr * np.array([warmup_factor(Wn)(t) for t in range(steps)]),
    }


def warmup_view(warmup_steps: int = 5, steps: int = 8, lr: float = 1.0, warmup_lr_init: float = 0.0) -> View:
    """:func:`warmup_conventions` drawn step by step (markers), the peak reached at step W (transformers,
    timm) or W - 1 (torch, lrcourse)."""
    conv = warmup_conventions(warmup_steps, steps, lr, warmup_lr_init)
    fig, ax = plt.subplots(figsize=(7, 3.4), layout="constrained")
    styles = {"transformers": ("o", 9), "timm": ("s", 6), "torch LinearLR": ("^", 9), "lrcourse warmup_factor": ("x", 7)}
    for name, values in conv.items():
        marker, size = styles[name]
        ax.plot(np.arange(steps), values, marker=marker, ms=size, lw=1, label=name,
                mfc="none" if marker in "os^" else None)
    ax.axvline(warmup_steps, color="0.6", ls=":", lw=1)
    ax.set(xlabel="optimizer step t", ylabel="lr", title=f"Linear warmup over W = {warmup_steps} steps to lr {lr:g}"
           + (f" (timm: warmup_lr_init = {warmup_lr_init:g})" if warmup_lr_init else ""))
    ax.legend(loc="lower right", fontsize="small")
    summary = "; ".join(f"{name}: step 0 at {v[0]:.3g}, peak from step {int(np.argmax(np.isclose(v, lr)))}"
                        if np.isclose(v, lr).any() else f"{name}: step 0 at {v[0]:.3g}, no peak yet"
                        for name, v in conv.items())
    return View(fig, summary)
