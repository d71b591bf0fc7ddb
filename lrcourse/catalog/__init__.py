"""One catalog of names: every schedule and every optimizer the CLI, the widgets, the
training panel and the trainer offer, and the one :func:`simulate` that draws any schedule.

API (stable; other modules code against it):

* :data:`SCHEDULES` ``dict[str, ScheduleEntry]`` and :data:`OPTIMIZERS`
  ``dict[str, OptimizerEntry]``, in menu order: keyword-only records of the library's facts, each
  with its UI record (:class:`ScheduleUI`, :class:`OptimizerUI`; see :mod:`.entries`);
* :class:`Slider` (:mod:`.sliders`): the one slider vocabulary; each setting's range is in its
  entry's :class:`ScheduleUI` or :class:`OptimizerUI`, simulate's own in :data:`SIMULATION_SLIDERS`,
  a teaching problem's (a landscape, LeNet's run) in :data:`PROBLEM_SLIDERS` (:mod:`.problems`);
  :data:`DENSE_OPTIMIZERS` are the menus' optimizers;
* :func:`schedule` / :func:`optimizer`: an entry by name or alias (case-insensitive,
  ``-``/``_``/spaces ignored), ValueError listing the known names;
* :func:`build_optimizer` ``(name, params, **overrides)`` and :func:`build_scheduler`
  ``(name, optimizer, steps, *, lr=None, module=None, **overrides)``: built with the entry's
  defaults, required settings sized to a run of ``steps``, from lrcourse's classes or torch's
  (:data:`SCHEDULER_MODULES`);
* :func:`simulate` / :class:`Trace` / :func:`plot_schedule` / :func:`scripted_metric`: a
  schedule's curve without training (:mod:`lrcourse.lr_scheduler` does not import the catalog:
  import them from here);
* :class:`TimmStepper`: a timm scheduler behind torch's ``step()`` (the trainer's protocol).

Adding a schedule or an optimizer is its own file plus one entry in :mod:`.schedulers` or
:mod:`.optimizers` (README, "Add a schedule / an optimizer"); transformers' and timm's schedules,
by the names their users know (``hf-cosine``, ``timm-cosine``, ...), are in :mod:`.libraries`. Layers: the
catalog imports :mod:`lrcourse.optim`, :mod:`lrcourse.lr_scheduler`, :mod:`lrcourse.schedules`
and :mod:`lrcourse.compat`; they never import it.

>>> from lrcourse import catalog
>>> catalog.schedule("one-cycle").name, catalog.optimizer("sgd-momentum").settings
('OneCycleLR', {'momentum': 0.9})
>>> import torch
>>> opt = catalog.build_optimizer("adam", [torch.zeros(1, requires_grad=True)])
>>> type(catalog.build_scheduler("cosine", opt, steps=100)).__name__, opt.defaults["lr"]
('CosineAnnealingLR', 0.001)
"""
from .entries import OptimizerEntry, OptimizerUI, ScheduleEntry, ScheduleUI
from .libraries import TimmStepper
from .lookup import SCHEDULER_MODULES, base_lr, build_optimizer, build_scheduler, key, make, optimizer, schedule
from .optimizers import DENSE_OPTIMIZERS, OPTIMIZERS
from .problems import PROBLEM_SLIDERS
from .schedulers import SCHEDULES
from .simulate import SIMULATED_OPTIMIZERS, SIMULATION_SLIDERS, Trace, plot_schedule, scripted_metric, simulate
from .sliders import Slider

__all__ = ["SCHEDULES", "OPTIMIZERS", "ScheduleEntry", "ScheduleUI", "OptimizerEntry", "OptimizerUI", "Slider",
           "PROBLEM_SLIDERS", "DENSE_OPTIMIZERS",
           "schedule", "optimizer", "build_optimizer", "build_scheduler", "make", "base_lr", "key",
           "SCHEDULER_MODULES", "simulate", "SIMULATED_OPTIMIZERS", "SIMULATION_SLIDERS", "Trace",
           "plot_schedule", "scripted_metric", "TimmStepper"]
