"""SGDScheduleFree and AdamWScheduleFree against ``schedulefree`` 1.4.1 (foreach=False).

One table of cases and one runner: both libraries run the same float64 problem as the
conformance tests; after every step the train-mode parameters (y) are compared, then
``eval()`` puts both at x, those are compared, and ``train()`` goes back. lrcourse follows
the reference's memory-efficient form, so the comparison is bit for bit. The same runner
saves a state_dict in eval mode mid-run and loads it into a fresh optimizer of either
library, and the run goes on as if uninterrupted.
"""
from __future__ import annotations

import doctest
import importlib

import pytest
import schedulefree
import torch

import lrcourse.optim
from optim_oracle import (ATOL, DEFAULT, RTOL, STEPS, Case, assert_same_state, checkpoint, grid,
                                    make_scheduler, train_step)

NAMES = ["SGDScheduleFree", "AdamWScheduleFree"]


def optimizer(module, case: Case, params):
    """``case.opt`` from ``module``: the reference with ``foreach=False``; two groups with different lrs."""
    cls = getattr(module, case.opt)
    kwargs = dict(case.kwargs, foreach=False) if module is schedulefree else case.kwargs
    if case.scenario == "two_groups":
        return cls([{"params": params[:2]}, {"params": params[2:], "lr": kwargs.get("lr", 0.01) * 0.3}], **kwargs)
    return cls(params, **kwargs)


def run(module, case: Case, resume_at: int | None = None, resume_in=None):
    """Run ``case``; return (y per step, x per step, losses, optimizer, params).

    At step ``resume_at`` the state_dict is saved in eval mode (through torch.save/load)
    and loaded into a fresh optimizer from ``resume_in`` (default: the same library).
    """
    params = DEFAULT.params(case)
    opt = optimizer(module, case, params)
    opt.train()
    scheduler = make_scheduler(opt, case)  # "StepLR": the lr drops, lr_max stays
    ys, xs, losses = [], [], []
    everything = range(len(params))
    active = range(len(params) - 1) if case.scenario == "grad_none" else everything
    for t in range(STEPS):
        train_step(opt, scheduler, case.scenario, lambda: DEFAULT.loss(params, active), losses)
        ys.append([p.detach().clone() for p in params])
        opt.eval()
        xs.append([p.detach().clone() for p in params])
        if t == resume_at:
            saved = checkpoint(opt.state_dict())
            opt = optimizer(resume_in or module, case, params)
            opt.load_state_dict(saved)
        opt.train()
    opt.eval()
    return ys, xs, losses, opt, params


def assert_bit_equal(ours, theirs, what):
    for t, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        for i, (pa, pb) in enumerate(zip(a, b, strict=True)):
            assert torch.equal(pa, pb), f"{what}, step {t}, param {i}: max diff {(pa - pb).abs().max().item():.3g}"


CASES = [
    *grid("SGDScheduleFree", lr=[0.1, 0.5], momentum=[0.9, 0.5], weight_decay=[0, 0.01], warmup_steps=[0, 5],
          r=[0.0, 1.0], weight_lr_power=[2, 0.0]),
    *grid("AdamWScheduleFree", lr=[0.01, 0.1], betas=[(0.9, 0.999), (0.5, 0.9)], weight_decay=[0, 0.1],
          warmup_steps=[0, 5], r=[0.0, 1.0], weight_lr_power=[2.0, 0.0]),
    Case("SGDScheduleFree", dict(lr=0.2, warmup_steps=50, r=2, weight_lr_power=1.5)),  # warmup longer than the run
    Case("SGDScheduleFree"),  # the defaults
    Case("SGDScheduleFree", dict(lr=0)),  # every weight 0: c = 0
    Case("AdamWScheduleFree", dict(lr=0.05, eps=1e-3, betas=(0.95, 0.0), warmup_steps=50, r=0.5, weight_lr_power=1.0)),
    Case("AdamWScheduleFree"),
    Case("AdamWScheduleFree", dict(lr=0.0, weight_decay=0.1)),
]
REPRESENTATIVE = [
    Case("SGDScheduleFree", dict(lr=0.3, momentum=0.8, weight_decay=0.01, warmup_steps=5, r=1.0)),
    Case("AdamWScheduleFree", dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.1, warmup_steps=5, r=1.0)),
]
SCENARIOS = ["two_groups", "grad_none", "closure", "StepLR"]
PROTOCOL = [Case(c.opt, c.kwargs, s) for c in REPRESENTATIVE for s in SCENARIOS]


