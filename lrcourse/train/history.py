"""What a training run records: per step and per epoch, as plain lists that save to CSV/JSON.

Per step :math:`t`: the learning rate :math:`\\eta_t` the optimizer used for that step (first
param group), its momentum (SGD ``momentum`` or Adam's :math:`\\beta_1`; None when it has
neither) and the mini-batch loss. Per epoch :math:`e`: the lr at the start of the epoch, the
training loss and accuracy *averaged over the epoch's batches while training* (as d2l prints
them), the validation loss and accuracy after the epoch (only when the data holds a ``"val"``
split), the test loss and accuracy after the epoch, and the epoch's wall time in seconds.
A run with an EMA of the weights (``train(..., ema=DECAY)``) also records the averaged
weights' ``ema_val_*`` and ``ema_test_*`` loss and accuracy after each epoch. A run with
gradient clipping (``train(..., clip_grad_norm=C)``) also records, per step, the gradient's
norm before clipping (``grad_norm``; NaN for a step whose loss was not finite) and, per
epoch, the fraction of its steps where clipping bit, :math:`\\|g\\| > C` (``clip_fraction``).

Epochs are counted from 1 wherever a reader sees them: ``epochs.csv``'s ``epoch`` column and
the plots' x axes (epoch :math:`e` ends at :math:`x = e`); steps keep their list index
(``steps.csv``'s ``step`` column is the index into ``history.loss``). Every file is written
atomically (:func:`lrcourse.train.atomic.atomic_write`): :meth:`History.save` writes all four
(``history.json``, ``epochs.csv``, ``steps.csv``, ``history.png``) into one folder.

Example:
    >>> h = History(steps_per_epoch=2)
    >>> h.to_json() == History.from_json(h.to_json()).to_json()
    True
"""
from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from .atomic import atomic_write

STEP_FIELDS = ("lr", "momentum", "loss", "grad_norm")
EPOCH_FIELDS = ("epoch_lr", "train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc",
                "ema_val_loss", "ema_val_acc", "ema_test_loss", "ema_test_acc", "clip_fraction", "time")
# columns present only in runs that record them: by the prefix of a (loss, acc) pair, or by name
OPTIONAL = ("val_", "ema_val_", "ema_test_")
CLIPPING = ("grad_norm", "clip_fraction")
RUN_FILES = ("history.json", "epochs.csv", "steps.csv", "history.png")


