"""lrcourse.train: schedule semantics (per step, per epoch, plateau, callables), divergence,
reproducibility, device choice and argument errors. Torch's schedulers are the oracle: the lr
recorded at every step must equal what a reference scheduler, stepped the same way, produces.

Uses tiny stratified subsets of the real Fashion-MNIST when installed, else random images
(the semantics under test do not depend on the pixels).
"""
from __future__ import annotations

import math
import warnings

import pytest
import torch
from torch.optim import lr_scheduler as tls

from lrcourse.models import LeNet
from lrcourse.train import DivergenceError, evaluate, resolve_device, train
from trainer_setup import BATCH, EPOCHS, STEPS_PER_EPOCH, fresh, quiet

def reference(opt_kind, lr, opt_kw, make_sched):
    """The same optimizer settings on a dummy parameter, with the same scheduler."""
    p = torch.nn.Parameter(torch.zeros(1))
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[opt_kind]
    opt = cls([p], lr=lr, **opt_kw)
    return opt, make_sched(opt)


def group_momentum(group):
    return group["momentum"] if "momentum" in group else group["betas"][0]


TOTAL = EPOCHS * STEPS_PER_EPOCH

# (optimizer, lr, optimizer kwargs, scheduler factory); one line per case
PER_STEP = [
    ("sgd", 0.1, {}, lambda o: tls.StepLR(o, step_size=3, gamma=0.5)),
    ("sgd", 0.1, {"momentum": 0.9}, lambda o: tls.CosineAnnealingLR(o, T_max=7, eta_min=0.01)),
    ("sgd", 0.2, {}, lambda o: tls.ExponentialLR(o, gamma=0.8)),
    ("sgd", 0.1, {}, lambda o: tls.LambdaLR(o, lambda t: 1 / (t + 1) ** 0.5)),
    ("sgd", 0.1, {}, lambda o: tls.LinearLR(o, start_factor=0.1, total_iters=5)),
    ("sgd", 0.1, {"momentum": 0.9}, lambda o: tls.OneCycleLR(o, max_lr=0.5, total_steps=TOTAL)),
    ("sgd", 0.1, {"momentum": 0.9}, lambda o: tls.CyclicLR(o, 0.01, 0.3, step_size_up=3)),
    ("adam", 1e-3, {}, lambda o: tls.OneCycleLR(o, max_lr=1e-2, total_steps=TOTAL, three_phase=True)),
    ("sgd", 0.1, {}, lambda o: tls.SequentialLR(o, [tls.LinearLR(o, 0.1, total_iters=3),
                                                    tls.CosineAnnealingLR(o, T_max=9)], milestones=[3])),
]
PER_EPOCH = [
    ("sgd", 0.1, {}, lambda o: tls.StepLR(o, step_size=1, gamma=0.5)),
    ("sgd", 0.5, {}, lambda o: tls.MultiStepLR(o, milestones=[1, 2], gamma=0.1)),
    ("sgd", 0.3, {"momentum": 0.9}, lambda o: tls.CosineAnnealingLR(o, T_max=3, eta_min=0.01)),
    ("adam", 1e-3, {}, lambda o: tls.ExponentialLR(o, gamma=0.5)),
]


@pytest.mark.parametrize("opt_kind, lr, opt_kw, make", PER_STEP)
def test_scheduler_stepped_per_batch(tiny, opt_kind, lr, opt_kw, make):
    model, opt = fresh(opt_kind, lr, **opt_kw)
    h = train(model, opt, tiny, epochs=EPOCHS, scheduler=make(opt), scheduler_interval="step", **quiet())
    ref_opt, ref = reference(opt_kind, lr, opt_kw, make)
    expected_lr, expected_m = [], []
    for _ in range(TOTAL):
        expected_lr.append(ref_opt.param_groups[0]["lr"])
        expected_m.append(group_momentum(ref_opt.param_groups[0]))
        ref_opt.step()
        ref.step()
    assert h.lr == expected_lr
    assert h.momentum == expected_m
    assert h.epoch_lr == expected_lr[::STEPS_PER_EPOCH]


