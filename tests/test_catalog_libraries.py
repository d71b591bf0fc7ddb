"""The catalog's transformers and timm names (lrcourse.catalog.libraries): each simulates, draws
with ``lrcourse schedule NAME --out x.csv`` and trains a curve equal to the library's own, built
by hand here with transformers' ``get_scheduler`` / timm's classes and stepped with each library's
protocol (torch's ``step()``; timm's ``step(epoch)`` or ``step_update(num_updates)`` with the count);
the sizes follow the run; the trainer resumes a timm schedule exactly."""
from __future__ import annotations

import csv
import doctest

import numpy as np
import pytest
import timm.scheduler
import torch
from transformers import optimization as tf

from lrcourse import catalog
from lrcourse.catalog import libraries
from lrcourse.catalog.libraries import TimmStepper
from lrcourse.cli import main
from lrcourse.compat import timm as compat_timm
from lrcourse.models import LeNet
from lrcourse.train import train
from trainer_setup import quiet

# CLI name -> (library, its name for the schedule, the settings a run of 60 steps at any lr uses)
LIBRARY = {
    "hf-linear": ("transformers", "linear", {"num_warmup_steps": 6, "num_training_steps": 60}),
    "hf-cosine": ("transformers", "cosine", {"num_warmup_steps": 6, "num_training_steps": 60}),
    "hf-cosine-with-restarts": ("transformers", "cosine_with_restarts",
                                {"num_warmup_steps": 6, "num_training_steps": 60}),
    "hf-polynomial": ("transformers", "polynomial", {"num_warmup_steps": 6, "num_training_steps": 60}),
    "hf-constant-with-warmup": ("transformers", "constant_with_warmup", {"num_warmup_steps": 6}),
    "hf-inverse-sqrt": ("transformers", "inverse_sqrt", {"num_warmup_steps": 6}),
    "hf-cosine-with-min-lr": ("transformers", "cosine_with_min_lr",
                              {"num_warmup_steps": 6, "num_training_steps": 60, "min_lr_rate": 0.1}),
    "hf-cosine-warmup-with-min-lr": ("transformers", "cosine_warmup_with_min_lr",
                                     {"num_warmup_steps": 6, "num_training_steps": 60, "min_lr_rate": 0.1}),
    "hf-wsd": ("transformers", "warmup_stable_decay",
               {"num_warmup_steps": 6, "num_decay_steps": 12, "num_training_steps": 60}),
    "timm-cosine": ("timm", "CosineLRScheduler", {"t_initial": 60, "warmup_t": 6}),
    "timm-tanh": ("timm", "TanhLRScheduler", {"t_initial": 60, "warmup_t": 6}),
    "timm-poly": ("timm", "PolyLRScheduler", {"t_initial": 60, "warmup_t": 6}),
    "timm-step": ("timm", "StepLRScheduler", {"decay_t": 20, "decay_rate": 0.1, "warmup_t": 6}),
    "timm-multistep": ("timm", "MultiStepLRScheduler", {"decay_t": [30, 45], "decay_rate": 0.1, "warmup_t": 6}),
    "timm-wsd": ("timm", "WSDLRScheduler", {"t_initial": 54, "decay_t": 12, "warmup_t": 6}),
}
LR = 0.1


def groups(lr):
    """What simulate steps: SGD with momentum, group i at lr / 2**i."""
    return torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr / 2 ** i} for i in range(2)],
                           lr=lr, momentum=0.9)


def library_lrs(cli, settings, steps, lr=LR):
    """Every group's lr at each of ``steps`` steps, from the library, as its users step it."""
    library, name, _ = LIBRARY[cli]
    opt, settings, out = groups(lr), dict(settings), []
    if library == "transformers":
        W, T = settings.pop("num_warmup_steps"), settings.pop("num_training_steps", None)
        sched = tf.get_scheduler(name, opt, num_warmup_steps=W, num_training_steps=T,
                                 scheduler_specific_kwargs=settings)
        step = lambda k: sched.step()  # noqa: E731
    else:
        sched = getattr(timm.scheduler, name)(opt, **settings)
        # timm's train loop: step_update(num_updates) after each update, or step(epoch) after each epoch
        step = (lambda k: sched.step(epoch=k)) if sched.t_in_epochs else (lambda k: sched.step_update(num_updates=k))
    for k in range(1, steps + 1):
        out.append([g["lr"] for g in opt.param_groups])
        opt.step()
        step(k)
    return np.array(out)


def test_every_library_name_is_in_the_table():
    assert set(LIBRARY) == {e.cli for e in catalog.SCHEDULES.values() if e.ui.reference}
    for cli, (library, name, _) in LIBRARY.items():
        entry = catalog.schedule(cli)
        assert entry.ui.reference.startswith(library)
        assert entry.name == (name if library == "timm" else tf.TYPE_TO_SCHEDULER_FUNCTION[name].__name__)


@pytest.mark.parametrize("cli", list(LIBRARY))
def test_sizes_follow_the_run(cli):
    assert catalog.simulate(cli, 60, lr=0.3).kwargs == LIBRARY[cli][2]


