"""Gradient clipping in the trainer: ``train(..., clip_grad_norm=C)`` equals a hand-written loop
that clips with ``torch.nn.utils.clip_grad_norm_`` (same seeds, same batches: the same weights,
bit for bit, and the same pre-clip norms); the records (per-step norm, per-epoch fraction of steps
where clipping bit) are written only for runs that clip; a resume is exact and needs the same C."""
from __future__ import annotations

import csv
import math

import pytest
import torch
import torch.nn.functional as F

from lrcourse.models import LeNet
from lrcourse.train import History, load_checkpoint, train
from trainer_setup import BATCH, quiet

SEED = 7

# name -> (optimizer on the model's parameters, C, epochs); LBFGS clips inside its closure
CASES = {
    "sgd-momentum": (lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.9), 0.3, 3),
    "adam": (lambda p: torch.optim.Adam(p, lr=3e-3), 0.15, 2),
    "lbfgs": (lambda p: torch.optim.LBFGS(p, lr=0.5, max_iter=3), 0.15, 1),
    "inf-records-only": (lambda p: torch.optim.SGD(p, lr=0.5, momentum=0.9), math.inf, 3),
}


def fresh(case, init_seed=0):
    torch.manual_seed(init_seed)
    model = LeNet()
    return model, CASES[case][0](model.parameters())


def trained(case, data, init_seed=0, **kw):
    model, opt = fresh(case, init_seed)
    kw = {"epochs": CASES[case][2], "clip_grad_norm": CASES[case][1], **kw}
    return model, train(model, opt, data, seed=SEED, channels_last=False, **quiet(**kw))


def hand_loop(case, data):
    """What a user writes: forward, backward, torch's clip_grad_norm_, step; the norms it saw."""
    model, opt = fresh(case)
    _, max_norm, epochs = CASES[case]
    torch.manual_seed(SEED)
    norms = []
    for epoch in range(epochs):
        for x, y in data.batches("train", BATCH, shuffle=True, seed=SEED, epoch=epoch):
            seen = []

            def closure():
                opt.zero_grad()
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                seen.append(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm).item())
                return loss

            opt.step(closure)
            norms.append(seen[0])  # LBFGS evaluates more: the first is the gradient the step starts from
    return model, norms


@pytest.mark.parametrize("case", list(CASES))
def test_clipped_run_equals_a_hand_written_loop(tiny, case):
    model, h = trained(case, tiny)
    ref, norms = hand_loop(case, tiny)
    for (name, a), b in zip(model.state_dict().items(), ref.state_dict().values()):
        assert torch.equal(a, b), name
    assert h.grad_norm == norms and len(norms) == len(h.loss)
    steps = len(norms) // h.epochs
    max_norm = CASES[case][1]
    assert h.clip_fraction == [sum(n > max_norm for n in norms[e * steps:(e + 1) * steps]) / steps
                               for e in range(h.epochs)]
    assert h.meta["clip_grad_norm"] == max_norm


def test_the_cases_clip_some_steps_and_inf_clips_none(tiny):
    """The table is not vacuous: clipping bites in some steps (not all) and changes the weights;
    C = inf records the same norms as no clipping would see and leaves the run unchanged."""
    for case in ("sgd-momentum", "adam", "lbfgs"):
        _, h = trained(case, tiny)
        bit = sum(n > CASES[case][1] for n in h.grad_norm)
        assert 0 < bit < len(h.grad_norm), (case, h.grad_norm)
    clipped, _ = trained("sgd-momentum", tiny)
    recorded, h = trained("inf-records-only", tiny)
    plain, p = trained("inf-records-only", tiny, clip_grad_norm=None)
    assert h.clip_fraction == [0.0] * 3 and p.grad_norm == [] and p.clip_fraction == [] and h.loss == p.loss
    for a, b, c in zip(recorded.state_dict().values(), plain.state_dict().values(), clipped.state_dict().values()):
        assert torch.equal(a, b)
    assert not all(torch.equal(a, c) for a, c in zip(plain.state_dict().values(), clipped.state_dict().values()))


