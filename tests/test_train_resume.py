"""Checkpoint/resume: stopping after k epochs and resuming gives exactly the uninterrupted run;
Ctrl-C and errors hand back the partial history and keep the last completed epoch's checkpoint;
resuming into another optimizer, or from a file that is not a checkpoint, is one clear error."""
from __future__ import annotations

import math
import random
import re

import pytest
import torch
from torch.optim import lr_scheduler as tls

import lrcourse.train.trainer as trainer
from lrcourse import optim
from lrcourse.models import LeNet
from lrcourse.train import load_checkpoint, save_checkpoint, train
from lrcourse.train.checkpoint import CheckpointError
from trainer_setup import BATCH, EPOCHS, STEPS_PER_EPOCH, fresh, quiet


def sqrt_schedule(e):
    return 0.2 / math.sqrt(e + 1)


# (optimizer, lr, optimizer kwargs, scheduler factory, train kwargs); one line per case
CASES = {
    "sgd-momentum-steplr-epoch": ("sgd", 0.1, {"momentum": 0.9}, lambda o: tls.StepLR(o, 1, 0.5),
                                  {"scheduler_interval": "epoch"}),
    "adam-onecycle-step": ("adam", 1e-3, {}, lambda o: tls.OneCycleLR(o, 1e-2, total_steps=EPOCHS * STEPS_PER_EPOCH),
                           {"scheduler_interval": "step"}),
    "sgd-callable-exact": ("sgd", 0.3, {}, lambda o: sqrt_schedule, {"scheduler_interval": "epoch"}),
    "sgd-callable-d2l": ("sgd", 0.3, {}, lambda o: sqrt_schedule,
                         {"scheduler_interval": "epoch", "callable_convention": "d2l"}),
    "sgd-plateau": ("sgd", 0.1, {"momentum": 0.5},
                    lambda o: tls.ReduceLROnPlateau(o, factor=0.5, patience=0, threshold=0.05), {}),
    "sgd-no-schedule": ("sgd", 0.1, {"nesterov": True, "momentum": 0.9}, lambda o: None, {}),
    "sgd-momentum-channels-last": ("sgd", 0.1, {"momentum": 0.9}, lambda o: None, {"channels_last": True}),
    "sgd-momentum-nchw": ("sgd", 0.1, {"momentum": 0.9}, lambda o: None, {"channels_last": False}),
}


def run(case, *, init_seed=0, **kw):
    opt_kind, lr, opt_kw, make, train_kw = CASES[case]
    model, opt = fresh(opt_kind, lr, seed=init_seed, **opt_kw)
    h = train(model, opt, kw.pop("data"), scheduler=make(opt), seed=7, **train_kw, **quiet(**kw))
    return model, h


def assert_same_run(model_a, h_a, model_b, h_b):
    for (k, a), b in zip(model_a.state_dict().items(), model_b.state_dict().values()):
        assert torch.equal(a, b), k
    for field in ("lr", "momentum", "loss", "epoch_lr", "train_loss", "train_acc", "test_loss", "test_acc"):
        assert getattr(h_a, field) == getattr(h_b, field), field
    assert len(h_a.time) == len(h_b.time)


@pytest.mark.parametrize("case", list(CASES))
def test_resume_equals_uninterrupted(tiny, tmp_path, case):
    full_model, full = run(case, data=tiny, epochs=EPOCHS)
    ckpt = tmp_path / "run" / "ckpt.pt"
    run(case, data=tiny, epochs=2, checkpoint=ckpt)
    assert load_checkpoint(ckpt)["epoch"] == 2
    # different initial weights: everything must come from the checkpoint
    model, h = run(case, data=tiny, epochs=EPOCHS, resume=ckpt, init_seed=99)
    assert_same_run(full_model, full, model, h)
    assert [p.name for p in ckpt.parent.iterdir()] == ["ckpt.pt"]  # no temp files left


def test_keyboard_interrupt_then_resume(tiny, tmp_path):
    ckpt = tmp_path / "ckpt.pt"

    def interrupted(e):
        if e == 2:
            raise KeyboardInterrupt
        return sqrt_schedule(e)

    full_model, full = run("sgd-callable-exact", data=tiny, epochs=EPOCHS)
    model, opt = fresh("sgd", 0.3)
    with pytest.raises(KeyboardInterrupt):
        train(model, opt, tiny, scheduler=interrupted, scheduler_interval="epoch", seed=7,
              **quiet(epochs=EPOCHS, checkpoint=ckpt, checkpoint_every=1))
    assert load_checkpoint(ckpt)["epoch"] == 2
    model, h = run("sgd-callable-exact", data=tiny, epochs=EPOCHS, resume=ckpt, init_seed=5)
    assert_same_run(full_model, full, model, h)