@pytest.mark.parametrize("case", CASES + PROTOCOL, ids=str)
def test_matches_schedulefree_in_train_and_eval_mode(case):
    ys, xs, losses, opt, params = run(lrcourse.optim, case)
    ys_ref, xs_ref, losses_ref, opt_ref, _ = run(schedulefree, case)
    assert_bit_equal(ys, ys_ref, "y (train mode)")
    assert_bit_equal(xs, xs_ref, "x (eval mode)")
    assert losses == losses_ref and len(losses) == (STEPS if case.scenario == "closure" else 0)
    assert_same_state(opt, opt_ref)  # state keys and values, param groups (k, weight_sum, lr_max, ...)
    if case.scenario == "grad_none":  # never had a gradient: never moved, no state
        assert torch.equal(params[-1], DEFAULT.params(case)[-1]) and not opt.state[params[-1]]


RESUMES = [(lrcourse.optim, lrcourse.optim), (schedulefree, schedulefree),
           (lrcourse.optim, schedulefree), (schedulefree, lrcourse.optim)]


RESUME_CASES = REPRESENTATIVE + [Case(c.opt, c.kwargs, "two_groups") for c in REPRESENTATIVE]


@pytest.mark.parametrize("case", RESUME_CASES, ids=str)
@pytest.mark.parametrize("source, target", RESUMES, ids=["lrcourse", "schedulefree", "lrcourse->schedulefree",
                                                         "schedulefree->lrcourse"])
