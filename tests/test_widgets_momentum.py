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

from lrcourse.teaching.landscapes import get_landscape, trajectory
from lrcourse.train import History
from lrcourse.widgets.momentum import (effective_lr, momentum_explorer, momentum_view, plot_effective_lr_runs,
                                       plot_error_components)


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
    from lrcourse.teaching.landscapes import quadratic

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


def test_effective_lr_runs_share_a_colour_per_effective_step():
    settings = {"SGD 0.01": dict(lr=0.01), "SGD 0.1": dict(lr=0.1), "β=0.9": dict(lr=0.01, momentum=0.9),
                "β=0.5": dict(lr=0.05, momentum=0.5)}
    rng = np.random.default_rng(1)
    hists = {k: History(train_loss=list(rng.uniform(0.3, 2.3, 4)), test_acc=list(rng.uniform(0.1, 0.9, 4)))
             for k in settings}
    fig = plot_effective_lr_runs(hists, settings, title="t")
    ax_loss, ax_acc = fig.axes
    for ax, field in ((ax_loss, "train_loss"), (ax_acc, "test_acc")):
        drawn = {ln.get_label().split(":")[0]: ln for ln in ax.get_lines()}
        for name, h in hists.items():
            np.testing.assert_array_equal(drawn[name].get_ydata(), getattr(h, field))
            np.testing.assert_array_equal(drawn[name].get_xdata(), [1, 2, 3, 4])
        assert drawn["SGD 0.1"].get_color() == drawn["β=0.9"].get_color() == drawn["β=0.5"].get_color()
        assert drawn["SGD 0.01"].get_color() != drawn["SGD 0.1"].get_color()
        assert drawn["SGD 0.1"].get_linestyle() == drawn["SGD 0.01"].get_linestyle() == "-"
        assert len({drawn[k].get_linestyle() for k in ("SGD 0.1", "β=0.9", "β=0.5")}) == 3
    assert "η/(1-β)=0.1" in fig.legends[0].get_texts()[2].get_text()
    plt.close(fig)


@pytest.mark.parametrize("lr,beta", [(0.01, 0.9), (0.05, 0.5), (0.3, 0.0), (0.0, 0.63)])
def test_effective_lr_is_the_geometric_sum(lr, beta):
    assert effective_lr(lr, beta) == pytest.approx(lr * sum(beta ** k for k in range(2000)), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("args,exc,parts", [((0.1, 1.0), ValueError, ["momentum", "1.0", "[0, 1)"]),
                                            ((-0.1, 0.5), ValueError, ["lr", "-0.1", "[0, inf)"]),
                                            ((0.1, "0.9"), TypeError, ["momentum", "'0.9'", "str"])])
def test_effective_lr_rejects_bad_input(args, exc, parts):
    with pytest.raises(exc) as info:
        effective_lr(*args)
    assert all(p in str(info.value) for p in parts)