@pytest.mark.parametrize("opt_kind, lr, opt_kw, make", PER_EPOCH)
def test_scheduler_stepped_per_epoch(tiny, opt_kind, lr, opt_kw, make):
    model, opt = fresh(opt_kind, lr, **opt_kw)
    h = train(model, opt, tiny, epochs=EPOCHS, scheduler=make(opt), scheduler_interval="epoch", **quiet())
    ref_opt, ref = reference(opt_kind, lr, opt_kw, make)
    expected = []
    for _ in range(EPOCHS):
        expected.append(ref_opt.param_groups[0]["lr"])
        ref_opt.step()
        ref.step()
    assert h.epoch_lr == expected
    assert h.lr == [lr_e for lr_e in expected for _ in range(STEPS_PER_EPOCH)]


# (data fixture, plateau_metric given, the metric it must be fed, ReduceLROnPlateau settings)
PLATEAU = [
    ("tiny", "test_loss", "test_loss", dict(mode="min", factor=0.5, patience=0, threshold=0.05)),
    ("tiny", None, "test_loss", dict(mode="min", factor=0.1, patience=1, threshold=1.0, cooldown=1)),
    ("tiny", "test_acc", "test_acc", dict(mode="max", factor=0.5, patience=0, threshold=0.5, threshold_mode="abs")),
    ("tiny_val", None, "val_loss", dict(mode="min", factor=0.5, patience=0, threshold=0.05)),
    ("tiny_val", "val_acc", "val_acc", dict(mode="max", factor=0.5, patience=0, threshold=0.5, threshold_mode="abs")),
    ("tiny_val", "test_loss", "test_loss", dict(mode="min", factor=0.1, patience=1, threshold=1.0, cooldown=1)),
]


@pytest.mark.parametrize("data_name, metric, fed, kw", PLATEAU)
def test_plateau_is_fed_the_chosen_metric(request, data_name, metric, fed, kw):
    model, opt = fresh("sgd", 0.1)
    epochs = 4
    h = train(model, opt, request.getfixturevalue(data_name), epochs=epochs,
              scheduler=tls.ReduceLROnPlateau(opt, **kw), plateau_metric=metric, **quiet())
    ref_opt, ref = reference("sgd", 0.1, {}, lambda o: tls.ReduceLROnPlateau(o, **kw))
    expected = []
    for value in getattr(h, fed):
        expected.append(ref_opt.param_groups[0]["lr"])
        ref.step(value)
    assert h.epoch_lr == expected
    assert len(set(expected)) > 1  # the case actually reduced the lr


def test_plateau_detected_by_signature(tiny):
    class MyPlateau:  # any class whose step() needs the metric
        def __init__(self, opt):
            self.opt, self.seen = opt, []

        def step(self, metrics):
            self.seen.append(metrics)
            self.opt.param_groups[0]["lr"] *= 0.5

    model, opt = fresh("sgd", 0.1)
    sched = MyPlateau(opt)
    h = train(model, opt, tiny, epochs=2, scheduler=sched, **quiet())
    assert sched.seen == h.test_loss and h.epoch_lr == [0.1, 0.05]


def schedule_fn(e):
    return 0.2 / math.sqrt(e + 1)


