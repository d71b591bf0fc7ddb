"""lrcourse.optim.LBFGS against torch.optim.LBFGS: same iterates, losses, closure calls and state.

One table of cases (problem, settings, scenario) and one checker: both libraries make
STEP_CALLS ``step(closure)`` calls from the same float64 start, and after every call the
parameters, the returned loss, the number of closure calls and every state entry (types
included: torch keeps some as Python numbers) must agree to 1e-9 relative. The line search
and its cubic are also compared with torch's private helpers directly. Bad arguments at the end.
"""
from __future__ import annotations

import copy
import doctest
import itertools
from dataclasses import dataclass, field

import pytest
import torch
import torch.nn.functional as F
from optim_oracle import ATOL, RTOL, checkpoint, loss_fn, make_params
from torch.optim import lbfgs as torch_lbfgs

import lrcourse.optim
import lrcourse.optim.lbfgs
import lrcourse.optim.line_search
from lrcourse.optim import LBFGS
from lrcourse.optim.line_search import cubic_interpolate, strong_wolfe

STEP_CALLS = 10
_g = torch.Generator().manual_seed(11)


def _spd(n, low, high):
    """A symmetric positive definite matrix with eigenvalues from ``low`` to ``high`` (log-spaced)."""
    q, _ = torch.linalg.qr(torch.randn(n, n, generator=_g, dtype=torch.float64))
    return q @ torch.diag(torch.logspace(low, high, n, dtype=torch.float64)) @ q.T


A_ILL, B_ILL = _spd(6, -2, 2), torch.randn(6, generator=_g, dtype=torch.float64)  # condition number 1e4
Z_TARGET = torch.randn(4, generator=_g, dtype=torch.complex128)
ROWS, ROW_TARGET = torch.tensor([0, 2, 2, 5]), torch.randn(4, 3, generator=_g, dtype=torch.float64)


def _param(values, dtype=torch.float64):
    return torch.nn.Parameter(torch.tensor(values, dtype=dtype))


def rosenbrock(x):
    """The chained Rosenbrock function, minimum 0 at (1, ..., 1)."""
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


# name -> (fresh parameters, loss of the parameters)
PROBLEMS = {
    "conformance": lambda: (make_params(), lambda ps: loss_fn(ps, (0, 1, 2))),
    "rosenbrock": lambda: ([_param([-1.2, 1.0, -1.2, 1.0, 0.5])], lambda ps: rosenbrock(ps[0])),
    "ill_conditioned": lambda: (
        [_param([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])],
        lambda ps: 0.5 * ps[0].reshape(-1) @ A_ILL @ ps[0].reshape(-1) - B_ILL @ ps[0].reshape(-1),
    ),
    "complex": lambda: (  # torch optimises a complex tensor as its real view
        [_param([1 + 1j, -2j, 0.5, 3 - 1j], torch.complex128), _param([0.3, -0.7, 1.1])],
        lambda ps: ((ps[0] - Z_TARGET).abs() ** 2).sum() + 0.1 * (ps[0].abs() ** 4).sum()
        + (ps[1] ** 2).sum() + (ps[0][:3].real * ps[1]).sum(),
    ),
    "sparse_embedding": lambda: (  # sparse gradients (nn.Embedding(sparse=True)): torch densifies them
        [torch.nn.Parameter(torch.randn(6, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64))],
        lambda ps: ((F.embedding(ROWS, ps[0], sparse=True) - ROW_TARGET) ** 2).sum()
        + 0.1 * F.embedding(ROWS, ps[0], sparse=True).pow(4).sum(),
    ),
}


@dataclass(frozen=True)
class Case:
    problem: str
    kwargs: dict = field(default_factory=dict)
    scenario: str = "plain"

    def __str__(self):
        settings = ",".join(f"{k}={v}" for k, v in self.kwargs.items())
        return f"{self.problem}({settings})-{self.scenario}"


