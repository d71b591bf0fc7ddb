"""Schedule-free SGD view: the drawn y, z and x against the paper's equations computed here, from scratch.

The test's oracle is the recursion of Defazio et al. (2024) with the same gradient noise, and the
average x in closed form, x_t = Σ_{i≤t} w_i z_i / Σ_{i≤t} w_i, w_i = i^r (max_{j≤i} γ_j)^p.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from widget_sweep import sweep

from lrcourse.widgets.schedule_free import SEQUENCES, schedule_free_explorer, schedule_free_view

LAMBDA = np.array([0.2, 4.0])  # f(x) = 0.1 x1² + 2 x2²: gradient λ ⊙ x
START = np.array([-5.0, -2.0])


def drawn(view) -> dict:
    """``{"y": (steps + 1, 2), ...}`` read back from the contour panel's lines."""
    lines = {ln.get_label(): ln for ln in view.fig.axes[0].get_lines()}
    return {n: np.c_[lines[label].get_xdata(), lines[label].get_ydata()] for n, (_, label) in SEQUENCES.items()}


def drawn_losses(view) -> dict:
    return {ln.get_label()[2]: ln.get_ydata() for ln in view.fig.axes[1].get_lines()}


def noise_draws(steps, noise, seed):
    gen = torch.Generator().manual_seed(seed)
    return [noise * torch.randn(2, generator=gen, dtype=torch.float64).numpy() for _ in range(steps)]


def lrs(lr, steps, warmup):
    """γ_t for t = 1..steps: linear warmup over ``warmup`` steps."""
    return np.array([lr * min(1.0, t / warmup) if warmup else lr for t in range(1, steps + 1)])


def weights(lr, r, steps, warmup, power):
    """w_t = t^r (max_{i<=t} γ_i)^p for t = 1..steps."""
    return np.arange(1, steps + 1) ** r * np.maximum.accumulate(lrs(lr, steps, warmup)) ** power


def from_the_equations(beta, lr, r, steps, warmup=0, power=2.0, noise=0.5, seed=0):
    """y and z by the paper's recursion, x by the recursion with c_t = w_t / Σ w (the view's x is compared
    with the closed-form average separately)."""
    y, z, x = START.copy(), START.copy(), START.copy()
    ys, zs = [y], [z]
    w, gammas, xi = weights(lr, r, steps, warmup, power), lrs(lr, steps, warmup), noise_draws(steps, noise, seed)
    for t in range(steps):
        z = z - gammas[t] * (LAMBDA * y + xi[t])
        c = w[t] / w[:t + 1].sum()
        x = (1 - c) * x + c * z
        y = (1 - beta) * z + beta * x
        ys.append(y)
        zs.append(z)
    return np.array(ys), np.array(zs)


def weighted_average(zs, w):
    """x_t = Σ_{i<=t} w_i z_i / Σ_{i<=t} w_i (x_0 = z_0), in closed form."""
    sums = np.cumsum(w[:, None] * zs[1:], axis=0) / np.cumsum(w)[:, None]
    return np.vstack([zs[:1], sums])


GRID = [  # beta, lr, r, warmup_steps, weight_lr_power
    (0.9, 0.3, 0.0, 0, 2.0), (0.5, 0.1, 1.0, 0, 2.0), (0.99, 0.5, 2.0, 10, 2.0), (0.0, 0.3, 0.0, 0, 2.0),
    (0.0, 0.2, 4.0, 5, 1.0), (0.7, 1.0, 0.5, 20, 0.0), (0.01, 0.05, 3.0, 3, 2.0),
]


@pytest.mark.parametrize("beta, lr, r, warmup, power", GRID)
def test_drawn_sequences_follow_the_equations(beta, lr, r, warmup, power):
    view = schedule_free_view(beta, lr, r, steps=60, warmup_steps=warmup, weight_lr_power=power)
    paths = drawn(view)
    ys, zs = from_the_equations(beta, lr, r, 60, warmup, power)
    scale = np.abs(zs).max()
    np.testing.assert_allclose(paths["z"], zs, rtol=1e-9, atol=1e-12 * scale)
    np.testing.assert_allclose(paths["y"], ys, rtol=1e-9, atol=1e-12 * scale)
    np.testing.assert_allclose(paths["x"], weighted_average(paths["z"], weights(lr, r, 60, warmup, power)),
                               rtol=1e-9, atol=1e-12 * scale)
    plt.close(view.fig)


