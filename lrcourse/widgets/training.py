"""The dashboard's "train LeNet for N epochs with this optimizer x schedule" panel.

Three layers, each usable alone:

* :func:`make_optimizer` / :func:`make_scheduler` build an ``lrcourse.optim`` optimizer
  and an ``lrcourse.lr_scheduler`` scheduler (stepped once per batch) from a menu name;
  :func:`schedule_lrs` is the lr sequence the scheduler will give, step by step.
* :func:`train_run` trains :class:`~lrcourse.models.LeNet` on a stratified Fashion-MNIST
  subset with :func:`lrcourse.train.train` and returns its ``History``.
  :func:`preview_view` (before training: the schedule that will be used) and
  :func:`result_view` (after: loss, accuracy and lr) are pure view functions.
* :func:`training_panel` puts dropdowns and sliders on them, with a Run button, a
  progress bar and a curve redrawn while training runs.

The menu schedules, with :math:`T` = epochs x batches per epoch and base lr :math:`\\eta`:

.. math::
    \\text{cosine: } \\eta_t = \\tfrac{\\eta}{2}\\bigl(1 + \\cos \\tfrac{\\pi t}{T}\\bigr), \\quad
    \\text{step: } \\eta_t = \\eta \\cdot 0.1^{[t \\ge \\lfloor T/2 \\rfloor] + [t \\ge \\lfloor 3T/4 \\rfloor]}

Warmup + cosine warms up linearly over :math:`W = \\lceil T/10 \\rceil` steps,
:math:`\\eta_t = \\eta\\,(t+1)/(W+1)` (not from 0: a step at lr 0 is wasted), then follows
the cosine over the remaining :math:`T - W` steps (torch's ``SequentialLR(LinearLR, CosineAnnealingLR)``).

One-cycle is Smith's 1cycle (``OneCycleLR`` with ``max_lr`` = :math:`\\eta`).

Example:
    >>> panel = training_panel(epochs=1, train_subset=2000)
    >>> panel  # in a notebook: pick optimizer and schedule, press Run

References: Smith & Topin, "Super-Convergence" (2017) for one-cycle; d2l.ai, chapter
"Learning Rate Scheduling", for LeNet on Fashion-MNIST.
"""
from __future__ import annotations

import math
from typing import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from IPython.display import clear_output, display

from .base import Explorer, View

OPTIMIZERS = ("SGD", "SGD + momentum", "Adam", "AdamW", "RMSprop", "Adagrad")
SCHEDULES = ("constant", "cosine", "warmup + cosine", "step", "one-cycle")
BATCH_SIZE = 128
TEST_SUBSET = 1000
LR_FORMAT = ".3g"  # the lr slider's readout format; the summary uses the same
DEFAULT_LR = 10 ** -2.5  # 0.00316: on the log slider's grid; Adam learns LeNet in an epoch with it


def _choice(name: str, value, options) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return value


def _positive_int(name: str, value, low: int = 1, high: int | None = None) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= low
    if not ok or (high is not None and value > high):
        span = f"{low}..{high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be an int in {span}; got {value!r}")
    return value


