"""check_optimizer: a student's ``torch.optim.Optimizer`` against torch's, step by step, in float64.

Both run the same small problems from the same start: a least-squares fit whose data
change every step (like mini-batches) plus four coordinates whose gradients range from
1e-6 to 1 (so ε's place shows), in four settings, :data:`PROBLEMS`. The parameters are
compared after every step.

>>> from lrcourse.optim import SGD
>>> print(check_optimizer(SGD, "SGD", lr=0.1, momentum=0.9))
✓ SGD matches torch.optim.SGD(lr=0.1, momentum=0.9) over 4 problems × 20 steps
"""
from __future__ import annotations

import numpy as np
import torch

from .hints import NON_FINITE_HINT, matches, numeric_hint, optimizer_variants
from .result import CheckResult, Failed, call, expected_got, first_difference, number, returns_failures, shown

STEPS = 20
PROBLEMS = ("one group", "two groups (lr, lr/2)", "a parameter without gradient", "lr changed between steps")
EXCLUDED = {"LBFGS": "needs a closure", "SparseAdam": "needs sparse gradients", "Muon": "takes only 2-D parameters"}
ACCEPTED = tuple(n for n in torch.optim.__all__ if isinstance(getattr(torch.optim, n), type)
                 and issubclass(getattr(torch.optim, n), torch.optim.Optimizer) and n != "Optimizer"
                 and n not in EXCLUDED)
_GEN = torch.Generator().manual_seed(0)
X = torch.randn(STEPS, 3, generator=_GEN, dtype=torch.float64) / 2  # one "batch" per step
Y = torch.randn(STEPS, 2, generator=_GEN, dtype=torch.float64)
CURVATURE = torch.tensor([1e-6, 1e-3, 0.1, 1.0], dtype=torch.float64)  # gradients from ~1e-6 to ~1
START = {"weight": [[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]], "bias": [0.1, -0.2], "scale": [3.0, -2.0, 1.5, 0.5],
         "unused": [1.0, -1.0]}


def loss(params: dict, k: int) -> torch.Tensor:
    """Step ``k``'s loss: :math:`\\|W x_k + b - y_k\\|^2 + \\sum_j c_j (s_j - 1)^2` (``unused`` left out)."""
    fit = params["weight"] @ X[k] + params["bias"] - Y[k]
    return (fit ** 2).sum() + (CURVATURE * (params["scale"] - 1) ** 2).sum()


def _names(problem: str) -> list:
    """The parameters a problem optimises: ``unused`` (never given a gradient) only in the third."""
    return list(START) if problem == PROBLEMS[2] else list(START)[:3]


def _groups(problem: str, params: dict, lr) -> list:
    if problem == PROBLEMS[1]:
        return [{"params": [params["weight"], params["bias"]]}, {"params": [params["scale"]], "lr": lr / 2}]
    return [{"params": list(params.values())}]


def run(make, problem: str, lr, what: str = "", modes: bool = False) -> np.ndarray:
    """All parameters, flattened, after each of ``STEPS`` steps of ``make(param_groups)``.

    ``what`` names a student's class: its exceptions then become failed results. ``modes``: a
    schedule-free optimizer, put in train mode before the first step; after each step the
    parameters are read in train mode (y), then after ``eval()`` in eval mode (x), then ``train()``
    again: rows alternate y and x.
    """
    params = {n: torch.tensor(START[n], dtype=torch.float64, requires_grad=True) for n in _names(problem)}
    where = f" (problem '{problem}')"

    def attempt(label, fn, *args):
        return call(f"{what}{label}{where}", fn, *args) if what else fn(*args)

    def record(label):
        if any(p.shape != torch.Size(np.shape(START[n])) for n, p in params.items()):
            raise Failed(CheckResult("wrong type", f"{what}{label}{where} changed a parameter's shape"))
        out.append(torch.cat([p.detach().flatten() for p in params.values()]).numpy().copy())

    opt = attempt("(params, ...)", make, _groups(problem, params, lr))
    if modes:
        attempt(".train()", lambda: opt.train())  # a class without train() fails in one line too
    out = []
    for k in range(STEPS):
        if problem == PROBLEMS[3]:
            for group in opt.param_groups:  # as ExponentialLR(gamma=0.8) would
                group["lr"] = lr * 0.8 ** k
        for p in params.values():
            p.grad = None
        loss(params, k).backward()
        attempt(f".step() at step {k + 1}", opt.step)
        record(f".step() at step {k + 1}")
        if modes:
            attempt(f".eval() after step {k + 1}", lambda: opt.eval())
            record(f".eval() after step {k + 1}")
            attempt(f".train() after step {k + 1}", lambda: opt.train())
    return np.array(out)


def _labels(problem: str) -> list:
    return [f"{n}[{', '.join(map(str, i))}]" for n in _names(problem) for i in np.ndindex(np.shape(START[n]))]


def _student_runs(cls, lr, hyper, modes=False):
    """The student's trajectories per problem, or the :class:`Failed` that stopped one."""
    runs = {}
    for problem in PROBLEMS:
        try:
            runs[problem] = run(lambda groups: cls(groups, **hyper), problem, lr, cls.__name__, modes)
        except Failed as failed:
            none_grad = problem == PROBLEMS[2] and "NoneType" in failed.result.message
            hint = "skip parameters whose .grad is None (torch leaves them unchanged)" if none_grad else (
                failed.result.hint)
            runs[problem] = Failed(CheckResult(failed.result.kind, failed.result.message, hint=hint))
    return runs


