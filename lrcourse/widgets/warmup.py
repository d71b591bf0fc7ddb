r"""Warmup + cosine, the d2l chapter's schedule, under a warmup-length slider.

The chapter's ``CosineScheduler(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr)``:

.. math::

    \eta_t = \begin{cases}
      \eta_{begin} + (\eta_0 - \eta_{begin})\,t/W & t < W \\
      \eta_T + (\eta_0 - \eta_T)\,\frac{1 + \cos(\pi (t - W)/(T - W))}{2} & W \le t \le T \\
      \eta_T & t > T
    \end{cases}

torch builds the same curve as ``SequentialLR([LinearLR(start_factor=η_begin/η_0, total_iters=W),
CosineAnnealingLR(T_max=T-W, eta_min=η_T), ConstantLR(factor=η_T/η_0)], milestones=[W, T])``
(``LinearLR`` refuses ``start_factor=0`` because it steps recursively,
:math:`\eta_t = \eta_{t-1}\big(1 + \frac{e - s}{T s + (t-1)(e - s)}\big)`: with :math:`s = 0`
it would divide by 0 and multiply a zero lr forever; here 1e-12 stands in for 0).

The chapter's training loop sets ``lr = scheduler(epoch)`` *after* each epoch, so epoch 0
trains at the optimizer's initial lr and epoch :math:`e` at :math:`\eta_{e-1}`: with warmup,
epoch 0 runs at the full 0.3 and epoch 1 at 0. The ``d2l_convention`` overlay shows it.

Two views of training runs: :func:`first_epochs_view` (per-batch loss over the first
epochs, where warmup acts) and :func:`peak_lr_view` (final test accuracy against the peak lr,
with and without warmup: where warmup starts to matter).

Example:
    >>> view = warmup_view(warmup_steps=5)
    >>> view.summary.startswith("warmup_steps=5")
    True

References: Dive into Deep Learning, section 12.11 "Learning Rate Scheduling"
(https://d2l.ai/chapter_optimization/lr-scheduler.html); Goyal et al., "Accurate, Large
Minibatch SGD" (2017).
"""
from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import torch

from .. import catalog
from .base import Explorer, View, control


def torch_warmup_cosine(optimizer, max_update: int, final_lr: float, warmup_steps: int, start: float):
    """torch's SequentialLR equal to ``CosineScheduler(max_update, lr, final_lr, warmup_steps, start·lr)``."""
    lrs = torch.optim.lr_scheduler
    base = optimizer.param_groups[0]["lr"]
    tail = [lrs.CosineAnnealingLR(optimizer, T_max=max_update - warmup_steps, eta_min=final_lr),
            lrs.ConstantLR(optimizer, factor=final_lr / base, total_iters=10**9)]
    if warmup_steps == 0:
        return lrs.SequentialLR(optimizer, tail, milestones=[max_update])
    ramp = lrs.LinearLR(optimizer, start_factor=max(start, 1e-12), end_factor=1.0, total_iters=warmup_steps)
    return lrs.SequentialLR(optimizer, [ramp] + tail, milestones=[warmup_steps, max_update])


def warmup_curves(warmup_steps: int = 5, start: float = 0.0, max_update: int = 20, epochs: int = 30,
                  base_lr: float = 0.3, final_lr: float = 0.01) -> dict[str, np.ndarray]:
    """Per-epoch lrs: ``lrcourse`` (the catalog's d2l ``CosineScheduler``), ``torch`` (SequentialLR),
    ``no_warmup``, and ``d2l_loop`` (what the chapter's loop actually trains epoch e at: base_lr, then lr(e-1))."""
    def d2l_cosine(**warmup):
        return catalog.build_scheduler("CosineScheduler", None, max_update, lr=base_lr, final_lr=final_lr, **warmup)

    sched = d2l_cosine(warmup_steps=warmup_steps, warmup_begin_lr=start * base_lr)
    plain = d2l_cosine()
    ours = np.array([sched(t) for t in range(epochs)])
    theirs = catalog.simulate(lambda o: torch_warmup_cosine(o, max_update, final_lr, warmup_steps, start), epochs,
                              lr=base_lr).lr
    return {"lrcourse": ours, "torch": theirs, "no_warmup": np.array([plain(t) for t in range(epochs)]),
            "d2l_loop": np.concatenate([[base_lr], ours[:-1]])}


