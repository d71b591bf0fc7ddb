"""ReduceLROnPlateau under sliders: lr traces against a direct re-statement of the rule."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from widget_sweep import sweep

from lrcourse.widgets.plateau import (bad_epoch_counts, plateau_explorer, plateau_run_view, plateau_traces,
                                     plateau_view, scripted_metric)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def plateau_rule(metrics, lr, mode, factor, patience, threshold, threshold_mode, cooldown, min_lr=0.0, eps=1e-8):
    """The documented rule, written out: lr used at each step (entry i+1 reflects metric i)."""
    sign = 1 if mode == "min" else -1
    best, bad, cool, out = None, 0, 0, [lr]
    for m in metrics[:-1]:
        if best is None:
            improved = True
        elif threshold_mode == "rel":
            improved = sign * m < sign * best * (1 - sign * threshold)
        else:
            improved = sign * m < sign * best - threshold
        if improved:
            best, bad = m, 0
        else:
            bad += 1
        if cool > 0:
            cool -= 1
            bad = 0
        if bad > patience:
            new = max(lr * factor, min_lr)
            lr, cool, bad = new if lr - new > eps else lr, cooldown, 0
        out.append(lr)
    return np.array(out)


CASES = [  # (mode, threshold_mode, threshold, patience, cooldown, factor, noise)
    ("min", "rel", 1e-2, 5, 0, 0.5, 0.01),
    ("min", "abs", 1e-3, 3, 2, 0.3, 0.02),
    ("max", "rel", 1e-4, 0, 0, 0.5, 0.0),
    ("max", "abs", 5e-2, 10, 5, 0.1, 0.05),
    ("min", "rel", 1e-1, 2, 10, 0.9, 0.01),
]


@pytest.mark.parametrize("mode,threshold_mode,threshold,patience,cooldown,factor,noise", CASES)
def test_traces_follow_the_rule(mode, threshold_mode, threshold, patience, cooldown, factor, noise):
    metric = scripted_metric(120, mode, noise, seed=3)
    kw = dict(mode=mode, factor=factor, patience=patience, threshold=threshold,
              threshold_mode=threshold_mode, cooldown=cooldown)
    traces = plateau_traces(metric, lr=0.2, **kw)
    expected = plateau_rule(metric, 0.2, **kw)
    np.testing.assert_allclose(traces["torch"], expected, rtol=1e-12)
    np.testing.assert_allclose(traces["lrcourse"], expected, rtol=1e-12)


@pytest.mark.parametrize("lr,factor,min_lr,eps", [
    (0.2, 0.5, 0.0, 0.03),     # cuts stop once half the lr is <= eps: 0.2, 0.1, 0.05
    (1e-7, 0.5, 0.0, 1e-8),    # torch's default eps stops cutting near 2e-8
    (0.2, 0.5, 0.04, 0.0),     # min_lr: the last cut lands on 0.04, later ones change nothing
    (0.2, 0.1, 0.0, 0.0),
])
def test_eps_and_min_lr_stop_the_cuts(lr, factor, min_lr, eps):
    metric = scripted_metric(120, "min", 0.0) * 0 + 1.0  # never improves: a cut every patience+1 steps
    kw = dict(mode="min", factor=factor, patience=2, threshold=1e-4, threshold_mode="rel", cooldown=0)
    traces = plateau_traces(metric, lr=lr, min_lr=min_lr, eps=eps, **kw)
    expected = plateau_rule(metric, lr, min_lr=min_lr, eps=eps, **kw)
    np.testing.assert_allclose(traces["torch"], expected, rtol=1e-12)
    np.testing.assert_allclose(traces["lrcourse"], expected, rtol=1e-12)
    floor = max(min_lr, eps / (1 - factor))  # no cut once lr (1 - factor) <= eps or lr hits min_lr
    assert expected[-1] >= min_lr and expected[-1] * factor < floor + 1e-15


@pytest.mark.parametrize("mode,threshold_mode,threshold,patience,cooldown,factor,noise", [
    c for c in CASES if c[4] == 0])
def test_bad_epoch_counts_reach_patience_plus_one_at_each_cut(mode, threshold_mode, threshold, patience,
                                                               cooldown, factor, noise):
    metric = scripted_metric(120, mode, noise, seed=5)
    lrs = plateau_rule(metric, 0.2, mode, factor, patience, threshold, threshold_mode, cooldown)
    counts = bad_epoch_counts(metric, lrs, mode, threshold, threshold_mode)
    cut = lrs[1:] < lrs[:-1]  # made by step(metric[i]), i < n - 1 (the last step's cut is not seen)
    assert cut.sum() >= 2
    assert np.all(counts[:-1][cut] == patience + 1) and np.all(counts[:-1][~cut] <= patience)


def test_bad_epoch_counts_by_hand():
    # 1.0 best; 0.99995 is not 1e-4 better; 0.9 is; then two bad epochs, a cut, one more bad epoch
    counts = bad_epoch_counts([1.0, 0.99995, 0.9, 0.95, 0.91, 0.92], [1, 1, 1, 1, 1, 0.1])
    assert counts.tolist() == [0, 1, 0, 1, 2, 1]
    counts = bad_epoch_counts([0.5, 0.6, 0.55, 0.61], [1, 1, 1, 1], mode="max", threshold=0.05,
                              threshold_mode="abs")
    assert counts.tolist() == [0, 0, 1, 2]


def test_run_view_counts_epochs_from_one_in_both_panels():
    val = [1.0, 0.8, 0.7, 0.72, 0.71, 0.6, 0.61, 0.62, 0.63]
    train = [1.1, 0.9, 0.75, 0.7, 0.68, 0.6, 0.55, 0.5, 0.48]
    lrs = [0.1, 0.1, 0.1, 0.1, 0.1, 0.03, 0.03, 0.03, 0.009]  # patience 1: cuts after epochs 5 and 8
    view = plateau_run_view(val, train, lrs, patience=1)
    ax, axl = view.fig.axes
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.arange(1, 10))
    np.testing.assert_array_equal(axl.lines[0].get_xdata(), np.arange(1, 10))
    assert ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), val)
    np.testing.assert_allclose(ax.lines[2].get_ydata(), [1.0, 0.8, 0.7, 0.7, 0.7, 0.6, 0.6, 0.6, 0.6])
    vlines = [ln.get_xdata()[0] for ln in ax.lines if len(ln.get_xdata()) == 2]
    assert vlines == [5.5, 8.5] and axl.get_yscale() == "log"
    assert [t.get_text() for t in ax.texts] == ["1", "2", "1", "2", "1"]  # epochs 4, 5, 7, 8, 9
    assert "lr cut after epochs [5, 8], bad-epoch count at each cut [2, 2]" in view.summary


def test_scripted_metric():
    m = scripted_metric(50, "min", 0.0)
    assert m.shape == (50,) and np.all(np.diff(m) < 0)  # noise-free: improving, ever more slowly
    np.testing.assert_allclose(scripted_metric(50, "max", 0.02, seed=1), 1 - scripted_metric(50, "min", 0.02, seed=1))
    np.testing.assert_array_equal(scripted_metric(30, noise=0.03), scripted_metric(30, noise=0.03))


def test_view_marks_each_reduction():
    view = plateau_view(patience=3, cooldown=1, factor=0.25, noise=0.02)
    metric = scripted_metric(100, "min", 0.02)
    lrs = plateau_rule(metric, 0.1, "min", 0.25, 3, 1e-2, "rel", 1)
    cuts = np.nonzero(lrs[1:] < lrs[:-1])[0]
    top, bottom = view.fig.axes
    vlines = [ln for ln in top.lines if len(ln.get_xdata()) == 2 and ln.get_xdata()[0] == ln.get_xdata()[1]]
    assert len(cuts) >= 2 and [ln.get_xdata()[0] for ln in vlines] == cuts.tolist()
    np.testing.assert_allclose(bottom.lines[1].get_ydata(), lrs, rtol=1e-12)
    assert bottom.get_yscale() == "log"
    assert f"{len(cuts)} reductions at steps {cuts.tolist()}" in view.summary
    assert "patience=3, cooldown=1, factor=0.25, noise=0.020" in view.summary


def test_explorer_sweep():
    ex = plateau_explorer()
    assert "threshold=0.01" in ex.summary.value
    assert sweep(ex, samples=3) > 10


ERRORS = [
    (dict(steps=0), ValueError, ["steps", ">= 1", "0"]),
    (dict(mode="mean"), ValueError, ["mode", "'mean'", "'min'", "'max'"]),
    (dict(noise=2.0), ValueError, ["noise", "[0, 1]", "2.0"]),
]


@pytest.mark.parametrize("kwargs,exc,fragments", ERRORS)
def test_bad_metric_arguments(kwargs, exc, fragments):
    with pytest.raises(exc) as info:
        scripted_metric(**kwargs)
    assert all(f in str(info.value) for f in fragments)
