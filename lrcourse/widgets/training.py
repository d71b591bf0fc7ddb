r"""The dashboard's "train LeNet for N epochs with this optimizer x schedule" panel.

Three layers, each usable alone:

* :func:`make_optimizer` / :func:`make_scheduler` build an optimizer and a scheduler
  (stepped once per batch) from a menu name; the menus come from :mod:`lrcourse.catalog`:
  every catalog optimizer, "constant" (no scheduler) and every schedule with a ``panel``
  label, sized to the run (:math:`T` = epochs x batches per epoch, peak lr :math:`\eta`).
  :func:`schedule_lrs` is the lr sequence the scheduler will give, step by step. Today's
  menu: "cosine" is ``CosineAnnealingLR(T_max=T)``; "step" ``MultiStepLR`` at :math:`T/2`
  and :math:`3T/4` with gamma 0.1; "one-cycle" ``OneCycleLR(max_lr=η, total_steps=T)``;
  "warmup + cosine" ``LinearLR`` from :math:`1/(W+1)` over :math:`W = \lceil T/10 \rceil`
  steps (so the first step is not at lr 0), then cosine over the other :math:`T - W`.
* :func:`train_run` trains :class:`~lrcourse.models.LeNet` on a stratified Fashion-MNIST
  subset with :func:`lrcourse.train.train` and returns its ``History``.
  :func:`preview_view` (before training: the schedule that will be used) and
  :func:`result_view` (after: loss, accuracy and lr) are pure view functions.
* :func:`training_panel` puts dropdowns and sliders on them, with a Run button, one
  progress bar per run and a curve redrawn after each epoch.

Example:
    >>> panel = training_panel(epochs=1, train_subset=2000)
    >>> panel  # in a notebook: pick optimizer and schedule, press Run

References: Smith & Topin, "Super-Convergence" (2017) for one-cycle; d2l.ai, chapter
"Learning Rate Scheduling", for LeNet on Fashion-MNIST.
"""
from __future__ import annotations

from typing import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from IPython.display import clear_output, display

from .. import catalog, checks
from ..catalog import DENSE_OPTIMIZERS
from ..catalog.sliders import choice
from .base import Explorer, View, control

#: the panel's sliders: the catalog's "LeNet" problem (lr, epochs, train_subset)
SLIDERS = catalog.PROBLEM_SLIDERS["LeNet"]
BATCH_SIZE = 128
TEST_SUBSET = 1000
LR_FORMAT = SLIDERS["lr"].fmt  # the lr slider's readout format; the summary uses the same
DEFAULT_LR = SLIDERS["lr"].default  # 0.00316: on the log slider's grid; Adam learns LeNet in an epoch with it


def _count(name: str, value, low: int, high: int) -> int:
    """An int in [low, high]."""
    return int(checks.real(name, checks.integer(name, value, low=low), low=low, high=high))


def _lr(value) -> float:
    return checks.real("lr", value, low=0.0, high=10.0, low_open=True)


def schedule_menu() -> dict[str, str | None]:
    """The schedule menu: label -> catalog schedule name, "constant" (None: no scheduler) first, then
    every catalog schedule with a ``panel`` label, in catalog order."""
    return {"constant": None, **{e.ui.panel: name for name, e in catalog.SCHEDULES.items() if e.ui.panel}}


def make_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    """The catalog optimizer ``name`` (one of :data:`~lrcourse.catalog.DENSE_OPTIMIZERS`) at learning rate ``lr``."""
    checks.choice("optimizer", name, DENSE_OPTIMIZERS)
    return catalog.build_optimizer(name, params, lr=_lr(lr))


def make_scheduler(name: str, optimizer: torch.optim.Optimizer, total_steps: int):
    """The menu schedule ``name`` (see :func:`schedule_menu`) sized to ``total_steps`` steps, to
    step once per batch; None for "constant"."""
    menu = schedule_menu()
    chosen = menu[checks.choice("schedule", name, tuple(menu))]
    total_steps = checks.integer("total_steps", total_steps, low=1)
    return None if chosen is None else catalog.build_scheduler(chosen, optimizer, total_steps)


