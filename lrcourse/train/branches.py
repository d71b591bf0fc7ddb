r"""Cooldowns branched from one constant-lr run: every budget of a warmup-stable-decay (WSD) schedule
for the price of one long run plus a short decay per budget.

A WSD run of :math:`T` steps holds the peak lr until :math:`T - D` and then decays to 0 over the
last :math:`D` steps (:func:`lrcourse.schedules.wsd`). Up to :math:`T - D` every budget's schedule
is the same constant, so one run at the constant lr can be *branched* at :math:`T_B - D_B` for
each budget :math:`T_B`: copy the model and the optimizer state, and decay the copy. Hägele et al.
(2024) found such cooldowns match a cosine run of the same length; this module makes the
experiment (:func:`cooldown_branches`) and the plain runs it is compared with (:func:`train_steps`).

:func:`train_steps` trains a range of steps ``[start, stop)`` at ``lr = schedule(t)`` on exactly
the batches :func:`lrcourse.train.train` would use at those steps (same ``seed``, same epoch
order, same batch step and layout), so a branch equals, bit for bit, a run trained from scratch
with its whole WSD schedule (``tests/test_train_branches.py`` checks it against ``train``).

Example:
    >>> import torch
    >>> from lrcourse.data import FashionMNIST
    >>> from lrcourse.models import LeNet
    >>> img = torch.zeros(64, 1, 28, 28, dtype=torch.uint8)
    >>> data = FashionMNIST(img, torch.arange(64) % 10, img[:16], torch.arange(16) % 10)
    >>> model = LeNet(); opt = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> runs = cooldown_branches(model, opt, data, [4, 8], lr=0.1, warmup_steps=1, batch_size=16,
    ...                          progress=False)
    >>> sorted(runs.branches), runs.main.stop, runs.steps_trained   # (budget, shape): 0.8 of 8 = 6 steps
    ([(4, '1-sqrt'), (4, 'linear'), (8, '1-sqrt'), (8, 'linear')], 6, 12)

Reference: Hägele, Bakouch, Kosson, Ben Allal, Von Werra, Jaggi, "Scaling laws and compute-optimal
training beyond fixed training durations" (NeurIPS 2024, arXiv 2405.18392); Hu et al., "MiniCPM"
(2024).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch
from torch import nn

from .. import checks
from ..schedules import wsd
from ..schedules.llm import DECAY_SHAPES
from .loop import batch_step, evaluate
from .progress import progress_bar
from .stepping import set_lr
from .trainer import place_on_device


@dataclass
class Segment:
    """Steps ``start`` .. ``stop - 1`` of one run: the lr and the mini-batch loss of each step, and
    the test loss and accuracy after ``eval_steps[i]`` steps (counted from the run's step 0)."""

    start: int
    lr: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    eval_steps: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)

    @property
    def stop(self) -> int:
        return self.start + len(self.lr)

    @property
    def final_acc(self) -> float:
        """The test accuracy at the last evaluation (at ``stop``)."""
        return self.test_acc[-1]

    def extend(self, later: Segment) -> None:
        """Append the segment that starts where this one stops."""
        if later.start != self.stop:
            raise ValueError(f"later must start at step {self.stop}, where this segment stops; got {later.start}")
        for name in ("lr", "loss", "eval_steps", "test_loss", "test_acc"):
            getattr(self, name).extend(getattr(later, name))


def train_steps(model: nn.Module, optimizer: torch.optim.Optimizer, data, schedule, start: int, stop: int, *,
                batch_size: int = 256, seed: int = 0, eval_every: int | None = None, loss_fn=None,
                channels_last: bool | None = None, eval_batch_size: int = 1000, bar=None) -> Segment:
    r"""Train steps ``start`` .. ``stop - 1``, step :math:`t` at :math:`\eta = ` ``schedule(t)`` in every
    param group, on batch :math:`t \bmod n` of epoch :math:`\lfloor t / n \rfloor` (n batches per epoch)
    of ``data.batches("train", batch_size, seed=seed, epoch=...)``: the batch :func:`~lrcourse.train.train`
    trains step :math:`t` on. Evaluates on the test split after every ``eval_every``-th step (counted
    from step 0) and after the last one.

    Args:
        model, optimizer: trained in place (continue a run by passing its model and optimizer).
        data: a :class:`lrcourse.data.FashionMNIST`; the model is moved to its device.
        schedule: ``t -> lr``, e.g. :func:`lrcourse.schedules.wsd` with ``lr=``.
        start, stop: the steps to train, ints with 0 <= start < stop.
        batch_size: default 256. seed: the data order's seed, as ``train``'s (default 0).
        eval_every: steps between evaluations (default None: only after the last step).
        loss_fn: batch-mean loss (default cross-entropy). channels_last: as ``train``'s (default:
            on the CPU). eval_batch_size: default 1000.
        bar: a :func:`~lrcourse.train.progress_bar` to advance by one per step (default none).

    Returns:
        Segment: the lr and loss of every step, the evaluations.
    """
    start = checks.integer("start", start)
    stop = checks.integer("stop", stop, low=start + 1)
    batch_size = checks.integer("batch_size", batch_size, low=1)
    if eval_every is not None:
        checks.integer("eval_every", eval_every, low=1)
    if not callable(schedule):
        raise TypeError(f"schedule must be a callable t -> lr, got {schedule!r}")
    data, _, channels_last = place_on_device(model, data, None, channels_last)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    nb = data.num_batches("train", batch_size)
    out = Segment(start)
    model.train()
    t = start
    while t < stop:
        epoch, first = divmod(t, nb)
        batches = data.batches("train", batch_size, seed=seed, epoch=epoch)
        for i, (x, y) in enumerate(batches):
            if i < first:
                continue
            lr = float(schedule(t))
            set_lr(optimizer, lr)
            out.lr.append(lr)
            out.loss.append(batch_step(model, optimizer, loss_fn, x, y, channels_last)[0])
            t += 1
            if bar is not None:
                bar.update(1)
            if t == stop or (eval_every is not None and t % eval_every == 0):
                loss, acc = evaluate(model, data, "test", eval_batch_size, loss_fn, channels_last)
                out.eval_steps.append(t)
                out.test_loss.append(loss)
                out.test_acc.append(acc)
                model.train()
            if t == stop:
                break
    return out


