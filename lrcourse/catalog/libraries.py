r"""The schedules of transformers and timm in the catalog, by the names their users know.

Each entry is one of :mod:`lrcourse.compat`'s drop-ins, sized to the run, so ``lrcourse schedule
hf-cosine``, ``lrcourse train --schedule timm-cosine``, the schedule chooser and
:func:`~lrcourse.catalog.simulate` offer them like torch's:

* **transformers** (``hf-linear``, ``hf-cosine``, ...): ``get_scheduler(name, optimizer,
  num_warmup_steps, num_training_steps, scheduler_specific_kwargs)`` of
  :mod:`lrcourse.compat.transformers`; the settings are those of the ``get_*`` function it
  dispatches to (the entry's name), the warmup a tenth of the run, the training the whole run.
* **timm** (``timm-cosine``, ``timm-tanh``, ...): timm's classes of :mod:`lrcourse.compat.timm`,
  whose protocol is not torch's (``step(epoch)`` / ``step_update(num_updates)``, with the count
  passed in); :class:`TimmStepper` gives them torch's ``step()``, so the trainer and
  ``simulate`` step them as any scheduler. ``t_initial`` is the run's length (less the warmup
  for WSD, whose warmup is always a prefix), the warmup a tenth of it.

With torch's module (``build_scheduler(..., module=torch.optim.lr_scheduler)``, the chooser's
oracle) an entry builds the library's own scheduler instead: ``transformers.get_scheduler``
(torch's ``LambdaLR`` over transformers' factor) or timm's class behind the same
:class:`TimmStepper`. Those libraries are in lrcourse's ``course`` extra, not in its core
dependencies, so they are imported only then.

>>> import torch
>>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
>>> s = TimmStepper(compat_timm.CosineLRScheduler(opt, t_initial=4, t_in_epochs=False))
>>> lrs = []
>>> for _ in range(5):
...     lrs.append(round(opt.param_groups[0]["lr"], 6)); opt.step(); s.step()
>>> lrs
[1.0, 0.853553, 0.5, 0.146447, 0.0]
"""
from __future__ import annotations

import importlib

from .. import lr_scheduler
from ..lr_scheduler.plateau import is_plateau
from ..compat import timm as compat_timm
from ..compat import transformers as hf
from .entries import ScheduleEntry, ScheduleUI
from .sliders import checkbox, choice, float_slider, int_range, int_slider


def _is_timm_plateau(scheduler) -> bool:
    """timm's PlateauLRScheduler: a torch ReduceLROnPlateau inside (``.lr_scheduler``), cut by the metric
    that ``step(epoch, metric)`` passes, never by the step count."""
    return is_plateau(getattr(scheduler, "lr_scheduler", None))