@pytest.mark.parametrize("lr, r", [(0.3, 0.0), (0.05, 4.0), (3.0, 1.0)])
def test_at_beta_0_y_is_z(lr, r):
    paths = drawn(schedule_free_view(0.0, lr, r))
    np.testing.assert_array_equal(paths["y"], paths["z"])
    assert not np.array_equal(paths["x"], paths["z"])  # the average still differs: it does not feed back
    plt.close("all")


@pytest.mark.parametrize("beta", [0.0, 0.99])
@pytest.mark.parametrize("lr", [0.01, 3.0])
@pytest.mark.parametrize("r", [0.0, 4.0])
def test_view_at_the_slider_extremes(beta, lr, r):
    view = schedule_free_view(beta, lr, r)
    paths, losses = drawn(view), drawn_losses(view)
    ax, axl = view.fig.axes
    assert axl.get_yscale() == "log" and ax.get_title() and axl.get_xlabel() == "step t"
    ends = {}
    for n, path in paths.items():
        assert path.shape == (101, 2)
        gap = 0.1 * path[:, 0] ** 2 + 2 * path[:, 1] ** 2
        np.testing.assert_allclose(losses[n], np.maximum(gap, 1e-300), rtol=1e-12)
        ends[n] = f"{gap[-1]:.3g}" if np.isfinite(gap[-1]) else "diverged"
    assert view.summary == (f"beta={beta:.2f}, lr={lr:.3f}, r={r:.1f}: f-f* after 100 steps at "
                            f"x {ends['x']}, y {ends['y']}, z {ends['z']}")
    plt.close(view.fig)


def test_averaging_is_the_point_under_noise():
    """Would be false if x were no better than the last SGD iterate: with noisy gradients at a constant lr
    z keeps bouncing, and its average sits much closer to the minimum."""
    view = schedule_free_view(0.9, 0.3, 0.0, steps=200, noise=1.0)
    losses = drawn_losses(view)
    assert losses["x"][-50:].mean() < 0.2 * losses["z"][-50:].mean()
    plt.close(view.fig)


def test_the_figure_changes_when_a_slider_moves():
    ex = schedule_free_explorer()
    assert set(ex.controls) == {"beta", "lr", "r"}
    assert all(not w.continuous_update for w in ex.controls.values())
    assert (ex.controls["beta"].min, ex.controls["beta"].max, ex.controls["r"].min, ex.controls["r"].max) == (
        0.0, 0.99, 0.0, 4.0)
    for name, value, shown in (("beta", 0.5, "beta=0.50"), ("lr", 0.1, "lr=0.100"), ("r", 2.0, "r=2.0")):
        before = drawn(ex.last_view)
        ex.controls[name].value = value
        after = drawn(ex.last_view)
        assert not np.allclose(before["x"], after["x"]), name
        assert ex.summary.value == ex.last_view.summary and shown in ex.summary.value
    assert sweep(ex, samples=3) >= 9


def test_docstring_example_runs():
    import doctest

    from lrcourse.widgets import schedule_free

    result = doctest.testmod(schedule_free)
    assert result.attempted and not result.failed
    plt.close("all")


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(beta=1.0), ValueError, ["beta", "[0, 1)", "1.0"]),
    (dict(beta=-0.1), ValueError, ["beta", "-0.1"]),
    (dict(lr=-1.0), ValueError, ["lr", "-1.0"]),
    (dict(r=-1.0), ValueError, ["r must", "-1.0"]),
    (dict(steps=0), ValueError, ["steps", ">= 1", "0"]),
    (dict(noise=-0.5), ValueError, ["noise", "-0.5"]),
    (dict(warmup_steps=2.5), TypeError, ["warmup_steps", "int", "2.5"]),
    (dict(landscape="saddle"), ValueError, ["landscape", "'saddle'"]),
])
def test_bad_arguments_name_themselves(kwargs, exc, words):
    with pytest.raises(exc) as info:
        schedule_free_view(**kwargs)
    assert all(w in str(info.value) for w in words), str(info.value)
