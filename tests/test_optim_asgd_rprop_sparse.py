"""ASGD, Rprop and SparseAdam against torch.optim, and their bad arguments (signatures: test_signatures.py).

ASGD and Rprop run through optim_oracle's checker (same loss, same scenarios,
float64, 30 steps, 1e-9 relative), real and complex. SparseAdam needs sparse gradients,
so it has one checker of the same shape here: embeddings looked up by random index
batches (repeats and an empty batch included), compared with torch's SparseAdam.
"""
from __future__ import annotations

import optim_oracle as oracle
import pytest
import torch
import torch.nn.functional as F
from optim_oracle import (ATOL, RTOL, STEPS, Case, assert_same_state, check_against_torch, checkpoint, grid,
                                    train_step)

import lrcourse.optim
from lrcourse.optim import ASGD, Rprop, SparseAdam

# ---------------------------------------------------------------- ASGD and Rprop

FLAG_CASES = [
    *grid("ASGD", lr=[0.05], lambd=[1e-4, 0.1], alpha=[0.75, 0.5], t0=[1e6, 10], weight_decay=[0, 0.01],
          maximize=[False, True]),
    *grid("Rprop", lr=[0.01, 0.0], etas=[(0.5, 1.2), (0.3, 1.5)], step_sizes=[(1e-6, 50), (1e-3, 0.05)],
          maximize=[False, True]),
]
REPRESENTATIVE = [
    Case("ASGD", dict(lr=0.05, lambd=0.1, alpha=0.5, t0=10, weight_decay=0.01)),
    Case("Rprop", dict(lr=0.01, etas=(0.3, 1.5), step_sizes=(1e-3, 0.05))),
]
PROTOCOL_CASES = [Case(c.opt, c.kwargs, s) for c in REPRESENTATIVE for s in oracle.SCENARIOS]
# torch optimises complex parameters in both as (real, imaginary) pairs: every case again in complex128.
COMPLEX_CASES = [Case(c.opt, c.kwargs, c.scenario, complex=True) for c in FLAG_CASES + PROTOCOL_CASES]
REPRESENTATIVE_BOTH = REPRESENTATIVE + [Case(c.opt, c.kwargs, complex=True) for c in REPRESENTATIVE]


@pytest.mark.parametrize("case", FLAG_CASES + PROTOCOL_CASES + COMPLEX_CASES, ids=str)
def test_matches_torch(case):
    check_against_torch(case)


@pytest.mark.parametrize("case", REPRESENTATIVE_BOTH, ids=str)
def test_resume_from_state_dict_is_identical(case):
    oracle.check_resume(case)


@pytest.mark.parametrize("case", REPRESENTATIVE_BOTH, ids=str)
@oracle.BOTH_WAYS
def test_state_dict_moves_between_torch_and_lrcourse(case, source, target):
    oracle.check_state_moves(case, source, target)


def test_asgd_averages_from_t0():
    """With t0 = 10 the averaged iterate ``ax`` is no longer the iterate itself: it lags."""
    *_, opt, params = oracle.run(lrcourse.optim, REPRESENTATIVE[0])
    assert not torch.allclose(opt.state[params[0]]["ax"], params[0])


# ---------------------------------------------------------------- SparseAdam

VOCAB, DIM, BATCH, SEEN = 12, 3, 7, 9  # rows SEEN.. are never looked up
EMPTY_AT = 4  # this step's batch is empty: the step counts, nothing moves


def make_tables() -> list[torch.nn.Embedding]:
    torch.manual_seed(0)
    return [torch.nn.Embedding(VOCAB, DIM, sparse=True, dtype=torch.float64) for _ in range(3)]


def batches() -> list[torch.Tensor]:
    """Index batches with repeats; one is empty."""
    g = torch.Generator().manual_seed(2)
    out = [torch.randint(0, SEEN, (BATCH,), generator=g) for _ in range(STEPS)]
    out[EMPTY_AT] = torch.tensor([], dtype=torch.long)
    return out


_g = torch.Generator().manual_seed(3)
TARGET = torch.randn(VOCAB, DIM, generator=_g, dtype=torch.float64)


def sparse_loss(tables, active, idx) -> torch.Tensor:
    """Quadratic pull to a target plus softplus, on the rows looked up (a row may repeat)."""
    total = torch.zeros((), dtype=torch.float64)
    for i in active:
        e = tables[i](idx)
        total = total + 0.5 * ((e - TARGET[idx]) ** 2).sum() + 0.1 * F.softplus(e).sum()
    return total