def _lr(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 10:
        raise ValueError(f"lr must be a number in (0, 10]; got {value!r}")
    return float(value)


def make_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    """An ``lrcourse.optim`` optimizer by menu name (see :data:`OPTIMIZERS`)."""
    from .. import optim

    _choice("optimizer", name, OPTIMIZERS)
    lr = _lr(lr)
    build = {
        "SGD": lambda: optim.SGD(params, lr=lr),
        "SGD + momentum": lambda: optim.SGD(params, lr=lr, momentum=0.9),
        "Adam": lambda: optim.Adam(params, lr=lr),
        "AdamW": lambda: optim.AdamW(params, lr=lr, weight_decay=0.01),
        "RMSprop": lambda: optim.RMSprop(params, lr=lr),
        "Adagrad": lambda: optim.Adagrad(params, lr=lr),
    }
    return build[name]()


def warmup_steps(total_steps: int) -> int:
    """Warmup length of the "warmup + cosine" schedule: a tenth of the run, at least 1."""
    return max(1, math.ceil(total_steps / 10))


def make_scheduler(name: str, optimizer: torch.optim.Optimizer, total_steps: int):
    """An ``lrcourse.lr_scheduler`` scheduler by menu name, to step once per batch."""
    from .. import lr_scheduler as S

    _choice("schedule", name, SCHEDULES)
    T = _positive_int("total_steps", total_steps)
    if name == "constant":
        return S.LambdaLR(optimizer, lambda step: 1.0)
    if name == "cosine":
        return S.CosineAnnealingLR(optimizer, T_max=T)
    if name == "step":
        return S.MultiStepLR(optimizer, milestones=[T // 2, (3 * T) // 4], gamma=0.1)
    if name == "one-cycle":
        max_lr = optimizer.param_groups[0]["lr"]
        return S.OneCycleLR(optimizer, max_lr=max_lr, total_steps=T)
    T = _positive_int("total_steps", total_steps, 2)  # warmup + cosine needs a step of each
    W = warmup_steps(T)
    warm = S.LinearLR(optimizer, start_factor=1.0 / (W + 1), end_factor=1.0, total_iters=W)
    cos = S.CosineAnnealingLR(optimizer, T_max=T - W)
    return S.SequentialLR(optimizer, [warm, cos], milestones=[W])


def steps_per_epoch(train_subset: int, batch_size: int = BATCH_SIZE) -> int:
    return -(-train_subset // batch_size)


def schedule_lrs(schedule: str, lr: float, total_steps: int, optimizer: str = "SGD") -> list[float]:
    """The lr used at each of ``total_steps`` steps (what training will record)."""
    param = torch.nn.Parameter(torch.zeros(1))
    opt = make_optimizer(optimizer, [param], lr)
    sched = make_scheduler(schedule, opt, total_steps)
    lrs = []
    for _ in range(total_steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


def train_run(optimizer: str = "SGD", schedule: str = "cosine", lr: float = 0.1, epochs: int = 1,
              train_subset: int = 5000, *, test_subset: int = TEST_SUBSET, batch_size: int = BATCH_SIZE,
              seed: int = 0, data=None, device=None, progress: bool = False,
              on_epoch: Callable | None = None):
    """Train a freshly initialised LeNet and return its ``History``.

    Args:
        optimizer: a name from :data:`OPTIMIZERS` (default "SGD").
        schedule: a name from :data:`SCHEDULES` (default "cosine"), stepped after every batch.
        lr: base (peak) learning rate (default 0.1).
        epochs: epochs to train (default 1).
        train_subset: stratified training examples (default 5000); ``test_subset`` likewise (1000).
        batch_size: default 128. seed: model init, subsets and shuffling (default 0).
        data: a ready :class:`lrcourse.data.FashionMNIST` (default: loaded with the subsets above).
        progress: show the trainer's tqdm bar. on_epoch: ``on_epoch(history)`` after each epoch;
            the run then goes epoch by epoch through the trainer's checkpoint/resume, which
            gives exactly the same numbers as one uninterrupted run.
    """
    import tempfile
    from pathlib import Path

    from ..data import fashion_mnist
    from ..models import LeNet
    from ..train import train

    _choice("optimizer", optimizer, OPTIMIZERS)
    _choice("schedule", schedule, SCHEDULES)
    lr = _lr(lr)
    _positive_int("epochs", epochs, 1, 1000)
    _positive_int("train_subset", train_subset, 1, 60000)
    _positive_int("test_subset", test_subset, 1, 10000)
    _positive_int("batch_size", batch_size)
    if data is None:
        data = fashion_mnist(device=device, train_subset=train_subset, test_subset=test_subset, seed=seed)
    torch.manual_seed(seed)
    model = LeNet()
    opt = make_optimizer(optimizer, model.parameters(), lr)
    total = epochs * data.num_batches("train", batch_size)
    kwargs = dict(batch_size=batch_size, scheduler=make_scheduler(schedule, opt, total),
                  scheduler_interval="step", seed=seed, progress=progress, live=False,
                  on_divergence="stop", device=device)
    tag = dict(optimizer=optimizer, schedule=schedule, lr=lr, epochs=epochs, train_subset=train_subset)
    if on_epoch is None:
        history = train(model, opt, data, epochs=epochs, **kwargs)
    else:
        with tempfile.TemporaryDirectory(prefix="lrcourse-panel-") as tmp:
            ckpt = Path(tmp) / "run.pt"
            for e in range(epochs):
                history = train(model, opt, data, epochs=e + 1, checkpoint=ckpt,
                                resume=ckpt if e else None, **kwargs)
                history.meta.update(tag)
                on_epoch(history)
                if history.diverged:
                    break
    history.meta.update(tag)
    return history


def _settings(optimizer, schedule, lr, epochs, train_subset) -> str:
    return (f"optimizer={optimizer}, schedule={schedule}, lr={lr:{LR_FORMAT}}, epochs={epochs}, "
            f"train_subset={train_subset}")


def preview_view(optimizer: str = "SGD", schedule: str = "cosine", lr: float = 0.1, epochs: int = 1,
                 train_subset: int = 5000, batch_size: int = BATCH_SIZE) -> View:
    """The lr schedule a run with these settings will follow, step by step (before training)."""
    total = epochs * steps_per_epoch(train_subset, batch_size)
    lrs = schedule_lrs(schedule, lr, total, optimizer)
    fig, ax = plt.subplots(figsize=(7, 3.0))
    spe = steps_per_epoch(train_subset, batch_size)
    ax.plot([t / spe for t in range(total)], lrs, label=f"{schedule} ({total} steps)")
    ax.set(title=f"Schedule for {optimizer}: {schedule}, peak lr {lr:{LR_FORMAT}}",
           xlabel="epoch", ylabel="learning rate")
    ax.legend(loc="best")
    fig.tight_layout()
    summary = (f"{_settings(optimizer, schedule, lr, epochs, train_subset)}: {total} steps, "
               f"lr {lrs[0]:.3g} -> {lrs[-1]:.3g}; press Run to train")
    return View(fig, summary)


def result_summary(history) -> str:
    """One line naming the run's settings, then its progress or final test accuracy and last lr."""
    m, f = history.meta, history.final()
    head = _settings(m["optimizer"], m["schedule"], m["lr"], m["epochs"], m["train_subset"])
    if history.diverged:
        return f"{head}: diverged after {history.epochs} of {m['epochs']} epochs, last lr {history.lr[-1]:.3g}"
    if history.epochs < m["epochs"]:
        return f"{head}: training, epoch {history.epochs}/{m['epochs']} done, test acc {f['test_acc']:.3f}"
    return (f"{head}: trained {history.epochs} epoch{'' if history.epochs == 1 else 's'}, "
            f"test acc {f['test_acc']:.3f}, train loss {f['train_loss']:.3f}, final lr {history.lr[-1]:.3g}")


def result_view(history) -> View:
    """Loss, accuracy and lr of a finished (or running) run, with :func:`result_summary`."""
    from matplotlib.figure import Figure

    fig = history.plot(fig=Figure(figsize=(11, 3.3)),
                       title=f"LeNet on Fashion-MNIST: {history.meta['optimizer']}, {history.meta['schedule']}")
    return View(fig, result_summary(history))


class TrainingPanel(Explorer):
    """Settings (a live preview of the schedule) + a Run button that trains and redraws per epoch."""

    def __init__(self, controls, *, test_subset: int = TEST_SUBSET, device=None):
        super().__init__(preview_view, controls, title="Train LeNet on Fashion-MNIST", columns=3)
        self.test_subset, self.device = test_subset, device
        self.history = None
        self._data = {}
        self.run_button = widgets.Button(description="Run", icon="play", button_style="primary",
                                         tooltip="train with these settings")
        self.run_button.on_click(lambda _: self.run())
        self.progress = widgets.Output()
        *head, summary, output = self.children
        self.children = (*head, self.run_button, summary, self.progress, output)

    def _dataset(self, train_subset: int):
        from ..data import fashion_mnist

        if train_subset not in self._data:  # keep only the latest subset in memory
            self._data = {train_subset: fashion_mnist(device=self.device, train_subset=train_subset,
                                                      test_subset=self.test_subset)}
        return self._data[train_subset]

    def _show(self, history) -> None:
        self.last_view = result_view(history)
        self.summary.value = self.last_view.summary
        with self.output:
            clear_output(wait=True)
            display(self.last_view.fig)

    def run(self):
        """Train with the current settings; returns the History (also in ``self.history``).

        In a notebook an error is shown in the panel (the summary says training failed)."""
        values, history = self.values(), None
        self.run_button.disabled = True
        self.summary.value = f"{_settings(**values)}: training..."
        try:
            with self.progress:
                clear_output(wait=True)
                history = train_run(**values, test_subset=self.test_subset, device=self.device,
                                    data=self._dataset(values["train_subset"]), progress=True,
                                    on_epoch=self._show)
        finally:
            self.run_button.disabled = False
        if history is None:  # the Output widget showed the traceback
            self.summary.value = f"{_settings(**values)}: training failed (see the message above)"
            return None
        self.history = history
        self._show(history)
        return history


def training_panel(optimizer: str = "Adam", schedule: str = "cosine", lr: float = DEFAULT_LR, epochs: int = 1,
                   train_subset: int = 5000, *, test_subset: int = TEST_SUBSET, device=None) -> TrainingPanel:
    """The panel with its controls at the given defaults (see the module docstring)."""
    style = {"continuous_update": False}
    controls = {
        "optimizer": widgets.Dropdown(options=OPTIMIZERS, value=_choice("optimizer", optimizer, OPTIMIZERS),
                                      description="optimizer"),
        "schedule": widgets.Dropdown(options=SCHEDULES, value=_choice("schedule", schedule, SCHEDULES),
                                     description="schedule"),
        "lr": widgets.FloatLogSlider(value=_lr(lr), base=10, min=-4, max=0, step=0.25,
                                     readout_format=LR_FORMAT, description="peak lr", **style),
        "epochs": widgets.IntSlider(value=_positive_int("epochs", epochs, 1, 10), min=1, max=10,
                                    description="epochs", **style),
        "train_subset": widgets.IntSlider(value=_positive_int("train_subset", train_subset, 1000, 60000),
                                          min=1000, max=60000, step=1000,
                                          description="training images", **style),
    }
    return TrainingPanel(controls, test_subset=test_subset, device=device)