class TimmStepper:
    """A timm scheduler behind torch's protocol: ``step()`` after each optimizer update (or each
    epoch, for a schedule counted in epochs), counting the calls :math:`k` and passing the count on
    as timm's training loop does: ``step_update(k)`` (``t_in_epochs=False``) or ``step(k)``
    (``t_in_epochs=True``), so it moves whichever timm was told. The first step trains at the lr
    construction set (timm's ``warmup_lr_init``, or the base lr).

    Args:
        scheduler: one of :mod:`lrcourse.compat.timm`'s schedulers (or timm's own).
    """

    def __init__(self, scheduler):
        if not (callable(getattr(scheduler, "step_update", None)) and hasattr(scheduler, "t_in_epochs")):
            raise TypeError(f"scheduler must be a timm scheduler (with step_update() and t_in_epochs), "
                            f"got {type(scheduler).__name__}")
        if _is_timm_plateau(scheduler):
            raise TypeError("scheduler must be a timm schedule of the step count; timm's PlateauLRScheduler needs "
                            "a metric each epoch: use lrcourse.lr_scheduler.ReduceLROnPlateau")
        self.scheduler = scheduler
        self.optimizer = scheduler.optimizer
        self.last_epoch = 0

    @property
    def __name__(self) -> str:  # what the trainer calls the schedule: timm's class
        return type(self.scheduler).__name__

    def step(self) -> None:
        self.last_epoch += 1
        move = self.scheduler.step if self.scheduler.t_in_epochs else self.scheduler.step_update
        move(self.last_epoch)

    def get_last_lr(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        return {"last_epoch": self.last_epoch, "scheduler": self.scheduler.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.last_epoch = state["last_epoch"]
        self.scheduler.load_state_dict(state["scheduler"])


def _transformers(name: str):
    """The build recipe of transformers' schedule ``name``."""
    def build(m, optimizer, steps, num_warmup_steps, num_training_steps=None, **specific):
        get_scheduler = hf.get_scheduler if m is lr_scheduler else library("transformers.optimization").get_scheduler
        if specific.get("min_lr") is not None:  # only a user sets min_lr: it replaces the sized min_lr_rate
            specific.pop("min_lr_rate", None)
        return get_scheduler(name, optimizer, num_warmup_steps, num_training_steps, specific)

    build.__doc__ = (f"get_scheduler({name!r}, optimizer, num_warmup_steps, num_training_steps, "
                     "the others as scheduler_specific_kwargs)")
    return build


def _timm(cls):
    """The build recipe of timm's class ``cls``, stepped by :class:`TimmStepper`."""
    def build(m, optimizer, steps, **settings):
        built = cls if m is lr_scheduler else getattr(library("timm.scheduler"), cls.__name__)
        return TimmStepper(built(optimizer, **settings))

    build.__doc__ = (f"{cls.__name__}(optimizer, ...) behind TimmStepper: step(k) after the k-th step "
                     "(step_update(k) with t_in_epochs=False)")
    return build


def library(module: str):
    """``module`` of a reference library (transformers, timm), imported on first use; one line
    saying how to install it where it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"the reference curve needs {module.split('.')[0]} (pip install 'lrcourse[course]'): "
                          f"{exc}") from None


# ------------------------------------------------------------------ sizes and slider fits
def _warmup(steps: int) -> int:
    """A tenth of the run (0 for runs under 10 steps)."""
    return steps // 10


def _hf_sized(steps, lr, **more):
    return {"num_warmup_steps": _warmup(steps), "num_training_steps": max(1, steps), **more}


def _hf_fit(steps, s):
    """Warmup at most half the run (WSD: its decay at most what is left)."""
    W = min(s["num_warmup_steps"], steps // 2)
    if "num_decay_steps" in s:
        return {**s, "num_warmup_steps": W, "num_decay_steps": max(0, min(s["num_decay_steps"], steps - W))}
    return {**s, "num_warmup_steps": W}


def _timm_fit(steps, s):
    """Warmup at most half the run; the cycles share the run (``t_initial``); WSD's stable and
    decay phases fill what the warmup leaves, its decay at most all of it."""
    W = min(s["warmup_t"], steps // 2)
    out = {**s, "warmup_t": W}
    if "cycle_limit" in s:
        out["t_initial"] = max(1, steps // max(1, s["cycle_limit"]))
    if "decay_fn" in s:
        out["t_initial"] = max(1, steps - W)
        out["decay_t"] = max(1, min(s["decay_t"], steps - W))
    return out


def _timm_sized(steps, lr, **more):
    return {"t_initial": max(1, steps), "warmup_t": _warmup(steps), **more}


def _timm_wsd_sized(steps, lr):
    W = _warmup(steps)
    return {"t_initial": max(1, steps - W), "decay_t": max(1, steps // 5), "warmup_t": W}


WARMUP = int_slider(10, 0, 50, "num_warmup_steps")
WARMUP_T = int_slider(10, 0, 50, "warmup_t")
MIN_LR_RATE = float_slider(0.1, 0.0, 0.5, 0.01, ".2f", "min_lr_rate")
CYCLES = int_slider(1, 1, 5, "cycle_limit")
K_DECAY = float_slider(1.0, 0.25, 3.0, 0.05, ".2f", "k_decay")
DECAY_RATE = float_slider(0.1, 0.05, 0.95, 0.05, ".2f", "decay_rate")
SHAPES = ("linear", "cosine", "1-sqrt")


def _hf(name: str, alias: str, sized=_hf_sized, **sliders) -> ScheduleEntry:
    return ScheduleEntry(cls=hf.TYPE_TO_SCHEDULER_FUNCTION[name], aliases=(f"hf-{alias}", f"transformers-{alias}"),
                         sized=sized, build=_transformers(name),
                         ui=ScheduleUI(sliders={"num_warmup_steps": WARMUP, **sliders}, fit=_hf_fit,
                                       reference=f"transformers.get_scheduler({name!r})"))


def _tm(name: str, sized=_timm_sized, **sliders) -> ScheduleEntry:
    cls = compat_timm.SCHEDULERS[name]
    return ScheduleEntry(cls=cls, aliases=(f"timm-{name}",), sized=sized, build=_timm(cls),
                         ui=ScheduleUI(sliders={"warmup_t": WARMUP_T, **sliders}, fit=_timm_fit,
                                       reference=f"timm.scheduler.{cls.__name__}"))


ENTRIES = [
    _hf("linear", "linear"),
    _hf("cosine", "cosine", num_cycles=float_slider(0.5, 0.25, 3.0, 0.25, ".2f", "num_cycles")),
    _hf("cosine_with_restarts", "cosine-with-restarts", num_cycles=int_slider(1, 1, 5, "num_cycles")),
    _hf("polynomial", "polynomial", power=float_slider(1.0, 0.1, 5.0, 0.1, ".1f", "power")),
    _hf("constant_with_warmup", "constant-with-warmup", sized=lambda n, lr: {"num_warmup_steps": _warmup(n)}),
    _hf("inverse_sqrt", "inverse-sqrt", sized=lambda n, lr: {"num_warmup_steps": _warmup(n)}),
    _hf("cosine_with_min_lr", "cosine-with-min-lr", sized=lambda n, lr: _hf_sized(n, lr, min_lr_rate=0.1),
        min_lr_rate=MIN_LR_RATE),
    _hf("cosine_warmup_with_min_lr", "cosine-warmup-with-min-lr",
        sized=lambda n, lr: _hf_sized(n, lr, min_lr_rate=0.1), min_lr_rate=MIN_LR_RATE),
    _hf("warmup_stable_decay", "wsd",
        sized=lambda n, lr: {"num_warmup_steps": _warmup(n), "num_decay_steps": max(1, n // 5),
                             "num_training_steps": max(1, n)},
        num_decay_steps=int_slider(20, 0, 100, "num_decay_steps"),
        decay_type=choice("cosine", SHAPES, "decay_type"), warmup_type=choice("linear", SHAPES, "warmup_type"),
        min_lr_ratio=float_slider(0.0, 0.0, 0.5, 0.01, ".2f", "min_lr_ratio")),
    _tm("cosine", cycle_limit=CYCLES, cycle_decay=float_slider(1.0, 0.1, 1.0, 0.05, ".2f", "cycle_decay"),
        k_decay=K_DECAY, warmup_prefix=checkbox(False, "warmup_prefix")),
    _tm("tanh", cycle_limit=CYCLES, lb=float_slider(-7.0, -10.0, -1.0, 0.5, ".1f", "lb"),
        ub=float_slider(3.0, 1.0, 10.0, 0.5, ".1f", "ub")),
    _tm("poly", cycle_limit=CYCLES, power=float_slider(0.5, 0.1, 3.0, 0.1, ".1f", "power"), k_decay=K_DECAY),
    _tm("step", sized=lambda n, lr: {"decay_t": max(1, n // 3), "decay_rate": 0.1, "warmup_t": _warmup(n)},
        decay_t=int_slider(30, 1, 200, "decay_t"), decay_rate=DECAY_RATE),
    _tm("multistep", sized=lambda n, lr: {"decay_t": [max(1, n // 2), max(1, 3 * n // 4)], "decay_rate": 0.1,
                                          "warmup_t": _warmup(n)},
        decay_t=int_range((30, 80), 1, 300, "decay_t (milestones)"), decay_rate=DECAY_RATE),
    _tm("wsd", sized=_timm_wsd_sized, decay_t=int_slider(20, 1, 100, "decay_t"),
        decay_fn=choice("1-sqrt", ("1-sqrt", "linear", "cosine"), "decay_fn"),
        lr_min=float_slider(0.0, 0.0, 0.05, 0.001, ".3f", "lr_min")),
]
