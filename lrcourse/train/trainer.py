"""The training loop: any optimizer, any schedule, on-device data, checkpoints, divergence stop.

One epoch :math:`e` runs the batches of ``data.batches("train", ..., seed, epoch=e)``; for
each, :math:`\\theta \\leftarrow \\mathrm{opt}(\\theta, \\nabla_\\theta \\ell)` at the lr the
schedule sets (see :mod:`lrcourse.train.stepping` for when each kind of schedule is applied),
then the model is evaluated in batches under ``torch.inference_mode`` on the validation split
(when the data holds one: ``fashion_mnist(..., validation=N)``) and on the test split.
A schedule-free optimizer is switched to train mode (parameters at :math:`y`) before each
epoch's steps and to eval mode (at :math:`x`) before evaluating; with ``ema=DECAY`` an EMA of
the weights is evaluated beside them (:mod:`lrcourse.train.averaging`). With
``clip_grad_norm=C`` every gradient is clipped to norm :math:`C` before the optimizer reads it
(:func:`lrcourse.train.loop.batch_step`), and the history records its norm before clipping.

:func:`train` reads as its parts: :func:`_check_arguments`; :func:`place_on_device` (device and data);
:func:`lrcourse.train.resume.start_run` (seed a fresh run, or load a checkpoint); then per
epoch :func:`_run_epoch` (:func:`_train_epoch` over :func:`lrcourse.train.loop.batch_step`,
evaluation, the epoch's schedule step, the records), the live plot and the checkpoint.

Example:
    >>> import torch
    >>> from lrcourse.data import fashion_mnist
    >>> from lrcourse.models import LeNet
    >>> data = fashion_mnist(train_subset=512, test_subset=256, device="cpu")
    >>> model = LeNet()
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.3)
    >>> sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
    >>> h = train(model, opt, data, epochs=2, scheduler=sched, scheduler_interval="epoch",
    ...           progress=False)
    >>> h.epoch_lr[0]
    0.3
"""
from __future__ import annotations

import math
import platform
import time
import warnings
from dataclasses import dataclass

import torch
from torch import nn

from .. import __version__, checks
from ..data import fashion_mnist
from ..device import resolve_device
from .averaging import WeightEMA, check_decay, set_mode
from .checkpoint import checkpoint_state, write_checkpoint
from .history import EPOCH_FIELDS, History, jsonable
from .live import LivePlot
from ..lr_scheduler.momentum import read_momentum
from .loop import batch_step, evaluate
from .progress import progress_bar
from .resume import optimizer_settings, start_run
from .stepping import Stepper

DIVERGENCE_MODES = ("raise", "stop")


class DivergenceError(RuntimeError):
    """The loss became NaN or inf; ``.history`` holds everything up to that step."""

    def __init__(self, message: str, history: History):
        super().__init__(message)
        self.history = history