def test_callable_epoch_e_trains_at_schedule_e(tiny):
    model, opt = fresh("sgd", 99.0)  # the initial lr must not be used
    h = train(model, opt, tiny, epochs=EPOCHS, scheduler=schedule_fn, scheduler_interval="epoch", **quiet())
    assert h.epoch_lr == [schedule_fn(e) for e in range(EPOCHS)]
    assert h.lr == [schedule_fn(t // STEPS_PER_EPOCH) for t in range(TOTAL)]


def test_callable_per_step(tiny):
    model, opt = fresh("sgd", 99.0)
    h = train(model, opt, tiny, epochs=2, scheduler=schedule_fn, scheduler_interval="step", **quiet())
    assert h.lr == [schedule_fn(t) for t in range(2 * STEPS_PER_EPOCH)]


def chapter_loop(net, batches, num_epochs, loss, trainer, scheduler):
    """The d2l chapter's ``train`` (metrics and plotting left out), verbatim in its lr handling."""
    for epoch in range(num_epochs):
        for X, y in batches(epoch):
            net.train()
            trainer.zero_grad()
            l = loss(net(X), y)  # noqa: E741
            l.backward()
            trainer.step()
        if scheduler:
            for param_group in trainer.param_groups:
                param_group['lr'] = scheduler(epoch)


@pytest.mark.parametrize("convention", ["d2l", "exact"])
def test_callable_conventions_match_their_loops(tiny, convention):
    model, opt = fresh("sgd", 0.3)
    h = train(model, opt, tiny, epochs=EPOCHS, scheduler=schedule_fn, scheduler_interval="epoch",
              callable_convention=convention, seed=5, channels_last=False, **quiet())  # NCHW like the loop
    ref_model, ref_opt = fresh("sgd", 0.3)
    batches = lambda e: tiny.batches("train", BATCH, seed=5, epoch=e)  # noqa: E731
    if convention == "d2l":
        assert h.epoch_lr == [0.3] + [schedule_fn(e) for e in range(EPOCHS - 1)]  # the off-by-one
        chapter_loop(ref_model, batches, EPOCHS, torch.nn.CrossEntropyLoss(), ref_opt, schedule_fn)
    else:  # start at s(0) and set s(e+1) after epoch e: epoch e trains at s(e)
        ref_model, ref_opt = fresh("sgd", schedule_fn(0))
        chapter_loop(ref_model, batches, EPOCHS, torch.nn.CrossEntropyLoss(), ref_opt,
                     lambda e: schedule_fn(e + 1))
    for a, b in zip(model.state_dict().values(), ref_model.state_dict().values()):
        assert torch.equal(a, b)


def test_seeded_runs_are_identical(tiny):
    runs = []
    for _ in range(2):
        model, opt = fresh("sgd", 0.1, momentum=0.9)
        h = train(model, opt, tiny, epochs=2, seed=3, **quiet())
        runs.append((h, [p.clone() for p in model.parameters()]))
    (h1, w1), (h2, w2) = runs
    assert h1.loss == h2.loss and h1.test_acc == h2.test_acc
    assert all(torch.equal(a, b) for a, b in zip(w1, w2))
    model, opt = fresh("sgd", 0.1, momentum=0.9)
    assert train(model, opt, tiny, epochs=2, seed=4, **quiet()).loss != h1.loss


@pytest.mark.parametrize("make_opt", [
    lambda p: torch.optim.LBFGS(p, lr=0.5, max_iter=3),  # evaluates the loss several times per step
    lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),  # calls the closure once
])
def test_optimizer_gets_a_closure_like_its_own_loop(tiny, make_opt):
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = LeNet()
        runs.append((model, make_opt(model.parameters())))
    (model, opt), (ref, ref_opt) = runs
    h = train(model, opt, tiny, epochs=1, seed=5, channels_last=False, **quiet())  # NCHW like the loop
    losses = []
    for x, y in tiny.batches("train", BATCH, seed=5, epoch=0):
        def closure():
            ref_opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(ref(x), y)
            loss.backward()
            return loss
        losses.append(ref_opt.step(closure).item())
    assert h.loss == losses
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), ref.parameters()))


def test_epoch_metrics_are_consistent(tiny):
    model, opt = fresh("sgd", 0.1)
    h = train(model, opt, tiny, epochs=2, **quiet())
    sizes = [len(y) for _, y in tiny.batches("train", BATCH)]
    for e in range(2):
        losses = h.loss[e * STEPS_PER_EPOCH:(e + 1) * STEPS_PER_EPOCH]
        assert h.train_loss[e] == pytest.approx(sum(l * n for l, n in zip(losses, sizes)) / sum(sizes))
    with torch.no_grad():
        x = tiny.test_images.float() / 255
        out = model(x)
        loss = torch.nn.functional.cross_entropy(out, tiny.test_labels).item()
        acc = (out.argmax(1) == tiny.test_labels).double().mean().item()
    assert h.test_loss[-1] == pytest.approx(loss, rel=1e-5) and h.test_acc[-1] == acc
    assert evaluate(model, tiny, "test", batch_size=7) == pytest.approx((loss, acc), rel=1e-5)
    assert h.val_loss == [] and h.val_acc == [] and "val" not in h.summary()