@dataclass
class Trace:
    """What one run produced, recorded after every ``step(closure)`` call."""

    params: list = field(default_factory=list)
    losses: list = field(default_factory=list)
    calls: list = field(default_factory=list)  # closure calls made by that step
    states: list = field(default_factory=list)
    groups: list = field(default_factory=list)


def run(case: Case, first=lrcourse.optim, then=None, switch_at=STEP_CALLS // 2) -> Trace:
    """``case`` with ``first``'s LBFGS; with ``then``, a checkpoint at ``switch_at`` continues in ``then``'s."""
    params, loss_of = PROBLEMS[case.problem]()
    if case.scenario == "grad_none":  # a parameter outside the loss: its grad stays None
        params.append(_param([0.25, -4.0]))
    sign = -1 if case.kwargs.get("maximize") else 1  # maximize the negated loss: the same descent
    opt = first.LBFGS(params, **case.kwargs)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5) if case.scenario == "StepLR" else None
    calls = 0

    def closure():
        nonlocal calls
        calls += 1
        for p in params:
            p.grad = None
        loss = sign * loss_of(params)
        loss.backward()
        return loss

    trace = Trace()
    for k in range(STEP_CALLS):
        if then is not None and k == switch_at:
            saved = checkpoint(opt.state_dict())
            opt = then.LBFGS(params, **case.kwargs)
            opt.load_state_dict(saved)
        calls = 0
        trace.losses.append(opt.step(closure).detach())
        if scheduler is not None:
            scheduler.step()
        trace.calls.append(calls)
        trace.params.append([p.detach().clone() for p in params])
        sd = opt.state_dict()
        trace.states.append(copy.deepcopy(sd["state"]))
        trace.groups.append({k: v for k, v in sd["param_groups"][0].items() if k != "params"})
    return trace


def assert_same_trace(ours: Trace, theirs: Trace, rtol=RTOL, atol=ATOL):
    assert ours.calls == theirs.calls
    for k, (a, b) in enumerate(zip(ours.params, theirs.params, strict=True)):
        torch.testing.assert_close(a, b, rtol=rtol, atol=atol, msg=lambda m: f"step call {k}: {m}")
    torch.testing.assert_close(ours.losses, theirs.losses, rtol=rtol, atol=atol)
    for k, (a, b) in enumerate(zip(ours.states, theirs.states, strict=True)):
        assert a.keys() == b.keys() and all(a[i].keys() == b[i].keys() for i in b), f"step call {k}"
        torch.testing.assert_close(a, b, rtol=rtol, atol=atol, msg=lambda m: f"state after step call {k}: {m}")
    assert ours.groups == theirs.groups


def check_against_torch(case: Case):
    ours, theirs = run(case, lrcourse.optim), run(case, torch.optim)
    assert all(torch.isfinite(p).all() for ps in theirs.params for p in ps), "case diverges: pick other settings"
    assert_same_trace(ours, theirs)
    if case.scenario == "grad_none":
        assert torch.equal(ours.params[-1][-1], torch.tensor([0.25, -4.0], dtype=torch.float64))


def grid(**axes):
    return [dict(zip(axes, values)) for values in itertools.product(*axes.values())]