def test_resume_equals_the_uninterrupted_clipped_run(tiny, tmp_path):
    full_model, full = trained("sgd-momentum", tiny)
    ckpt = tmp_path / "ckpt.pt"
    trained("sgd-momentum", tiny, epochs=2, checkpoint=ckpt)
    assert load_checkpoint(ckpt)["config"]["clip_grad_norm"] == 0.3
    model, h = trained("sgd-momentum", tiny, init_seed=99, resume=ckpt)  # the weights come from the checkpoint
    for a, b in zip(full_model.state_dict().values(), model.state_dict().values()):
        assert torch.equal(a, b)
    assert (h.loss, h.grad_norm, h.clip_fraction, h.test_acc) == (full.loss, full.grad_norm, full.clip_fraction,
                                                                    full.test_acc)
    with pytest.raises(ValueError, match=r"^resume: .*ckpt.pt was written with clip_grad_norm=0.3, "
                                         r"this run has clip_grad_norm=1.0$"):
        trained("sgd-momentum", tiny, resume=ckpt, clip_grad_norm=1.0)
    with pytest.raises(ValueError, match=r"was written with clip_grad_norm=0.3, this run has clip_grad_norm=None$"):
        trained("sgd-momentum", tiny, resume=ckpt, clip_grad_norm=None)


def test_records_are_written_only_by_runs_that_clip(tiny, tmp_path):
    _, h = trained("sgd-momentum", tiny)
    _, plain = trained("sgd-momentum", tiny, clip_grad_norm=None)
    h.to_csv(tmp_path / "clipped")
    plain.to_csv(tmp_path / "plain")
    with open(tmp_path / "clipped" / "steps.csv") as f:
        rows = list(csv.DictReader(f))
    assert [float(r["grad_norm"]) for r in rows] == h.grad_norm and len(rows) == len(h.loss)
    with open(tmp_path / "clipped" / "epochs.csv") as f:
        assert [float(r["clip_fraction"]) for r in csv.DictReader(f)] == h.clip_fraction
    with open(tmp_path / "plain" / "steps.csv") as f:
        assert f.readline().strip() == "step,lr,momentum,loss"
    with open(tmp_path / "plain" / "epochs.csv") as f:
        assert "clip_fraction" not in f.readline()
    bit = sum(n > 0.3 for n in h.grad_norm) / len(h.grad_norm)
    assert f"clipping (gradient norm > 0.3) bit in {bit:.0%} of steps" in h.summary()
    assert "clipping" not in plain.summary()
    assert History.from_json(h.to_json()).grad_norm == h.grad_norm


def test_a_diverged_step_records_no_norm(tiny):
    """The loss is NaN at the 6th step: no backward pass, so its norm is NaN; the columns stay aligned."""
    calls = []

    def loss_fn(out, y):
        calls.extend([] if torch.is_inference_mode_enabled() else [1])  # training steps only, not evaluations
        loss = F.cross_entropy(out, y)
        return loss * math.nan if len(calls) == 6 else loss

    with pytest.warns(RuntimeWarning, match="training diverged at step 5"):
        _, h = trained("sgd-momentum", tiny, loss_fn=loss_fn, on_divergence="stop")
    assert len(h.grad_norm) == len(h.loss) == 6 and math.isnan(h.grad_norm[-1]) and math.isnan(h.loss[-1])
    assert all(math.isfinite(n) for n in h.grad_norm[:-1]) and len(h.clip_fraction) == h.epochs == 1


def test_an_interrupted_run_keeps_the_norms_of_the_finished_steps(tiny, monkeypatch):
    """Ctrl-C in the 7th step: the history handed back holds 6 steps, their norms among them."""
    import lrcourse.train.trainer as trainer

    _, full = trained("sgd-momentum", tiny)
    calls, real = [], trainer.batch_step

    def batch_step(*args, **kwargs):
        calls.append(1)
        if len(calls) == 7:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(trainer, "batch_step", batch_step)
    with pytest.raises(KeyboardInterrupt) as info:
        trained("sgd-momentum", tiny)
    h = info.value.history
    assert h.grad_norm == full.grad_norm[:6] and len(h.loss) == 6 and h.clip_fraction == full.clip_fraction[:1]


@pytest.mark.parametrize("value, exc, message", [
    (0, ValueError, "clip_grad_norm must be a number in (0, inf), got 0"),
    (-1.0, ValueError, "clip_grad_norm must be a number in (0, inf), got -1.0"),
    (math.nan, ValueError, "clip_grad_norm must be a number in (0, inf), got nan"),
    ("1", TypeError, "clip_grad_norm must be a number in (0, inf), got '1' of type str"),
])
def test_bad_clip_grad_norm_is_refused(tiny, value, exc, message):
    model, opt = fresh("sgd-momentum")
    with pytest.raises(exc) as info:
        train(model, opt, tiny, clip_grad_norm=value, **quiet(epochs=1))
    assert str(info.value) == message
