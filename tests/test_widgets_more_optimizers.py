"""Notebook 11's views: every drawn curve against torch's optimizers or a formula written here,
every summary against those numbers, every explorer swept (each control at min, max, default)."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from widget_sweep import sweep

from lrcourse.teaching.landscapes import get_landscape, trajectory
from lrcourse.teaching.probes import minibatch_run, skewed_sample
from lrcourse.teaching.quasi_newton import ROSENBROCK, count_evaluations
from lrcourse.widgets import more_optimizers as mo


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def lines(ax) -> dict:
    return {line.get_label(): line.get_ydata() for line in ax.get_lines()}


@pytest.mark.parametrize("batch_size,min_step", [(1, 1e-6), (1, 1e-3), (256, 1e-2)])
def test_rprop_view_draws_torch_rprop(batch_size, min_step):
    view = mo.rprop_view(batch_size, min_step, steps=150)
    ax, axs = view.fig.axes
    data = skewed_sample()
    hp = dict(lr=0.1, step_sizes=(min_step, 50), keys=("step_size",))
    full = minibatch_run(torch.optim.Rprop, data, None, 150, **hp)
    mini = minibatch_run(torch.optim.Rprop, data, batch_size, 150, **hp)
    drawn = lines(ax)
    np.testing.assert_allclose(drawn["Rprop, full batch"], full["x"][:, 0], rtol=1e-9)
    np.testing.assert_allclose(drawn[f"Rprop, batch {batch_size}"], mini["x"][:, 0], rtol=1e-9)
    np.testing.assert_allclose(lines(axs)[f"batch {batch_size}"], mini["step_size"][:, 0], rtol=1e-9)
    assert drawn[f"minimum = mean {data.mean():.3f}"][0] == pytest.approx(data.mean())
    assert drawn[f"median {np.median(data):.3f}"][0] == pytest.approx(np.median(data))
    assert view.summary.startswith(f"batch_size={batch_size}, min_step={min_step:.0e}: full batch ends at "
                                   f"{full['x'][-1, 0]:.3f}")
    assert f"averages {mini['x'][-100:, 0].mean():.3f} over the last 100 steps" in view.summary


def test_rprop_full_batch_reaches_the_mean_minibatch_rprop_does_not():
    data = skewed_sample()
    full = minibatch_run(torch.optim.Rprop, data, None, 1000, lr=0.1)
    mini = minibatch_run(torch.optim.Rprop, data, 1, 1000, lr=0.1, step_sizes=(1e-3, 50))
    assert abs(full["x"][-1, 0] - data.mean()) < 1e-4
    tail = mini["x"][-200:, 0].mean()
    assert abs(tail - np.median(data)) < abs(tail - data.mean())


@pytest.mark.parametrize("lr,noise,t0", [(0.1, 1.0, 100), (0.01, 0.0, 0), (0.45, 3.0, 300)])
def test_asgd_view_draws_the_running_mean_of_torch_asgd(lr, noise, t0):
    view = mo.asgd_view(lr, noise, t0, steps=400)
    ax, axg = view.fig.axes
    land = get_landscape("ill-conditioned")
    path = trajectory(torch.optim.ASGD, land, None, 400, noise=noise, lr=lr, lambd=0.0, t0=t0)
    average = np.array([path[min(t, t0 + 2):t + 1].mean(axis=0) for t in range(401)])
    drawn = {line.get_label(): np.c_[line.get_xdata(), line.get_ydata()] for line in ax.get_lines()}
    np.testing.assert_allclose(drawn["ASGD's average ax"], average, rtol=1e-5, atol=1e-9)  # mu_t in float32
    np.testing.assert_allclose(drawn[r"iterates $\theta_t$"], path, rtol=1e-9, atol=1e-12)
    gaps = lines(axg)
    np.testing.assert_allclose(gaps[r"last iterate $\theta_t$"], land(path), rtol=1e-9, atol=1e-15)
    expected = (f"mean f-f* over the last 200 steps {land(path[200:]).mean():.3g} at the iterate, "
                f"{land(average[200:]).mean():.3g} at the average ax")
    assert view.summary == f"lr={lr:.3g}, noise={noise:.2f}, t0={t0}: {expected}"


@pytest.mark.parametrize("landscape,history_size,line_search", [("rosenbrock", 10, True),
                                                                ("ill-conditioned", 1, False),
                                                                ("rosenbrock", 20, False)])
def test_lbfgs_view_counts_as_torch(landscape, history_size, line_search):
    view = mo.lbfgs_view(landscape, history_size, line_search, max_evals=300)
    land = ROSENBROCK if landscape == "rosenbrock" else get_landscape(landscape)
    lrs = mo.BASELINES[landscape]
    runs = {"GD": count_evaluations(torch.optim.SGD, land, max_evals=300, lr=lrs["GD"]),
            "Adam": count_evaluations(torch.optim.Adam, land, max_evals=300, lr=lrs["Adam"]),
            "L-BFGS": count_evaluations(torch.optim.LBFGS, land, max_evals=300, history_size=history_size,
                                        line_search_fn="strong_wolfe" if line_search else None)}
    curves = list(lines(view.fig.axes[1]).values())
    for curve, run in zip(curves, runs.values()):
        np.testing.assert_allclose(curve, np.maximum(run.best_gap(), 1e-20), rtol=1e-9)
    names = [f"GD lr={lrs['GD']:g}", f"Adam lr={lrs['Adam']:g}",
             f"L-BFGS m={history_size}" + (", strong Wolfe" if line_search else ", lr=1")]
    reached = [run.to_reach(mo.TOLERANCE) or "not within 300" for run in runs.values()]
    assert view.summary == (f"landscape={landscape}, history_size={history_size}, line_search={line_search}: "
                            "evaluations to f-f* <= 1e-08: " + ", ".join(f"{n}: {r}" for n, r in zip(names, reached)))


@pytest.mark.parametrize("beta2,period", [(0.999, 200), (0.9, 10), (0.9999, 500)])
def test_adamax_view_denominators_and_steps_from_the_recurrences(beta2, period):
    view = mo.adamax_view(beta2, period, steps=600)
    ax, axs = view.fig.axes
    b1, eps = 0.9, 1e-8
    m = s = u = 0.0
    adam_den, adamax_den, adam_step, adamax_step = [], [], [], []
    for t in range(1, 601):
        g = 1.0 if (t - 1) % period == 0 else 0.0
        m, s, u = b1 * m + (1 - b1) * g, beta2 * s + (1 - beta2) * g * g, max(beta2 * u, abs(g) + eps)
        adam_den.append(math.sqrt(s / (1 - beta2 ** t)))
        adamax_den.append(u)
        adam_step.append(m / (1 - b1 ** t) / (adam_den[-1] + eps))
        adamax_step.append(m / (1 - b1 ** t) / u)
    den = list(lines(ax).values())
    np.testing.assert_allclose(den[0], adam_den, rtol=1e-9)
    np.testing.assert_allclose(den[1], adamax_den, rtol=1e-9)
    steps = list(lines(axs).values())
    # the view differences x_t (of size ~1): steps of 1e-10 keep ~6 digits
    np.testing.assert_allclose(steps[0], np.maximum(adam_step, 1e-12), rtol=1e-6, atol=1e-14)
    np.testing.assert_allclose(steps[1], np.maximum(adamax_step, 1e-12), rtol=1e-6, atol=1e-14)
    assert view.summary == (f"beta2={beta2:.4g}, period={period}: largest step / lr {max(adam_step):.3g} (Adam), "
                            f"{max(adamax_step):.3g} (Adamax)")
    assert max(adamax_step) <= 1 + 1e-9


def paper_r(t, beta2):
    """Liu et al.'s rectification, with torch's threshold rho_t > 5."""
    rho_inf = 2 / (1 - beta2) - 1
    rho = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
    return math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)) if rho > 5 else math.nan


@pytest.mark.parametrize("beta2", [0.95, 0.99, 0.999, 0.9995])
def test_radam_view_rectification_and_untuned_warmups(beta2):
    view = mo.radam_view(beta2)
    W = round(2 / (1 - beta2))
    t = np.arange(1, 3 * W + 1)
    drawn = list(lines(view.fig.axes[0]).values())
    r = np.array([paper_r(k, beta2) for k in t])
    np.testing.assert_allclose(drawn[0], r, rtol=1e-12)
    np.testing.assert_allclose(drawn[1], np.minimum(1, t / W), rtol=1e-12)
    np.testing.assert_allclose(drawn[2], 1 - np.exp(-(1 - beta2) * t), rtol=1e-9)
    sgd_steps = int(np.isnan(r).sum())
    assert view.summary.startswith(f"beta2={beta2:.4g}: momentum SGD for {sgd_steps} steps; multiplier reaches "
                                   f"0.5 at step {int(t[np.nanargmax(np.nan_to_num(r) >= 0.5)])} (RAdam), "
                                   f"{math.ceil(W / 2)} (linear warmup)")


def test_radam_steps_are_r_t_times_adams():
    """Measured: with the same moments and eps=0, RAdam's step over Adam's is r_t (or 0 < ... while SGD)."""
    from lrcourse.teaching.probes import replay
    g = np.cos(np.arange(60.0))
    steps = {cls: np.diff(replay(cls, g, lr=0.1, betas=(0.9, 0.99), eps=0.0)["x"][:, 0])
             for cls in (torch.optim.RAdam, torch.optim.Adam)}
    ratio = steps[torch.optim.RAdam] / steps[torch.optim.Adam]
    curves = mo.radam_curves(0.99, 60)
    ok = ~np.isnan(curves["r"])
    np.testing.assert_allclose(ratio[ok], curves["r"][ok], rtol=1e-9)


# tolerance of bfloat16 against exact arithmetic; None: 10 steps amplify bfloat16 errors, no comparison
@pytest.mark.parametrize("ns_steps,decay,tol", [(5, 0.9, 0.04), (0, 0.9, 0.01), (2, 0.99, 0.04), (5, 0.5, 0.04),
                                               (10, 0.5, None)])
def test_muon_view_singular_values_follow_the_polynomial(ns_steps, decay, tol):
    view = mo.muon_view(ns_steps, decay)
    ax, axm = view.fig.axes
    G = mo.spectrum_matrix(decay=decay)
    before = np.linalg.svd((G / G.norm()).numpy(), compute_uv=False)
    drawn = {line.get_label(): (line.get_xdata(), line.get_ydata()) for line in axm.get_lines()}
    x, y = drawn["this matrix, bfloat16"]
    np.testing.assert_allclose(x, before, rtol=1e-8, atol=1e-15)
    a, b, c = 3.4445, -4.7750, 2.0315
    want = before.copy()
    for _ in range(ns_steps):
        want = a * want + b * want ** 3 + c * want ** 5
    big = before > 1e-2  # directions bfloat16 (8 bits) resolves next to the largest one
    if tol is not None:
        np.testing.assert_allclose(y[big], want[big], atol=tol)
    np.testing.assert_allclose(lines(ax)[r"before: $\sigma_i(G)/\|G\|_F$"], before, rtol=1e-8, atol=1e-15)
    assert view.summary.startswith(f"ns_steps={ns_steps}, decay={decay:.2f}: singular values ")
    assert view.summary.endswith(f"..{before.max():.2f} become {y.min():.2f}..{y.max():.2f}")


@pytest.mark.parametrize("make", [
    lambda: mo.rprop_explorer(steps=120), lambda: mo.asgd_explorer(steps=200),
    lambda: mo.lbfgs_explorer(max_evals=150), lambda: mo.adamax_explorer(steps=200),
    mo.radam_explorer, mo.muon_explorer,
])
def test_explorers_sweep(make):
    assert sweep(make(), samples=2) >= 4


def test_explorer_readouts_follow_the_controls():
    ex = mo.rprop_explorer(steps=120)
    ex.controls["batch_size"].value = 16
    assert ex.summary.value.startswith("batch_size=16, min_step=1e-06")
    ex = mo.radam_explorer()
    ex.controls["beta2"].value = 0.99
    assert ex.summary.value.startswith("beta2=0.99: momentum SGD for")


@pytest.mark.parametrize("call,words", [
    (lambda: mo.lbfgs_view("banana"), "landscape must be one of 'rosenbrock', 'ill-conditioned', got 'banana'"),
    (lambda: mo.rprop_view(batch_size=0), "batch_size must be an int >= 1, got 0"),
    (lambda: mo.adamax_view(period=0), "period must be an int >= 1, got 0"),
    (lambda: mo.muon_view(decay=0.0), "decay must be a number in (0, 1]"),
])
def test_bad_arguments(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert words in str(info.value)
