"""lrcourse.lr_scheduler against torch.optim.lr_scheduler, step by step.

One table of cases, one checker: each case builds a scheduler (or several) with either
module on identical optimizers (SGD with momentum, Adam; one and two param groups with
different lrs), steps both 45 times (optimizer.step() first) and compares every group's
lr, momentum / beta1 and get_last_lr() at every step (float64, rtol 1e-12), plus how many
warnings each raised. Resume and last_epoch construction run through the same table.
"""
from __future__ import annotations

import io
import math
import types
import warnings

import numpy as np
import pytest
import torch
import torch.optim.lr_scheduler as torch_lr_scheduler
from torch.optim.swa_utils import SWALR as TorchSWALR

import lrcourse.lr_scheduler as L

T = types.SimpleNamespace(**vars(torch_lr_scheduler), SWALR=TorchSWALR)  # torch's, with swa_utils.SWALR
STEPS = 45
RTOL, ATOL = 1e-12, 1e-15
SETUPS = [("sgd", 1), ("sgd", 2), ("adam", 2)]  # optimizer, number of param groups


class Halve:
    """A callable object with state, saved by LambdaLR.state_dict (functions are not)."""

    def __init__(self):
        self.rate = 0.97

    def __call__(self, t):
        return self.rate ** t


def plateau_metric(i, sign=1.0):
    base = [1.0 - 0.05 * min(i, 8), 0.6, 0.6 - 1e-5 * (i % 3), 0.59][min(i // 10, 3)]
    return sign * (base + (1e-3 if i % 11 == 0 else 0.0))


def per_group(n, *values):
    return list(values[:n])


# (id, build(L, opt, n_groups) -> scheduler or list of schedulers, optional step(s, i), poke step)
CASES = [
    ("step-3-0.5", lambda L, o, n: L.StepLR(o, 3, 0.5)),
    ("step-7-0.1", lambda L, o, n: L.StepLR(o, step_size=7)),
    ("step-1-0.9", lambda L, o, n: L.StepLR(o, 1, gamma=0.9)),
    ("step-5-1.5-grow", lambda L, o, n: L.StepLR(o, 5, gamma=1.5)),
    ("multistep", lambda L, o, n: L.MultiStepLR(o, [5, 12, 30], 0.5)),
    ("multistep-repeated", lambda L, o, n: L.MultiStepLR(o, [10, 10, 20, 20, 20], 0.7)),
    ("multistep-unsorted-zero", lambda L, o, n: L.MultiStepLR(o, [25, 0, 8], 0.3)),
    ("constant-default", lambda L, o, n: L.ConstantLR(o)),
    ("constant-0.5-10", lambda L, o, n: L.ConstantLR(o, factor=0.5, total_iters=10)),
    ("linear-default", lambda L, o, n: L.LinearLR(o)),
    ("linear-up", lambda L, o, n: L.LinearLR(o, start_factor=0.01, end_factor=1.0, total_iters=20)),
    ("linear-down-to-0", lambda L, o, n: L.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=30)),
    ("linear-0.5-0.25", lambda L, o, n: L.LinearLR(o, 0.5, 0.25, 7)),
    ("exponential-0.9", lambda L, o, n: L.ExponentialLR(o, 0.9)),
    ("exponential-1.1", lambda L, o, n: L.ExponentialLR(o, gamma=1.1)),
    ("polynomial-default", lambda L, o, n: L.PolynomialLR(o)),
    ("polynomial-2", lambda L, o, n: L.PolynomialLR(o, total_iters=30, power=2.0)),
    ("polynomial-0.5", lambda L, o, n: L.PolynomialLR(o, total_iters=40, power=0.5)),
    ("cosine-10", lambda L, o, n: L.CosineAnnealingLR(o, 10)),  # runs past T_max, back up
    ("cosine-40-eta", lambda L, o, n: L.CosineAnnealingLR(o, T_max=40, eta_min=0.001)),
    ("cosine-7-eta", lambda L, o, n: L.CosineAnnealingLR(o, 7, eta_min=0.01)),
    ("lambda", lambda L, o, n: L.LambdaLR(o, lambda t: 1 / (1 + 0.1 * t))),
    ("lambda-per-group", lambda L, o, n: L.LambdaLR(o, per_group(n, lambda t: 0.95 ** t, lambda t: 1 + math.sin(t)))),
    ("lambda-object", lambda L, o, n: L.LambdaLR(o, Halve())),
    ("multiplicative", lambda L, o, n: L.MultiplicativeLR(o, lambda t: 0.95)),
    ("multiplicative-per-group", lambda L, o, n: L.MultiplicativeLR(o, per_group(n, lambda t: 0.9, lambda t: 1 - 0.01 * t))),
    ("cyclic-triangular", lambda L, o, n: L.CyclicLR(o, 0.01, 0.1, step_size_up=5)),
    ("cyclic-triangular2", lambda L, o, n: L.CyclicLR(o, per_group(n, 0.01, 0.002), per_group(n, 0.1, 0.05),
                                                      step_size_up=4, step_size_down=6, mode="triangular2")),
    ("cyclic-exp-range", lambda L, o, n: L.CyclicLR(o, 0.001, 0.1, 3, mode="exp_range", gamma=0.97)),
    ("cyclic-scale-fn", lambda L, o, n: L.CyclicLR(o, 0.01, 0.1, 4, scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations")),
    ("cyclic-scale-fn-cycle", lambda L, o, n: L.CyclicLR(o, 0.01, 0.1, 3, 2, scale_fn=lambda x: 0.5 ** x)),
    ("cyclic-no-momentum", lambda L, o, n: L.CyclicLR(o, 0.01, 0.1, 5, cycle_momentum=False)),
    ("cyclic-momenta", lambda L, o, n: L.CyclicLR(o, 0.01, 0.1, 5, base_momentum=per_group(n, 0.7, 0.6),
                                                  max_momentum=per_group(n, 0.95, 0.9))),
    ("onecycle-cos", lambda L, o, n: L.OneCycleLR(o, max_lr=0.5, total_steps=STEPS)),
    ("onecycle-linear", lambda L, o, n: L.OneCycleLR(o, 1.0, total_steps=60, anneal_strategy="linear", pct_start=0.25)),
    ("onecycle-three-phase", lambda L, o, n: L.OneCycleLR(o, per_group(n, 0.4, 0.2), total_steps=STEPS, three_phase=True)),
    ("onecycle-divs", lambda L, o, n: L.OneCycleLR(o, 0.3, epochs=5, steps_per_epoch=9, div_factor=10.0,
                                                   final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9)),
    ("onecycle-no-momentum", lambda L, o, n: L.OneCycleLR(o, 0.3, total_steps=50, cycle_momentum=False)),
    ("sgdr-5", lambda L, o, n: L.CosineAnnealingWarmRestarts(o, 5)),
    ("sgdr-3-mult2-eta", lambda L, o, n: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001)),
    ("sgdr-fractional", lambda L, o, n: L.CosineAnnealingWarmRestarts(o, 4, T_mult=1), lambda s, i: s.step(i * 0.37)),
    ("sgdr-fractional-mult2", lambda L, o, n: L.CosineAnnealingWarmRestarts(o, 2, T_mult=2, eta_min=0.01),
     lambda s, i: s.step(i * 0.5 + 0.1)),
    ("plateau-min-rel", lambda L, o, n: L.ReduceLROnPlateau(o, patience=2), lambda s, i: s.step(plateau_metric(i))),
    ("plateau-max-abs", lambda L, o, n: L.ReduceLROnPlateau(o, "max", factor=0.5, patience=1, threshold=1e-3,
                                                            threshold_mode="abs"), lambda s, i: s.step(plateau_metric(i, -1))),
    ("plateau-cooldown-minlr", lambda L, o, n: L.ReduceLROnPlateau(o, factor=0.3, patience=0, cooldown=3,
                                                                   min_lr=per_group(n, 0.004, 0.002)),
     lambda s, i: s.step(plateau_metric(i))),
    ("plateau-eps", lambda L, o, n: L.ReduceLROnPlateau(o, factor=0.5, patience=0, eps=0.02, min_lr=0.001),
     lambda s, i: s.step(torch.tensor(plateau_metric(i)))),
    ("plateau-max-rel", lambda L, o, n: L.ReduceLROnPlateau(o, "max", patience=3, threshold=0.01),
     lambda s, i: s.step(10 - plateau_metric(i))),
    ("sequential-warmup-cosine", lambda L, o, n: L.SequentialLR(
        o, [L.LinearLR(o, 0.1, total_iters=5), L.CosineAnnealingLR(o, 30)], milestones=[5])),
    ("sequential-three", lambda L, o, n: L.SequentialLR(
        o, [L.ConstantLR(o, 0.5, 4), L.ExponentialLR(o, 0.9), L.StepLR(o, 5, 0.5)], [6, 20])),
    ("sequential-lambda", lambda L, o, n: L.SequentialLR(
        o, [L.LambdaLR(o, lambda t: (t + 1) / 8), L.PolynomialLR(o, 30, 2.0)], [8])),
    ("chained", lambda L, o, n: L.ChainedScheduler([L.ConstantLR(o, 0.1, 4), L.ExponentialLR(o, 0.9)])),
    ("chained-three", lambda L, o, n: L.ChainedScheduler(
        [L.LinearLR(o, 0.2, 1.0, 10), L.StepLR(o, 8, 0.5), L.CosineAnnealingLR(o, 50)], optimizer=o)),
    # phases of zero length: accepted and stepped as torch steps them
    ("constant-zero-iters", lambda L, o, n: L.ConstantLR(o, 0.5, total_iters=0)),
    ("linear-zero-iters", lambda L, o, n: L.LinearLR(o, 0.5, 0.9, total_iters=0)),
    ("polynomial-zero-iters", lambda L, o, n: L.PolynomialLR(o, total_iters=0, power=2.0)),
    ("cyclic-no-way-down", lambda L, o, n: L.CyclicLR(o, 0.01, 0.1, 4, step_size_down=0)),
    ("onecycle-pct-0", lambda L, o, n: L.OneCycleLR(o, 0.5, total_steps=STEPS, pct_start=0.0)),
    ("onecycle-three-phase-tiny-pct", lambda L, o, n: L.OneCycleLR(o, 0.5, total_steps=STEPS, pct_start=0.01, three_phase=True)),
    ("sequential-milestone-0", lambda L, o, n: L.SequentialLR(o, [L.ConstantLR(o, 0.5, 0), L.ExponentialLR(o, 0.9)], [0])),
    ("sequential-equal-milestones", lambda L, o, n: L.SequentialLR(
        o, [L.LinearLR(o, 0.1, total_iters=4), L.StepLR(o, 2, 0.5), L.ExponentialLR(o, 0.9)], [4, 4])),
    ("swalr-cos", lambda L, o, n: L.SWALR(o, swa_lr=0.05)),
    ("swalr-linear-per-group", lambda L, o, n: L.SWALR(o, per_group(n, 0.2, 0.01), anneal_epochs=7, anneal_strategy="linear")),
    ("swalr-0", lambda L, o, n: L.SWALR(o, 0.05, anneal_epochs=0)),
    ("swalr-after-cosine", lambda L, o, n: [L.CosineAnnealingLR(o, 20), L.SWALR(o, 0.02, 5)]),
    ("composed-step-exp", lambda L, o, n: [L.StepLR(o, 4, 0.5), L.ExponentialLR(o, 0.97)]),
    ("composed-linear-cosine", lambda L, o, n: [L.LinearLR(o, 0.1, total_iters=8), L.CosineAnnealingLR(o, 40, 0.001)]),
    ("composed-poly-multistep", lambda L, o, n: [L.PolynomialLR(o, 50, 1.5), L.MultiStepLR(o, [3, 3, 9])]),
    # a learning rate set by hand at step 10: recursive forms scale from it, closed forms overwrite it
    ("poke-step", lambda L, o, n: L.StepLR(o, 6, 0.5), None, 10),
    ("poke-cosine", lambda L, o, n: L.CosineAnnealingLR(o, 20, 0.001), None, 10),
    ("poke-exponential", lambda L, o, n: L.ExponentialLR(o, 0.95), None, 10),
    ("poke-linear", lambda L, o, n: L.LinearLR(o, 0.2, 1.0, 15), None, 10),
    ("poke-lambda", lambda L, o, n: L.LambdaLR(o, lambda t: 0.9 ** t), None, 10),
    ("poke-onecycle", lambda L, o, n: L.OneCycleLR(o, 0.5, total_steps=STEPS), None, 10),
    ("poke-plateau", lambda L, o, n: L.ReduceLROnPlateau(o, patience=1), lambda s, i: s.step(plateau_metric(i)), 10),
]
CASES = [c + (None,) * (4 - len(c)) for c in CASES]


def make_optimizer(kind, n_groups, lrs=(0.1, 0.03)):
    params = [torch.zeros(2, dtype=torch.float64, requires_grad=True) for _ in range(n_groups)]
    groups = [{"params": [p], "lr": lrs[i]} for i, p in enumerate(params)]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=0.1, momentum=0.9)
    return torch.optim.Adam(groups, lr=0.1, betas=(0.9, 0.999))


def snapshot(opt, sched):
    """Every group's lr and momentum/beta1, and get_last_lr() of the (last) scheduler."""
    groups = [(float(g["lr"]), float(g["betas"][0]) if "betas" in g else float(g.get("momentum", 0.0)))
              for g in opt.param_groups]
    last = sched[-1] if isinstance(sched, list) else sched
    return np.array(groups).ravel(), np.array([float(v) for v in last.get_last_lr()])


def default_step(s, i):
    s.step()


def run(module, build, kind, n, stepper, poke, steps=STEPS, resume_at=None):
    """Step a schedule, returning its snapshots; with ``resume_at``, rebuild from state_dicts there."""
    stepper = stepper or default_step
    opt = make_optimizer(kind, n)
    sched = build(module, opt, n)
    out, n_warnings = [], 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(steps):
            if i == resume_at:
                opt, sched = reload(module, build, kind, n, opt, sched)
            if i == poke:
                for g in opt.param_groups:
                    g["lr"] *= 0.5
            out.append(snapshot(opt, sched))
            opt.step()
            for s in sched if isinstance(sched, list) else [sched]:
                stepper(s, i)
        n_warnings = len(caught)
    return out, n_warnings


def reload(module, build, kind, n, opt, sched):
    """Save optimizer and scheduler state (through torch.save), build fresh ones, load."""
    scheds = sched if isinstance(sched, list) else [sched]
    buf = io.BytesIO()
    torch.save({"opt": opt.state_dict(), "sched": [s.state_dict() for s in scheds]}, buf)
    buf.seek(0)
    saved = torch.load(buf, weights_only=False)
    opt2 = make_optimizer(kind, n, lrs=(0.7, 0.9))  # different lrs: the load must restore them
    sched2 = build(module, opt2, n)
    opt2.load_state_dict(saved["opt"])
    for s, state in zip(sched2 if isinstance(sched2, list) else [sched2], saved["sched"]):
        s.load_state_dict(state)
    return opt2, sched2


def assert_same(ours, theirs):
    for i, ((g1, l1), (g2, l2)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(g1, g2, rtol=RTOL, atol=ATOL, err_msg=f"step {i}: lr/momentum per group")
        np.testing.assert_allclose(l1, l2, rtol=RTOL, atol=ATOL, err_msg=f"step {i}: get_last_lr()")


def params():
    for cid, build, stepper, poke in CASES:
        for kind, n in SETUPS:
            yield pytest.param(build, stepper, poke, kind, n, id=f"{cid}-{kind}-{n}g")


@pytest.mark.parametrize("build, stepper, poke, kind, n", list(params()))
def test_same_as_torch(build, stepper, poke, kind, n):
    ours, w_ours = run(L, build, kind, n, stepper, poke)
    theirs, w_theirs = run(T, build, kind, n, stepper, poke)
    assert_same(ours, theirs)
    assert w_ours == w_theirs, "number of warnings differs from torch's"


@pytest.mark.parametrize("build, stepper, poke, kind, n",
                         [p for p in params() if p.id.endswith("sgd-2g") or p.id.endswith("adam-2g")])
def test_resume_continues_identically(build, stepper, poke, kind, n):
    ours, _ = run(L, build, kind, n, stepper, poke, resume_at=17)
    straight, _ = run(L, build, kind, n, stepper, poke)
    theirs, _ = run(T, build, kind, n, stepper, poke)
    assert_same(ours, theirs)
    assert_same(ours, straight)