TOLERANCES = {  # defaults, and loose ones that end steps early
    "default": {},
    "grad": dict(tolerance_grad=1e-3, tolerance_change=0.0),  # small gradient: stop, even at a step's start
    "change": dict(tolerance_change=1e-5),  # small loss change or step: stop
}
FLAG_CASES = [
    Case(problem, dict(lr=lr, **settings, **TOLERANCES[tol]))
    for problem in ("conformance", "rosenbrock", "ill_conditioned", "complex")
    for tol in TOLERANCES
    for lr in (1, 0.25)
    for settings in grid(max_iter=[1, 20], history_size=[100, 3], line_search_fn=[None, "strong_wolfe"],
                         maximize=[False, True])
]
# A history shorter than the run, with and without the line search, on every problem (sparse
# gradients included), then through every protocol scenario.
REPRESENTATIVE = [
    Case(problem, dict(lr=lr, max_iter=20, history_size=3, line_search_fn=ls))
    for problem in PROBLEMS
    for lr, ls in ((0.25, None), (1, "strong_wolfe"))
]
EXTRA_CASES = [
    Case("rosenbrock", dict(max_iter=20, max_eval=7, line_search_fn="strong_wolfe")),  # the evaluation budget
    Case("rosenbrock", dict(lr=0.5, max_iter=5, max_eval=100)),  # a budget larger than max_iter needs
    Case("ill_conditioned", dict(lr=0, max_iter=3)),  # torch accepts lr=0: nothing moves
    Case("conformance", dict(max_iter=0)),  # torch accepts max_iter=0: only the loss is evaluated
    Case("conformance", dict(tolerance_grad=10.0)),  # stationary from the start: one evaluation per step
    Case("conformance", dict(tolerance_change=0.0, tolerance_grad=0.0, line_search_fn="strong_wolfe")),
]
SCENARIOS = ["grad_none", "StepLR"]
PROTOCOL_CASES = [Case(c.problem, c.kwargs, s) for c in REPRESENTATIVE for s in SCENARIOS]


@pytest.mark.parametrize("case", FLAG_CASES + REPRESENTATIVE + EXTRA_CASES + PROTOCOL_CASES, ids=str)
def test_matches_torch(case):
    check_against_torch(case)


@pytest.mark.parametrize("problem", ["conformance", "rosenbrock", "ill_conditioned", "complex"])
def test_small_gradient_ends_the_step_at_its_first_evaluation(problem):
    """Once the gradient is below tolerance_grad, step() evaluates the loss once and stops."""
    trace = run(Case(problem, TOLERANCES["grad"]))
    assert trace.calls[-1] == 1
    assert all(torch.equal(a, b) for a, b in zip(trace.params[-1], trace.params[-2], strict=True))


@pytest.mark.parametrize("case", REPRESENTATIVE, ids=str)
def test_resume_from_state_dict_is_identical(case):
    """A checkpoint mid-run loaded into a fresh LBFGS changes nothing, to the last bit."""
    uninterrupted, resumed = run(case), run(case, lrcourse.optim, then=lrcourse.optim)
    assert_same_trace(resumed, uninterrupted, rtol=0, atol=0)


@pytest.mark.parametrize("case", REPRESENTATIVE, ids=str)
@pytest.mark.parametrize("source, target", [(torch.optim, lrcourse.optim), (lrcourse.optim, torch.optim)],
                         ids=["torch->lrcourse", "lrcourse->torch"])
def test_state_dict_moves_between_torch_and_lrcourse(case, source, target):
    """Half the run in one library, a checkpoint, the rest in the other: same as torch alone."""
    assert_same_trace(run(case, source, then=target), run(case, torch.optim))


# ---- the line search and its cubic, against torch's private helpers ----

@pytest.mark.parametrize(
    "args, bounds",
    [
        ((0.0, 9.0, -6.0, 10.0, 49.0, 14.0), None),  # a parabola: the exact minimiser, 3
        ((10.0, 49.0, 14.0, 0.0, 9.0, -6.0), None),  # the same points, right end first
        ((0.0, 1.0, -1.0, 1.0, 0.5, -0.2), (1.01, 10.0)),  # extrapolation, clipped to its bounds
        ((0.0, 1.0, -1.0, 2.0, 0.0, 3.0), None),
        ((0.0, 0.0, 1.0, 1.0, 0.0, 1.0), None),  # no real minimiser: the middle
        ((0.0, 0.0, 1.0, 1.0, 0.0, 1.0), (0.2, 0.4)),
        ((-1.5, 2.0, -3.0, 0.5, -1.0, 0.25), None),
    ],
)
def test_cubic_interpolate_matches_torch(args, bounds):
    x1, f1, g1, x2, f2, g2 = args
    g1, g2 = torch.tensor(g1, dtype=torch.float64), torch.tensor(g2, dtype=torch.float64)  # slopes: 0-d tensors
    ours = cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=bounds)
    theirs = torch_lbfgs._cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=bounds)
    torch.testing.assert_close(ours, theirs, rtol=1e-15, atol=0)


