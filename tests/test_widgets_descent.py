"""Gradient-descent views: iterates against the closed form (1 - lr*lam)^t x0, and the explorer swept."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from widget_sweep import sweep

from lrcourse.widgets.descent import (descent_explorer, descent_view, gd_regime, plot_eigen_factors,
                                      plot_noisy_descent, plot_parabola_paths)


@pytest.mark.parametrize("lr,lam,regime", [
    (0.2, 2.0, "converges"), (0.05, 2.0, "crawls"), (1.1, 2.0, "diverges"),
    (0.7, 2.0, "oscillates, converges"), (0.5, 2.0, "converges"), (1.0, 2.0, "diverges"), (0.01, 0.1, "crawls"),
])
def test_view_iterates_are_the_closed_form(lr, lam, regime):
    view = descent_view(lr=lr, lam=lam, steps=20)
    ax, axe = view.fig.axes
    expected = 10.0 * (1 - lr * lam) ** np.arange(21)
    gd = next(ln for ln in ax.get_lines() if ln.get_label().startswith("GD"))
    np.testing.assert_allclose(gd.get_xdata(), expected, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(gd.get_ydata(), 0.5 * lam * expected ** 2, rtol=1e-12, atol=1e-13)
    assert axe.get_yscale() == "log"
    assert gd_regime(lr, lam) == regime and f"({regime})" in view.summary
    assert view.summary.startswith(f"lr={lr:.2f}, lam={lam:.1f}:")
    assert f"|x_20|={abs(expected[-1]):.3g}" in view.summary
    plt.close(view.fig)


@pytest.mark.parametrize("lam,lrs,curve", [(2.0, (0.2, 0.05, 1.1), "$f(x) = x^2$"), (0.5, (1.0, 4.5), "$f(x) = 0.25\\,x^2$")])
def test_parabola_paths_stay_in_the_window_on_the_curve(lam, lrs, curve):
    paths = {f"η={lr}": 10.0 * (1 - lr * lam) ** np.arange(11)[:, None] for lr in lrs}
    ax = plot_parabola_paths(paths, lam)
    drawn = {ln.get_label(): ln for ln in ax.get_lines()}
    assert curve in drawn
    reach = max(np.abs(p).max() for p in paths.values())
    assert ax.get_xlim()[1] >= reach and ax.get_xlim()[0] <= -reach
    assert ax.get_ylim()[1] >= 0.5 * lam * reach ** 2
    for label, path in paths.items():
        np.testing.assert_allclose(drawn[label].get_ydata(), 0.5 * lam * path[:, 0] ** 2, rtol=1e-12)
    plt.close(ax.figure)


def test_eigen_factors_are_one_minus_lr_lambda_to_the_t():
    ax = plot_eigen_factors(0.1, (0.1, 1, 10, 19), steps=15)
    for ln, lam in zip(ax.get_lines(), (0.1, 1, 10, 19)):
        np.testing.assert_allclose(ln.get_ydata(), (1 - 0.1 * lam) ** np.arange(16), atol=1e-15)
    assert ax.get_title() and ax.get_legend()
    plt.close(ax.figure)


def test_noisy_descent_constant_lr_stalls_above_decaying_lr():
    ax = plot_noisy_descent(lr=0.4, noise=1.0, steps=200, seeds=range(6))
    means = {ln.get_label().split(":")[0]: ln.get_ydata() for ln in ax.get_lines() if "mean" in ln.get_label()}
    assert set(means) == {"constant lr", "decaying lr"}
    assert means["decaying lr"][-50:].mean() < 0.5 * means["constant lr"][-50:].mean()
    assert ax.get_yscale() == "log"
    plt.close(ax.figure)


def test_explorer_controls_and_sweep():
    ex = descent_explorer()
    assert set(ex.controls) == {"lr", "lam"}
    assert sweep(ex) >= 10
    ex = descent_explorer()
    ex.controls["lr"].value = 1.1
    assert ex.summary.value.startswith("lr=1.10, lam=2.0") and "(diverges)" in ex.summary.value