def test_validation_split_is_evaluated_each_epoch(tiny, tiny_val):
    model, opt = fresh("sgd", 0.1)
    h = train(model, opt, tiny_val, epochs=2, **quiet())
    assert len(h.val_loss) == len(h.val_acc) == len(h.test_loss) == 2
    with torch.no_grad():
        out = model(tiny_val.val_images.float() / 255)
        loss = torch.nn.functional.cross_entropy(out, tiny_val.val_labels).item()
        acc = (out.argmax(1) == tiny_val.val_labels).double().mean().item()
    assert h.val_loss[-1] == pytest.approx(loss, rel=1e-5) and h.val_acc[-1] == acc
    assert h.val_loss[-1] != h.test_loss[-1] and f"val acc {acc:.3f}" in h.summary()
    model2, opt2 = fresh("sgd", 0.1)  # evaluating the validation split changes no training number
    h2 = train(model2, opt2, tiny, epochs=2, **quiet())
    assert h2.loss == h.loss and h2.test_loss == h.test_loss


# ---- divergence ---------------------------------------------------------------------------
class NanAt:
    """Cross-entropy, except NaN at one step: a divergence at a known step."""

    def __init__(self, step):
        self.step, self.calls = step, 0

    def __call__(self, out, y):
        loss = torch.nn.functional.cross_entropy(out, y)
        if torch.is_grad_enabled():
            self.calls += 1
            if self.calls == self.step + 1:
                return loss * float("nan")
        return loss


def test_divergence_stop_returns_history_and_names_step_and_lr(tiny):
    model, opt = fresh("sgd", 0.25)
    with pytest.warns(RuntimeWarning, match="diverged at step 6"):
        h = train(model, opt, tiny, epochs=EPOCHS, loss_fn=NanAt(6), on_divergence="stop", **quiet())
    # step 6 (an index into h.loss) is the 3rd batch of the 2nd epoch: 4 batches per epoch, counted from 1
    assert "step 6 (epoch 2, batch 3)" in h.diverged and "lr=0.25" in h.diverged
    assert "Lower the learning rate" in h.diverged and "warmup" in h.diverged
    assert len(h.loss) == 7 and math.isnan(h.loss[-1]) and all(math.isfinite(v) for v in h.loss[:-1])
    assert h.epochs == 1 and len(h.test_acc) == 1
    assert all(torch.isfinite(p).all() for p in model.parameters())  # stopped before stepping on NaN


def test_divergence_raise_carries_history(tiny):
    model, opt = fresh("sgd", 0.1)
    with pytest.raises(DivergenceError, match=r"step 2 .* lr=0.1\b") as exc:
        train(model, opt, tiny, epochs=EPOCHS, loss_fn=NanAt(2), **quiet())
    assert len(exc.value.history.loss) == 3 and exc.value.history.diverged == str(exc.value)