def jsonable(value):
    """``value`` with only JSON types inside: tuples become lists, a one-element tensor its
    number, mappings plain dicts with string keys, anything else its ``repr``.

    >>> jsonable({"betas": (0.9, 0.999), "lr": 0.1, "fn": print})
    {'betas': [0.9, 0.999], 'lr': 0.1, 'fn': '<built-in function print>'}
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "numel") and value.numel() == 1:
        return value.item()
    return repr(value)


@dataclass
class History:
    """Per-step and per-epoch records of one run (see the module docstring).

    ``diverged`` is None, or the message saying at which step the loss became NaN/inf.
    ``meta`` holds the run's settings (optimizer, schedule, batch size, seed, device, ...).
    """

    steps_per_epoch: int = 0
    lr: list = field(default_factory=list)
    momentum: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    epoch_lr: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    time: list = field(default_factory=list)
    diverged: str | None = None
    meta: dict = field(default_factory=dict)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    ema_val_loss: list = field(default_factory=list)
    ema_val_acc: list = field(default_factory=list)
    ema_test_loss: list = field(default_factory=list)
    ema_test_acc: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    clip_fraction: list = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """Completed epochs."""
        return len(self.train_loss)

    def recorded(self, name: str) -> bool:
        """Whether the field ``name`` belongs to this run (validation, EMA and clipping fields
        only when recorded)."""
        if name in CLIPPING:
            return bool(self.grad_norm)
        prefix = next((p for p in OPTIONAL if name.startswith(p)), None)
        return prefix is None or bool(getattr(self, prefix + "loss"))

    def final(self) -> dict:
        """The last epoch's numbers (NaN when no epoch finished)."""
        last = lambda xs: xs[-1] if xs else math.nan  # noqa: E731
        return {k: last(getattr(self, k)) for k in EPOCH_FIELDS[1:-1] if self.recorded(k)}

    def summary(self) -> str:
        f = self.final()
        val = f"val loss {f['val_loss']:.3f}, val acc {f['val_acc']:.3f}, " if "val_loss" in f else ""
        text = (f"{self.epochs} epochs: train loss {f['train_loss']:.3f}, train acc {f['train_acc']:.3f}, "
                f"{val}test loss {f['test_loss']:.3f}, test acc {f['test_acc']:.3f}")
        if "ema_test_loss" in f:
            text += f", EMA test loss {f['ema_test_loss']:.3f}, EMA test acc {f['ema_test_acc']:.3f}"
        if self.clip_fraction:  # every epoch has the same number of steps: the mean is the run's fraction
            bit = sum(self.clip_fraction) / len(self.clip_fraction)
            limit = self.meta.get("clip_grad_norm")
            text += f", clipping{'' if limit is None else f' (gradient norm > {limit:g})'} bit in {bit:.0%} of steps"
        text += f", {sum(self.time):.1f} s"
        return text + (f" (diverged: {self.diverged})" if self.diverged else "")

    # ---- saving -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping) -> History:
        return cls(**dict(d))

    def to_json(self, path: str | os.PathLike | None = None) -> str:
        """The history as JSON text; also written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=1)
        if path is not None:
            with atomic_write(path) as f:
                f.write(text)
        return text

    @classmethod
    def from_json(cls, text_or_path: str | os.PathLike) -> History:
        """Read what :meth:`to_json` wrote (JSON text or a file path)."""
        s = str(text_or_path)
        if not s.lstrip().startswith("{"):
            s = Path(s).read_text()
        return cls.from_dict(json.loads(s))

    def to_csv(self, dir_or_path: str | os.PathLike) -> list[Path]:
        """Write ``epochs.csv`` (``epoch`` counted from 1) and ``steps.csv`` (``step`` from 0)
        into a directory, or, for a path ending in ``.csv``, the epochs there and the steps beside
        it as ``<stem>_steps.csv``; returns both paths."""
        p = Path(dir_or_path)
        if p.suffix == ".csv":
            epochs, steps = p, p.with_name(f"{p.stem}_steps.csv")
        else:
            p.mkdir(parents=True, exist_ok=True)
            epochs, steps = p / "epochs.csv", p / "steps.csv"
        fields = [k for k in EPOCH_FIELDS if self.recorded(k)]
        with atomic_write(epochs, newline="") as f:
            w = csv.writer(f)
            w.writerow(["epoch"] + fields)
            for e in range(self.epochs):
                w.writerow([e + 1] + [getattr(self, k)[e] for k in fields])
        columns = [k for k in STEP_FIELDS if self.recorded(k)]
        with atomic_write(steps, newline="") as f:
            w = csv.writer(f)
            w.writerow(["step"] + columns)
            for t, row in enumerate(zip(*(getattr(self, k) for k in columns))):
                w.writerow([t] + ["" if v is None else v for v in row])
        return [epochs, steps]

    def save(self, folder: str | os.PathLike, title: str | None = None, dpi: int = 90) -> list[Path]:
        """Write :data:`RUN_FILES` into ``folder`` (created if needed), each atomically:
        ``history.json``, ``epochs.csv``, ``steps.csv`` and ``history.png`` (:meth:`plot`
        with ``title``); returns their paths in that order."""
        import matplotlib.pyplot as plt

        folder = Path(folder)
        written = [folder / RUN_FILES[0]]
        self.to_json(written[0])
        written += self.to_csv(folder)
        fig = self.plot(title=title)
        try:
            with atomic_write(folder / RUN_FILES[3], "wb") as f:
                fig.savefig(f, format="png", dpi=dpi)
        finally:
            plt.close(fig)
        return written + [folder / RUN_FILES[3]]

    # ---- plotting -----------------------------------------------------------------------
    def plot(self, fig=None, title: str | None = None):
        """Loss (log scale), accuracy and learning-rate panels against epochs; returns the Figure.
        The EMA's curves, when recorded, are drawn dashed and thick in the colour of the raw
        weights' curve they go with."""
        import matplotlib.pyplot as plt

        if fig is None:
            fig = plt.figure(figsize=(11, 3.3))
        fig.clear()
        ax_loss, ax_acc, ax_lr = fig.subplots(1, 3)
        spe = max(self.steps_per_epoch, 1)
        x_steps = [(t + 1) / spe for t in range(len(self.loss))]
        x_epochs = list(range(1, self.epochs + 1))
        ax_loss.plot(x_steps, self.loss, color="0.75", lw=0.7, label="train loss (per batch)")
        ax_loss.plot(x_epochs, self.train_loss, "o-", label="train loss (epoch mean)")
        for ax, metric in ((ax_loss, "loss"), (ax_acc, "acc")):
            if metric == "acc":
                ax.plot(x_epochs, self.train_acc, "o-", label="train acc")
            for split, style in (("val", "^:"), ("test", "s--")):
                if self.recorded(f"{split}_{metric}"):
                    (raw,) = ax.plot(x_epochs, getattr(self, f"{split}_{metric}"), style, label=f"{split} {metric}")
                if self.recorded(f"ema_{split}_{metric}"):
                    ax.plot(x_epochs, getattr(self, f"ema_{split}_{metric}"), "--", color=raw.get_color(), lw=2.5,
                            alpha=0.6, label=f"EMA {split} {metric}")
        _log_if_positive(ax_loss, self.loss + self.train_loss + self.val_loss + self.test_loss + self.ema_val_loss +
                         self.ema_test_loss)
        ax_loss.set(title="Loss", xlabel="epoch", ylabel="cross-entropy")
        ax_acc.set(title="Accuracy", xlabel="epoch", ylabel="accuracy")
        ax_lr.plot([t / spe for t in range(len(self.lr))], self.lr, label="lr")
        ax_lr.set(title="Learning rate (per step)", xlabel="epoch", ylabel="learning rate")
        if len(set(v for v in self.momentum if v is not None)) > 1:
            twin = ax_lr.twinx()
            twin.plot([t / spe for t in range(len(self.momentum))],
                      [math.nan if v is None else v for v in self.momentum], "C1:", label="momentum / beta1")
            twin.set_ylabel("momentum / beta1")
            twin.legend(loc="upper right", fontsize="small")
        _log_if_positive(ax_lr, self.lr, decades=1.5)
        for ax in (ax_loss, ax_acc, ax_lr):
            ax.legend(fontsize="small", loc="best")
        if title or self.diverged:
            fig.suptitle(title or "", fontsize="medium")
            if self.diverged:
                ax_loss.set_title("Loss (diverged)", color="C3")
        fig.tight_layout()
        return fig


