"""WarmupLR, InverseSqrtLR, WSDLR: beyond torch, so the oracle is torch's inner scheduler
times an independently written warmup factor, or the formula written out (schedule_formulas.py)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.optim.lr_scheduler as T

import lrcourse.lr_scheduler as L
from schedule_formulas import inv_sqrt, w_exponential, w_linear, wsd_factor


def sgd(lrs=(0.1, 0.03)):
    groups = [{"params": [torch.zeros(1, dtype=torch.float64, requires_grad=True)], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def metric(i):
    return max(0.5, 1.0 - 0.05 * i)


INNER = [
    ("cosine", lambda M, o: M.CosineAnnealingLR(o, 30, 0.001), None),
    ("step", lambda M, o: M.StepLR(o, 5, 0.5), None),
    ("onecycle", lambda M, o: M.OneCycleLR(o, 0.4, total_steps=40), None),
    ("plateau", lambda M, o: M.ReduceLROnPlateau(o, patience=1, factor=0.5), metric),
]
WARMUPS = [("linear", 8, 0.0, w_linear), ("linear", 5, 0.2, w_linear), ("exponential", 6, 0.0, w_exponential)]


def run_warm(inner_module, build, metrics, kind, W, s, steps=40, resume_at=None):
    opt = sgd()
    sched = L.WarmupLR(build(inner_module, opt), W, kind=kind, start_factor=s)
    out = []
    for i in range(steps):
        if i == resume_at:
            o_state, s_state = opt.state_dict(), sched.state_dict()
            opt = sgd(lrs=(0.5, 0.5))
            sched = L.WarmupLR(build(inner_module, opt), W, kind=kind, start_factor=s)
            opt.load_state_dict(o_state)
            sched.load_state_dict(s_state)
        out.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step(metrics(i)) if metrics else sched.step()
    return np.array(out)


def run_torch(build, metrics, steps=40):
    opt = sgd()
    sched = build(T, opt)
    out = []
    for i in range(steps):
        out.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step(metrics(i)) if metrics else sched.step()
    return np.array(out)


@pytest.mark.parametrize("inner_module", [L, T], ids=["lrcourse-inner", "torch-inner"])
@pytest.mark.parametrize("kind, W, s, w", WARMUPS, ids=[f"{k}-{W}-{s}" for k, W, s, _ in WARMUPS])
@pytest.mark.parametrize("build, metrics", [(b, m) for _, b, m in INNER], ids=[i for i, _, _ in INNER])
def test_warmup_times_torch_inner(inner_module, build, metrics, kind, W, s, w):
    expected = run_torch(build, metrics) * np.array([w(t, W, s) for t in range(40)])[:, None]
    np.testing.assert_allclose(run_warm(inner_module, build, metrics, kind, W, s), expected, rtol=1e-12)


@pytest.mark.parametrize("build, metrics", [(b, m) for _, b, m in INNER], ids=[i for i, _, _ in INNER])
def test_warmup_resume(build, metrics):
    straight = run_warm(L, build, metrics, "linear", 10, 0.0)
    np.testing.assert_allclose(run_warm(L, build, metrics, "linear", 10, 0.0, resume_at=6), straight, rtol=1e-12)


FORMULAS = [
    ("inverse-sqrt-4", lambda o: L.InverseSqrtLR(o, 4), lambda t: inv_sqrt(t, 4)),
    ("inverse-sqrt-1", lambda o: L.InverseSqrtLR(o, warmup_steps=1), lambda t: inv_sqrt(t, 1)),
    ("wsd-linear", lambda o: L.WSDLR(o, 40, 5, 10, 0.1, "linear"), lambda t: wsd_factor(t, 40, 5, 10, 0.1, "linear")),
    ("wsd-cosine", lambda o: L.WSDLR(o, 40, 0, 20, 0.0, "cosine"), lambda t: wsd_factor(t, 40, 0, 20, 0.0, "cosine")),
    ("wsd-1-sqrt", lambda o: L.WSDLR(o, 30, 6, 24, 0.05), lambda t: wsd_factor(t, 30, 6, 24, 0.05, "1-sqrt")),
]


@pytest.mark.parametrize("build, factor", [(b, f) for _, b, f in FORMULAS], ids=[i for i, _, _ in FORMULAS])
def test_beyond_torch_formulas(build, factor):
    opt = sgd()
    sched = build(opt)
    for t in range(45):
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups],
                                   [0.1 * factor(t), 0.03 * factor(t)], rtol=1e-12, err_msg=f"step {t}")
        opt.step()
        sched.step()


def test_inverse_sqrt_is_continuous_at_warmup_end():
    opt = sgd(lrs=(1.0,))
    sched = L.InverseSqrtLR(opt, 10)
    lrs = []
    for _ in range(12):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[9] == lrs[10] == 1.0 and lrs[11] < 1.0