def run_sparse(case: Case, first, second=None):
    """``case`` with ``first``'s SparseAdam; from STEPS // 2 on with ``second``'s, via a checkpoint."""
    tables = make_tables()
    params = [t.weight for t in tables]
    kwargs, s = case.kwargs, case.scenario

    def build(module):
        if s == "two_groups":
            return module.SparseAdam([{"params": params[:2]}, {"params": params[2:], "lr": kwargs["lr"] * 0.3}],
                                     **kwargs)
        return module.SparseAdam(params, **kwargs)

    opt = build(first)
    scheduler = oracle.make_scheduler(opt, case)
    active = (0, 1) if s == "grad_none" else (0, 1, 2)
    trajectory, losses = [], []
    for t, idx in enumerate(batches()):
        if t == STEPS // 2 and second is not None:
            saved = checkpoint(opt.state_dict())
            opt = build(second)
            opt.load_state_dict(saved)
        train_step(opt, scheduler, s, lambda: sparse_loss(tables, active, idx), losses)
        trajectory.append([p.detach().clone() for p in params])
    return trajectory, losses, opt, params


SPARSE_FLAGS = grid("SparseAdam", lr=[0.01, 0.1], betas=[(0.9, 0.999), (0.5, 0.9)], eps=[1e-8, 1e-3],
                    maximize=[False, True])