def _log_if_positive(ax, values, decades: float = 1.0) -> None:
    """Log y axis when all finite values are positive and span more than ``decades`` decades."""
    vals = [v for v in values if v is not None and math.isfinite(v)]
    if vals and min(vals) > 0 and math.log10(max(vals) / min(vals)) > decades:
        ax.set_yscale("log")


def plot_histories(histories: Mapping[str, History], title: str | None = None, dashed: Iterable[str] = ()):
    """Several runs side by side: per-step train loss, test accuracy per epoch, lr per step; one
    legend for the three panels, right of them, so no curve hides under it. The runs named in
    ``dashed`` are drawn dashed (a run that lies on another then still shows)."""
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc, ax_lr) = plt.subplots(1, 3, figsize=(12, 3.4))
    dashed = set(dashed)
    for i, (name, h) in enumerate(histories.items()):
        spe = max(h.steps_per_epoch, 1)
        style = dict(color=f"C{i}", ls="--" if name in dashed else "-", label=name)
        ax_loss.plot(range(1, h.epochs + 1), h.train_loss, **style)
        ax_acc.plot(range(1, h.epochs + 1), h.test_acc, **style)
        ax_lr.plot([t / spe for t in range(len(h.lr))], h.lr, **style)
    ax_loss.set(title="Training loss (epoch mean)", xlabel="epoch", ylabel="cross-entropy", yscale="log")
    ax_acc.set(title="Test accuracy", xlabel="epoch", ylabel="accuracy")
    ax_lr.set(title="Learning rate", xlabel="epoch", ylabel="learning rate")
    if title:
        fig.suptitle(title, fontsize="medium")
    fig.tight_layout()
    fig.legend(*ax_loss.get_legend_handles_labels(), loc="center left", bbox_to_anchor=(1.0, 0.5),
               fontsize="small")
    return fig
