"""Landscapes: formulas, analytic gradients against autograd, and trajectories against torch
and against the direct recurrences written here."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import lrcourse.optim as lro
from lrcourse.teaching.landscapes import (LANDSCAPES, Landscape, get_landscape, plot_paths, quadratic,
                                          resolve_optimizer, rosenbrock, trajectory)

LANDS = [LANDSCAPES["parabola"], LANDSCAPES["ill-conditioned"], LANDSCAPES["banana"],
         quadratic((0.1, 1.0, 10.0, 19.0)), rosenbrock(100), rosenbrock(2.5, name="rosenbrock-2.5")]


def direct_formula(name, x):
    x = np.asarray(x, float)
    return {"parabola": lambda: x[0] ** 2,
            "ill-conditioned": lambda: 0.1 * x[0] ** 2 + 2 * x[1] ** 2,
            "banana": lambda: (1 - x[0]) ** 2 + 10 * (x[1] - x[0] ** 2) ** 2}[name]()


@pytest.mark.parametrize("name", ["parabola", "ill-conditioned", "banana"])
def test_values_match_the_written_formula(name):
    rng = np.random.default_rng(1)
    land = get_landscape(name)
    for x in rng.uniform(-3, 3, size=(20, land.dim)):
        assert land(x) == pytest.approx(direct_formula(name, x), rel=1e-14)
    assert land.min_value == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("b", [10, 100, 2.5])
def test_rosenbrock_is_the_written_formula_for_any_b(b):
    rng = np.random.default_rng(2)
    land = rosenbrock(b)
    for x in rng.uniform(-3, 3, size=(20, 2)):
        assert land(x) == pytest.approx((1 - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2, rel=1e-14)
    assert land.min_value == 0.0 and land.minimizer == (1.0, 1.0)
    assert f"+ {b:g}" in land.formula


@pytest.mark.parametrize("land", LANDS, ids=lambda l: l.name)
def test_analytic_gradient_equals_autograd_and_vanishes_at_minimum(land):
    rng = np.random.default_rng(0)
    for x in rng.uniform(-2, 2, size=(10, land.dim)):
        xt = torch.tensor(x, requires_grad=True)
        land(xt).backward()
        np.testing.assert_allclose(land.grad(x), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(land.grad(np.array(land.minimizer)), 0.0, atol=1e-14)


@pytest.mark.parametrize("land", LANDS, ids=lambda l: l.name)
def test_hessian_eigenvalues_at_minimum_match_autograd(land):
    h = torch.autograd.functional.hessian(land, torch.tensor(land.minimizer, dtype=torch.float64))
    np.testing.assert_allclose(sorted(land.hessian_eigenvalues), np.linalg.eigvalsh(h.numpy()), rtol=1e-12)


@pytest.mark.parametrize("lams,lr,x0", [
    ((2.0,), 0.2, (10.0,)), ((2.0,), 0.05, (10.0,)), ((2.0,), 1.1, (10.0,)),
    ((0.2, 4.0), 0.4, (-5.0, -2.0)), ((0.2, 4.0), 0.6, (-5.0, -2.0)),
    ((0.1, 1.0, 10.0, 19.0), 0.1, (1.0, 1.0, 1.0, 1.0)),
])
def test_gradient_descent_on_quadratic_is_the_closed_form(lams, lr, x0):
    path = trajectory("sgd", quadratic(lams, start=x0), None, 25, lr=lr)
    t = np.arange(26)[:, None]
    expected = (1 - lr * np.array(lams)) ** t * np.array(x0)
    np.testing.assert_allclose(path, expected, rtol=1e-12, atol=1e-15 * np.abs(x0).max())


TORCH_CASES = [  # (lrcourse name, torch class, hyperparameters)
    ("sgd", torch.optim.SGD, dict(lr=0.01, momentum=0.9)),
    ("SGD", torch.optim.SGD, dict(lr=0.01, momentum=0.9, nesterov=True)),
    ("sgd", torch.optim.SGD, dict(lr=0.005, momentum=0.5, dampening=0.1, weight_decay=0.01)),
    ("adagrad", torch.optim.Adagrad, dict(lr=0.3)),
    ("rmsprop", torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5)),
    ("adadelta", torch.optim.Adadelta, dict(lr=1.0, rho=0.9)),
    ("adam", torch.optim.Adam, dict(lr=0.05, amsgrad=True)),
    ("AdamW", torch.optim.AdamW, dict(lr=0.05, weight_decay=0.1)),
    (lro.Adamax, torch.optim.Adamax, dict(lr=0.05)),
    (lro.NAdam, torch.optim.NAdam, dict(lr=0.05)),
    (lro.RAdam, torch.optim.RAdam, dict(lr=0.05)),
    (lro.ASGD, torch.optim.ASGD, dict(lr=0.01)),
    (lro.Rprop, torch.optim.Rprop, dict(lr=0.01)),
    (lro.LBFGS, torch.optim.LBFGS, dict(lr=0.5, max_iter=5)),  # a closure evaluated several times per step
]


@pytest.mark.parametrize("landscape", ["ill-conditioned", "banana"])
@pytest.mark.parametrize("name,torch_cls,hp", TORCH_CASES)
def test_trajectory_by_name_equals_torch_optimizer(name, torch_cls, hp, landscape):
    ours = trajectory(name, landscape, None, 40, **hp)
    theirs = trajectory(torch_cls, landscape, None, 40, **hp)
    assert resolve_optimizer(name)[0].__module__.startswith("lrcourse.optim")
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("hp, torch_hp", [
    (dict(lr=0.01), dict(lr=0.01, momentum=0.9)),  # "SGD + momentum" is SGD with momentum 0.9 ...
    (dict(lr=0.01, momentum=0.5), dict(lr=0.01, momentum=0.5)),  # ... unless the call overrides it
])
def test_a_catalog_name_brings_its_settings(hp, torch_hp):
    np.testing.assert_allclose(trajectory("sgd-momentum", "banana", None, 40, **hp),
                               trajectory(torch.optim.SGD, "banana", None, 40, **torch_hp), rtol=1e-10, atol=1e-12)


def test_closure_optimizer_equals_torch_stepped_by_hand():
    """LBFGS evaluates f several times per step: trajectory hands every optimizer a closure."""
    land = get_landscape("banana")
    x = torch.tensor(land.start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], lr=0.5, max_iter=5)
    rows = [x.detach().numpy().copy()]

    def closure():
        opt.zero_grad()
        loss = land(x)
        loss.backward()
        return loss

    for _ in range(6):
        opt.step(closure)
        rows.append(x.detach().numpy().copy())
    np.testing.assert_allclose(trajectory(torch.optim.LBFGS, land, None, 6, lr=0.5, max_iter=5), rows,
                               rtol=1e-12)
    assert not np.allclose(rows[1], rows[0])


@pytest.mark.parametrize("name, reference", [("sgd-sf", "SGDScheduleFree"), ("adamw-sf", "AdamWScheduleFree")])
def test_schedule_free_path_is_y_as_the_reference_in_train_mode(name, reference):
    """A schedule-free optimizer steps in train mode only: its path is the y sequence, where the
    gradients are taken, as the reference's parameters hold it between steps."""
    import schedulefree

    land = get_landscape("ill-conditioned")
    x = torch.tensor(land.start, dtype=torch.float64, requires_grad=True)
    opt = getattr(schedulefree, reference)([x], lr=0.1, foreach=False)
    opt.train()
    rows = [x.detach().numpy().copy()]
    for _ in range(8):
        opt.zero_grad()
        land(x).backward()
        opt.step()
        rows.append(x.detach().numpy().copy())
    np.testing.assert_allclose(trajectory(name, land, None, 8, lr=0.1), rows, rtol=1e-12)
    opt.eval()  # x, the average, is elsewhere
    assert not np.allclose(x.detach().numpy(), rows[-1])