@dataclass
class _Run:
    """What every epoch of one run trains and evaluates with."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    data: object
    stepper: Stepper
    loss_fn: object
    batch_size: int
    seed: int
    channels_last: bool
    eval_batch_size: int
    ema: WeightEMA | None = None
    clip_grad_norm: float | None = None


def _check_arguments(model, optimizer, *, channels_last, on_divergence, progress, **counts) -> None:
    """TypeError/ValueError for a bad model, optimizer, count (each an int >= 1), flag or mode
    (``channels_last`` may also be None: the device's default; ``progress`` "transient")."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    for name, value in counts.items():
        checks.integer(name, value, low=1, type_error=False)
    if channels_last is not None and not isinstance(channels_last, bool):
        raise TypeError(f"channels_last must be True, False or None (channels-last on the CPU only), "
                        f"got {channels_last!r} of type {type(channels_last).__name__}")
    checks.choice("on_divergence", on_divergence, DIVERGENCE_MODES)
    if not (isinstance(progress, bool) or progress == "transient"):
        raise ValueError(f"progress must be True, False or 'transient' (a bar removed when the run ends), "
                         f"got {progress!r}")
    owned = {id(p) for p in model.parameters()}
    if not any(id(p) in owned for g in optimizer.param_groups for p in g["params"]):
        raise ValueError("optimizer holds none of model's parameters: build it from model.parameters()")


def place_on_device(model: nn.Module, data, device, channels_last: bool | None):
    """Pick the device (``data``'s when not given), put data and model there, pick the layout
    (None: channels-last on the CPU only): (data, device, channels_last)."""
    device = resolve_device(device) if device is not None or data is None else data.device
    if data is None:
        data = fashion_mnist(device=device)
    elif data.device != device:
        data = data.to(device)
    model.to(device)
    if channels_last is None:
        channels_last = device.type == "cpu"
    if channels_last:
        model.to(memory_format=torch.channels_last)
    return data, device, channels_last


def _plateau_metric(plateau_metric: str | None, data) -> str:
    """The metric ReduceLROnPlateau is fed: as given, else ``val_loss`` when ``data`` holds a
    validation split, else ``test_loss``."""
    has_val = "val" in getattr(data, "splits", ())
    if plateau_metric is None:
        return "val_loss" if has_val else "test_loss"
    if isinstance(plateau_metric, str) and plateau_metric.startswith("val_") and not has_val:
        raise ValueError(f"plateau_metric={plateau_metric!r} needs a validation split: load the data "
                         "with fashion_mnist(..., validation=N), or use 'test_loss' / 'test_acc'")
    return plateau_metric


def _train_epoch(run: _Run, epoch: int, history: History, bar) -> dict | None:
    """One pass over the shuffled training split, recording every step; returns the epoch's
    mean training loss and training accuracy (and, when clipping, the fraction of its steps
    where clipping bit, gradient norm > C) by name, or None when the loss diverged."""
    nb = run.data.num_batches("train", run.batch_size)
    run.model.train()
    set_mode(run.optimizer, training=True)  # schedule-free: the parameters go to y
    correct = torch.zeros((), dtype=torch.int64, device=run.data.device)
    loss_sum, bit = 0.0, 0
    for i, (x, y) in enumerate(run.data.batches("train", run.batch_size, shuffle=True, seed=run.seed, epoch=epoch)):
        step = epoch * nb + i
        run.stepper.before_step(step)
        group = run.optimizer.param_groups[0]
        history.lr.append(float(group["lr"]))
        history.momentum.append(read_momentum(run.optimizer))
        norms = None if run.clip_grad_norm is None else []
        value, out = batch_step(run.model, run.optimizer, run.loss_fn, x, y, run.channels_last,
                                run.clip_grad_norm, norms)
        if norms is not None:  # no norm when the loss was not finite: no backward pass
            history.grad_norm.append(norms[0] if norms else math.nan)
            bit += history.grad_norm[-1] > run.clip_grad_norm
        history.loss.append(value)
        if not math.isfinite(value):
            history.diverged = (
                f"training diverged at step {step} (epoch {epoch + 1}, batch {i + 1}): the loss is {value} "
                f"at lr={group['lr']:g}. Lower the learning rate (e.g. lr={group['lr'] / 10:g}) "
                "or add a warmup")
            return None
        if run.ema is not None:
            run.ema.update(run.model)
        run.stepper.after_step()
        loss_sum += value * len(y)
        correct += (out.detach().argmax(1) == y).sum()
        bar.update(1)
    n = run.data.num_examples("train")
    metrics = {"train_loss": loss_sum / n, "train_acc": correct.item() / n}
    if run.clip_grad_norm is not None:
        metrics["clip_fraction"] = bit / run.data.num_batches("train", run.batch_size)
    return metrics


def _run_epoch(run: _Run, epoch: int, history: History, bar) -> bool:
    """Train epoch ``epoch``, evaluate, step the schedule and record it; False when it diverged."""
    t0 = time.perf_counter()
    run.stepper.before_epoch(epoch)
    history.epoch_lr.append(float(run.optimizer.param_groups[0]["lr"]))
    metrics = _train_epoch(run, epoch, history, bar)
    if metrics is None:
        return False
    set_mode(run.optimizer, training=False)  # schedule-free: evaluate (and checkpoint) at x
    splits = [s for s in ("val", "test") if s in getattr(run.data, "splits", ("train", "test"))]
    for split in splits:
        metrics[f"{split}_loss"], metrics[f"{split}_acc"] = evaluate(
            run.model, run.data, split, run.eval_batch_size, run.loss_fn, run.channels_last)
    if run.ema is not None:
        metrics.update(run.ema.evaluate(run.data, splits, batch_size=run.batch_size,
                                        eval_batch_size=run.eval_batch_size, loss_fn=run.loss_fn,
                                        channels_last=run.channels_last))
    run.stepper.after_epoch(epoch, metrics)
    for key, value in metrics.items():
        getattr(history, key).append(value)
    history.time.append(time.perf_counter() - t0)
    bar.set_postfix(loss=f"{metrics['train_loss']:.3f}", **{k: f"{v:.3f}" for k, v in metrics.items()
                                                  if k in ("val_acc", "test_acc")})
    return True


def _keep(history: History, exc: BaseException, epoch: int, checkpoint, pending: dict | None) -> None:
    """An exception stopped the run in ``epoch``: drop the records of a step and an epoch that
    never finished, say why in ``history.meta["stopped"]``, write the last completed epoch's
    checkpoint if it was not written yet, and attach the history to the exception as ``exc.history``."""
    del history.lr[len(history.loss):], history.momentum[len(history.loss):], history.grad_norm[len(history.loss):]
    done = len(history.time)  # an epoch's time is recorded last, once everything else is
    for name in EPOCH_FIELDS:
        del getattr(history, name)[done:]
    history.meta["stopped"] = (f"{type(exc).__name__} in epoch {epoch + 1}, after {history.epochs} "
                               f"completed epoch{'s' if history.epochs != 1 else ''}")
    if pending is not None:
        try:
            write_checkpoint(checkpoint, pending)
        except Exception as err:  # e.g. the disk is full: report the first exception, not this one
            history.meta["stopped"] += f"; the checkpoint of epoch {pending['epoch']} could not be written ({err})"
    try:
        exc.history = history
    except AttributeError:  # an exception class with __slots__: nothing to attach to
        pass


def train(model: nn.Module, optimizer: torch.optim.Optimizer, data=None, *, epochs: int,
          batch_size: int = 256, scheduler=None, scheduler_interval: str | None = None,
          plateau_metric: str | None = None, callable_convention: str = "exact", loss_fn=None,
          device=None, seed: int = 0, progress: bool | str = True, live="auto", checkpoint=None,
          checkpoint_every: int = 1, resume=None, on_divergence: str = "raise",
          eval_batch_size: int = 1000, channels_last: bool | None = None, ema: float | None = None,
          clip_grad_norm: float | None = None,
          meta: dict | None = None) -> History:
    """Train ``model`` with ``optimizer`` for ``epochs`` epochs and return its :class:`History`.

    Args:
        model: any ``nn.Module`` mapping images to logits; moved to ``device``.
        optimizer: any ``torch.optim.Optimizer`` over the model's parameters (torch's or lrcourse's).
            One with ``train()`` / ``eval()`` (schedule-free: ``SGDScheduleFree``,
            ``AdamWScheduleFree``) is put in train mode before each epoch's steps and in eval
            mode before each evaluation, so the metrics and the checkpoints are those of
            :math:`x`, the average; it is left in eval mode, the model at :math:`x`, when
            ``train`` returns (call ``optimizer.train()`` before stepping it yourself).
        data: a :class:`lrcourse.data.FashionMNIST` (default: all of Fashion-MNIST on ``device``).
        epochs: total epochs (a resumed run continues up to this number).
        batch_size: training batch size (default 256).
        scheduler: None; a torch-style scheduler; ``ReduceLROnPlateau``; or a callable
            ``lr = schedule(i)``. Epoch ``e`` trains at ``schedule(e)``; the d2l chapter's loop sets
            ``lr = scheduler(epoch)`` after each epoch, so its epoch ``e`` trains at
            ``scheduler(e-1)`` (and epoch 0 at the initial lr): ``callable_convention="d2l"``
            reproduces that. Details: :mod:`lrcourse.train.stepping`.
        scheduler_interval: "step" (after every batch) or "epoch"; required with a scheduler,
            except ``ReduceLROnPlateau`` (always per epoch).
        plateau_metric: what ``ReduceLROnPlateau`` is fed: "val_loss", "val_acc", "test_loss" or
            "test_acc" (default None: "val_loss" when ``data`` holds a validation split, else
            "test_loss").
        callable_convention: "exact" (default) or "d2l" (see ``scheduler``).
        loss_fn: batch-mean loss (default ``nn.CrossEntropyLoss()``).
        device: "cpu", "cuda", "mps" or None (cuda, then mps, then cpu).
        seed: seeds python/numpy/torch at the start and the per-epoch shuffling (default 0).
        progress: show a progress bar: True (default; in a notebook it leaves one clean final
            line in the saved output, :mod:`lrcourse.train.progress`), ``"transient"`` (shown while
            the run trains, removed when it ends: for loops that print their own summary) or False.
        live: redraw a loss/accuracy/lr figure each epoch in a notebook ("auto", True, False).
        checkpoint: path to write a checkpoint to every ``checkpoint_every`` epochs and at the end
            (and, when the run stops early, for the last completed epoch; see Raises).
        checkpoint_every: epochs between checkpoints (default 1).
        resume: a checkpoint path to continue from (same model, same optimizer class with the
            same settings and same scheduler type, freshly built; same data sizes, batch size,
            seed and schedule settings; a difference is a ValueError naming it).
        on_divergence: "raise" (default) raises :class:`DivergenceError` carrying ``.history``;
            "stop" warns and returns the history with ``history.diverged`` set.
        eval_batch_size: evaluation batch size (default 1000; accuracy does not depend on it, the
            mean loss only in float rounding).
        channels_last: keep the model's 4-D weights and every batch in channels-last (NHWC)
            layout: True, False, or None (default: True on the CPU, False elsewhere). Same
            math, about 1.1x faster LeNet epochs on one CPU thread and 1.3x on two
            (``benchmarks/README.md``); oneDNN then sums the convolutions in another order, so
            the numbers differ from ``channels_last=False`` in the last bits (about 1e-4 after
            30 steps), while runs stay bit-identical from run to run and across resume. The
            model is left in channels-last layout (same values, same ``state_dict``).
        ema: None (default), or a decay :math:`\\beta \\in (0, 1)`: keep an EMA of the weights,
            :math:`\\bar\\theta_t = \\beta\\,\\bar\\theta_{t-1} + (1-\\beta)\\,\\theta_t` after every
            step (``lrcourse.train.swa_utils.AveragedModel`` with ``get_ema_multi_avg_fn(ema)``), and
            evaluate it after every epoch beside the raw weights: ``history.ema_test_loss``,
            ``ema_test_acc`` (and ``ema_val_*``). A model with BatchNorm gets its averaged copy's
            statistics recomputed over the training batches first (``update_bn``; why:
            :mod:`lrcourse.train.averaging`). Checkpoints hold the EMA; a resume needs the same ``ema``.
        clip_grad_norm: None (default), or :math:`C > 0`: after every backward pass,
            ``lrcourse.train.clip_grad.clip_grad_norm_(model.parameters(), C)`` scales the gradient
            to norm :math:`C` when it is longer, before the optimizer reads it (LBFGS: inside
            the closure, so every gradient it evaluates). ``history.grad_norm`` records each
            step's gradient norm before clipping, ``history.clip_fraction`` each epoch's
            fraction of steps where clipping bit (norm > C). ``float("inf")`` records the norms
            and clips nothing; without clipping no norm is computed (it costs a pass over the
            gradients per step). A resume needs the same ``clip_grad_norm``.
        meta: extra entries for ``history.meta`` (made JSON-safe: tuples become lists, other
            objects their repr), saved with the history in checkpoints; ``lrcourse train`` puts
            its whole command-line configuration there. ``history.meta`` also records the
            optimizer and its settings, the scheduler, the data sizes, batch size, seed, device
            and the versions of lrcourse, torch and python.

    Returns:
        History: per-step lr/momentum/loss (and gradient norm) and per-epoch metrics (see :class:`History`).

    Raises:
        DivergenceError: the loss became NaN/inf and ``on_divergence="raise"``.
        KeyboardInterrupt, or any error while training: re-raised as it is, carrying the partial
            history as ``exc.history`` (every completed epoch and every finished step; the reason
            in ``history.meta["stopped"]``), after the last completed epoch's checkpoint was
            written when ``checkpoint`` is set. Save it with ``exc.history.save(folder)``, as
            ``lrcourse train`` does on Ctrl-C.
    """
    _check_arguments(model, optimizer, channels_last=channels_last, on_divergence=on_divergence, progress=progress,
                     epochs=epochs, batch_size=batch_size, checkpoint_every=checkpoint_every,
                     eval_batch_size=eval_batch_size)
    ema = check_decay(ema)
    if clip_grad_norm is not None:
        clip_grad_norm = checks.positive("clip_grad_norm", clip_grad_norm)
    stepper = Stepper(optimizer, scheduler, scheduler_interval, _plateau_metric(plateau_metric, data),
                      callable_convention)
    liveplot = LivePlot(live, title=f"{type(optimizer).__name__}, {stepper.name}")
    data, device, channels_last = place_on_device(model, data, device, channels_last)
    run = _Run(model, optimizer, data, stepper, loss_fn or nn.CrossEntropyLoss(), batch_size, seed,
               channels_last, eval_batch_size, None if ema is None else WeightEMA(model, ema), clip_grad_norm)
    nb = data.num_batches("train", batch_size)
    config = {"batch_size": batch_size, "seed": seed, "steps_per_epoch": nb,
              "examples": {split: data.num_examples(split) for split in getattr(data, "splits", ("train", "test"))},
              "optimizer": type(optimizer).__name__, "optimizer_settings": jsonable(optimizer_settings(optimizer)),
              "scheduler": "callable" if stepper.kind == "callable" else stepper.name,
              "scheduler_interval": stepper.interval, "callable_convention": callable_convention,
              "plateau_metric": stepper.metric if stepper.kind == "plateau" else None, "ema": ema,
              "clip_grad_norm": clip_grad_norm}
    meta = jsonable(meta or {})
    versions = {"lrcourse": __version__, "torch": torch.__version__, "python": platform.python_version()}
    first = {**config, "epochs": epochs, "device": str(device), "channels_last": channels_last,
             "versions": versions, **meta}
    history, start = start_run(run, resume, config, History(steps_per_epoch=nb, meta=first), epochs, meta)
    bar = progress_bar(epochs * nb, f"{type(optimizer).__name__} {stepper.name}", bool(progress), start * nb,
                       leave=progress is True)
    pending = None  # the last completed epoch's checkpoint while it is not written yet
    epoch = start
    try:
        for epoch in range(start, epochs):
            if not _run_epoch(run, epoch, history, bar):
                break
            liveplot.update(history)
            if checkpoint is not None:  # a copy, so that a Ctrl-C during the write can write it again
                pending = checkpoint_state(model=model, optimizer=optimizer, scheduler=scheduler,
                                           history=history, epoch=epoch + 1, config=config, ema=run.ema)
                if (epoch + 1) % checkpoint_every == 0 or epoch + 1 == epochs:
                    write_checkpoint(checkpoint, pending)
                    pending = None
    except BaseException as exc:  # Ctrl-C or an error: keep what is done, hand back the history
        _keep(history, exc, epoch, checkpoint, pending)
        raise
    finally:
        bar.close()
        set_mode(optimizer, training=False)  # schedule-free: leave the model at x, however the run ended
    if pending is not None:  # diverged between two checkpoints: keep the last completed epoch
        write_checkpoint(checkpoint, pending)
    liveplot.close(history)
    if history.diverged and on_divergence == "raise":
        raise DivergenceError(history.diverged, history)
    if history.diverged:
        warnings.warn(history.diverged, RuntimeWarning, stacklevel=2)
    return history
