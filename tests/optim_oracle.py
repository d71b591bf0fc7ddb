"""The torch oracle for lrcourse.optim: one checker that runs a case through both libraries.

A case is (optimizer name, settings, scenario); both libraries run the same scenario from the
same float64 start on a fixed loss whose gradient depends on the trajectory, and every step's
parameters, the final state and the param groups must agree to 1e-9 relative. The optimizer
test files (``test_optim*.py``) hold the tables of cases; this module holds the checkers: the
trajectory (:func:`check_against_torch`), a resume from a checkpoint (:func:`check_resume`),
a checkpoint moved between the libraries (:func:`check_state_moves`) and a bad argument's
one-line error (:func:`check_error`).
"""
from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest
import torch
import torch.nn.functional as F

import lrcourse.optim

STEPS = 30
RTOL, ATOL = 1e-9, 1e-12
SHAPES = [(3, 4), (5,), ()]  # a matrix, a vector, a scalar
_g = torch.Generator().manual_seed(1)
TARGETS = [torch.randn(s, generator=_g, dtype=torch.float64) for s in SHAPES]
CURVATURES = [torch.rand(s, generator=_g, dtype=torch.float64) * 2 + 0.1 for s in SHAPES]
# Complex parameters: torch optimises them as (real, imaginary) pairs; targets differ per part.
TARGETS_C = [torch.complex(t, torch.randn(t.shape, generator=_g, dtype=torch.float64)) for t in TARGETS]


def make_params(complex_: bool = False) -> list[torch.nn.Parameter]:
    g = torch.Generator().manual_seed(0)
    dtype = torch.complex128 if complex_ else torch.float64
    return [torch.nn.Parameter(torch.randn(s, generator=g, dtype=dtype)) for s in SHAPES]


def loss_fn(params, active) -> torch.Tensor:
    """Quadratic + softplus per tensor, plus a coupling term; only ``active`` tensors enter.

    For complex parameters: :math:`|p - c|^2` and softplus of the real and imaginary parts
    (a loss whose gradient treats the two parts differently), and the coupling's real part.
    """
    total = torch.zeros((), dtype=torch.float64)
    for i in active:
        p, a = params[i], CURVATURES[i]
        if p.is_complex():
            total = total + 0.5 * (a * (p - TARGETS_C[i]).abs() ** 2).sum()
            total = total + 0.1 * (F.softplus(p.real) + 0.5 * F.softplus(2 * p.imag)).sum()
        else:
            total = total + 0.5 * (a * (p - TARGETS[i]) ** 2).sum() + 0.1 * F.softplus(p).sum()
    if 0 in active and 1 in active:
        total = total + (0.05 * params[0].sum() * params[1].sum()).real
    return total


@dataclass(frozen=True)
class Case:
    opt: str
    kwargs: dict = field(default_factory=dict)
    scenario: str = "plain"
    complex: bool = False  # complex128 parameters instead of float64

    def __str__(self):
        settings = ",".join(f"{k}={v}" for k, v in self.kwargs.items())
        return f"{self.opt}({settings})-{self.scenario}" + ("-complex" if self.complex else "")


