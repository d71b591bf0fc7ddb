"""Checkpoint/resume: stopping after k epochs and resuming gives exactly the uninterrupted run."""
from __future__ import annotations

import math

import pytest
import torch
from torch.optim import lr_scheduler as tls

from lrcourse.train import load_checkpoint, save_checkpoint, train
from test_train import BATCH, EPOCHS, STEPS_PER_EPOCH, fresh, one_thread, quiet, tiny  # noqa: F401


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
    import lrcourse.train.trainer as trainer

    real = trainer.save_checkpoint
    monkeypatch.setattr(trainer, "save_checkpoint", lambda *a, **k: saved.append(k["epoch"]) or real(*a, **k))
    run("sgd-no-schedule", data=tiny, epochs=5, checkpoint=tmp_path / "c.pt", checkpoint_every=2)
    assert saved == [2, 4, 5]


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


def test_resume_errors(tiny, tmp_path):
    ckpt = tmp_path / "ckpt.pt"
    run("sgd-no-schedule", data=tiny, epochs=1, checkpoint=ckpt)
    model, opt = fresh()
    with pytest.raises(ValueError, match=r"resume: .*ckpt.pt was written with batch_size=64, this run has batch_size=32"):
        train(model, opt, tiny, epochs=2, batch_size=32, resume=ckpt, progress=False)
    with pytest.raises(ValueError, match=r"written with seed=7, this run has seed=0"):
        train(model, opt, tiny, epochs=2, batch_size=BATCH, resume=ckpt, progress=False)
    with pytest.raises(FileNotFoundError, match=r"resume: no checkpoint at .*missing.pt"):
        train(model, opt, tiny, epochs=2, resume=tmp_path / "missing.pt", progress=False)
    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match=r"other.pt is not an lrcourse checkpoint"):
        train(model, opt, tiny, epochs=2, resume=tmp_path / "other.pt", progress=False)