@pytest.mark.parametrize("cli", list(LIBRARY))
@pytest.mark.parametrize("steps", [1, 7, 60])
def test_simulate_equals_the_library(cli, steps):
    ours = catalog.simulate(cli, steps, lr=LR, n_groups=2)
    theirs = library_lrs(cli, ours.kwargs, steps)
    np.testing.assert_allclose(ours.lrs, theirs, rtol=1e-12, atol=1e-16)
    if steps == 60:
        assert len(set(ours.lr)) > 2, "the curve never moved: the case tests nothing"


@pytest.mark.parametrize("cli", [c for c in LIBRARY if c.startswith("timm")])
def test_timm_counted_in_updates_equals_timm_stepped_per_update(cli):
    """``t_in_epochs=False``: timm moves on step_update only, and the stepper calls that one."""
    ours = catalog.simulate(cli, 40, lr=LR, n_groups=2, t_in_epochs=False)
    np.testing.assert_allclose(ours.lrs, library_lrs(cli, ours.kwargs, 40), rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("cli", list(LIBRARY))
def test_schedule_command_writes_the_library_curve(cli, tmp_path, capsys):
    out = tmp_path / "x.csv"
    assert main(["schedule", cli, "--steps", "50", "--lr", "0.2", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(catalog.schedule(cli).name + "(")
    with open(out) as f:
        written = [float(row["lr"]) for row in csv.DictReader(f)]
    expected = library_lrs(cli, catalog.simulate(cli, 50, lr=0.2).kwargs, 50, lr=0.2)[:, 0]
    np.testing.assert_allclose(written, expected, rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("cli, named", [("timm-cosine", "CosineLRScheduler"), ("hf-wsd", "LambdaLR")])
def test_trainer_steps_a_library_schedule_and_resumes_it(tiny, tmp_path, cli, named):
    """Per step over 3 epochs of 4 steps: the lr of every step is the library's; 2 epochs
    checkpointed and resumed to 3 (the timm stepper's count and timm's state in the checkpoint)
    are the 3-epoch run. The run records the scheduler's class: timm's behind the stepper,
    transformers' LambdaLR."""
    def run(epochs, **kw):
        torch.manual_seed(0)
        model = LeNet()
        opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
        sched = catalog.build_scheduler(cli, opt, 12)
        return train(model, opt, tiny, scheduler=sched, scheduler_interval="step", seed=3,
                     **quiet(epochs=epochs, **kw))

    full = run(3)
    expected = library_lrs(cli, catalog.simulate(cli, 12).kwargs, 12)[:, 0]
    np.testing.assert_allclose(full.lr, expected, rtol=1e-12, atol=1e-16)
    assert full.meta["scheduler"] == named
    run(2, checkpoint=tmp_path / "c.pt")
    resumed = run(3, resume=tmp_path / "c.pt")
    assert (resumed.lr, resumed.loss) == (full.lr, full.loss)


def test_the_trainer_refuses_timm_protocol_unwrapped(tiny):
    """timm's step(epoch) looks like ReduceLROnPlateau's step(metric): refused, saying what to do."""
    model = LeNet()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    with pytest.raises(TypeError, match=r"^scheduler CosineLRScheduler has timm's protocol .*"
                                        r"lrcourse.catalog.TimmStepper\(scheduler\)$"):
        train(model, opt, tiny, scheduler=compat_timm.CosineLRScheduler(opt, t_initial=4), scheduler_interval="step",
              **quiet(epochs=1))


def test_docstring_examples():
    assert doctest.testmod(libraries).failed == 0


def test_the_stepper_takes_only_timm_schedulers():
    opt = groups(LR)
    with pytest.raises(TypeError, match="scheduler must be a timm scheduler .* got StepLR"):
        TimmStepper(torch.optim.lr_scheduler.StepLR(opt, 3))
    stepper = TimmStepper(compat_timm.StepLRScheduler(opt, decay_t=2, decay_rate=0.5))
    for _ in range(4):
        stepper.step()
    assert stepper.last_epoch == 4 and stepper.get_last_lr() == [LR * 0.25, LR / 2 * 0.25]



def test_a_user_min_lr_replaces_the_sized_min_lr_rate():
    """hf-cosine-with-min-lr is sized with min_lr_rate=0.1; a user's min_lr is the one floor
    (transformers refuses both at once): the curve is transformers' with that min_lr."""
    from lrcourse.catalog import simulate

    trace = simulate("hf-cosine-with-min-lr", steps=20, lr=0.1, min_lr=0.01)
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = tf.get_scheduler("cosine_with_min_lr", opt, num_warmup_steps=2, num_training_steps=20,
                             scheduler_specific_kwargs={"min_lr": 0.01})
    expected = []
    for _ in range(20):
        expected.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose([row[0] for row in trace.lrs], expected, rtol=1e-12, atol=0)


@pytest.mark.filterwarnings("ignore:PlateauLRScheduler is deprecated:FutureWarning")
def test_the_stepper_refuses_timms_plateau_scheduler_in_one_line():
    """timm's PlateauLRScheduler is cut by a metric, which a step counter never passes."""
    from timm.scheduler import PlateauLRScheduler
    with pytest.raises(TypeError, match="PlateauLRScheduler needs a metric each epoch: use lrcourse.lr_scheduler.ReduceLROnPlateau"):
        TimmStepper(PlateauLRScheduler(groups(LR)))
