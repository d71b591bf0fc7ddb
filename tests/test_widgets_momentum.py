"""Momentum view: paths against torch.optim.SGD and the closed form, rate against numpy's
eigenvalues, and the explorer swept on both landscapes."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from widget_sweep import sweep

from lrcourse.landscapes import get_landscape, trajectory
from lrcourse.widgets.momentum import momentum_explorer, momentum_view, plot_error_components


def lines(ax):
    return {ln.get_label(): ln for ln in ax.get_lines()}


def spectral_radius(a, b, lam):
    return np.abs(np.linalg.eigvals([[b, lam], [-a * b, 1 - a * lam]])).max()


@pytest.mark.parametrize("lr,beta,nesterov", [(0.4, 0.5, False), (0.6, 0.25, False), (0.6, 0.5, False),
                                              (0.2, 0.9, True), (0.05, 0.0, False), (0.3, 0.0, True)])
def test_quadratic_view_paths_and_rate(lr, beta, nesterov):
    view = momentum_view(lr=lr, beta=beta, nesterov=nesterov)
    ax, axl, axr = view.fig.axes[:3]
    drawn = lines(ax)
    gd = drawn[f"GD η={lr:.3f}"]
    x0 = np.array([-5.0, -2.0])
    closed = (1 - lr * np.array([0.2, 4.0])) ** np.arange(41)[:, None] * x0
    np.testing.assert_allclose(np.c_[gd.get_xdata(), gd.get_ydata()], closed, rtol=1e-12, atol=1e-14)
    nest = nesterov and beta > 0
    mom = drawn[f"{'Nesterov' if nest else 'momentum'} β={beta:.2f}"]
    ref = trajectory(torch.optim.SGD, "ill-conditioned", None, 40, lr=lr, momentum=beta, nesterov=nest)
    np.testing.assert_allclose(np.c_[mom.get_xdata(), mom.get_ydata()], ref, rtol=1e-10, atol=1e-12)
    rate = max(spectral_radius(lr, beta, lam) for lam in (0.2, 4.0))
    assert f"heavy-ball rate {rate:.3f}" in view.summary
    note = " (no effect at beta=0)" if nesterov and not nest else ""
    assert view.summary.startswith(f"lr={lr:.3f}, beta={beta:.2f}, nesterov={nesterov}{note}:")
    assert axl.get_yscale() == "log" and axr.collections and axr.get_title()
    plt.close(view.fig)


def test_banana_view_momentum_beats_gd():
    view = momentum_view(lr=0.01, beta=0.9, landscape="banana")
    land = get_landscape("banana")
    mom = lines(view.fig.axes[0])["momentum β=0.90"]
    end = land(np.array([mom.get_xdata()[-1], mom.get_ydata()[-1]]))
    gd_path = trajectory(torch.optim.SGD, land, None, 300, lr=0.01)
    assert end < 1e-6 < land(gd_path[-1])
    assert "after 300 steps" in view.summary
    plt.close(view.fig)


def test_error_components_plot_equals_torch_on_diagonal_quadratic():
    from lrcourse.landscapes import quadratic

    ax = plot_error_components(2.0, 0.6, (0.01, 0.1, 1.0), steps=50)
    ref = trajectory(torch.optim.SGD, quadratic((0.01, 0.1, 1.0), start=(1.0, 1.0, 1.0)), None, 50,
                     lr=2.0, momentum=0.6)
    for i, ln in enumerate(ln for ln in ax.get_lines() if ln.get_label().startswith("λ")):
        np.testing.assert_allclose(ln.get_ydata(), ref[:, i], rtol=1e-9, atol=1e-12)
    assert ax.get_title() and ax.get_legend()
    plt.close(ax.figure)


@pytest.mark.parametrize("landscape", ["ill-conditioned", "banana"])
def test_explorer_controls_and_sweep(landscape):
    ex = momentum_explorer(landscape)
    assert {"lr", "beta"} <= set(ex.controls)
    assert not ex.controls["lr"].continuous_update
    assert sweep(ex, samples=4) >= 10


def test_explorer_rejects_unknown_landscape():
    with pytest.raises(ValueError, match=r"landscape must be one of .*banana.*, got 'saddle'"):
        momentum_explorer("saddle")