def test_state_dict_saved_in_eval_mode_resumes_in_either_library(case, source, target):
    """Half a run, a checkpoint in eval mode, a fresh optimizer (of either library), the rest:
    the same y and x at every step as the reference's uninterrupted run, and the same state."""
    ys, xs, _, opt, _ = run(source, case, resume_at=STEPS // 2, resume_in=target)
    ys_ref, xs_ref, _, opt_ref, _ = run(schedulefree, case)
    assert type(opt) is getattr(target, case.opt)
    assert_bit_equal(ys, ys_ref, "y (train mode)")
    assert_bit_equal(xs, xs_ref, "x (eval mode)")
    assert_same_state(opt, opt_ref)


# schedulefree's *Reference classes store x, y, z: the same math, other rounding
REFERENCE_FORMS = [(case, f"{case.opt}Reference") for case in REPRESENTATIVE]


@pytest.mark.parametrize("case, reference", REFERENCE_FORMS, ids=str)
def test_close_to_the_x_y_z_reference_form(case, reference):
    """The equations in the docstrings, as schedulefree's *Reference classes write them
    (x, y, z each stored and updated as in the paper): equal up to rounding."""
    ys, xs, _, _, _ = run(lrcourse.optim, case)
    ys_ref, xs_ref, _, _, _ = run(type("Ref", (), {case.opt: getattr(schedulefree, reference)}), case)
    torch.testing.assert_close(ys, ys_ref, rtol=RTOL, atol=ATOL)
    torch.testing.assert_close(xs, xs_ref, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", NAMES)
def test_step_outside_train_mode_raises_as_the_reference(name):
    """Both refuse to step in eval mode, at the start (both start in eval mode) and after
    ``eval()``; neither evaluates the closure nor moves a parameter."""
    for module in (lrcourse.optim, schedulefree):
        p = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
        opt = getattr(module, name)([p], **({"foreach": False} if module is schedulefree else {}))
        calls = []

        def closure():
            calls.append(1)
            return (p**2).sum()

        with pytest.raises(Exception, match="train mode" if module is schedulefree else r"eval mode.*train\(\)"):
            opt.step(closure)
        opt.train()
        p.grad = torch.ones_like(p)
        opt.step()
        opt.eval()
        x = p.detach().clone()
        with pytest.raises(Exception) as info:
            opt.step(closure)
        if module is lrcourse.optim:
            assert info.type is RuntimeError and name in str(info.value)
        assert not calls and torch.equal(p.detach(), x)


@pytest.mark.parametrize("name, kwargs", [("SGDScheduleFree", dict(weight_decay=0.1)),
                                          ("AdamWScheduleFree", dict(weight_decay=0.1))])
def test_gradient_left_as_it_was(name, kwargs):
    """Unlike the reference (which adds the decay into p.grad, or divides it in place)."""
    p = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    opt = getattr(lrcourse.optim, name)([p], lr=0.1, **kwargs)
    opt.train()
    p.grad = torch.tensor([0.5, 3.0], dtype=torch.float64)
    opt.step()
    assert torch.equal(p.grad, torch.tensor([0.5, 3.0], dtype=torch.float64))


SGD, ADAMW = lrcourse.optim.SGDScheduleFree, lrcourse.optim.AdamWScheduleFree
REFUSED_BY_BOTH = [  # the reference refuses these too (SGDScheduleFree's checks; AdamWScheduleFree has none)
    (SGD, dict(lr=-0.1), ["lr", "-0.1", "[0, inf)"]),
    (SGD, dict(weight_decay=-1e-4), ["weight_decay", "-0.0001", "[0, inf)"]),
    (SGD, dict(momentum=0), ["momentum", "0", "(0, 1)"]),
    (SGD, dict(momentum=1.0), ["momentum", "1.0", "(0, 1)"]),
    (SGD, dict(momentum=-0.5), ["momentum", "-0.5", "(0, 1)"]),
]
REFUSED_BY_LRCOURSE = [  # the reference takes them and fails later (eval() divides by beta1) or computes nonsense
    *[(cls, dict(warmup_steps=-1), ValueError, ["warmup_steps", "-1", "int >= 0"]) for cls in (SGD, ADAMW)],
    *[(cls, dict(warmup_steps=2.5), ValueError, ["warmup_steps", "2.5", "int >= 0"]) for cls in (SGD, ADAMW)],
    *[(cls, dict(r=-1.0), ValueError, ["r", "-1.0", "[0, inf)"]) for cls in (SGD, ADAMW)],
    *[(cls, dict(weight_lr_power=-2), ValueError, ["weight_lr_power", "-2", "[0, inf)"]) for cls in (SGD, ADAMW)],
    *[(cls, dict(lr="0.1"), TypeError, ["lr", "'0.1'", "str"]) for cls in (SGD, ADAMW)],
    *[(cls, dict(foreach=True), TypeError, ["foreach"]) for cls in (SGD, ADAMW)],
    (ADAMW, dict(lr=-0.1), ValueError, ["lr", "-0.1", "[0, inf)"]),
    (ADAMW, dict(weight_decay=-0.1), ValueError, ["weight_decay", "-0.1", "[0, inf)"]),
    (ADAMW, dict(eps=-1e-8), ValueError, ["eps", "-1e-08", "[0, inf)"]),
    (ADAMW, dict(betas=(0.0, 0.999)), ValueError, ["betas[0]", "0.0", "(0, 1)"]),
    (ADAMW, dict(betas=(1.0, 0.999)), ValueError, ["betas[0]", "1.0", "[0, 1)"]),
    (ADAMW, dict(betas=(0.9, 1.0)), ValueError, ["betas[1]", "1.0", "[0, 1)"]),
    (ADAMW, dict(betas=0.9), ValueError, ["betas", "0.9", "pair"]),
]


def params():
    return [torch.nn.Parameter(torch.zeros(2))]


@pytest.mark.parametrize("cls, kwargs, pieces", REFUSED_BY_BOTH, ids=str)
def test_refuses_what_the_reference_refuses(cls, kwargs, pieces):
    with pytest.raises(ValueError):
        getattr(schedulefree, cls.__name__)(params(), **kwargs)
    with pytest.raises(ValueError) as info:
        cls(params(), **kwargs)
    assert "\n" not in str(info.value) and all(piece in str(info.value) for piece in pieces), str(info.value)


@pytest.mark.parametrize("cls, kwargs, error, pieces", REFUSED_BY_LRCOURSE, ids=str)
def test_refuses_meaningless_arguments(cls, kwargs, error, pieces):
    with pytest.raises(error) as info:
        cls(params(), **kwargs)
    assert "\n" not in str(info.value) and all(piece in str(info.value) for piece in pieces), str(info.value)


@pytest.mark.parametrize("module", ["sgd_schedule_free", "adamw_schedule_free"])
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"lrcourse.optim.{module}")
    result = doctest.testmod(mod, extraglobs={"torch": torch}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