def test_heavy_ball_matches_direct_recurrence():
    land, lr, beta = get_landscape("banana"), 0.01, 0.9
    x, b, rows = np.array(land.start), np.zeros(2), [np.array(land.start)]
    for _ in range(50):
        b = beta * b + land.grad(x)
        x = x - lr * b
        rows.append(x)
    np.testing.assert_allclose(trajectory("sgd", land, None, 50, lr=lr, momentum=beta), rows, rtol=1e-11)


def test_noise_and_lr_lambda_match_direct_recurrence():
    land, lr, sigma, seed = get_landscape("ill-conditioned"), 0.3, 0.7, 5
    decay = lambda t: 1 / (1 + t)  # noqa: E731
    gen = torch.Generator().manual_seed(seed)
    x, rows = np.array(land.start), [np.array(land.start)]
    for t in range(30):
        xi = torch.randn(2, generator=gen, dtype=torch.float64).numpy()
        x = x - lr * decay(t) * (land.grad(x) + sigma * xi)
        rows.append(x)
    got = trajectory("sgd", land, None, 30, lr=lr, noise=sigma, seed=seed, lr_lambda=decay)
    np.testing.assert_allclose(got, rows, rtol=1e-12, atol=1e-14)
    assert not np.allclose(got, trajectory("sgd", land, None, 30, lr=lr, noise=sigma, seed=seed + 1,
                                           lr_lambda=decay))


