"""lrcourse's optimizers driven by lrcourse's schedulers give torch's numbers.

The optimizer tests use torch's schedulers and the scheduler tests use torch's
optimizers; this table closes the square: (lrcourse optimizer + lrcourse scheduler) vs
(torch optimizer + torch scheduler), float64 parameters, every step compared, including
a state_dict resume of both halves mid-run.
"""
from __future__ import annotations

import copy

import pytest
import torch

import lrcourse.lr_scheduler as ours_sched
import lrcourse.optim as ours_optim

STEPS = 40

OPTIMIZERS = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-3)),
    ("Adam", dict(lr=0.01, betas=(0.9, 0.99), weight_decay=1e-3)),
    ("AdamW", dict(lr=0.01, amsgrad=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=1e-3)),
    ("Adadelta", dict(lr=1.0, rho=0.8)),
]

SCHEDULERS = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("CosineAnnealingLR", dict(T_max=25, eta_min=1e-4)),
    ("OneCycleLR", dict(max_lr=0.2, total_steps=STEPS + 1)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=5, mode="triangular2")),
    ("CosineAnnealingWarmRestarts", dict(T_0=6, T_mult=2)),
    ("ReduceLROnPlateau", dict(mode="min", factor=0.5, patience=2)),
    ("SEQUENTIAL", {}),
]


def _params():
    g = torch.Generator().manual_seed(0)
    first = torch.nn.Parameter(torch.randn(4, 3, generator=g, dtype=torch.float64))
    second = torch.nn.Parameter(torch.randn(5, generator=g, dtype=torch.float64))
    return [first, second]


def _loss(params):
    a, b = params
    return (a.sin() * a).sum() + ((b - 0.3) ** 2 * torch.arange(1, 6, dtype=torch.float64)).sum()


def _build(optim_mod, sched_mod, opt_name, opt_kwargs, sched_name, sched_kwargs, params):
    first, second = params
    opt = getattr(optim_mod, opt_name)(
        [{"params": [first]}, {"params": [second], "lr": opt_kwargs["lr"] / 2}], **opt_kwargs)
    if sched_name == "SEQUENTIAL":
        warm = sched_mod.LinearLR(opt, start_factor=0.1, total_iters=5)
        decay = sched_mod.ExponentialLR(opt, gamma=0.9)
        return opt, sched_mod.SequentialLR(opt, [warm, decay], milestones=[5])
    kwargs = dict(sched_kwargs)
    if sched_name == "OneCycleLR" and opt_name not in {"SGD", "RMSprop", "Adam", "AdamW"}:
        kwargs["cycle_momentum"] = False
    if sched_name == "CyclicLR" and opt_name not in {"SGD", "RMSprop", "Adam", "AdamW"}:
        kwargs["cycle_momentum"] = False
    return opt, getattr(sched_mod, sched_name)(opt, **kwargs)


def _run(optim_mod, sched_mod, case, resume_at=None):
    opt_name, opt_kwargs, sched_name, sched_kwargs = case
    params = _params()
    opt, sched = _build(optim_mod, sched_mod, opt_name, opt_kwargs, sched_name, sched_kwargs, params)
    trajectory = []
    for t in range(STEPS):
        if t == resume_at:  # rebuild everything from state_dicts, as after a restart
            saved = copy.deepcopy((opt.state_dict(), sched.state_dict(), [p.detach().clone() for p in params]))
            params = [torch.nn.Parameter(v) for v in saved[2]]
            opt, sched = _build(optim_mod, sched_mod, opt_name, opt_kwargs, sched_name, sched_kwargs, params)
            opt.load_state_dict(saved[0])
            sched.load_state_dict(saved[1])
        opt.zero_grad()
        loss = _loss(params)
        loss.backward()
        opt.step()
        if sched_name == "ReduceLROnPlateau":
            sched.step(round(loss.item(), 3))
        else:
            sched.step()
        trajectory.append(torch.cat([p.detach().flatten() for p in params]))
        trajectory.append(torch.tensor([g["lr"] for g in opt.param_groups], dtype=torch.float64))
    return trajectory


CASES = [(o, ok, s, sk) for o, ok in OPTIMIZERS for s, sk in SCHEDULERS]


def _id(case):
    return f"{case[0]}-{case[2]}-" + ",".join(f"{k}={v}" for k, v in case[1].items())


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_lrcourse_pair_equals_torch_pair(case):
    theirs = _run(torch.optim, torch.optim.lr_scheduler, case)
    ours = _run(ours_optim, ours_sched, case)
    for t, (a, b) in enumerate(zip(ours, theirs)):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12, msg=lambda m: f"step {t // 2}: {m}")


@pytest.mark.parametrize("case", CASES[::3], ids=[_id(c) for c in CASES[::3]])
def test_resume_mid_run_continues_identically(case):
    straight = _run(ours_optim, ours_sched, case)
    resumed = _run(ours_optim, ours_sched, case, resume_at=STEPS // 2)
    theirs = _run(torch.optim, torch.optim.lr_scheduler, case, resume_at=STEPS // 2)
    for a, b, c in zip(resumed, straight, theirs):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)
        torch.testing.assert_close(a, c, rtol=1e-9, atol=1e-12)