@dataclass
class Cooldowns:
    """What :func:`cooldown_branches` trained: the constant run (``main``, up to the last branch point)
    and one decay per budget and shape (``branches[budget, shape]``, from its branch point to the budget)."""

    main: Segment
    branches: dict
    budgets: list
    shapes: tuple
    decay_steps: dict

    @property
    def steps_trained(self) -> int:
        """Steps trained in all: the constant run plus every branch."""
        return len(self.main.lr) + sum(len(b.lr) for b in self.branches.values())

    def final_acc(self, shape: str) -> list[float]:
        """The final test accuracy of each budget's ``shape`` branch, in budget order."""
        return [self.branches[b, shape].final_acc for b in self.budgets]


def cooldown_branches(model: nn.Module, optimizer: torch.optim.Optimizer, data, budgets, *, lr: float,
                      warmup_steps: int, decay_fraction: float = 0.2, shapes=("linear", "1-sqrt"),
                      batch_size: int = 256, seed: int = 0, eval_every: int | None = None, loss_fn=None,
                      channels_last: bool | None = None, progress: bool | str = True) -> Cooldowns:
    r"""One warmup-then-constant run, branched into a WSD cooldown for every budget.

    The constant run trains at :func:`~lrcourse.schedules.wsd` ``(max(budgets), W, 0, lr)`` (the
    ramp :math:`\eta (t+1)/W`, then :math:`\eta`); at the branch point :math:`T_B - D_B` of each budget
    :math:`T_B`, with :math:`D_B = \mathrm{round}(\text{decay\_fraction}\cdot T_B)`, a copy of the model
    and optimizer trains steps :math:`T_B - D_B .. T_B - 1` at ``wsd(T_B, W, D_B, lr, shape=shape)``
    for each shape. The constant run stops at the last branch point.

    Args:
        model, optimizer: the fresh run to start from (trained in place: ``model`` ends at the last
            branch point); each branch is a ``copy.deepcopy`` of both.
        data: a :class:`lrcourse.data.FashionMNIST`.
        budgets: total steps of each run, distinct ints with ``W + D_B <= T_B``.
        lr: the peak (constant) lr, > 0. warmup_steps: W, int >= 0.
        decay_fraction: D/T, in (0, 1) (default 0.2: the last 20%).
        shapes: cooldown shapes from ``"linear"``, ``"cosine"``, ``"1-sqrt"`` (default linear and 1-sqrt).
        batch_size, seed, eval_every, loss_fn, channels_last: as :func:`train_steps` (evaluations also
            at every branch point).
        progress: a bar over all the steps: True, False or "transient" (removed when done).

    Returns:
        Cooldowns: the constant run, the branches and their decay lengths.
    """
    budgets = checks.milestones("budgets", budgets)
    if not budgets or len(set(budgets)) != len(budgets):
        raise ValueError(f"budgets must be distinct step counts, at least one, got {budgets}")
    budgets = sorted(budgets)
    lr = checks.positive("lr", lr)
    W = checks.integer("warmup_steps", warmup_steps)
    frac = checks.real("decay_fraction", decay_fraction, low=0.0, high=1.0, low_open=True, high_open=True)
    shapes = tuple(checks.choice("shapes", s, DECAY_SHAPES) for s in shapes)
    if not shapes:
        raise ValueError(f"shapes must name at least one of {', '.join(DECAY_SHAPES)}")
    if not (isinstance(progress, bool) or progress == "transient"):
        raise ValueError(f"progress must be True, False or 'transient', got {progress!r}")
    decay = {T: round(frac * T) for T in budgets}
    for T in budgets:
        if decay[T] < 1 or W + decay[T] > T:
            raise ValueError(f"budget {T} leaves no room: warmup_steps {W} + decay {decay[T]} steps "
                             f"(decay_fraction {frac} of {T}, at least 1) must be <= {T}")
    constant = wsd(max(budgets), W, 0, lr=lr)
    points = sorted({T - decay[T] for T in budgets})
    total = points[-1] + sum(decay.values()) * len(shapes)
    kw = dict(batch_size=batch_size, seed=seed, eval_every=eval_every, loss_fn=loss_fn, channels_last=channels_last)
    main, branches = Segment(0), {}
    with progress_bar(total, "constant + cooldowns", bool(progress), leave=progress is True) as bar:
        for point in points:
            if point > main.stop:
                main.extend(train_steps(model, optimizer, data, constant, main.stop, point, bar=bar, **kw))
            for T in (b for b in budgets if b - decay[b] == point):
                for shape in shapes:
                    m, o = copy.deepcopy((model, optimizer))  # one deepcopy: o steps m's parameters
                    branches[T, shape] = train_steps(m, o, data, wsd(T, W, decay[T], lr=lr, shape=shape), point, T,
                                                     bar=bar, **kw)
    return Cooldowns(main, branches, budgets, shapes, decay)
