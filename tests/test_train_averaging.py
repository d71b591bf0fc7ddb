"""The trainer with averaged weights: schedule-free optimizers trained at y and evaluated (and
checkpointed) at x, and ``train(..., ema=DECAY)``. The oracles are plain loops written out in
the test around the references: ``schedulefree``'s optimizers switched by hand, torch's
``AveragedModel`` + ``get_ema_multi_avg_fn`` stepped after every step and ``update_bn`` before
each evaluation; the trainer must give their numbers bit for bit, and a run of 2 epochs resumed
to 4 must be the 4-epoch run, bit for bit (weights, optimizer state, EMA, every record)."""
from __future__ import annotations

import math

import pytest
import schedulefree
import torch
from torch.nn.modules.batchnorm import _BatchNorm
from torch.optim import swa_utils as torch_swa

from lrcourse import optim
from lrcourse.models import LeNet
from lrcourse.train import evaluate, load_checkpoint, train
from lrcourse.train.loop import batch_step
from trainer_setup import BATCH, quiet

SEED = 7
EMA_FIELDS = ("ema_val_loss", "ema_val_acc", "ema_test_loss", "ema_test_acc")
RECORDS = ("lr", "momentum", "loss", "epoch_lr", "train_loss", "train_acc", "val_loss", "val_acc", "test_loss",
           "test_acc") + EMA_FIELDS


def lenet(init_seed=0, **kw):
    torch.manual_seed(init_seed)
    return LeNet(**kw)


def plain_loop(model, opt, data, epochs, averaged=None):
    """The run train() should make, written out: each epoch's shuffled batches through
    ``batch_step`` (schedule-free: in train mode), ``averaged.update_parameters`` after each
    step; then (schedule-free: in eval mode) the model and the average evaluated on each split,
    the average's BatchNorm statistics first recomputed over the training batches in order.
    Returns the per-step losses and per-epoch metrics, named as History's fields."""
    records = {"loss": []}
    splits = [s for s in ("val", "test") if s in data.splits]
    for epoch in range(epochs):
        model.train()
        if hasattr(opt, "train"):
            opt.train()
        for x, y in data.batches("train", BATCH, shuffle=True, seed=SEED, epoch=epoch):
            records["loss"].append(batch_step(model, opt, torch.nn.functional.cross_entropy, x, y)[0])
            if averaged is not None:
                averaged.update_parameters(model)
        if hasattr(opt, "eval"):
            opt.eval()
        evaluated = {"": model}
        if averaged is not None:
            if any(isinstance(m, _BatchNorm) for m in averaged.modules()):
                torch_swa.update_bn(data.batches("train", BATCH, shuffle=False), averaged)
            evaluated["ema_"] = averaged
        for prefix, net in evaluated.items():
            for split in splits:
                loss, acc = evaluate(net, data, split)
                records.setdefault(f"{prefix}{split}_loss", []).append(loss)
                records.setdefault(f"{prefix}{split}_acc", []).append(acc)
    return records


def assert_state_equal(a: dict, b: dict, where: str):
    assert list(a) == list(b), where
    for key in a:
        same = torch.equal(a[key], b[key]) if isinstance(a[key], torch.Tensor) else a[key] == b[key]
        assert same, f"{where}: {key}"


# ------------------------------------------------------------------ schedule-free: evaluated at x

SCHEDULE_FREE = [  # (lrcourse class, the reference class, settings)
    (optim.SGDScheduleFree, schedulefree.SGDScheduleFree, dict(lr=0.5, warmup_steps=3)),
    (optim.AdamWScheduleFree, schedulefree.AdamWScheduleFree, dict(lr=3e-3, weight_decay=0.01)),
]


@pytest.mark.parametrize("ours, reference, settings", SCHEDULE_FREE, ids=["sgd", "adamw"])
def test_schedule_free_trains_at_y_and_evaluates_at_x_as_the_reference(tiny_val, ours, reference, settings):
    model = lenet()
    opt = ours(model.parameters(), **settings)
    h = train(model, opt, tiny_val, epochs=2, seed=SEED, channels_last=False, **quiet())
    ref_model = lenet()
    ref_opt = reference(ref_model.parameters(), foreach=False, **settings)
    expected = plain_loop(ref_model, ref_opt, tiny_val, epochs=2)
    for name, values in expected.items():
        assert getattr(h, name) == values, name
    assert not opt.param_groups[0]["train_mode"]  # left in eval mode: the model holds x, as the reference's
    assert_state_equal(model.state_dict(), ref_model.state_dict(), "x after train() returned")
    ref_opt.train()  # y differs from x: evaluating at y would have given other numbers
    assert not torch.equal(ref_model[0].weight, model[0].weight)


def test_schedule_free_is_left_at_x_when_the_run_stops_early(tiny):
    model = lenet()
    opt = optim.SGDScheduleFree(model.parameters(), lr=1e6)
    with pytest.warns(RuntimeWarning, match="diverged"):
        h = train(model, opt, tiny, epochs=2, on_divergence="stop", **quiet())
    assert h.diverged and not opt.param_groups[0]["train_mode"]


# ------------------------------------------------------------------ EMA against torch's

