"""The training loop: any optimizer, any schedule, on-device data, checkpoints, divergence stop.

One epoch :math:`e` runs the batches of ``data.batches("train", ..., seed, epoch=e)``; for
each, :math:`\\theta \\leftarrow \\mathrm{opt}(\\theta, \\nabla_\\theta \\ell)` at the lr the
schedule sets (see :mod:`lrcourse.train.stepping` for when each kind of schedule is applied),
then the model is evaluated on the test split in batches under ``torch.no_grad``.

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
import time
import warnings

import torch
from torch import nn

from .checkpoint import load_checkpoint, save_checkpoint
from .device import resolve_device, seed_everything, set_rng_state
from .history import History
from .live import LivePlot
from .stepping import Stepper

DIVERGENCE_MODES = ("raise", "stop")


class DivergenceError(RuntimeError):
    """The loss became NaN or inf; ``.history`` holds everything up to that step."""

    def __init__(self, message: str, history: History):
        super().__init__(message)
        self.history = history


def _momentum(group: dict):
    if "momentum" in group:
        return float(group["momentum"])
    if "betas" in group:
        return float(group["betas"][0])
    return None


def _layout(x: torch.Tensor, channels_last: bool) -> torch.Tensor:
    return x.contiguous(memory_format=torch.channels_last) if channels_last and x.dim() == 4 else x


@torch.inference_mode()
def evaluate(model: nn.Module, data, split: str = "test", batch_size: int = 1000, loss_fn=None,
             channels_last: bool = False):
    """(mean loss, accuracy) of ``model`` on a split, in batches, in eval mode.

    ``loss_fn`` must average over the batch (default ``nn.CrossEntropyLoss()``);
    ``channels_last`` feeds the images in NHWC layout (see :func:`train`).
    """
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    was_training = model.training
    model.eval()
    total_loss = torch.zeros((), dtype=torch.float64, device=data.device)
    correct = torch.zeros((), dtype=torch.int64, device=data.device)
    for x, y in data.batches(split, batch_size, shuffle=False):
        out = model(_layout(x, channels_last))
        total_loss += loss_fn(out, y).double() * len(y)
        correct += (out.argmax(1) == y).sum()
    model.train(was_training)
    n = data.num_examples(split)
    return total_loss.item() / n, correct.item() / n


def _check_int(name: str, value, low: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")


def train(model: nn.Module, optimizer: torch.optim.Optimizer, data=None, *, epochs: int,
          batch_size: int = 256, scheduler=None, scheduler_interval: str | None = None,
          plateau_metric: str = "test_loss", callable_convention: str = "exact", loss_fn=None,
          device=None, seed: int = 0, progress: bool = True, live="auto", checkpoint=None,
          checkpoint_every: int = 1, resume=None, on_divergence: str = "raise",
          eval_batch_size: int = 1000, channels_last: bool = False) -> History:
    """Train ``model`` with ``optimizer`` for ``epochs`` epochs and return its :class:`History`.

    Args:
        model: any ``nn.Module`` mapping images to logits; moved to ``device``.
        optimizer: any ``torch.optim.Optimizer`` over the model's parameters (torch's or lrcourse's).
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
        plateau_metric: "test_loss" (default) or "test_acc": what ``ReduceLROnPlateau`` is fed.
        callable_convention: "exact" (default) or "d2l" (see ``scheduler``).
        loss_fn: batch-mean loss (default ``nn.CrossEntropyLoss()``).
        device: "cpu", "cuda", "mps" or None (cuda, then mps, then cpu).
        seed: seeds python/numpy/torch at the start and the per-epoch shuffling (default 0).
        progress: show a tqdm progress bar (default True).
        live: redraw a loss/accuracy/lr figure each epoch in a notebook ("auto", True, False).
        checkpoint: path to write a checkpoint to every ``checkpoint_every`` epochs and at the end.
        checkpoint_every: epochs between checkpoints (default 1).
        resume: a checkpoint path to continue from (same model, optimizer and scheduler types,
            freshly built; same batch size, seed and schedule settings).
        on_divergence: "raise" (default) raises :class:`DivergenceError` carrying ``.history``;
            "stop" warns and returns the history with ``history.diverged`` set.
        eval_batch_size: test-split batch size (default 1000; does not change the results).
        channels_last: keep the model's 4-D weights and every batch in channels-last (NHWC)
            layout (default False). Same math, about 1.1x faster LeNet epochs on one CPU thread
            and 1.2x on two (``benchmarks/README.md``), but oneDNN then sums the convolutions
            in another order, so losses and weights differ from the default in the last bits
            (about 1e-4 after 30 steps): opt-in, itself seeded and reproducible. The model is
            left in channels-last layout (same values, same ``state_dict``).

    Returns:
        History: per-step lr/momentum/loss and per-epoch metrics (see :class:`History`).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    _check_int("epochs", epochs)
    _check_int("batch_size", batch_size)
    _check_int("checkpoint_every", checkpoint_every)
    _check_int("eval_batch_size", eval_batch_size)
    if not isinstance(channels_last, bool):
        raise TypeError(f"channels_last must be True or False, got {channels_last!r}")
    if on_divergence not in DIVERGENCE_MODES:
        raise ValueError(f"on_divergence must be 'raise' or 'stop', got {on_divergence!r}")
    owned = {id(p) for p in model.parameters()}
    if not any(id(p) in owned for g in optimizer.param_groups for p in g["params"]):
        raise ValueError("optimizer holds none of model's parameters: build it from model.parameters()")
    stepper = Stepper(optimizer, scheduler, scheduler_interval, plateau_metric, callable_convention)
    liveplot = LivePlot(live, title=f"{type(optimizer).__name__}, {stepper.name}")
    device = resolve_device(device) if device is not None or data is None else data.device
    if data is None:
        from ..data import fashion_mnist
        data = fashion_mnist(device=device)
    elif data.device != device:
        data = data.to(device)
    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    nb, n_train = data.num_batches("train", batch_size), data.num_examples("train")
    config = {"batch_size": batch_size, "seed": seed, "steps_per_epoch": nb, "scheduler": "callable" if stepper.kind == "callable" else stepper.name,
              "scheduler_interval": stepper.interval, "callable_convention": callable_convention}
    history = History(steps_per_epoch=nb, meta={**config, "optimizer": type(optimizer).__name__,
                                                "epochs": epochs, "device": str(device),
                                                "channels_last": channels_last})
    start = 0
    if resume is not None:
        state = load_checkpoint(resume)
        for key, value in config.items():
            if state["config"].get(key) != value:
                raise ValueError(f"resume: {resume} was written with {key}={state['config'].get(key)!r}, "
                                 f"this run has {key}={value!r}")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if state["scheduler"] is not None and hasattr(scheduler, "load_state_dict"):
            scheduler.load_state_dict(state["scheduler"])
        set_rng_state(state["rng"])
        history = History.from_dict(state["history"])
        history.meta["epochs"] = epochs
        start = state["epoch"]
    else:
        seed_everything(seed)

    from tqdm.auto import tqdm
    bar = tqdm(total=epochs * nb, initial=start * nb, disable=not progress, unit="step",
               desc=f"{type(optimizer).__name__} {stepper.name}", leave=True)
    try:
        for epoch in range(start, epochs):
            t0 = time.perf_counter()
            stepper.before_epoch(epoch)
            history.epoch_lr.append(float(optimizer.param_groups[0]["lr"]))
            model.train()
            correct = torch.zeros((), dtype=torch.int64, device=device)
            loss_sum = 0.0
            for i, (x, y) in enumerate(data.batches("train", batch_size, shuffle=True, seed=seed, epoch=epoch)):
                step = epoch * nb + i
                stepper.before_step(step)
                group = optimizer.param_groups[0]
                history.lr.append(float(group["lr"]))
                history.momentum.append(_momentum(group))
                optimizer.zero_grad(set_to_none=True)
                out = model(_layout(x, channels_last))
                loss = loss_fn(out, y)
                value = loss.item()
                history.loss.append(value)
                if not math.isfinite(value):
                    history.diverged = (
                        f"training diverged at step {step} (epoch {epoch}, batch {i}): the loss is {value} "
                        f"at lr={group['lr']:g}. Lower the learning rate (e.g. lr={group['lr'] / 10:g}) "
                        "or add a warmup")
                    break
                loss.backward()
                optimizer.step()
                stepper.after_step()
                loss_sum += value * len(y)
                correct += (out.detach().argmax(1) == y).sum()
                bar.update(1)
            if history.diverged:
                break
            test_loss, test_acc = evaluate(model, data, "test", eval_batch_size, loss_fn, channels_last)
            stepper.after_epoch(epoch, test_loss, test_acc)
            history.train_loss.append(loss_sum / n_train)
            history.train_acc.append(correct.item() / n_train)
            history.test_loss.append(test_loss)
            history.test_acc.append(test_acc)
            history.time.append(time.perf_counter() - t0)
            bar.set_postfix(loss=f"{history.train_loss[-1]:.3f}", test_acc=f"{test_acc:.3f}")
            liveplot.update(history)
            if checkpoint is not None and ((epoch + 1) % checkpoint_every == 0 or epoch + 1 == epochs):
                save_checkpoint(checkpoint, model=model, optimizer=optimizer, scheduler=scheduler,
                                history=history, epoch=epoch + 1, config=config)
    finally:
        bar.close()
    liveplot.close(history)
    if history.diverged:
        if on_divergence == "raise":
            raise DivergenceError(history.diverged, history)
        warnings.warn(history.diverged, RuntimeWarning, stacklevel=2)
    return history