LINE_FUNCTIONS = {  # x -> f(x) along one coordinate, started at x = 0 with slope < 0
    "parabola": lambda x: ((x - 3) ** 2).sum(),
    "quartic": lambda x: ((x - 1) ** 4 + 0.1 * x**2).sum(),
    "rosenbrock": lambda x: rosenbrock(torch.cat([x - 1.2, x])),
    "flat_then_steep": lambda x: (torch.exp(0.25 * (x - 5)) - x).sum(),
    "step": lambda x: (0.01 * x**2 - torch.tanh(3 * (x - 1))).sum(),  # zoom trials stall at an end
}


LINE_CASES = list(itertools.product(LINE_FUNCTIONS, [1e-3, 1.0, 10.0, 1e3], [0, 1, 3, 25]))  # name, t, max_ls


@pytest.mark.parametrize("name, t, max_ls", LINE_CASES)
def test_strong_wolfe_matches_torch(name, t, max_ls):
    func = LINE_FUNCTIONS[name]
    d = torch.tensor([1.0], dtype=torch.float64)

    def phi(x0, step, direction):
        x = (x0 + step * direction).requires_grad_()
        with torch.enable_grad():
            f = func(x)
            (g,) = torch.autograd.grad(f, x)
        return float(f.detach()), g

    x0 = torch.zeros(1, dtype=torch.float64)
    f0, g0 = phi(x0, 0.0, d)
    ours = strong_wolfe(lambda step: phi(x0, step, d), t, d, f0, g0, g0.dot(d), max_ls=max_ls)
    theirs = torch_lbfgs._strong_wolfe(phi, x0, t, d, f0, g0, g0.dot(d), max_ls=max_ls)
    torch.testing.assert_close(ours, theirs, rtol=RTOL, atol=ATOL)


# ---- the class itself ----

def test_max_eval_default_is_stored_as_torch_stores_it():
    p = torch.nn.Parameter(torch.zeros(2))
    for max_iter in (1, 4, 20, 33):
        assert LBFGS([p], max_iter=max_iter).defaults == torch.optim.LBFGS([p], max_iter=max_iter).defaults


