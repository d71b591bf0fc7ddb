r"""The learning-rate range test ("LR finder") of fast.ai and torch-lr-finder.

Train for ``num_iter`` mini-batches while the learning rate grows from ``start_lr`` to
``end_lr``, record the loss at each step, and read a good learning rate off the curve:
the loss falls fastest somewhere below the rate at which training blows up.

The sweep (step :math:`i = 0, \dots, n-1`, :math:`n` = ``num_iter``) is a pure schedule,
:func:`sweep`, built from :func:`lrcourse.schedules.exponential` or
:func:`lrcourse.schedules.linear`:

.. math::

    \eta_i = \eta_0 \left(\frac{\eta_{end}}{\eta_0}\right)^{i/(n-1)} \quad (\text{exp}),
    \qquad
    \eta_i = \eta_0 + (\eta_{end} - \eta_0)\,\frac{i}{n-1} \quad (\text{linear}).

The smoothed loss is a bias-corrected exponential moving average (:mod:`lrcourse.ema`,
notebook 01) with weight :math:`s` = ``smooth`` on the newest loss, i.e. :math:`\beta = 1 - s`:

.. math::

    a_i = (1-s)\,a_{i-1} + s\,L_i,\quad a_{-1} = 0, \qquad
    \bar L_i = \frac{a_i}{1-(1-s)^{i+1}}.

Each step is the trainer's :func:`lrcourse.train.loop.batch_step`. The test stops early once
:math:`\bar L_i > d \cdot \min_{k \le i} \bar L_k` (``diverge_factor`` :math:`d`) or the loss is
not finite (that step is then not taken). fast.ai uses :math:`d = 4` (and :math:`s = 0.02`, its
``beta = 0.98``); torch-lr-finder uses :math:`d = 5`, :math:`s = 0.05` (without bias
correction). Afterwards the model and optimizer are put back exactly as they were.

The default sweep is fast.ai's, :math:`10^{-7}` to 10 in 100 steps. With plain SGD on a small CNN
(LeNet, batch 256) the loss does not move below lr ~0.01, so that sweep spends 62 of its 100 steps on
the flat part (:math:`\eta_i = 10^{-7+8i/99} < 0.01` for :math:`i \le 61`) and the few left show no
falling part before the loss blows up: narrow the range or take more steps (Smith 2017, §3.3, runs
the test over several epochs; notebook 09 sweeps 1e-3 to 3 in 400-600 steps).

A sweep that starts too high blows up within its first steps (:data:`EARLY`): the result says
``diverged_early``, ``plot()`` draws the few points with a note, and ``suggestion()`` raises a
ValueError naming ``start_lr`` and where the loss blew up.

Example:
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Linear(4, 1)
    >>> x, y = torch.randn(64, 4), torch.randn(64, 1)
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> result = lr_range_test(model, opt, [(x, y)], torch.nn.functional.mse_loss, start_lr=1e-4,
    ...                        num_iter=60, progress=False)
    >>> result.stop_reason, bool(result.lrs[-1] > 0.5)
    ('diverged', True)
    >>> result.suggestion("valley") < 0.5
    True

References:
    Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017 (the test).
    Smith, Topin, "Super-Convergence: Very Fast Training of Neural Networks Using Large
    Learning Rates", 2018 (the upper bound as one-cycle's peak).
    fast.ai ``Learner.lr_find`` (suggestions ``steepest``, ``minimum``, ``valley``);
    torch-lr-finder (https://github.com/davidtvs/pytorch-lr-finder).
"""
from __future__ import annotations

import copy
import math
import textwrap
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np
import torch

from .. import schedules
from ..ema import EMA, ema
from .. import checks
from .loop import batch_step
from .progress import progress_bar
from .stepping import set_lr

__all__ = ["LRFinderResult", "lr_range_test", "sweep", "smooth_losses", "falling_part"]

SUGGESTIONS = ("steepest", "minimum", "valley", "upper")
MODES = ("exp", "linear")
EARLY = 10  # a blow-up within this many steps leaves nothing to read: suggestion() skips 10 by default