SPARSE_REPRESENTATIVE = Case("SparseAdam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6))
# "resume": lrcourse -> lrcourse mid-run, then also bit-identical to the uninterrupted run.
SPARSE_SCENARIOS = {"two_groups": None, "grad_none": None, "closure": None, "StepLR": None,
                    "CosineAnnealingLR": None, "OneCycleLR": None,
                    "resume": (lrcourse.optim, lrcourse.optim), "torch->lrcourse": (torch.optim, lrcourse.optim),
                    "lrcourse->torch": (lrcourse.optim, torch.optim)}
SPARSE_CASES = SPARSE_FLAGS + [Case("SparseAdam", SPARSE_REPRESENTATIVE.kwargs, s) for s in SPARSE_SCENARIOS]


@pytest.mark.parametrize("case", SPARSE_CASES, ids=str)
def test_sparse_adam_matches_torch(case):
    modules = SPARSE_SCENARIOS.get(case.scenario) or (lrcourse.optim, None)
    ours, our_losses, opt_ours, p_ours = run_sparse(case, *modules)
    theirs, their_losses, opt_theirs, _ = run_sparse(case, torch.optim)
    for t, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        torch.testing.assert_close(a, b, rtol=RTOL, atol=ATOL, msg=lambda m: f"step {t}: {m}")
    torch.testing.assert_close(our_losses, their_losses, rtol=RTOL, atol=ATOL)
    assert_same_state(opt_ours, opt_theirs)
    assert all(type(s["step"]) is int for s in opt_ours.state_dict()["state"].values())
    assert opt_ours.state[p_ours[0]]["step"] == STEPS  # the empty batch counted
    start = [t.weight.detach() for t in make_tables()]
    assert all(torch.equal(p[SEEN:], p0[SEEN:]) for p, p0 in zip(p_ours, start))  # rows never looked up
    if case.scenario == "grad_none":
        assert torch.equal(p_ours[2], start[2]) and p_ours[2] not in opt_ours.state
    if case.scenario == "closure":
        assert len(our_losses) == STEPS and all(isinstance(x, torch.Tensor) for x in our_losses)
    if case.scenario == "resume":
        uninterrupted = run_sparse(case, lrcourse.optim)[0]
        assert all(torch.equal(a, b) for ta, tb in zip(ours, uninterrupted) for a, b in zip(ta, tb))


def test_sparse_adam_takes_any_sparse_layout():
    """A gradient sparse in both dimensions (``to_sparse()``), not only an embedding's rows."""
    results = []
    for module in (lrcourse.optim, torch.optim):
        p = torch.nn.Parameter(TARGET.clone())
        opt = module.SparseAdam([p], lr=0.05)
        for t in range(STEPS):
            mask = torch.rand(p.shape, generator=torch.Generator().manual_seed(t)) < 0.3
            p.grad = (torch.sin(p.detach()) * mask).to_sparse()
            opt.step()
        results.append(p.detach())
    torch.testing.assert_close(results[0], results[1], rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------- signatures (the rule: test_signatures.py)

def test_asgd_refuses_a_positional_value_where_torch_has_foreach():
    w = torch.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="positional"):
        ASGD([w], 0.01, 1e-4, 0.75, 1e6, 0, True)


# ---------------------------------------------------------------- bad arguments

def _rows():
    rows = []
    for cls in (ASGD, Rprop, SparseAdam):
        rows += [
            (cls, dict(lr=-0.1), ValueError, ["lr", "-0.1"]),
            (cls, dict(lr="0.1"), TypeError, ["lr", "'0.1'", "str"]),
            (cls, dict(maximize=1), TypeError, ["maximize", "1", "True or False"]),
            (cls, dict(foreach=True), TypeError, ["foreach"]),  # torch-only options are refused
            (cls, dict(capturable=True), TypeError, ["capturable"]),
            (cls, dict(differentiable=True), TypeError, ["differentiable"]),
        ]
    rows += [
        (ASGD, dict(lambd=-1e-4), ValueError, ["lambd", "-0.0001", "[0, inf)"]),
        (ASGD, dict(alpha=-0.75), ValueError, ["alpha", "-0.75", "[0, inf)"]),
        (ASGD, dict(t0=-1), ValueError, ["t0", "-1", "[0, inf)"]),
        (ASGD, dict(weight_decay=-0.01), ValueError, ["weight_decay", "-0.01", "[0, inf)"]),
        (Rprop, dict(lr=float("nan")), ValueError, ["lr", "nan", "[0, inf)"]),
        (Rprop, dict(etas=(0.0, 1.2)), ValueError, ["etas[0]", "0.0", "(0, 1)"]),
        (Rprop, dict(etas=(1.0, 1.2)), ValueError, ["etas[0]", "1.0", "(0, 1)"]),
        (Rprop, dict(etas=(0.5, 1.0)), ValueError, ["etas[1]", "1.0", "(1, inf)"]),
        (Rprop, dict(etas=0.5), ValueError, ["etas", "0.5", "pair", "0 < etaminus < 1 < etaplus"]),
        (Rprop, dict(step_sizes=(-1e-6, 50)), ValueError, ["step_sizes[0]", "-1e-06", "[0, inf)"]),
        (Rprop, dict(step_sizes=(1.0, 0.5)), ValueError, ["step_sizes[1]", "0.5", "[1, inf)"]),
        (Rprop, dict(step_sizes=(1e-6, 1, 50)), ValueError, ["step_sizes", "(1e-06, 1, 50)", "pair"]),
        (SparseAdam, dict(lr=0), ValueError, ["lr", "0", "(0, inf)"]),
        (SparseAdam, dict(eps=0), ValueError, ["eps", "0", "(0, inf)"]),
        (SparseAdam, dict(eps=-1e-8), ValueError, ["eps", "-1e-08", "(0, inf)"]),
        (SparseAdam, dict(betas=(1.0, 0.999)), ValueError, ["betas[0]", "1.0", "[0, 1)"]),
        (SparseAdam, dict(betas=(0.9, -0.1)), ValueError, ["betas[1]", "-0.1", "[0, 1)"]),
        (SparseAdam, dict(betas=0.9), ValueError, ["betas", "0.9", "pair"]),
    ]
    return rows


ROWS = _rows()


@pytest.mark.parametrize("cls, kwargs, exc, pieces", ROWS, ids=[f"{r[0].__name__}-{r[1]}" for r in ROWS])
def test_bad_argument_raises_clear_error(cls, kwargs, exc, pieces):
    with pytest.raises(exc) as info:
        cls([torch.nn.Parameter(torch.zeros(2))], **kwargs)
    for piece in pieces:
        assert piece in str(info.value), f"{piece!r} missing from: {info.value}"


@pytest.mark.parametrize("param, pieces", [
    (torch.zeros(2, dtype=torch.complex64), ["params", "complex64", "dense real", "param_groups[0]['params'][1]"]),
    (torch.zeros(2).to_sparse(), ["params", "sparse", "dense real", "param_groups[0]['params'][1]"]),
], ids=["complex", "sparse"])
def test_sparse_adam_refuses_complex_or_sparse_params(param, pieces):
    with pytest.raises(ValueError) as info:
        SparseAdam([torch.zeros(2), param])
    for piece in pieces:
        assert piece in str(info.value), f"{piece!r} missing from: {info.value}"


def test_sparse_adam_refuses_a_dense_gradient():
    p = torch.nn.Parameter(torch.zeros(3))
    p.grad = torch.ones(3)
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients, please consider Adam"):
        SparseAdam([p]).step()


@pytest.mark.parametrize("cls", [ASGD, Rprop], ids=lambda c: c.__name__)
def test_sparse_gradient_is_refused_by_name(cls):
    p = torch.nn.Parameter(torch.zeros(3))
    p.grad = torch.zeros(3).to_sparse()
    with pytest.raises(RuntimeError, match=f"{cls.__name__} does not support sparse gradients"):
        cls([p]).step()