def warmup_view(warmup_steps: int = 5, start: float = 0.0, max_update: int = 20, d2l_convention: bool = False,
                epochs: int = 30, base_lr: float = 0.3, final_lr: float = 0.01) -> View:
    """Preview of warmup + cosine per epoch (lrcourse over torch), against cosine without warmup.

    Args:
        warmup_steps: W, epochs of linear warmup, in [0, max_update). Default 5 (the chapter).
        start: warmup_begin_lr as a fraction of base_lr, in [0, 1). Default 0.0 (the chapter).
        max_update: T, the epoch at which final_lr is reached. Default 20.
        d2l_convention: overlay the lr each epoch gets in the chapter's loop. Default False.
        epochs: epochs drawn. Default 30.
        base_lr: peak lr. Default 0.3.
        final_lr: lr from epoch T on. Default 0.01.
    """
    c = warmup_curves(warmup_steps, start, max_update, epochs, base_lr, final_lr)
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    e = np.arange(epochs)
    ax.plot(e, c["no_warmup"], color="C2", lw=1, ls=":", label="cosine, no warmup")
    ax.plot(e, c["torch"], color="0.7", lw=5, label="torch SequentialLR(LinearLR, Cosine, Constant)")
    ax.plot(e, c["lrcourse"], "o--", ms=3, color="C0", lw=1.5, label="lrcourse CosineScheduler (epoch e at lr(e))")
    if d2l_convention:
        ax.step(e, c["d2l_loop"], where="mid", color="C3", lw=1.5,
                label="chapter's loop: epoch 0 at base_lr, epoch e at lr(e-1)")
    ax.axvspan(-0.5, warmup_steps - 0.5, color="C1", alpha=0.12, label=f"warmup ({warmup_steps} epochs)")
    ax.set(title=f"Warmup + cosine: CosineScheduler(max_update={max_update}, base_lr={base_lr}, "
                 f"final_lr={final_lr}, warmup_steps={warmup_steps})", xlabel="epoch", ylabel="learning rate")
    ax.title.set_fontsize("small")
    ax.legend(fontsize="x-small", loc="upper right")
    diff = np.max(np.abs(c["lrcourse"] - c["torch"]))
    summary = (f"warmup_steps={warmup_steps}, start={start:.2f}, max_update={max_update}, "
               f"d2l_convention={d2l_convention} | epoch 0 lr={c['lrcourse'][0]:.3g}, peak {c['lrcourse'].max():.3g} "
               f"at epoch {int(np.argmax(c['lrcourse']))}, final lr={c['lrcourse'][-1]:.3g}, "
               f"max |lrcourse - torch|={diff:.1e}")
    if d2l_convention:
        summary += f"; chapter's loop trains epoch 0 at {c['d2l_loop'][0]:.3g}, epoch 1 at {c['d2l_loop'][1]:.3g}"
    return View(fig, summary)


def warmup_explorer(warmup_steps: int = 5, start: float = 0.0, max_update: int = 20,
                    d2l_convention: bool = False) -> Explorer:
    """Sliders for :func:`warmup_view`: ``warmup_steps`` (0-15 epochs), ``start``, ``max_update``, with the
    catalog's ranges (the ``d2l-cosine`` entry's)."""
    ui = catalog.schedule("CosineScheduler").ui
    values = dict(warmup_steps=warmup_steps, start=start, max_update=max_update, d2l_convention=d2l_convention)
    controls = {setting: control(ui.slider(setting).at(value)) for setting, value in values.items()}
    return Explorer(warmup_view, controls, title="Warmup + cosine (preview per epoch)", columns=4)


def first_epochs_view(histories: Mapping, epochs: float = 3) -> View:
    """Per-batch training loss of several runs (``name -> History``) over their first ``epochs``.

    Args:
        histories: run name -> :class:`lrcourse.train.History` (same data and batch size).
        epochs: how many epochs to draw, > 0 (default 3).
    """
    fig, ax = plt.subplots(figsize=(7, 3.4), layout="constrained")
    parts = []
    for i, (name, h) in enumerate(histories.items()):
        n = int(round(epochs * h.steps_per_epoch))
        loss = np.asarray(h.loss[:n], dtype=float)
        ax.plot(np.arange(len(loss)) / h.steps_per_epoch, loss, lw=0.8, color=f"C{i}", label=name)
        parts.append(f"{name}: mean loss {loss[:h.steps_per_epoch].mean():.3f} in epoch 0")
    ax.set(title=f"Per-batch training loss, first {epochs:g} epoch{'' if epochs == 1 else 's'}", xlabel="epoch",
           ylabel="cross-entropy (log)", yscale="log", xlim=(0, epochs))
    ax.legend(fontsize="small", loc="upper right")
    return View(fig, "; ".join(parts))


def peak_lr_view(final_acc: Mapping[str, Mapping[float, float]], chance: float = 0.1) -> View:
    """Final test accuracy against the peak lr, one line per variant (e.g. with / without warmup).

    Args:
        final_acc: variant name -> {peak lr: final test accuracy}.
        chance: accuracy of guessing, drawn as a dotted line (default 0.1, ten classes).
    """
    fig, ax = plt.subplots(figsize=(7, 3.4), layout="constrained")
    parts = []
    for i, (name, accs) in enumerate(final_acc.items()):
        lrs = sorted(accs)
        ax.plot(lrs, [accs[lr] for lr in lrs], "o-", color=f"C{i}", label=name)
        parts.append(f"{name}: " + ", ".join(f"lr {lr:g} -> {accs[lr]:.3f}" for lr in lrs))
    ax.axhline(chance, color="0.4", ls=":", lw=1, label=f"chance ({chance:g})")
    ax.set(title="Final test accuracy against the peak learning rate", xlabel="peak learning rate (log)",
           ylabel="test accuracy", xscale="log", ylim=(0, 1))
    ax.legend(fontsize="small", loc="lower left")
    return View(fig, "; ".join(parts))