def sweep(start_lr: float, end_lr: float, num_iter: int, mode: str = "exp") -> Callable[[int], float]:
    r"""The sweep as a pure schedule ``step -> lr``, built from the library's schedules.

    ``"exp"`` is :func:`lrcourse.schedules.exponential` with
    :math:`\gamma = (\eta_{end}/\eta_0)^{1/(n-1)}` and base :math:`\eta_0`; ``"linear"`` is
    :func:`lrcourse.schedules.linear` on base :math:`\eta_{end}`, its factor rising from
    :math:`\eta_0/\eta_{end}` to 1 over :math:`n-1` steps.

    Args:
        start_lr: :math:`\eta_0`, the lr at step 0, finite and > 0.
        end_lr: :math:`\eta_{end}`, the lr at step ``num_iter - 1``, finite and > ``start_lr``.
        num_iter: :math:`n`, the number of steps, int >= 2.
        mode: ``"exp"`` (default) or ``"linear"``.

    Example:
        >>> lr = sweep(1e-3, 10.0, 5)
        >>> [round(lr(i), 6) for i in range(5)]
        [0.001, 0.01, 0.1, 1.0, 10.0]
    """
    start_lr = checks.real("start_lr", start_lr, low=0.0, high=math.inf, low_open=True, high_open=True)
    end_lr = checks.real("end_lr", end_lr, low=0.0, high=math.inf, low_open=True, high_open=True)
    num_iter = checks.integer("num_iter", num_iter, low=2)
    if end_lr <= start_lr:
        raise ValueError(f"end_lr must be > start_lr={start_lr!r}, got end_lr={end_lr!r}")
    if checks.choice("mode", mode, MODES) == "exp":
        return schedules.exponential((end_lr / start_lr) ** (1 / (num_iter - 1)), lr=start_lr)
    return schedules.linear(start_lr / end_lr, 1.0, num_iter - 1, lr=end_lr)


def _check_smooth(smooth) -> float:
    return checks.real("smooth", smooth, low=0.0, high=1.0, low_open=True)


def smooth_losses(losses, smooth: float = 0.05) -> np.ndarray:
    r"""Bias-corrected EMA of ``losses`` with weight ``smooth`` on the newest value
    (:func:`lrcourse.ema.ema` with :math:`\beta = 1 - s`)."""
    return ema(losses, 1 - _check_smooth(smooth), bias_correction=True)