EMA_CASES = [  # (model settings, optimizer, decay, data fixture)
    ({}, lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9), 0.9, "tiny"),
    ({"batch_norm": True}, lambda ps: torch.optim.Adam(ps, lr=3e-3), 0.75, "tiny_val"),
    ({"batch_norm": True}, lambda ps: optim.AdamWScheduleFree(ps, lr=3e-3), 0.5, "tiny"),
]


@pytest.mark.parametrize("model_kw, make, decay, data_name", EMA_CASES)
def test_ema_equals_torchs_averaged_model_stepped_by_hand(request, tmp_path, model_kw, make, decay, data_name):
    data = request.getfixturevalue(data_name)
    model = lenet(**model_kw)
    h = train(model, make(model.parameters()), data, epochs=2, seed=SEED, channels_last=False, ema=decay,
              checkpoint=tmp_path / "c.pt", **quiet())
    ref_model = lenet(**model_kw)
    ema = torch_swa.AveragedModel(ref_model, multi_avg_fn=torch_swa.get_ema_multi_avg_fn(decay))
    expected = plain_loop(ref_model, make(ref_model.parameters()), data, epochs=2, averaged=ema)
    assert {name for name in expected if name.startswith("ema_")} == \
        {f for f in EMA_FIELDS if f.split("_")[1] in data.splits}
    for name, values in expected.items():
        assert getattr(h, name) == values, name
    assert_state_equal(load_checkpoint(tmp_path / "c.pt")["ema"], ema.state_dict(), "the checkpoint's EMA")
    assert h.meta["ema"] == decay and h.ema_test_loss != h.test_loss  # the average is not the raw weights


# ------------------------------------------------------------------ resume = the uninterrupted run

RESUME = {  # name: (model settings, optimizer, ema decay, data fixture); one line per case
    "adamw-schedulefree": ({}, lambda ps: optim.AdamWScheduleFree(ps, lr=3e-3), None, "tiny"),
    "sgd-schedulefree": ({}, lambda ps: optim.SGDScheduleFree(ps, lr=0.5, warmup_steps=5), None, "tiny"),
    "prodigy": ({}, lambda ps: optim.Prodigy(ps), None, "tiny"),  # d lives in the param groups
    "dadapt-adam": ({}, lambda ps: optim.DAdaptAdam(ps, use_bias_correction=True), None, "tiny"),
    "sgd-ema": ({}, lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9), 0.9, "tiny"),
    "adamw-schedulefree-batchnorm-ema": ({"batch_norm": True}, lambda ps: optim.AdamWScheduleFree(ps, lr=3e-3), 0.8,
                                         "tiny_val"),
}


@pytest.mark.parametrize("case", list(RESUME))
def test_resume_equals_uninterrupted(request, tmp_path, case):
    model_kw, make, decay, data_name = RESUME[case]
    data = request.getfixturevalue(data_name)

    def run(epochs, init_seed=0, **kw):
        model = lenet(init_seed, **model_kw)
        opt = make(model.parameters())
        return model, opt, train(model, opt, data, epochs=epochs, seed=SEED, ema=decay, **quiet(**kw))

    full_model, full_opt, full = run(4, checkpoint=tmp_path / "full.pt")
    run(2, checkpoint=tmp_path / "part.pt")
    # other initial weights: everything must come from the checkpoint
    model, opt, resumed = run(4, init_seed=99, checkpoint=tmp_path / "part.pt", resume=tmp_path / "part.pt")
    for name in RECORDS:
        assert getattr(resumed, name) == getattr(full, name), name
    assert_state_equal(model.state_dict(), full_model.state_dict(), "model")
    a, b = opt.state_dict(), full_opt.state_dict()
    assert a["param_groups"] == b["param_groups"]
    for i in a["state"]:
        assert_state_equal(a["state"][i], b["state"][i], f"optimizer state {i}")
    if decay is not None:
        assert_state_equal(load_checkpoint(tmp_path / "part.pt")["ema"], load_checkpoint(tmp_path / "full.pt")["ema"],
                           "EMA")
        assert len(full.ema_test_acc) == 4


# ------------------------------------------------------------------ errors

@pytest.mark.parametrize("bad, exc", [(1.0, ValueError), (0, ValueError), (-0.5, ValueError), (math.nan, ValueError),
                                      ("0.9", TypeError), (True, TypeError)])
def test_bad_ema_is_refused_before_training(tiny, bad, exc):
    model = lenet()
    with pytest.raises(exc, match=rf"^ema must be a number in \(0, 1\), got {bad!r}"):
        train(model, torch.optim.SGD(model.parameters(), lr=0.1), tiny, epochs=1, ema=bad, **quiet())


@pytest.mark.parametrize("written, resumed", [(None, 0.9), (0.9, None), (0.9, 0.99)])
def test_resume_with_another_ema_is_refused(tiny, tmp_path, written, resumed):
    model = lenet()
    train(model, torch.optim.SGD(model.parameters(), lr=0.1), tiny, epochs=1, ema=written,
          checkpoint=tmp_path / "c.pt", **quiet())
    model = lenet()
    with pytest.raises(ValueError, match=rf"c.pt was written with ema={written!r}, this run has ema={resumed!r}"):
        train(model, torch.optim.SGD(model.parameters(), lr=0.1), tiny, epochs=2, ema=resumed,
              resume=tmp_path / "c.pt", **quiet())
