"""Rosenbrock against autograd; evaluation counts and points against torch's optimizers and
trajectory(); the bookkeeping of Evaluations on hand-made numbers."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import lrcourse.optim as lro
from lrcourse.teaching.landscapes import get_landscape, trajectory
from lrcourse.teaching.quasi_newton import ROSENBROCK, Evaluations, count_evaluations


def test_rosenbrock_formula_gradient_and_hessian():
    rng = np.random.default_rng(0)
    for x in rng.uniform(-2, 2, size=(10, 2)):
        assert ROSENBROCK(x) == pytest.approx((1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2, rel=1e-14)
        xt = torch.tensor(x, requires_grad=True)
        ROSENBROCK(xt).backward()
        np.testing.assert_allclose(ROSENBROCK.grad(x), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert ROSENBROCK.min_value == 0.0 and ROSENBROCK.start == (-1.2, 1.0)
    h = torch.autograd.functional.hessian(ROSENBROCK, torch.tensor([1.0, 1.0], dtype=torch.float64))
    np.testing.assert_allclose(ROSENBROCK.hessian_eigenvalues, np.linalg.eigvalsh(h.numpy()), rtol=1e-12)


@pytest.mark.parametrize("optimizer,landscape,hp", [
    (lro.SGD, "ill-conditioned", dict(lr=0.4)), (lro.Adam, ROSENBROCK, dict(lr=0.1)),
    (lro.SGD, ROSENBROCK, dict(lr=2e-3)),
])
def test_one_evaluation_per_step_at_each_iterate(optimizer, landscape, hp):
    run = count_evaluations(optimizer, landscape, max_evals=40, **hp)
    path = trajectory(optimizer, landscape, None, 40, **hp)
    np.testing.assert_allclose(run.points, path[:40], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(run.values, get_landscape(landscape)(path[:40]), rtol=1e-12)


# L-BFGS: several evaluations per step(); the same points as torch's LBFGS, evaluation by evaluation.
LBFGS_CASES = [
    (ROSENBROCK, dict(line_search_fn="strong_wolfe")),
    (ROSENBROCK, dict(line_search_fn="strong_wolfe", history_size=2, max_iter=5)),
    (ROSENBROCK, dict()),
    ("ill-conditioned", dict(line_search_fn="strong_wolfe", history_size=3)),
    ("banana", dict(lr=0.5, max_iter=4)),
]


@pytest.mark.parametrize("landscape,hp", LBFGS_CASES)
def test_lbfgs_evaluations_equal_torch(landscape, hp):
    ours = count_evaluations(lro.LBFGS, landscape, max_evals=150, **hp)
    theirs = count_evaluations(torch.optim.LBFGS, landscape, max_evals=150, **hp)
    assert len(ours.values) == len(theirs.values) == 150
    np.testing.assert_allclose(ours.points, theirs.points, rtol=1e-9, atol=1e-12)
    assert ours.to_reach(1e-8) == theirs.to_reach(1e-8)


def test_lbfgs_solves_rosenbrock_in_far_fewer_evaluations_than_gradient_descent():
    lbfgs = count_evaluations(lro.LBFGS, ROSENBROCK, max_evals=200, line_search_fn="strong_wolfe")
    gd = count_evaluations(lro.SGD, ROSENBROCK, max_evals=200, lr=2e-3)
    assert lbfgs.to_reach(1e-8) < 60 and gd.to_reach(1e-8) is None
    it = lbfgs.iterates()
    assert np.allclose(it[0], ROSENBROCK.start) and np.allclose(it[-1], [1, 1], atol=1e-4)


def test_evaluations_bookkeeping():
    run = Evaluations(np.arange(12.0).reshape(6, 2), np.array([5.0, 7.0, 3.0, np.nan, 1.5, 2.0]), 1.0)
    np.testing.assert_array_equal(run.best_gap(), [4.0, 4.0, 2.0, 2.0, 0.5, 0.5])
    assert run.to_reach(2.0) == 3 and run.to_reach(0.5) == 5 and run.to_reach(0.1) is None
    np.testing.assert_array_equal(run.iterates(), [[0, 1], [4, 5], [8, 9]])


def test_a_diverging_run_stops_at_the_first_non_finite_value():
    with np.errstate(over="ignore", invalid="ignore"):
        run = count_evaluations(lro.SGD, ROSENBROCK, max_evals=500, lr=0.1)
    assert len(run.values) < 500 and not np.isfinite(run.values[-1]) and np.isfinite(run.values[:-1]).all()


@pytest.mark.parametrize("kwargs,error,words", [
    (dict(max_evals=0), ValueError, "max_evals must be an int >= 1, got 0"),
    (dict(max_evals=10.0), TypeError, "max_evals must be an int >= 1, got 10.0"),
])
def test_bad_max_evals(kwargs, error, words):
    with pytest.raises(error, match=words):
        count_evaluations(lro.SGD, ROSENBROCK, lr=0.1, **kwargs)


def test_unknown_landscape():
    with pytest.raises(ValueError, match="landscape must be one of"):
        count_evaluations(lro.SGD, "everest", lr=0.1)
