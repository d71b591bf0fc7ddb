"""Bad optimizer arguments: one table, one checker.

Each row: the optimizer, the bad settings, the exception type, and the pieces the message
must contain (the argument's name, the offending value, and the accepted range or kind).
"""
from __future__ import annotations

import pytest
import torch

import lrcourse.optim
from lrcourse.optim import SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop, Yogi
from optim_oracle import check_error, check_sparse_refused

ALL = [SGD, Adagrad, RMSprop, Adadelta, Adam, AdamW, Yogi]
WITH_BETAS = [Adam, AdamW, Yogi]


def _rows():
    rows = []
    for cls in ALL:
        rows += [
            (cls, dict(lr=-0.1), ValueError, ["lr", "-0.1", "[0, inf)"]),
            (cls, dict(lr=float("nan")), ValueError, ["lr", "nan"]),
            (cls, dict(lr="0.1"), TypeError, ["lr", "'0.1'", "str"]),
            (cls, dict(lr=torch.tensor([0.1, 0.1])), ValueError, ["Tensor lr", "1-element", "(2,)"]),  # torch's words
            (cls, dict(lr=torch.tensor(-0.1)), ValueError, ["lr", "-0.1", "[0, inf)"]),
            (cls, dict(weight_decay=-1e-4), ValueError, ["weight_decay", "-0.0001", "[0, inf)"]),
            (cls, dict(maximize=1), TypeError, ["maximize", "1", "True or False"]),
            (cls, dict(maximize="False"), TypeError, ["maximize", "'False'", "True or False"]),
            (cls, dict(foreach=True), TypeError, ["foreach"]),  # torch-only options are refused
            (cls, dict(fused=True), TypeError, ["fused"]),
        ]
    for cls in [SGD, RMSprop]:
        rows += [
            (cls, dict(momentum=-0.5), ValueError, ["momentum", "-0.5", "[0, 1)"]),
            (cls, dict(momentum=1.0), ValueError, ["momentum", "1.0", "[0, 1)"]),
        ]
    for cls in [Adagrad, RMSprop, Adam, AdamW, Yogi]:
        rows.append((cls, dict(eps=-1e-8), ValueError, ["eps", "-1e-08", "[0, inf)"]))
    for cls in WITH_BETAS:
        rows += [
            (cls, dict(betas=(1.0, 0.999)), ValueError, ["betas[0]", "1.0", "[0, 1)"]),
            (cls, dict(betas=(0.9, -0.1)), ValueError, ["betas[1]", "-0.1", "[0, 1)"]),
            (cls, dict(betas=(0.9, 1.5)), ValueError, ["betas[1]", "1.5", "[0, 1)"]),
            (cls, dict(betas=0.9), ValueError, ["betas", "0.9", "pair"]),
            (cls, dict(betas=(0.9, 0.99, 0.999)), ValueError, ["betas", "(0.9, 0.99, 0.999)", "pair"]),
        ]
    for cls in [Adam, AdamW]:
        rows.append((cls, dict(amsgrad="yes"), TypeError, ["amsgrad", "'yes'", "True or False"]))
    rows += [
        (SGD, dict(dampening=-0.1), ValueError, ["dampening", "-0.1", "[0, 1)"]),
        (SGD, dict(dampening=1), ValueError, ["dampening", "1", "[0, 1)"]),
        (SGD, dict(nesterov=True), ValueError, ["nesterov", "momentum=0", "momentum > 0"]),
        (SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), ValueError, ["nesterov", "dampening=0.1", "dampening = 0"]),
        (SGD, dict(nesterov=1, momentum=0.9), TypeError, ["nesterov", "1", "True or False"]),
        (Adagrad, dict(lr_decay=-0.1), ValueError, ["lr_decay", "-0.1", "[0, inf)"]),
        (Adagrad, dict(initial_accumulator_value=-1), ValueError, ["initial_accumulator_value", "-1", "[0, inf)"]),
        (RMSprop, dict(alpha=-0.01), ValueError, ["alpha", "-0.01", "[0, 1]"]),
        (RMSprop, dict(alpha=1.01), ValueError, ["alpha", "1.01", "[0, 1]"]),
        (RMSprop, dict(centered=None), TypeError, ["centered", "None", "True or False"]),
        (Adadelta, dict(rho=-0.1), ValueError, ["rho", "-0.1", "[0, 1]"]),
        (Adadelta, dict(rho=1.1), ValueError, ["rho", "1.1", "[0, 1]"]),
        (Adadelta, dict(eps=-1e-8), ValueError, ["eps", "-1e-08", "(0, inf)"]),
        (Adadelta, dict(eps=0), ValueError, ["eps", "0", "(0, inf)"]),  # eps seeds Adadelta's first steps
    ]
    return rows


ROWS = _rows()


@pytest.mark.parametrize(
    "cls, kwargs, exc, pieces", ROWS, ids=[f"{r[0].__name__}-{r[1]}" for r in ROWS]
)
def test_bad_argument_raises_clear_error(cls, kwargs, exc, pieces):
    check_error(cls, kwargs, exc, pieces)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "params, exc, pieces",
    [
        ([], ValueError, ["params", "empty", "[]"]),
        ((p for p in []), ValueError, ["params", "empty"]),
        (torch.zeros(2), TypeError, ["params", "Tensor", "list"]),
    ],
    ids=["empty-list", "empty-generator", "bare-tensor"],
)
def test_bad_params_raise_clear_error(cls, params, exc, pieces):
    check_error(cls, {}, exc, pieces, params=params)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_sparse_gradient_is_refused_by_name(cls):
    check_sparse_refused(cls)


@pytest.mark.parametrize("name", [n for n in lrcourse.optim.__all__ if hasattr(torch.optim, n) and n != "SparseAdam"])
def test_lr_zero_is_accepted_as_torch_accepts_it(name):
    """lr=0 is valid in torch (a schedule may start there, or set it later): lrcourse builds
    and steps the same way, to torch's numbers (usually: nothing moves; Rprop's step sizes are
    clamped up to ``step_sizes[0]``)."""
    shape = (3, 2) if name == "Muon" else (4,)
    start = torch.randn(shape, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    ends = []
    for module in (lrcourse.optim, torch.optim):
        p = start.clone().requires_grad_(True)
        opt = getattr(module, name)([p], lr=0)

        def closure():
            opt.zero_grad()
            loss = (p ** 2).sum()
            loss.backward()
            return loss

        for _ in range(3):
            opt.step(closure)
        ends.append(p.detach())
    torch.testing.assert_close(ends[0], ends[1], rtol=1e-12, atol=0)