@dataclass(repr=False)
class LRFinderResult:
    """What :func:`lr_range_test` recorded: one entry per completed step.

    Attributes:
        lrs: learning rate used at each step.
        losses: raw mini-batch loss at each step.
        smoothed: bias-corrected EMA of ``losses``.
        diverged: True when the test stopped early because the loss blew up.
        stop_reason: ``"completed"``, ``"diverged"``, ``"non-finite loss"`` or
            ``"batches exhausted"``.
        diverged_early: (read-only) True when the loss blew up within the first :data:`EARLY`
            steps: the range starts too high, and there is no curve to read a suggestion from.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    diverged: bool
    stop_reason: str

    @property
    def diverged_early(self) -> bool:
        return bool(self.diverged) and 0 < len(self.lrs) <= EARLY

    def __repr__(self) -> str:
        if not len(self.lrs):
            return f"LRFinderResult(0 steps, {self.stop_reason})"
        early = f"; diverged early: start_lr={self.lrs[0]:.3g} is too high" if self.diverged_early else ""
        return (f"LRFinderResult({len(self.lrs)} steps, lr {self.lrs[0]:.3g} to {self.lrs[-1]:.3g}, "
                f"{self.stop_reason}{early})")

    def _early_note(self) -> str:
        """Why a run that diverged early has no suggestion, and what to do (the ValueError's text)."""
        k, lr, start = len(self.lrs), float(self.lrs[-1]), float(self.lrs[0])
        if not np.isfinite(self.losses[0]):
            return (f"the loss was {self.losses[0]} at step 1, before any update: the model or the data give "
                    "non-finite values whatever the learning rate, so there is no curve to read a suggestion from")
        how = (f"was {self.losses[-1]}" if not np.isfinite(self.losses[-1]) else
               f"blew up (smoothed {self.smoothed[-1]:.3g}, lowest {np.nanmin(self.smoothed):.3g})")
        lower = 10.0 ** math.floor(math.log10(min(lr / 1000, start / 10)))
        return (f"the range starts too high (start_lr={start:.3g}): the loss {how} at step {k} (lr={lr:.3g}), "
                f"within the first {EARLY} steps, so there is no curve to read a suggestion from; run "
                f"lr_range_test again with a lower start_lr, e.g. start_lr={lower:g} (at least 1000 times "
                "below where it blew up)")

    def _trimmed(self, skip_start: int, skip_end: int) -> tuple[np.ndarray, np.ndarray]:
        checks.integer("skip_start", skip_start)
        checks.integer("skip_end", skip_end)
        if self.diverged_early:
            raise ValueError(self._early_note())
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

        ``steepest``, ``valley`` and ``upper`` look only at the *falling part*
        (:func:`falling_part`): from the last point still near the starting level to the first
        point near the lowest loss. fast.ai runs ``valley`` on the whole curve, where a long
        noisy flat start can hold the longest decreasing run and put the suggestion on the flat
        part.

        Args:
            method: ``"steepest"`` (torch-lr-finder, fast.ai ``steep``): where the smoothed
                loss falls fastest per decade of lr; ``"minimum"`` (fast.ai ``minimum``):
                the lr of the lowest smoothed loss divided by 10; ``"valley"`` (fast.ai):
                halfway along the longest stretch over which the loss keeps decreasing;
                ``"upper"`` (Smith 2017, section 3.3): the end of the falling part, where the
                loss stops falling, the upper bound of a cycle (``CyclicLR``'s or
                ``OneCycleLR``'s ``max_lr``), too large to hold constant.
            skip_start: points dropped at the start (default 10, as torch-lr-finder).
            skip_end: points dropped at the end (default 5), where the loss blows up.

        Raises:
            ValueError: the run diverged early (``diverged_early``: the range starts too high;
                the message names ``start_lr``, the step and lr where the loss blew up, and a
                lower ``start_lr`` to try), or fewer than 3 points are left after the skips.
        """
        checks.choice("method", method, SUGGESTIONS)
        lrs, loss = self._trimmed(skip_start, skip_end)
        if method == "minimum":
            return float(lrs[np.argmin(loss)] / 10)
        lo, hi = falling_part(loss)
        if method == "upper":
            return float(lrs[hi])
        lrs, loss = lrs[lo:hi + 1], loss[lo:hi + 1]
        if method == "steepest":
            return float(lrs[np.argmin(np.gradient(loss, np.log10(lrs)))])
        return float(lrs[_valley_index(loss)])

    def plot(self, ax=None, method: str | Sequence[str] | None = "steepest", log: bool = True,
             skip_start: int = 10, skip_end: int = 5):
        """Loss against lr (log axis): raw losses faint, smoothed bold, ``suggestion(m, skip_start,
        skip_end)`` marked for ``m`` in ``method`` (a name, several names, or ``None``: no mark).
        A run that diverged early is drawn as recorded (dots, even one or two) with a note on the
        figure in place of the marks. Returns the Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.6))
        dots = "o" if self.diverged_early else None
        ax.plot(self.lrs, self.losses, color="C0", alpha=0.3, lw=1, marker=dots, label="raw loss")
        ax.plot(self.lrs, self.smoothed, color="C0", lw=2, marker=dots, label="smoothed loss")
        methods = () if method is None else (method,) if isinstance(method, str) else tuple(method)
        if self.diverged_early:
            ax.text(0.02, 0.95, textwrap.fill(self._early_note(), 80), transform=ax.transAxes, va="top",
                    fontsize=8, color="C3")
            methods = ()
        for colour, name in enumerate(methods, start=3):
            lr = self.suggestion(name, skip_start, skip_end)
            i = int(np.argmin(np.abs(np.log(self.lrs) - np.log(lr))))
            ax.axvline(lr, color=f"C{colour}", ls="--", lw=1)
            ax.plot([lr], [self.smoothed[i]], "o", color=f"C{colour}", label=f"{name}: lr={lr:.2e}")
        if log:
            ax.set_xscale("log")
        finite = self.smoothed[np.isfinite(self.smoothed)]
        if finite.size and finite[0] > 0 and not self.diverged_early:  # keep the blow-up from squashing the curve
            top = min(finite.max(), 1.5 * finite[0])
            ax.set_ylim(finite.min() - 0.05 * (top - finite.min()), top * 1.05)
        ax.set_xlabel("learning rate" + (" (log scale)" if log else ""))
        ax.set_ylabel("training loss")
        early = ", diverged early" if self.diverged_early else ""
        ax.set_title(f"LR range test ({len(self.lrs)} steps, {self.stop_reason}{early})")
        ax.legend(loc="best")
        return ax


