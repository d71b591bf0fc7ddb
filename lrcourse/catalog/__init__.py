"""One catalog of names: every schedule and every optimizer the CLI, the widgets, the
training panel and the trainer offer, and the one :func:`simulate` that draws any schedule.

API (stable; other modules code against it):

* :data:`SCHEDULES` ``dict[str, ScheduleEntry]`` and :data:`OPTIMIZERS`
  ``dict[str, OptimizerEntry]``, in menu order (see :mod:`.entries` for the fields);
* :func:`schedule` / :func:`optimizer`: an entry by name or alias (case-insensitive,
  ``-``/``_``/spaces ignored), ValueError listing the known names;
* :func:`build_optimizer` ``(name, params, **overrides)`` and :func:`build_scheduler`
  ``(name, optimizer, steps, *, lr=None, module=None, **overrides)``: built with the entry's
  defaults, required settings sized to a run of ``steps``;
* :func:`simulate` / :class:`Trace` / :func:`plot_schedule` / :func:`scripted_metric`: a
  schedule's curve without training (re-exported by :mod:`lrcourse.lr_scheduler`);
* :class:`TimmStepper`: a timm scheduler behind torch's ``step()`` (the trainer's protocol).

Adding a schedule or an optimizer is its own file plus one entry in
:mod:`.schedulers` or :mod:`.optimizers`; transformers' and timm's schedules, by the names
their users know (``hf-cosine``, ``timm-cosine``, ...), are in :mod:`.libraries`. Layers: the
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
from .entries import OptimizerEntry, ScheduleEntry, Slider
from .libraries import TimmStepper
from .lookup import base_lr, build_optimizer, build_scheduler, key, make, optimizer, schedule
from .optimizers import OPTIMIZERS
from .schedulers import SCHEDULES
from .simulate import Trace, plot_schedule, scripted_metric, simulate

__all__ = ["SCHEDULES", "OPTIMIZERS", "ScheduleEntry", "OptimizerEntry", "Slider", "schedule", "optimizer",
           "build_optimizer", "build_scheduler", "make", "base_lr", "key", "simulate", "Trace",
           "plot_schedule", "scripted_metric", "TimmStepper"]
