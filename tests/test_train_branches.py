"""lrcourse.train.branches: a cooldown branched from a constant run is the WSD run trained from scratch.

The oracle is :func:`lrcourse.train.train` with the whole schedule as a per-step callable: every
branch must reproduce its mini-batch losses, lrs and final test loss exactly (same batches, same
steps, same arithmetic), and so must :func:`train_steps` for any schedule, also when a run is
cut into pieces at any step.
"""
from __future__ import annotations


import pytest
import torch

from lrcourse import schedules
from lrcourse.models import LeNet
from lrcourse.train import train
from lrcourse.train.branches import Segment, cooldown_branches, train_steps

BATCH = 64  # 256 training images: 4 steps per epoch


def fresh(opt="adamw", seed=0):
    torch.manual_seed(seed)
    model = LeNet()
    if opt == "adamw":
        return model, torch.optim.AdamW(model.parameters(), lr=3e-3)
    return model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


def reference(data, schedule, epochs, opt="adamw", seed=0):
    model, optimizer = fresh(opt, seed)
    return train(model, optimizer, data, epochs=epochs, batch_size=BATCH, scheduler=schedule,
                 scheduler_interval="step", seed=seed, progress=False, live=False)


@pytest.mark.parametrize("opt", ["adamw", "sgd"])
@pytest.mark.parametrize("shape", ["linear", "1-sqrt", "cosine"])
def test_each_branch_is_the_wsd_run_trained_from_scratch(tiny, opt, shape):
    lr, W = 3e-3 if opt == "adamw" else 0.05, 2
    model, optimizer = fresh(opt, seed=3)
    runs = cooldown_branches(model, optimizer, tiny, [8, 12, 16], lr=lr, warmup_steps=W, decay_fraction=0.25,
                             shapes=(shape,), batch_size=BATCH, seed=3, progress=False)
    for T in (8, 12, 16):
        D = runs.decay_steps[T]
        h = reference(tiny, schedules.wsd(T, W, D, lr=lr, shape=shape), T // 4, opt, seed=3)
        branch = runs.branches[T, shape]
        assert branch.start == T - D and branch.stop == T
        assert runs.main.loss[:T - D] + branch.loss == h.loss  # every mini-batch loss, exactly
        assert runs.main.lr[:T - D] + branch.lr == h.lr
        assert branch.test_loss[-1] == h.test_loss[-1] and branch.final_acc == h.test_acc[-1]


def test_train_steps_in_pieces_equals_train(tiny):
    """Cut at steps that fall mid-epoch; evaluations every epoch equal train's."""
    sched = schedules.join([schedules.linear(1 / 3, 1.0, 2, lr=3e-3), schedules.cosine(9, lr=3e-3)], [3])
    h = reference(tiny, sched, 3)
    model, optimizer = fresh()
    run = Segment(0)
    for start, stop in [(0, 3), (3, 5), (5, 12)]:
        run.extend(train_steps(model, optimizer, tiny, sched, start, stop, batch_size=BATCH, eval_every=4))
    assert run.loss == h.loss and run.lr == h.lr
    assert [s for s in run.eval_steps if s % 4 == 0] == [4, 8, 12]
    by_step = dict(zip(run.eval_steps, run.test_acc))
    assert [by_step[s] for s in (4, 8, 12)] == h.test_acc
    assert dict(zip(run.eval_steps, run.test_loss))[12] == h.test_loss[-1]


def test_the_accounting(tiny):
    model, optimizer = fresh()
    runs = cooldown_branches(model, optimizer, tiny, [20, 10, 5], lr=1e-3, warmup_steps=1, decay_fraction=0.2,
                             batch_size=BATCH, progress=False)
    assert runs.budgets == [5, 10, 20] and runs.decay_steps == {5: 1, 10: 2, 20: 4}
    assert runs.main.stop == 16 and runs.main.eval_steps == [4, 8, 16]  # evaluated at each branch point
    assert runs.steps_trained == 16 + 2 * (1 + 2 + 4)
    assert all(len(runs.branches[T, s].lr) == runs.decay_steps[T] for T in runs.budgets for s in runs.shapes)
    assert runs.final_acc("linear") == [runs.branches[T, "linear"].test_acc[-1] for T in (5, 10, 20)]
    assert runs.main.lr[1:] == [1e-3] * 15 and runs.branches[20, "linear"].lr[-1] == pytest.approx(1e-3 / 4)


@pytest.mark.parametrize("kwargs, match", [
    (dict(budgets=[8, 8]), "budgets must be distinct"),
    (dict(budgets=[]), "budgets must be distinct"),
    (dict(budgets=[2]), "budget 2 leaves no room"),
    (dict(budgets=[8], warmup_steps=7), "warmup_steps 7 \\+ decay 2"),
    (dict(decay_fraction=1.0), "decay_fraction must be"),
    (dict(decay_fraction=0), "decay_fraction must be"),
    (dict(shapes=("exp",)), "shapes must be one of"),
    (dict(shapes=()), "shapes must name at least one"),
    (dict(lr=0.0), "lr must be"),
    (dict(progress="yes"), "progress must be True, False or 'transient'"),
])
def test_cooldown_branches_refuses(tiny, kwargs, match):
    model, optimizer = fresh()
    args = {**dict(budgets=[8], lr=1e-3, warmup_steps=1, batch_size=BATCH, progress=False), **kwargs}
    with pytest.raises(ValueError, match=match):
        cooldown_branches(model, optimizer, tiny, args.pop("budgets"), **args)


@pytest.mark.parametrize("start, stop, kw, match", [
    (0, 0, {}, "stop must be"),
    (-1, 3, {}, "start must be"),
    (0, 3, {"eval_every": 0}, "eval_every must be"),
])
def test_train_steps_refuses(tiny, start, stop, kw, match):
    model, optimizer = fresh()
    with pytest.raises(ValueError, match=match):
        train_steps(model, optimizer, tiny, lambda t: 0.1, start, stop, batch_size=BATCH, **kw)
    with pytest.raises(TypeError, match="schedule must be a callable"):
        train_steps(model, optimizer, tiny, 0.1, 0, 3, batch_size=BATCH)


def test_extend_needs_the_next_segment():
    with pytest.raises(ValueError, match="later must start at step 2"):
        Segment(0, lr=[0.1, 0.1]).extend(Segment(3))
