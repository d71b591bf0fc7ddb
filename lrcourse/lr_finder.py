r"""The learning-rate range test ("LR finder") of fast.ai and torch-lr-finder.

Train for ``num_iter`` mini-batches while the learning rate grows from ``start_lr`` to
``end_lr``, record the loss at each step, and read a good learning rate off the curve:
the loss falls fastest somewhere below the rate at which training blows up.

The sweep (step :math:`i = 0, \dots, n-1`, :math:`n` = ``num_iter``):

.. math::

    \eta_i = \eta_0 \left(\frac{\eta_{end}}{\eta_0}\right)^{i/(n-1)} \quad (\text{exp}),
    \qquad
    \eta_i = \eta_0 + (\eta_{end} - \eta_0)\,\frac{i}{n-1} \quad (\text{linear}).

The smoothed loss is a bias-corrected exponential moving average (notebook 01) with
weight :math:`s` = ``smooth`` on the newest loss:

.. math::

    a_i = (1-s)\,a_{i-1} + s\,L_i,\quad a_{-1} = 0, \qquad
    \bar L_i = \frac{a_i}{1-(1-s)^{i+1}}.

The test stops early once :math:`\bar L_i > d \cdot \min_{k \le i} \bar L_k` (``diverge_factor``
:math:`d`) or the loss is not finite. fast.ai uses :math:`d = 4` (and :math:`s = 0.02`, its
``beta = 0.98``); torch-lr-finder uses :math:`d = 5`, :math:`s = 0.05` (without bias
correction). Afterwards the model and optimizer are put back exactly as they were.

Example:
    >>> result = lr_range_test(model, optimizer, train_batches, torch.nn.functional.cross_entropy)
    >>> result.suggestion("valley")  # doctest: +SKIP
    >>> result.plot()                # doctest: +SKIP

References:
    Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017 (the test).
    fast.ai ``Learner.lr_find`` (suggestions ``steepest``, ``minimum``, ``valley``);
    torch-lr-finder (https://github.com/davidtvs/pytorch-lr-finder).
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Callable, Iterable

import numpy as np
import torch
from tqdm.auto import tqdm

__all__ = ["LRFinderResult", "lr_range_test", "sweep_lrs", "smooth_losses"]

SUGGESTIONS = ("steepest", "minimum", "valley")


def _check_number(name: str, value, *, integer: bool = False, above=None, at_least=None) -> None:
    """TypeError unless a (finite) number; ValueError unless > ``above`` / >= ``at_least``."""
    kind, what = (Integral, "an int") if integer else (Real, "a real number")
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if above is not None and not value > above:
        raise ValueError(f"{name} must be > {above}, got {value!r}")
    if at_least is not None and not value >= at_least:
        raise ValueError(f"{name} must be >= {at_least}, got {value!r}")


def sweep_lrs(start_lr: float, end_lr: float, num_iter: int, mode: str = "exp") -> np.ndarray:
    """The ``num_iter`` learning rates of the sweep, from ``start_lr`` to ``end_lr`` inclusive."""
    _check_number("start_lr", start_lr, above=0)
    _check_number("end_lr", end_lr, above=0)
    _check_number("num_iter", num_iter, integer=True, at_least=2)
    if end_lr <= start_lr:
        raise ValueError(f"end_lr must be > start_lr={start_lr!r}, got end_lr={end_lr!r}")
    if mode not in ("exp", "linear"):
        raise ValueError(f"mode must be 'exp' or 'linear', got {mode!r}")
    frac = np.arange(num_iter) / (num_iter - 1)
    if mode == "exp":
        return start_lr * (end_lr / start_lr) ** frac
    return start_lr + (end_lr - start_lr) * frac


def smooth_losses(losses, smooth: float = 0.05) -> np.ndarray:
    """Bias-corrected EMA of ``losses`` with weight ``smooth`` on the newest value."""
    _check_smooth(smooth)
    out, avg = np.empty(len(losses)), 0.0
    for i, loss in enumerate(losses):
        avg = (1 - smooth) * avg + smooth * float(loss)
        out[i] = avg / (1 - (1 - smooth) ** (i + 1))
    return out


def _check_smooth(smooth) -> None:
    if isinstance(smooth, bool) or not isinstance(smooth, Real):
        raise TypeError(f"smooth must be a real number in (0, 1], got {smooth!r}")
    if not 0 < smooth <= 1:
        raise ValueError(f"smooth must be in (0, 1] (1 = no smoothing), got {smooth!r}")


@dataclass
class LRFinderResult:
    """What :func:`lr_range_test` recorded: one entry per completed step.

    Attributes:
        lrs: learning rate used at each step.
        losses: raw mini-batch loss at each step.
        smoothed: bias-corrected EMA of ``losses``.
        diverged: True when the test stopped early because the loss blew up.
        stop_reason: ``"completed"``, ``"diverged"``, ``"non-finite loss"`` or
            ``"batches exhausted"``.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    diverged: bool
    stop_reason: str

    def _trimmed(self, skip_start: int, skip_end: int) -> tuple[np.ndarray, np.ndarray]:
        for name, v in (("skip_start", skip_start), ("skip_end", skip_end)):
            _check_number(name, v, integer=True, at_least=0)
        finite = np.isfinite(self.smoothed)
        lrs, loss = self.lrs[finite], self.smoothed[finite]
        lrs, loss = lrs[skip_start:len(lrs) - skip_end], loss[skip_start:len(loss) - skip_end]
        if len(lrs) < 3:
            raise ValueError(
                f"too few points for a suggestion: {len(self.lrs)} recorded, {len(lrs)} left "
                f"after skip_start={skip_start}, skip_end={skip_end}; need >= 3 "
                "(use a larger num_iter or smaller skips)")
        return lrs, loss

    def suggestion(self, method: str = "steepest", skip_start: int = 10, skip_end: int = 5) -> float:
        """A learning rate read off the smoothed curve.

        Args:
            method: ``"steepest"`` (torch-lr-finder, fast.ai ``steep``): where the smoothed
                loss falls fastest per decade of lr; ``"minimum"`` (fast.ai ``minimum``):
                the lr of the lowest smoothed loss divided by 10; ``"valley"`` (fast.ai):
                halfway along the longest stretch over which the loss keeps decreasing.
            skip_start: points dropped at the start (default 10, as torch-lr-finder).
            skip_end: points dropped at the end (default 5), where the loss blows up.
        """
        if method not in SUGGESTIONS:
            raise ValueError(f"method must be one of {SUGGESTIONS}, got {method!r}")
        lrs, loss = self._trimmed(skip_start, skip_end)
        if method == "minimum":
            return float(lrs[np.argmin(loss)] / 10)
        if method == "steepest":
            return float(lrs[np.argmin(np.gradient(loss, np.log10(lrs)))])
        return float(lrs[_valley_index(loss)])

    def plot(self, ax=None, method: str | None = "steepest", log: bool = True, skip_start: int = 10,
             skip_end: int = 5):
        """Loss against lr (log axis): raw losses faint, smoothed bold, ``suggestion(method,
        skip_start, skip_end)`` marked (``method=None``: no mark). Returns the Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.6))
        ax.plot(self.lrs, self.losses, color="C0", alpha=0.3, lw=1, label="raw loss")
        ax.plot(self.lrs, self.smoothed, color="C0", lw=2, label="smoothed loss")
        if method is not None:
            lr = self.suggestion(method, skip_start, skip_end)
            i = int(np.argmin(np.abs(np.log(self.lrs) - np.log(lr))))
            ax.axvline(lr, color="C3", ls="--", lw=1)
            ax.plot([lr], [self.smoothed[i]], "o", color="C3", label=f"{method}: lr={lr:.2e}")
        if log:
            ax.set_xscale("log")
        finite = self.smoothed[np.isfinite(self.smoothed)]
        if finite.size and finite[0] > 0:  # keep the blow-up from squashing the curve
            top = min(finite.max(), 1.5 * finite[0])
            ax.set_ylim(finite.min() - 0.05 * (top - finite.min()), top * 1.05)
        ax.set_xlabel("learning rate" + (" (log scale)" if log else ""))
        ax.set_ylabel("training loss")
        ax.set_title(f"LR range test ({len(self.lrs)} steps, {self.stop_reason})")
        ax.legend(loc="best")
        return ax


def _valley_index(loss: np.ndarray) -> int:
    """fast.ai's ``valley``: longest decreasing subsequence, then halfway along it."""
    n = len(loss)
    lds = [1] * n
    best_start, best_end = 0, 0
    for i in range(1, n):
        for j in range(i):
            if loss[i] < loss[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
            if lds[best_end] < lds[i]:
                best_end, best_start = i, i - lds[i]
    third = (best_end - best_start) / 3
    return min(n - 1, best_start + int(third) + int(third / 2))


def lr_range_test(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    batches: Iterable,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_iter: int = 100,
    mode: str = "exp",
    smooth: float = 0.05,
    diverge_factor: float = 4.0,
    restore: bool = True,
    progress: bool = True,
) -> LRFinderResult:
    """Sweep the learning rate over ``num_iter`` training steps and record the loss.

    Args:
        model: the network; put in ``train()`` mode for the test.
        optimizer: any ``torch.optim.Optimizer`` over the model's parameters; every
            param group's ``lr`` is set to the sweep's value at each step.
        batches: iterable of ``(inputs, targets)``, iterated again when exhausted (lists,
            DataLoaders; a one-shot iterator that runs dry ends the test early), or a callable
            ``batches(epoch) -> iterable`` called for pass 0, 1, ... (e.g.
            ``lambda e: data.batches("train", 256, epoch=e)``).
        loss_fn: ``loss_fn(model(inputs), targets) -> scalar tensor``.
        start_lr: first learning rate (default 1e-7, as fast.ai).
        end_lr: last learning rate (default 10).
        num_iter: number of steps (default 100).
        mode: ``"exp"`` (geometric sweep, default) or ``"linear"``.
        smooth: EMA weight of the newest loss, in (0, 1] (default 0.05; 1 = raw).
        diverge_factor: stop when the smoothed loss exceeds this multiple of the best
            smoothed loss so far (default 4 as fast.ai; torch-lr-finder uses 5). > 1.
        restore: put model weights, optimizer state and lrs back afterwards (default True).
        progress: show a tqdm progress bar (default True).

    Returns:
        :class:`LRFinderResult` with ``lrs``, ``losses``, ``smoothed``, ``suggestion()``, ``plot()``.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable (outputs, targets) -> loss, got {loss_fn!r}")
    if not (hasattr(batches, "__iter__") or callable(batches)):
        raise TypeError("batches must be an iterable of (inputs, targets) or a callable epoch -> iterable, "
                        f"got {type(batches).__name__}")
    passes = batches if callable(batches) else (lambda epoch: batches)
    lrs = sweep_lrs(start_lr, end_lr, num_iter, mode)
    _check_smooth(smooth)
    _check_number("diverge_factor", diverge_factor, above=1)  # fast.ai 4, torch-lr-finder 5
    params = list(model.parameters())
    if not params:
        raise ValueError("model has no parameters to train")

    saved = (copy.deepcopy(model.state_dict()), copy.deepcopy(optimizer.state_dict()), model.training)
    device = params[0].device
    losses: list[float] = []
    avg, best = 0.0, math.inf
    reason = "completed"
    model.train()
    try:
        epoch = 0
        it = iter(passes(epoch))
        for i in tqdm(range(num_iter), desc="LR range test", disable=not progress, leave=False):
            try:
                x, y = next(it)
            except StopIteration:
                epoch += 1
                it = iter(passes(epoch))
                try:
                    x, y = next(it)
                except StopIteration:
                    if i == 0:
                        raise ValueError("batches yielded no (inputs, targets) pairs") from None
                    reason = "batches exhausted"
                    break
            for group in optimizer.param_groups:
                group["lr"] = float(lrs[i])
            optimizer.zero_grad()
            loss = loss_fn(model(x.to(device)), y.to(device))
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
            if not math.isfinite(losses[-1]):
                reason = "non-finite loss"
                break
            avg = (1 - smooth) * avg + smooth * losses[-1]
            current = avg / (1 - (1 - smooth) ** (i + 1))
            best = min(best, current)
            if current > diverge_factor * best:
                reason = "diverged"
                break
    finally:
        if restore:
            model.load_state_dict(saved[0])
            optimizer.load_state_dict(saved[1])
            model.train(saved[2])
    n = len(losses)
    return LRFinderResult(lrs=lrs[:n], losses=np.asarray(losses, dtype=float),
                          smoothed=smooth_losses(losses, smooth),
                          diverged=reason in ("diverged", "non-finite loss"), stop_reason=reason)