def falling_part(loss, level: float = 0.05) -> tuple[int, int]:
    r"""Indices ``(lo, hi)`` of the falling part of a smoothed range-test curve :math:`\bar L`, the
    stretch over which it covers the middle of its drop :math:`D = \bar L_0 - \min \bar L`: ``lo``
    is the last point before the minimum still above :math:`\bar L_0 - \text{level}\cdot D`, ``hi``
    the first point below :math:`\min \bar L + \text{level}\cdot D`. At least 3 points long when
    the curve has 3.

    Example:
        >>> falling_part(np.array([2.0, 2.01, 1.99, 1.5, 1.0, 0.8, 3.0]))
        (2, 5)
    """
    loss = np.asarray(loss, dtype=float)
    low = int(np.argmin(loss))
    drop = loss[0] - loss[low]
    lo = int(np.nonzero(loss[:low + 1] >= loss[0] - level * drop)[0][-1])
    hi = lo + int(np.argmax(loss[lo:low + 1] <= loss[low] + level * drop))
    lo = min(lo, max(0, hi - 2))
    return lo, max(hi, min(len(loss) - 1, lo + 2))


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


def _cycle(passes: Callable[[int], Iterable]):
    """The batches of ``passes(0)``, then ``passes(1)``, ...; ends at the first pass that is empty."""
    epoch = 0
    while True:
        empty = True
        for batch in passes(epoch):
            empty = False
            yield batch
        if empty:
            return
        epoch += 1


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
        optimizer: any ``torch.optim.Optimizer`` over the model's parameters (or some of them:
            the others stay frozen); every param group's ``lr`` is set to the sweep's value at
            each step. One that holds none of the model's parameters is refused (ValueError).
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
        progress: show a progress bar while the test runs, removed when it ends (default True).

    Returns:
        :class:`LRFinderResult` with ``lrs``, ``losses``, ``smoothed``, ``diverged_early``,
        ``suggestion()``, ``plot()``.
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
    lr_at = sweep(start_lr, end_lr, num_iter, mode)
    smoother = EMA(beta=1 - _check_smooth(smooth), bias_correction=True)
    checks.real("diverge_factor", diverge_factor, low=1.0, high=math.inf, low_open=True, high_open=True)
    checks.flag("progress", progress)
    params = list(model.parameters())
    if not params:
        raise ValueError("model has no parameters to train")
    held = [p for group in optimizer.param_groups for p in group["params"]]
    if not {id(p) for p in held} & {id(p) for p in params}:
        raise ValueError(f"optimizer holds none of the model's parameters (its {len(held)} tensors belong to "
                         "something else, e.g. another model), so the test would train nothing: build it over "
                         "model.parameters()")

    saved = (copy.deepcopy(model.state_dict()), copy.deepcopy(optimizer.state_dict()), model.training)
    device = params[0].device
    lrs, losses, smoothed = [], [], []
    reason = "completed"
    model.train()
    stream = _cycle(passes)
    bar = progress_bar(num_iter, "LR range test", progress, leave=False)
    try:
        for i in range(num_iter):
            batch = next(stream, None)
            if batch is None:
                if i == 0:
                    raise ValueError("batches yielded no (inputs, targets) pairs")
                reason = "batches exhausted"
                break
            x, y = batch
            lrs.append(lr_at(i))
            set_lr(optimizer, lrs[-1])
            loss, _ = batch_step(model, optimizer, loss_fn, x.to(device), y.to(device))
            losses.append(loss)
            smoothed.append(smoother.update(loss))
            bar.update(1)
            if not math.isfinite(loss):
                reason = "non-finite loss"
                break
            if smoothed[-1] > diverge_factor * min(smoothed):
                reason = "diverged"
                break
    finally:
        bar.close()
        if restore:
            model.load_state_dict(saved[0])
            optimizer.load_state_dict(saved[1])
            model.train(saved[2])
    return LRFinderResult(lrs=np.array(lrs), losses=np.array(losses), smoothed=np.array(smoothed),
                          diverged=reason in ("diverged", "non-finite loss"), stop_reason=reason)
