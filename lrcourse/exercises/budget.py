"""train_within_budget: the capstone's exercise, your optimizer and schedule against a constant lr.

Both runs train the course's LeNet from the same initial weights on the same data for the
same number of epochs (the budget); the notebook then states what it found with
:func:`lrcourse.notebook.claim`.
"""
from __future__ import annotations

import torch

from ..models import LeNet
from .. import checks
from ..train import train
from .result import CheckResult, Failed, call, name_of, shown


def _unpack(made, what: str):
    if made is None or made is Ellipsis:
        raise Failed(CheckResult("not implemented", f"not implemented yet: {what} returned {made!r}"))
    if not (isinstance(made, tuple) and len(made) == 3 and isinstance(made[0], torch.optim.Optimizer)):
        raise Failed(CheckResult("wrong type", f"{what} returned {shown(made)}; expected (optimizer, "
                                               "scheduler or None, 'step' or 'epoch' or None)"))
    return made


def train_within_budget(choose, data, *, epochs: int, baseline_lr: float = 0.3, batch_size: int = 256,
                        seed: int = 0) -> dict:
    """Train ``choose``'s run and a constant-lr SGD baseline for ``epochs`` epochs each.

    Args:
        choose: ``choose(model, epochs, steps_per_epoch) -> (optimizer, scheduler, interval)``,
            the optimizer built on ``model.parameters()``, the scheduler None or any schedule
            :func:`lrcourse.train.train` takes, the interval "step", "epoch" or None.
        data: a :class:`lrcourse.data.FashionMNIST`.
        epochs: the budget, epochs per run (int >= 1).
        baseline_lr: the baseline's constant SGD lr (default 0.3, the d2l chapter's).
        batch_size: default 256.
        seed: initial weights and data order of both runs (default 0).

    Returns:
        ``{"yours": History, "baseline": History}``; or ``{}`` after printing one line saying
        why (``choose`` not implemented yet, a wrong return value, an exception).
    """
    epochs = checks.integer("epochs", epochs, low=1)
    baseline_lr = checks.positive("baseline_lr", baseline_lr)
    steps = data.num_batches("train", checks.integer("batch_size", batch_size, low=1))
    settings = dict(epochs=epochs, batch_size=batch_size, seed=seed, progress=False, live=False, on_divergence="stop")
    name = name_of(choose)
    try:
        torch.manual_seed(seed)
        model = LeNet()
        what = f"{name}(model, {epochs}, {steps})"
        opt, scheduler, interval = _unpack(call(what, choose, model, epochs, steps), what)
        yours = call(f"train(...) with {name}'s choice", train, model, opt, data, scheduler=scheduler,
                     scheduler_interval=interval, **settings)
    except Failed as failed:
        print(failed.result)
        return {}
    torch.manual_seed(seed)
    model = LeNet()
    baseline = train(model, torch.optim.SGD(model.parameters(), lr=baseline_lr), data, **settings)
    return {"yours": yours, "baseline": baseline}
