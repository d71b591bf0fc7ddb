"""ReduceLROnPlateau under sliders: lr traces against a direct re-statement of the rule."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from widget_sweep import sweep

from lrcourse.widgets.plateau import plateau_explorer, plateau_traces, plateau_view, scripted_metric


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def plateau_rule(metrics, lr, mode, factor, patience, threshold, threshold_mode, cooldown, min_lr=0.0):
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
            lr, cool, bad = max(lr * factor, min_lr), cooldown, 0
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
