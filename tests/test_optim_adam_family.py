"""Adamax, NAdam and RAdam against torch.optim: one table of cases, one checker.

The cases run through ``optim_oracle``'s checker (float64 and complex128, 30 steps,
1e-9 relative, every protocol scenario), bad arguments through its error
checker. Adding a case is one line.
"""
from __future__ import annotations


import pytest
import torch

import optim_oracle as oracle
from optim_oracle import Case, check_against_torch, grid
from lrcourse.optim import Adamax, NAdam, RAdam

ALL = [Adamax, NAdam, RAdam]
# RAdam: rho_t > 5 from step 6 with beta2 = 0.999 or 0.9; never with beta2 = 0.5 (rho_inf = 3).
BETAS = [(0.9, 0.999), (0.5, 0.9), (0.9, 0.5)]

FLAG_CASES = [
    *grid("Adamax", lr=[0.01], betas=BETAS, eps=[1e-8, 0.1], weight_decay=[0, 0.01], maximize=[False, True]),
    *grid("NAdam", lr=[0.01], betas=BETAS[:2], weight_decay=[0, 0.1], momentum_decay=[4e-3, 0.1],
          decoupled_weight_decay=[False, True], maximize=[False, True]),
    *grid("RAdam", lr=[0.01], betas=BETAS, weight_decay=[0, 0.1], decoupled_weight_decay=[False, True],
          maximize=[False, True]),
]
# One representative (state-rich) setting per optimizer and weight-decay style, through every scenario.
REPRESENTATIVE = [
    Case("Adamax", dict(lr=0.01, weight_decay=0.01)),
    Case("NAdam", dict(lr=0.01, weight_decay=0.01, momentum_decay=0.01)),
    Case("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    Case("RAdam", dict(lr=0.01, betas=(0.9, 0.9), weight_decay=0.01)),
    Case("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
]
PROTOCOL_CASES = [Case(c.opt, c.kwargs, s) for c in REPRESENTATIVE for s in oracle.SCENARIOS]
# torch supports complex parameters in all three: every flag combination again in complex128.
COMPLEX_CASES = [Case(c.opt, c.kwargs, c.scenario, complex=True) for c in FLAG_CASES]
COMPLEX_REPRESENTATIVE = [Case(c.opt, c.kwargs, complex=True) for c in REPRESENTATIVE]


@pytest.mark.parametrize("case", FLAG_CASES + PROTOCOL_CASES + COMPLEX_CASES, ids=str)
def test_matches_torch(case):
    check_against_torch(case)


@pytest.mark.parametrize("case", REPRESENTATIVE + COMPLEX_REPRESENTATIVE, ids=str)
def test_resume_from_state_dict_is_identical(case):
    oracle.check_resume(case)


@pytest.mark.parametrize("case", REPRESENTATIVE + COMPLEX_REPRESENTATIVE, ids=str)
@oracle.BOTH_WAYS
def test_state_dict_moves_between_torch_and_lrcourse(case, source, target):
    oracle.check_state_moves(case, source, target)


def _rows():
    rows = []
    for cls in ALL:
        rows += [
            (cls, dict(lr=-0.1), ValueError, ["lr", "-0.1", "[0, inf)"]),
            (cls, dict(lr=float("nan")), ValueError, ["lr", "nan"]),
            (cls, dict(lr="0.1"), TypeError, ["lr", "'0.1'", "str"]),
            (cls, dict(eps=-1e-8), ValueError, ["eps", "-1e-08", "[0, inf)"]),
            (cls, dict(weight_decay=-1e-4), ValueError, ["weight_decay", "-0.0001", "[0, inf)"]),
            (cls, dict(betas=(1.0, 0.999)), ValueError, ["betas[0]", "1.0", "[0, 1)"]),
            (cls, dict(betas=(-0.1, 0.999)), ValueError, ["betas[0]", "-0.1", "[0, 1)"]),
            (cls, dict(betas=(0.9, -0.1)), ValueError, ["betas[1]", "-0.1", "[0, 1)"]),
            (cls, dict(betas=(0.9, 1.5)), ValueError, ["betas[1]", "1.5", "[0, 1)"]),
            (cls, dict(betas=0.9), ValueError, ["betas", "0.9", "pair"]),
            (cls, dict(maximize=1), TypeError, ["maximize", "1", "True or False"]),
            *[(cls, {switch: True}, TypeError, [switch])  # torch-only options are refused
              for switch in ("foreach", "fused", "capturable", "differentiable")],
        ]
    for cls in [NAdam, RAdam]:
        rows.append((cls, dict(decoupled_weight_decay="yes"), TypeError,
                     ["decoupled_weight_decay", "'yes'", "True or False"]))
    rows.append((NAdam, dict(momentum_decay=-0.004), ValueError, ["momentum_decay", "-0.004", "[0, inf)"]))
    return rows


ROWS = _rows()


@pytest.mark.parametrize("cls, kwargs, exc, pieces", ROWS, ids=[f"{r[0].__name__}-{r[1]}" for r in ROWS])
def test_bad_argument_raises_clear_error(cls, kwargs, exc, pieces):
    oracle.check_error(cls, kwargs, exc, pieces)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "params, exc, pieces",
    [([], ValueError, ["params", "empty", "[]"]), (torch.zeros(2), TypeError, ["params", "Tensor", "list"])],
    ids=["empty-list", "bare-tensor"],
)
def test_bad_params_raise_clear_error(cls, params, exc, pieces):
    oracle.check_error(cls, {}, exc, pieces, params=params)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_sparse_gradient_is_refused_by_name(cls):
    oracle.check_sparse_refused(cls)