def test_too_large_lr_diverges_for_real(tiny):
    model, opt = fresh("sgd", 1e4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        h = train(model, opt, tiny, epochs=EPOCHS, on_divergence="stop", **quiet())
    assert h.diverged and not math.isfinite(h.loss[-1]) and len(h.loss) < TOTAL


# ---- device ---------------------------------------------------------------------------------
def test_device_override_and_default(tiny, monkeypatch):
    model, opt = fresh("sgd", 0.1)
    h = train(model, opt, tiny, epochs=1, device="cpu", **quiet())
    assert h.meta["device"] == "cpu" and next(model.parameters()).device.type == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device(None) == torch.device("cpu")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert resolve_device(None) == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device(None) == torch.device("cuda")
    assert resolve_device("cpu") == torch.device("cpu")


# ---- bad arguments --------------------------------------------------------------------------
def _sched(kind):
    def make(opt):
        return {"step": tls.StepLR(opt, 1), "plateau": tls.ReduceLROnPlateau(opt, mode="min"),
                "callable": schedule_fn, "neg": (lambda e: -0.1), "nan": (lambda e: float("nan")),
                "int": 5, "none": None}[kind]
    return make


ERRORS = [  # (train kwargs given the optimizer, exception, message pattern)
    (dict(epochs=0), ValueError, r"epochs must be an int >= 1, got 0"),
    (dict(epochs=2.0), ValueError, r"epochs must be an int >= 1, got 2.0"),
    (dict(batch_size=-1), ValueError, r"batch_size must be an int >= 1, got -1"),
    (dict(checkpoint_every=0), ValueError, r"checkpoint_every must be an int >= 1, got 0"),
    (dict(eval_batch_size=True), ValueError, r"eval_batch_size must be an int >= 1, got True"),
    (dict(seed=-1), ValueError, r"seed must be an int >= 0, got -1"),
    (dict(on_divergence="ignore"), ValueError, r"on_divergence must be one of 'raise', 'stop', got 'ignore'"),
    (dict(scheduler="step"), ValueError, r"scheduler_interval must be 'step' or 'epoch' when a scheduler is given \(got None\)"),
    (dict(scheduler="callable"), ValueError, r"scheduler_interval must be 'step' or 'epoch' when"),
    (dict(scheduler="step", scheduler_interval="batch"), ValueError, r"scheduler_interval must be one of 'step', 'epoch', got 'batch'"),
    (dict(scheduler="plateau", scheduler_interval="step"), ValueError, r"scheduler_interval='step' does not fit ReduceLROnPlateau"),
    (dict(scheduler="plateau", plateau_metric="test_acc"), ValueError, r"plateau_metric='test_acc' needs ReduceLROnPlateau\(mode='max'\)"),
    (dict(scheduler="plateau", plateau_metric="val_loss"), ValueError, r"plateau_metric='val_loss' needs a validation split: .*fashion_mnist\(\.\.\., validation=N\)"),
    (dict(scheduler="plateau", plateau_metric="train_loss"), ValueError, r"plateau_metric must be one of 'val_loss', 'val_acc', 'test_loss', 'test_acc', got 'train_loss'"),
    (dict(channels_last=1), TypeError, r"channels_last must be True, False or None .*got 1 of type int"),
    (dict(scheduler="callable", scheduler_interval="epoch", callable_convention="book"), ValueError, r"callable_convention must be one of 'exact', 'd2l', got 'book'"),
    (dict(scheduler="step", scheduler_interval="epoch", callable_convention="d2l"), ValueError, r"callable_convention='d2l' applies only to a callable"),
    (dict(scheduler="neg", scheduler_interval="epoch"), ValueError, r"schedule\(0\) returned lr=-0.1; a learning rate must be finite and >= 0"),
    (dict(scheduler="nan", scheduler_interval="step"), ValueError, r"schedule\(0\) returned lr=nan"),
    (dict(scheduler="int", scheduler_interval="epoch"), TypeError, r"scheduler must be a torch-style scheduler .* got int"),
    (dict(live="yes"), ValueError, r"live must be 'auto', True or False, got 'yes'"),
    (dict(progress="yes"), ValueError, r"progress must be True, False or 'transient' \(a bar removed when the run ends\), got 'yes'"),
    (dict(progress=None), ValueError, r"progress must be True, False or 'transient'.*got None"),
    (dict(device="cuda:7" if not torch.cuda.is_available() else "tpu"), ValueError, r"device"),
]


@pytest.mark.parametrize("kwargs, exc, pattern", ERRORS)
def test_bad_arguments(tiny, kwargs, exc, pattern):
    model, opt = fresh("sgd", 0.1)
    kwargs = dict(kwargs)
    if "scheduler" in kwargs:
        kwargs["scheduler"] = _sched(kwargs["scheduler"])(opt)
    kwargs.setdefault("epochs", 1)
    kwargs.setdefault("progress", False)
    with pytest.raises(exc, match=pattern):
        train(model, opt, tiny, **kwargs)


def test_bad_model_and_optimizer(tiny):
    model, opt = fresh("sgd", 0.1)
    with pytest.raises(TypeError, match=r"optimizer must be a torch.optim.Optimizer, got list"):
        train(model, [opt], tiny, epochs=1)
    with pytest.raises(TypeError, match=r"model must be a torch.nn.Module, got function"):
        train(lambda x: x, opt, tiny, epochs=1)
    other, _ = fresh("sgd", 0.1)
    with pytest.raises(ValueError, match=r"optimizer holds none of model's parameters"):
        train(other, opt, tiny, epochs=1)


@pytest.mark.parametrize("module", ["trainer", "history", "loop", "progress", "checkpoint"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"lrcourse.train.{module}"))
    assert result.failed == 0
