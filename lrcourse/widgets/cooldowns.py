r"""Figures of the WSD experiment (:func:`lrcourse.train.branches.cooldown_branches`): the constant run with
its branched cooldowns next to cosine runs, and the final accuracy of each method against the budget.

Example:
    >>> import numpy as np
    >>> view = budget_view([2, 4], {"cosine": np.array([[0.80, 0.85], [0.81, 0.86], [0.79, 0.85]]),
    ...                             "WSD": np.array([[0.82, 0.86], [0.83, 0.87], [0.82, 0.86]])})
    >>> view.summary
    'budget 2: cosine 0.800 [0.790, 0.810], WSD 0.823 [0.820, 0.830]; budget 4: cosine 0.853 [0.850, 0.860], WSD 0.863 [0.860, 0.870]'
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import checks
from .base import View

SHAPE_COLORS = {"linear": "C0", "1-sqrt": "C2", "cosine": "C4"}


def cooldown_view(runs, cosine: dict, steps_per_epoch: int) -> View:
    """Left, the lr of every step; right, the test accuracy at each evaluation; x in epochs. The constant run
    (black) with its cooldowns branching off (one colour per shape), and the cosine runs (orange, dotted).

    Args:
        runs: a :class:`lrcourse.train.branches.Cooldowns`.
        cosine: ``{budget_steps: Segment}`` of warmup + cosine runs from step 0 (any of the budgets).
        steps_per_epoch: to put the x axis in epochs, int >= 1.
    """
    nb = checks.integer("steps_per_epoch", steps_per_epoch, low=1)
    fig, (ax_lr, ax_acc) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    epochs = lambda steps: np.asarray(steps, dtype=float) / nb  # noqa: E731
    main = runs.main
    ax_lr.plot(epochs(np.arange(main.stop)), main.lr, color="k", lw=1.5, label="constant (one run)")
    ax_acc.plot(epochs(main.eval_steps), main.test_acc, "o-", color="k", ms=3, lw=1.2, label="constant (one run)")
    at = dict(zip(main.eval_steps, main.test_acc))
    for (T, shape), seg in sorted(runs.branches.items()):
        label = f"WSD cooldown, {shape}" if T == runs.budgets[0] else None
        color = SHAPE_COLORS.get(shape, "C5")
        ax_lr.plot(epochs(np.arange(seg.start, seg.stop)), seg.lr, color=color, lw=1.5, label=label)
        xs, ys = list(seg.eval_steps), list(seg.test_acc)
        if seg.start in at:  # draw the branch from where it left the constant run
            xs, ys = [seg.start] + xs, [at[seg.start]] + ys
        ax_acc.plot(epochs(xs), ys, "-", color=color, lw=1.5, label=label)
        ax_acc.plot(epochs(xs[-1:]), ys[-1:], "o", color=color, ms=5)
    for T, seg in sorted(cosine.items()):
        label = f"warmup + cosine, {T / nb:g} epochs"
        ax_lr.plot(epochs(np.arange(seg.stop)), seg.lr, ":", color="C1", lw=1.5, label=label)
        ax_acc.plot(epochs(seg.eval_steps), seg.test_acc, "s:", color="C1", ms=4, lw=1.2, label=label)
    for b in runs.budgets:
        for ax in (ax_lr, ax_acc):
            ax.axvline(b / nb, color="0.85", lw=0.8, zorder=0)
    ax_lr.set(xlabel="epoch", ylabel="learning rate", title="Schedules: one constant run, a cooldown per budget")
    ax_acc.set(xlabel="epoch", ylabel="test accuracy", title="Test accuracy (dots: each run's end)")
    lows = [min(s.test_acc) for s in runs.branches.values()] + [min(main.test_acc)]
    ax_acc.set_ylim(max(0.0, min(lows) - 0.02), None)
    fig.legend(*ax_lr.get_legend_handles_labels(), loc="outside lower center", ncols=4, fontsize="small")
    best = max(runs.branches.items(), key=lambda kv: kv[1].final_acc)
    summary = (f"constant run to step {main.stop} ({main.stop / nb:g} epochs), {len(runs.branches)} cooldowns, "
               f"{len(cosine)} cosine runs; best cooldown: budget {best[0][0] / nb:g} epochs, {best[0][1]}, "
               f"test acc {best[1].final_acc:.3f}")
    return View(fig, summary)


def budget_view(budgets, finals: dict, xlabel: str = "budget (epochs)") -> View:
    """Final test accuracy against the budget: each method's mean over seeds (line) and its range (bar).

    Args:
        budgets: the x values, one per budget.
        finals: ``{method: array (seeds, budgets)}``, each seed's final accuracy.
        xlabel: default "budget (epochs)".
    """
    budgets = list(budgets)
    if not finals:
        raise ValueError("finals must hold at least one method: {name: array of shape (seeds, budgets)}")
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    parts = {b: [] for b in budgets}
    offsets = np.linspace(-0.08, 0.08, len(finals)) * (np.ptp(budgets) or 1) / max(1, len(budgets) - 1)
    for k, (name, values) in enumerate(finals.items()):
        v = np.asarray(values, dtype=float)
        if v.ndim != 2 or v.shape[1] != len(budgets):
            raise ValueError(f"finals[{name!r}] must have shape (seeds, {len(budgets)}), got {v.shape}")
        mean, lo, hi = v.mean(0), v.min(0), v.max(0)
        x = np.asarray(budgets, dtype=float) + offsets[k]
        ax.errorbar(x, mean, yerr=[mean - lo, hi - mean], fmt="o-", capsize=3, lw=1.5, ms=5,
                    label=f"{name} ({v.shape[0]} seeds: mean, range)")
        for b, m, a, c in zip(budgets, mean, lo, hi):
            parts[b].append(f"{name} {m:.3f} [{a:.3f}, {c:.3f}]")
    ax.set(xlabel=xlabel, ylabel="final test accuracy", xticks=budgets, title="Final test accuracy per budget")
    ax.legend(loc="lower right", fontsize="small")
    summary = "; ".join(f"budget {b:g}: " + ", ".join(parts[b]) for b in budgets)
    return View(fig, summary)