def test_plain_callable_and_zero_steps():
    path = trajectory("sgd", lambda x: (x ** 2).sum(), (1.0, 2.0, 3.0), 3, lr=0.25)
    np.testing.assert_allclose(path[-1], 0.5 ** 3 * np.array([1.0, 2.0, 3.0]))
    assert trajectory("adam", "banana", (0.0, 0.0), 0, lr=0.1).tolist() == [[0.0, 0.0]]


ERRORS = [  # (call, exception type, substrings the message must contain)
    (lambda: trajectory("sgd", "banana", None, -1, lr=0.1), ValueError, ["steps", "-1", ">= 0"]),
    (lambda: trajectory("sgd", "banana", None, 2.5, lr=0.1), ValueError, ["steps", "2.5", "int"]),
    (lambda: trajectory("sgd", "banana", None, True, lr=0.1), ValueError, ["steps", "True"]),
    (lambda: trajectory("sgd", "banana", None, 5, lr=0.1, noise=-1.0), ValueError, ["noise", "-1.0", "[0, inf)"]),
    (lambda: trajectory("sgd", "banana", None, 5, lr=0.1, noise="0.1"), TypeError, ["noise", "'0.1'", "number"]),
    (lambda: trajectory("sgd", "banana", (1.0, 2.0, 3.0), 5, lr=0.1), ValueError, ["x0", "(1.0, 2.0, 3.0)", "2"]),
    (lambda: trajectory("sgd", lambda x: x.sum(), None, 5, lr=0.1), ValueError, ["x0", "required"]),
    (lambda: trajectory("newton", "banana", None, 5, lr=0.1), ValueError, ["optimizer", "'newton'", "adam"]),
    (lambda: trajectory(int, "banana", None, 5, lr=0.1), ValueError, ["optimizer", "int"]),
    (lambda: trajectory("sgd", "saddle", None, 5, lr=0.1), ValueError, ["landscape", "'saddle'", "banana"]),
    (lambda: quadratic(()), ValueError, ["eigenvalues", "()", "> 0"]),
    (lambda: quadratic((1.0, -2.0)), ValueError, ["eigenvalues", "-2.0", "> 0"]),
    (lambda: quadratic((1.0, 2.0), start=(1.0,)), ValueError, ["start", "(1.0,)", "2 coordinates"]),
]


@pytest.mark.parametrize("call,exc,parts", ERRORS)
def test_bad_input_raises_clear_error(call, exc, parts):
    with pytest.raises(exc) as info:
        call()
    for part in parts:
        assert part in str(info.value)


@pytest.mark.parametrize("name", ["parabola", "ill-conditioned", "banana"])
def test_plot_paths_draws_contours_paths_and_labels(name):
    land = get_landscape(name)
    path = trajectory("sgd", land, None, 10, lr=0.01)
    ax = plot_paths(land, {"GD": path})
    labels = [line.get_label() for line in ax.get_lines()]
    assert "GD" in labels and ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    gd = ax.get_lines()[labels.index("GD")]
    np.testing.assert_allclose(gd.get_xdata(), path[:, 0])
    if land.dim == 2:
        assert ax.collections  # contours
    plt.close(ax.figure)


def test_landscape_is_frozen_and_registry_complete():
    assert set(LANDSCAPES) == {"parabola", "ill-conditioned", "banana"}
    assert all(isinstance(v, Landscape) and v.dim == len(v.start) for v in LANDSCAPES.values())
    with pytest.raises(Exception):
        LANDSCAPES["banana"].name = "x"