def test_checkpoint_every_n_epochs(tiny, tmp_path, monkeypatch):
    saved = []
    real = trainer.write_checkpoint
    monkeypatch.setattr(trainer, "write_checkpoint",
                        lambda path, state: saved.append(state["epoch"]) or real(path, state))
    run("sgd-no-schedule", data=tiny, epochs=5, checkpoint=tmp_path / "c.pt", checkpoint_every=2)
    assert saved == [2, 4, 5]


def stop_at(monkeypatch, call: int, exc: BaseException | None = None):
    """Make the trainer's ``call``-th batch step raise ``exc`` (after its lr was recorded), or,
    with ``exc`` None, return a NaN loss there (a divergence)."""
    calls, real = [], trainer.batch_step

    def batch_step(*args, **kwargs):
        calls.append(1)
        if len(calls) == call and exc is not None:
            raise exc
        value, out = real(*args, **kwargs)
        return (math.nan if len(calls) == call else value), out

    monkeypatch.setattr(trainer, "batch_step", batch_step)


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), RuntimeError("out of memory")])
def test_interrupt_mid_epoch_keeps_the_last_completed_epoch(tiny, tmp_path, monkeypatch, exc):
    """Stopped at step 6 (in epoch 2; checkpoints every 2 epochs): the exception carries the
    history, and the checkpoint holds epoch 1 as it ended, not the weights 2 steps later."""
    full_model, full = run("sgd-momentum-steplr-epoch", data=tiny, epochs=EPOCHS)
    ckpt = tmp_path / "ckpt.pt"
    stop_at(monkeypatch, 7, exc)
    with pytest.raises(type(exc)) as info:
        run("sgd-momentum-steplr-epoch", data=tiny, epochs=EPOCHS, checkpoint=ckpt, checkpoint_every=2)
    h = info.value.history
    assert h.epochs == 1 and len(h.loss) == len(h.lr) == len(h.momentum) == 6  # the 7th step never finished
    assert h.loss == full.loss[:6] and h.test_acc == full.test_acc[:1]
    assert h.epoch_lr == full.epoch_lr[:1]  # the unfinished epoch's record is dropped with it
    assert h.meta["stopped"] == f"{type(exc).__name__} in epoch 2, after 1 completed epoch"
    assert load_checkpoint(ckpt)["epoch"] == 1
    monkeypatch.undo()
    model, resumed = run("sgd-momentum-steplr-epoch", data=tiny, epochs=EPOCHS, resume=ckpt, init_seed=3)
    assert_same_run(full_model, full, model, resumed)


def test_divergence_between_checkpoints_keeps_the_last_completed_epoch(tiny, tmp_path, monkeypatch):
    ckpt = tmp_path / "ckpt.pt"
    stop_at(monkeypatch, 6)  # a NaN loss at step 5, in epoch 2
    with pytest.warns(RuntimeWarning, match=r"diverged at step 5 \(epoch 2, batch 2\)"):
        _, h = run("sgd-no-schedule", data=tiny, epochs=EPOCHS, checkpoint=ckpt, checkpoint_every=3,
                   on_divergence="stop")
    assert h.epochs == 1 and load_checkpoint(ckpt)["epoch"] == 1


def test_interrupted_save_keeps_previous_checkpoint(tiny, tmp_path, monkeypatch):
    ckpt = tmp_path / "ckpt.pt"
    model, h = run("sgd-no-schedule", data=tiny, epochs=1, checkpoint=ckpt)
    before = ckpt.read_bytes()

    def broken_save(obj, f):
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    _, opt = fresh()
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(ckpt, model=model, optimizer=opt, scheduler=None, history=h, epoch=1, config={})
    assert ckpt.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]


@pytest.mark.parametrize("make, message", [
    (lambda: fresh("adam", 1e-3), r"resume: .*ckpt.pt was trained with SGD, this run has Adam: build the optimizer"),
    (lambda: fresh("sgd", 0.1, momentum=0.5),
     r"was trained with SGD\(momentum=0.9\), this run has SGD\(momentum=0.5\): the checkpoint's settings would"),
    (lambda: fresh("sgd", 0.2, momentum=0.9), r"was trained with SGD\(lr=0.1\), this run has SGD\(lr=0.2\)"),
])
def test_resume_into_another_optimizer_is_a_value_error(tiny, tmp_path, make, message):
    """Not a KeyError 'betas' from Adam's first step on SGD's loaded groups."""
    ckpt = tmp_path / "ckpt.pt"
    run("sgd-momentum-steplr-epoch", data=tiny, epochs=1, checkpoint=ckpt)
    model, opt = make()
    with pytest.raises(ValueError, match=message):
        train(model, opt, tiny, epochs=2, seed=7, resume=ckpt, **quiet())