@pytest.mark.parametrize("module", [lrcourse.optim.lbfgs, lrcourse.optim.line_search], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, extraglobs={"torch": torch}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_no_parameters_only_evaluates_the_loss():
    """A group with no parameters: step() returns closure()'s loss and keeps no state, as in torch."""
    for module in (lrcourse.optim, torch.optim):
        opt = module.LBFGS([{"params": []}])
        assert opt.step(lambda: torch.tensor(2.5)) == 2.5 and not opt.state


def test_never_calls_torch_lbfgs(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("lrcourse called into torch.optim.lbfgs")

    for name in ("_strong_wolfe", "_cubic_interpolate"):
        monkeypatch.setattr(torch_lbfgs, name, forbidden)
    monkeypatch.setattr(torch.optim.LBFGS, "step", forbidden)
    case = Case("rosenbrock", dict(line_search_fn="strong_wolfe"))
    trace = run(case)
    assert rosenbrock(trace.params[-1][0]) < 1e-6  # and it solves the problem


# ---- bad arguments: the exception type and the words of its message ----

BAD_ARGUMENTS = [
    (dict(lr=-0.1), ValueError, ["lr", "-0.1", "[0, inf)"]),  # torch: ValueError too
    (dict(lr=float("nan")), ValueError, ["lr", "nan"]),
    (dict(lr=0, line_search_fn="strong_wolfe"), ValueError, ["lr", "0", "> 0", "strong_wolfe"]),  # torch fails
    (dict(lr="1"), TypeError, ["lr", "'1'", "str"]),
    (dict(lr=torch.tensor([0.1, 0.2])), ValueError, ["Tensor lr", "1-element", "(2,)"]),  # as torch: ValueError
    (dict(max_iter=-1), ValueError, ["max_iter", "-1", ">= 0"]),
    (dict(max_iter=2.5), TypeError, ["max_iter", "2.5", "integer"]),
    (dict(max_iter=True), TypeError, ["max_iter", "True", "integer"]),
    (dict(max_eval=0), ValueError, ["max_eval", "0", ">= 1"]),  # torch's line search fails on it
    (dict(max_eval=10.0), TypeError, ["max_eval", "10.0", "integer"]),
    (dict(tolerance_grad=-1e-7), ValueError, ["tolerance_grad", "-1e-07", "[0, inf)"]),
    (dict(tolerance_change=-1), ValueError, ["tolerance_change", "-1", "[0, inf)"]),
    (dict(tolerance_change="small"), TypeError, ["tolerance_change", "'small'", "a number"]),
    (dict(history_size=0), ValueError, ["history_size", "0", ">= 1"]),  # torch fails on its 2nd iteration
    (dict(history_size=None), TypeError, ["history_size", "None", "integer"]),
    (dict(line_search_fn="armijo"), ValueError, ["line_search_fn", "'armijo'", "None or 'strong_wolfe'"]),
    (dict(line_search_fn=True), ValueError, ["line_search_fn", "True", "None or 'strong_wolfe'"]),
    (dict(maximize=1), TypeError, ["maximize", "1", "True or False"]),
    (dict(foreach=True), TypeError, ["foreach"]),  # torch-only switches are refused
    (dict(fused=True), TypeError, ["fused"]),
    (dict(capturable=True), TypeError, ["capturable"]),
    (dict(differentiable=True), TypeError, ["differentiable"]),
]


@pytest.mark.parametrize("kwargs, exc, pieces", BAD_ARGUMENTS, ids=[str(r[0]) for r in BAD_ARGUMENTS])
def test_bad_argument_raises_clear_error(kwargs, exc, pieces):
    with pytest.raises(exc) as info:
        LBFGS([torch.nn.Parameter(torch.zeros(2))], **kwargs)
    for piece in pieces:
        assert piece in str(info.value), f"{piece!r} missing from: {info.value}"


def _two_groups():
    return [{"params": [torch.nn.Parameter(torch.zeros(2))]}, {"params": [torch.nn.Parameter(torch.zeros(1))]}]


def _added_group_then_step():
    opt = LBFGS([torch.nn.Parameter(torch.zeros(2))])
    opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))]})
    opt.step(lambda: torch.tensor(0.0))


def _step(closure):
    opt = LBFGS([torch.nn.Parameter(torch.zeros(2))])
    return lambda: opt.step() if closure == "missing" else opt.step(closure)


@pytest.mark.parametrize(
    "action, exc, pieces",
    [
        (lambda: LBFGS(_two_groups()), ValueError, ["one param group", "got 2"]),  # torch: ValueError too
        (_added_group_then_step, ValueError, ["one param group", "got 2"]),
        (lambda: LBFGS([]), ValueError, ["params", "empty", "[]"]),
        (lambda: LBFGS(torch.zeros(2)), TypeError, ["params", "Tensor", "list"]),
        (_step("missing"), TypeError, ["closure"]),  # as torch: step() has no default closure
        (_step(None), TypeError, ["closure", "None", "returns the loss"]),
    ],
    ids=["two-groups", "add-param-group", "empty-params", "bare-tensor", "step-without-closure", "step-None"],
)
def test_bad_use_raises_clear_error(action, exc, pieces):
    with pytest.raises(exc) as info:
        action()
    for piece in pieces:
        assert piece in str(info.value), f"{piece!r} missing from: {info.value}"