def _hint(variants, lr, runs, expected, modes=False):
    for hint, make in variants:
        try:
            if all(matches(runs[p], run(make, p, lr, modes=modes)) for p in PROBLEMS):
                return hint
        except Exception:  # a variant that cannot run these settings gives no hint
            continue
    return numeric_hint(np.concatenate([runs[p].ravel() for p in PROBLEMS]),
                        np.concatenate([expected[p].ravel() for p in PROBLEMS]), NON_FINITE_HINT)


def compare(cls, label: str, make_reference, lr, hyper: dict, variants, modes: bool = False) -> CheckResult:
    """``cls(groups, **hyper)`` against ``make_reference(groups)`` on every problem, every step.

    ``variants()`` yields the ``(hint, make)`` of known mistakes, run only when a difference is found;
    ``modes`` compares a schedule-free optimizer in train and eval mode (see :func:`run`).
    """
    name = cls.__name__
    expected = {p: run(make_reference, p, lr, modes=modes) for p in PROBLEMS}
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # state made with torch.zeros(shape) is float64 too
    try:
        runs = _student_runs(cls, lr, hyper, modes)
    finally:
        torch.set_default_dtype(default_dtype)
    start = np.concatenate([np.ravel(START[n]) for n in _names(PROBLEMS[0])])
    first = runs[PROBLEMS[0]]
    if not isinstance(first, Failed) and (first == start).all() and not (expected[PROBLEMS[0]] == start).all():
        return CheckResult("not implemented", f"not implemented yet: {name}.step() left every parameter unchanged")
    for problem in PROBLEMS:
        got, exp = runs[problem], expected[problem]
        if isinstance(got, Failed):
            raise got
        diff = first_difference(got, exp)
        if diff is not None:
            k, j = diff
            crashed = any(isinstance(r, Failed) for r in runs.values())
            hint = None if crashed else _hint(variants(), lr, runs, expected, modes)
            step, mode = divmod(k, 2) if modes else (k, None)
            in_mode = "" if mode is None else (" in train mode (y)", " in eval mode (x)")[mode]
            where = f"step {step + 1} of problem '{problem}'{in_mode}, parameter {_labels(problem)[j]}"
            return CheckResult("differs", f"{name} differs from {label} at {where}: "
                               f"{expected_got(exp[k, j], got[k, j])}",
                               (("reference", label), ("first difference", where), ("expected", number(exp[k, j])),
                                ("got", number(got[k, j]))), hint)
    both = " in train and eval mode" if modes else ""
    return CheckResult("match", f"{name} matches {label} over {len(PROBLEMS)} problems × {STEPS} steps{both}",
                       (("reference", label), ("problems", "; ".join(PROBLEMS))))


def check_against(cls, reference: str, make_reference, hyper: dict, variants, modes: bool = False) -> CheckResult:
    """:func:`compare` ``cls`` with the optimizer ``make_reference(groups)`` builds, named ``reference``.

    First the reference's full settings (``ValueError`` naming ``reference`` where it refuses
    ``hyper``), then ``cls`` must be an optimizer class; ``variants(full)`` yields the known mistakes.
    """
    try:
        full = make_reference([torch.zeros(1, dtype=torch.float64)]).defaults
    except Exception as err:
        raise ValueError(f"hyper {hyper} is refused by {reference}: {err}") from err
    if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
        return CheckResult("wrong type", f"expected a torch.optim.Optimizer subclass (a class), got {shown(cls)}")
    label = f"{reference}({', '.join(f'{k}={v!r}' for k, v in hyper.items())})"
    return compare(cls, label, make_reference, full["lr"], hyper, lambda: variants(full), modes)


@returns_failures
def check_optimizer(cls, reference: str, **hyper) -> CheckResult:
    """Run ``cls`` and ``torch.optim.<reference>`` with ``hyper`` on the same problems; compare every step.

    Args:
        cls: the student's ``torch.optim.Optimizer`` subclass, called as ``cls(param_groups, **hyper)``.
        reference: the name of torch's class, e.g. ``"SGD"``, ``"Adam"``, ``"RMSprop"`` (see ``ACCEPTED``).
        **hyper: constructor arguments for both (torch's defaults for those left out).

    Returns:
        CheckResult: truthy when all parameters agree (to float64 rounding) after every step of
        every problem; otherwise the first step, problem and parameter that differ (a nan or inf
        where torch's value is finite first), the expected and obtained values, and a hint when
        the numbers are those of a known mistake (or nan/inf: its usual causes).
    """
    if not isinstance(reference, str):
        raise TypeError(f"reference must be the name of a torch.optim class (a str), got {reference!r}")
    if reference not in ACCEPTED:
        why = f" ({EXCLUDED[reference]})" if reference in EXCLUDED else ""
        raise ValueError(f"reference must be one of {', '.join(ACCEPTED)}, got {reference!r}{why}")
    torch_cls = getattr(torch.optim, reference)
    return check_against(cls, f"torch.optim.{reference}", lambda groups: torch_cls(groups, **hyper), hyper,
                         lambda full: optimizer_variants(reference, full))