def test_resume_of_a_checkpoint_without_the_optimizers_name_still_checks_its_groups(tiny, tmp_path):
    ckpt = tmp_path / "ckpt.pt"
    run("sgd-momentum-steplr-epoch", data=tiny, epochs=1, checkpoint=ckpt)
    state = torch.load(ckpt, weights_only=False)
    del state["config"]["optimizer"], state["config"]["optimizer_settings"]  # as an older lrcourse wrote them
    torch.save(state, ckpt)
    model, opt = fresh("adam", 1e-3)
    with pytest.raises(ValueError, match=r"holds an optimizer state without betas, .*Adam needs"):
        train(model, opt, tiny, epochs=2, seed=7, resume=ckpt, **quiet())


def _truncated(ckpt, p):
    data = ckpt.read_bytes()
    p.write_bytes(data[: len(data) // 3])


# (write a file from a real checkpoint, the reason CheckpointError gives)
NOT_CHECKPOINTS = [
    (_truncated, r"RuntimeError: PytorchStreamReader failed"),
    (lambda ckpt, p: p.write_bytes(random.Random(1).randbytes(2048)), r"UnpicklingError: "),
    (lambda ckpt, p: p.write_bytes(b""), r"EOFError"),
    (lambda ckpt, p: torch.save({"weights": 1}, p), r"no epoch, config, model, optimizer, rng, history in it"),
    (lambda ckpt, p: torch.save([1, 2], p), r"it holds a list, not a dict"),
    (lambda ckpt, p: torch.save({**torch.load(ckpt, weights_only=False), "epoch": "2"}, p),
     r"epoch is a str, not a int"),
]


@pytest.mark.parametrize("write, reason", NOT_CHECKPOINTS)
def test_load_checkpoint_names_a_file_that_is_not_one(tiny, tmp_path, write, reason):
    ckpt = tmp_path / "ckpt.pt"
    run("sgd-no-schedule", data=tiny, epochs=1, checkpoint=ckpt)
    bad = tmp_path / "bad.pt"
    write(ckpt, bad)
    expected = rf"^resume: {re.escape(str(bad))} is not an lrcourse checkpoint \(.*{reason}"
    with pytest.raises(CheckpointError, match=expected) as info:
        load_checkpoint(bad)
    assert info.value.path == bad and isinstance(info.value, ValueError)


def test_resume_errors(tiny, tmp_path):
    ckpt = tmp_path / "ckpt.pt"
    run("sgd-no-schedule", data=tiny, epochs=1, checkpoint=ckpt)
    model, opt = fresh(nesterov=True, momentum=0.9)  # the checkpoint's optimizer: only the train options differ
    with pytest.raises(ValueError, match=r"resume: .*ckpt.pt was written with batch_size=64, this run has batch_size=32"):
        train(model, opt, tiny, epochs=2, batch_size=32, resume=ckpt, progress=False)
    with pytest.raises(ValueError, match=r"written with seed=7, this run has seed=0"):
        train(model, opt, tiny, epochs=2, batch_size=BATCH, resume=ckpt, progress=False)
    with pytest.raises(FileNotFoundError, match=r"resume: no checkpoint at .*missing.pt"):
        train(model, opt, tiny, epochs=2, resume=tmp_path / "missing.pt", progress=False)
    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match=r"other.pt is not an lrcourse checkpoint"):
        train(model, opt, tiny, epochs=2, resume=tmp_path / "other.pt", progress=False)


@pytest.mark.parametrize("cls", [torch.optim.Adam, optim.Adam], ids=["torch", "lrcourse"])
def test_resume_twice_with_the_same_optimizer_equals_one_run(tiny, tmp_path, cls):
    """Epoch by epoch through the checkpoint, one optimizer object throughout (as the training
    panel does): torch's ``load_state_dict`` adds ``differentiable`` to the ``defaults`` of an
    optimizer whose constructor did not set it (lrcourse's), and the second resume must not take
    that for a setting the checkpoint lacks."""
    torch.manual_seed(0)
    model = LeNet()
    full = train(model, cls(model.parameters(), lr=3e-3), tiny, epochs=3, seed=7, **quiet())
    torch.manual_seed(0)
    model = LeNet()
    opt, ckpt = cls(model.parameters(), lr=3e-3), tmp_path / "ckpt.pt"
    for e in range(3):
        h = train(model, opt, tiny, epochs=e + 1, seed=7, checkpoint=ckpt, resume=ckpt if e else None, **quiet())
    assert (h.loss, h.test_loss, h.test_acc) == (full.loss, full.test_loss, full.test_acc)