def steps_per_epoch(train_subset: int, batch_size: int = BATCH_SIZE) -> int:
    return -(-train_subset // batch_size)


def schedule_lrs(schedule: str, lr: float, total_steps: int) -> list[float]:
    """The lr used at each of ``total_steps`` steps (what training will record, whatever the optimizer)."""
    checks.choice("schedule", schedule, tuple(schedule_menu()))
    total_steps = checks.integer("total_steps", total_steps, low=1)
    trace = catalog.simulate(lambda o: make_scheduler(schedule, o, total_steps), total_steps, lr=_lr(lr))
    return trace.lr.tolist()


def train_run(optimizer: str = "SGD", schedule: str = "cosine", lr: float = 0.1, epochs: int = 1,
              train_subset: int = 5000, *, test_subset: int = TEST_SUBSET, batch_size: int = BATCH_SIZE,
              seed: int = 0, data=None, device=None, progress: bool = False,
              on_epoch: Callable | None = None):
    """Train a freshly initialised LeNet and return its ``History``.

    Args:
        optimizer: a name from :data:`~lrcourse.catalog.DENSE_OPTIMIZERS` (default "SGD").
        schedule: a label from :func:`schedule_menu` (default "cosine"), stepped after every batch.
        lr: base (peak) learning rate (default 0.1).
        epochs: epochs to train (default 1).
        train_subset: stratified training examples (default 5000); ``test_subset`` likewise (1000).
        batch_size: default 128. seed: model init, subsets and shuffling (default 0).
        data: a ready :class:`lrcourse.data.FashionMNIST` (default: loaded with the subsets above).
        progress: show a progress bar over the run's steps (True, "transient" or False, as in
            :func:`lrcourse.train.train`). on_epoch: ``on_epoch(history)`` after each epoch;
            the run then goes epoch by epoch through the trainer's checkpoint/resume, which
            gives exactly the same numbers as one uninterrupted run, and still shows one bar:
            the run's own, counting the optimizer's steps (one per batch).
    """
    import tempfile
    from pathlib import Path

    from ..data import fashion_mnist
    from ..models import LeNet
    from ..train import progress_bar, train

    checks.choice("optimizer", optimizer, DENSE_OPTIMIZERS)
    checks.choice("schedule", schedule, tuple(schedule_menu()))
    lr = _lr(lr)
    _count("epochs", epochs, 1, 1000)
    _count("train_subset", train_subset, 1, 60000)
    _count("test_subset", test_subset, 1, 10000)
    checks.integer("batch_size", batch_size, low=1)
    if not (isinstance(progress, bool) or progress == "transient"):
        raise ValueError(f"progress must be True, False or 'transient', got {progress!r}")
    if data is None:
        data = fashion_mnist(device=device, train_subset=train_subset, test_subset=test_subset, seed=seed)
    torch.manual_seed(seed)
    model = LeNet()
    opt = make_optimizer(optimizer, model.parameters(), lr)
    total = epochs * data.num_batches("train", batch_size)
    scheduler = make_scheduler(schedule, opt, total)
    kwargs = dict(batch_size=batch_size, scheduler=scheduler,
                  scheduler_interval=None if scheduler is None else "step", seed=seed, progress=progress, live=False,
                  on_divergence="stop", device=device)
    tag = dict(optimizer=optimizer, schedule=schedule, lr=lr, epochs=epochs, train_subset=train_subset)
    if on_epoch is None:
        history = train(model, opt, data, epochs=epochs, **kwargs)
    else:  # one trainer call per epoch, each without a bar of its own: the run has one bar
        bar = progress_bar(total, f"{optimizer}, {schedule}", bool(progress), leave=progress is True)
        counter = opt.register_step_post_hook(lambda *_: bar.update(1))
        kwargs["progress"] = False
        try:
            with tempfile.TemporaryDirectory(prefix="lrcourse-panel-") as tmp:
                ckpt = Path(tmp) / "run.pt"
                for e in range(epochs):
                    history = train(model, opt, data, epochs=e + 1, checkpoint=ckpt,
                                    resume=ckpt if e else None, **kwargs)
                    history.meta.update(tag)
                    if history.test_acc:
                        bar.set_postfix(test_acc=f"{history.test_acc[-1]:.3f}")
                    on_epoch(history)
                    if history.diverged:
                        break
        finally:
            counter.remove()
            bar.close()
    history.meta.update(tag)
    return history


def _settings(optimizer, schedule, lr, epochs, train_subset) -> str:
    return (f"optimizer={optimizer}, schedule={schedule}, lr={lr:{LR_FORMAT}}, epochs={epochs}, "
            f"train_subset={train_subset}")


def preview_view(optimizer: str = "SGD", schedule: str = "cosine", lr: float = 0.1, epochs: int = 1,
                 train_subset: int = 5000, batch_size: int = BATCH_SIZE) -> View:
    """The lr schedule a run with these settings will follow, step by step (before training)."""
    total = epochs * steps_per_epoch(train_subset, batch_size)
    lrs = schedule_lrs(schedule, lr, total)
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


def _count_control(name: str, value) -> widgets.IntSlider:
    """The panel's slider ``name`` at ``value``, an int inside its catalog range."""
    slider = SLIDERS[name]
    return control(slider.at(_count(name, value, slider.low, slider.high)))


def training_panel(optimizer: str = "Adam", schedule: str = "cosine", lr: float = DEFAULT_LR, epochs: int = 1,
                   train_subset: int = 5000, *, test_subset: int = TEST_SUBSET, device=None) -> TrainingPanel:
    """The panel with its controls at the given defaults (see the module docstring): the menus are the
    catalog's, the sliders its "LeNet" problem's (the lr spans every optimizer's ``lr_range``)."""
    menu = tuple(schedule_menu())
    controls = {
        "optimizer": control(choice(checks.choice("optimizer", optimizer, DENSE_OPTIMIZERS), DENSE_OPTIMIZERS,
                                    "optimizer")),
        "schedule": control(choice(checks.choice("schedule", schedule, menu), menu, "schedule")),
        "lr": control(SLIDERS["lr"].at(_lr(lr))),
        "epochs": _count_control("epochs", epochs),
        "train_subset": _count_control("train_subset", train_subset),
    }
    return TrainingPanel(controls, test_subset=test_subset, device=device)