def checkpoint(sd):
    """Round-trip a state_dict through torch.save/torch.load, as a real checkpoint does."""
    buf = io.BytesIO()
    torch.save(sd, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


# The protocol scenarios ``run`` knows besides "plain": each representative case runs through all.
SCENARIOS = ["two_groups", "grad_none", "zero_grad_keep", "closure", "add_param_group",
             "StepLR", "CosineAnnealingLR", "OneCycleLR"]


def make_scheduler(opt, case: Case):
    s = case.scenario
    sched = torch.optim.lr_scheduler
    if s == "StepLR":
        return sched.StepLR(opt, step_size=7, gamma=0.5)
    if s == "CosineAnnealingLR":
        return sched.CosineAnnealingLR(opt, T_max=STEPS, eta_min=case.kwargs["lr"] / 10)
    if s == "OneCycleLR":  # also cycles momentum / beta1 where the optimizer has one
        cycles = "momentum" in opt.defaults or "betas" in opt.defaults
        return sched.OneCycleLR(opt, max_lr=case.kwargs["lr"] * 3, total_steps=STEPS, cycle_momentum=cycles)
    return None


def train_step(opt, scheduler, scenario: str, loss, losses: list, set_to_none: bool = True) -> None:
    """One step as the scenarios take it: zero the gradients, ``loss()`` and its backward, then
    ``opt.step()``; in "closure" all of that inside ``opt.step(closure)``, whose loss joins
    ``losses``. Then ``scheduler.step()``, if there is one."""
    def closure():
        opt.zero_grad(set_to_none=set_to_none)
        value = loss()
        value.backward()
        return value

    if scenario == "closure":
        losses.append(opt.step(closure))
    else:
        closure()
        opt.step()
    if scheduler is not None:
        scheduler.step()


@dataclass(frozen=True)
class Problem:
    """What the optimizers minimise: ``params(case)`` makes the starting parameters (the last
    one is the one "grad_none" never gives a gradient), ``loss(params, active)`` a loss over
    the ``active`` ones whose gradient depends on the trajectory."""

    params: Callable[[Case], list]
    loss: Callable[[list, Sequence[int]], torch.Tensor]


DEFAULT = Problem(lambda case: make_params(case.complex), loss_fn)


def run(module, case: Case, resume_at: int | None = None, problem: Problem = DEFAULT):
    """Run ``case`` with ``module``'s optimizer; return (params per step, losses, opt, params)."""
    params = problem.params(case)
    loss_fn, last = problem.loss, len(params) - 1
    cls = getattr(module, case.opt)
    kwargs, s = case.kwargs, case.scenario
    if s == "two_groups":
        opt = cls([{"params": params[:2]}, {"params": params[2:], "lr": kwargs["lr"] * 0.3}], **kwargs)
    elif s == "add_param_group":
        opt = cls(params[:2], **kwargs)
    else:
        opt = cls(params, **kwargs)
    scheduler = make_scheduler(opt, case)
    trajectory, losses = [], []
    for t in range(STEPS):
        everything, all_but_last = range(last + 1), range(last)
        active = {
            "grad_none": all_but_last,  # the last parameter never gets a gradient
            "zero_grad_keep": everything if t == 0 else all_but_last,  # later: zero grads, not None
        }.get(s, everything)
        train_step(opt, scheduler, s, lambda: loss_fn(params, active), losses, set_to_none=s != "zero_grad_keep")
        if s == "add_param_group" and t == 9:
            opt.add_param_group({"params": params[2:], "lr": kwargs["lr"] * 2})
        if t == resume_at:  # a fresh optimizer continues from a checkpoint
            saved = checkpoint(opt.state_dict())
            opt = cls(params, **kwargs)
            opt.load_state_dict(saved)
        trajectory.append([p.detach().clone() for p in params])
    return trajectory, losses, opt, params


def assert_same_state(ours, theirs):
    """Same state keys per parameter, same values and dtypes (``step`` included)."""
    sd_ours, sd_theirs = ours.state_dict(), theirs.state_dict()
    assert sd_ours["state"].keys() == sd_theirs["state"].keys()
    for idx, state in sd_theirs["state"].items():
        assert sd_ours["state"][idx].keys() == state.keys(), f"param {idx}"
        for key, value in state.items():
            torch.testing.assert_close(sd_ours["state"][idx][key], value, rtol=RTOL, atol=ATOL, msg=f"{idx}/{key}")
    for g_ours, g_theirs in zip(sd_ours["param_groups"], sd_theirs["param_groups"], strict=True):
        for key, value in g_ours.items():  # exact where not a number (eps=(None, 1e-3), adjust_lr_fn=None)
            assert value == g_theirs[key] or value == pytest.approx(g_theirs[key], rel=1e-12), key


def bit_exact(a, b) -> bool:
    return all(torch.equal(x, y) for tx, ty in zip(a, b, strict=True) for x, y in zip(tx, ty, strict=True))


def check_against_torch(case: Case, problem: Problem = DEFAULT):
    ours, our_losses, opt_ours, p_ours = run(lrcourse.optim, case, problem=problem)
    theirs, their_losses, opt_theirs, _ = run(torch.optim, case, problem=problem)
    for t, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        torch.testing.assert_close(a, b, rtol=RTOL, atol=ATOL, msg=lambda m: f"step {t}: {m}")
    torch.testing.assert_close(our_losses, their_losses, rtol=RTOL, atol=ATOL)
    assert_same_state(opt_ours, opt_theirs)
    if case.scenario == "grad_none":  # never moved; "no state" is checked against torch above
        assert torch.equal(p_ours[-1], problem.params(case)[-1])
    if case.scenario == "closure":
        assert len(our_losses) == STEPS and all(isinstance(x, torch.Tensor) for x in our_losses)


def check_resume(case: Case, problem: Problem = DEFAULT):
    """A mid-run checkpoint loaded into a fresh optimizer continues as torch's does (state
    included), and to the last bit wherever torch's own resume is bit-exact (loading casts
    floating state such as NAdam's ``mu_product`` or ASGD's ``eta`` to the param's dtype)."""
    ours, _, _, _ = run(lrcourse.optim, case, problem=problem)
    ours_resumed, _, opt_ours, _ = run(lrcourse.optim, case, resume_at=STEPS // 2, problem=problem)
    theirs, _, _, _ = run(torch.optim, case, problem=problem)
    theirs_resumed, _, opt_theirs, _ = run(torch.optim, case, resume_at=STEPS // 2, problem=problem)
    torch.testing.assert_close(ours_resumed, theirs_resumed, rtol=RTOL, atol=ATOL)
    assert_same_state(opt_ours, opt_theirs)
    torch.testing.assert_close(ours_resumed, ours, rtol=RTOL, atol=ATOL)
    if bit_exact(theirs_resumed, theirs):
        assert bit_exact(ours_resumed, ours)


def check_state_moves(case: Case, source, target, problem: Problem = DEFAULT):
    """Half a run in one library, a checkpoint, the other half in the other: same as torch
    through the same checkpoint, parameters and state."""
    reference, _, opt_ref, _ = run(torch.optim, case, resume_at=STEPS // 2 - 1, problem=problem)
    params = problem.params(case)
    opt = getattr(source, case.opt)(params, **case.kwargs)
    for t in range(STEPS):
        if t == STEPS // 2:
            saved = checkpoint(opt.state_dict())
            opt = getattr(target, case.opt)(params, **case.kwargs)
            opt.load_state_dict(saved)
        opt.zero_grad()
        problem.loss(params, range(len(params))).backward()
        opt.step()
    torch.testing.assert_close([p.detach() for p in params], reference[-1], rtol=RTOL, atol=ATOL)
    ours = opt.state_dict()["state"]  # (its param groups carry the source's keys: compare the state)
    for idx, state in opt_ref.state_dict()["state"].items():
        for key, value in state.items():
            torch.testing.assert_close(ours[idx][key], value, rtol=RTOL, atol=ATOL, msg=f"{idx}/{key}")


def grid(opt, **axes):
    """One Case per combination of the given values."""
    names = list(axes)
    return [Case(opt, dict(zip(names, values))) for values in itertools.product(*axes.values())]


BOTH_WAYS = pytest.mark.parametrize("source, target", [(torch.optim, lrcourse.optim), (lrcourse.optim, torch.optim)],
                                    ids=["torch->lrcourse", "lrcourse->torch"])


def check_error(cls, kwargs: dict, exc: type, pieces: Sequence[str], params=None) -> None:
    """Building ``cls`` raises ``exc`` whose message holds every piece (the argument's name,
    the offending value, the accepted range or kind)."""
    with pytest.raises(exc) as info:
        cls([torch.nn.Parameter(torch.zeros(2))] if params is None else params, **kwargs)
    for piece in pieces:
        assert piece in str(info.value), f"{piece!r} missing from: {info.value}"


def check_sparse_refused(cls) -> None:
    """A sparse gradient is refused with the optimizer's name."""
    p = torch.nn.Parameter(torch.zeros(3))
    p.grad = torch.zeros(3).to_sparse()
    with pytest.raises(RuntimeError, match=f"{cls.__name__} does not support sparse gradients"):
        cls([p], lr=0.1).step()
