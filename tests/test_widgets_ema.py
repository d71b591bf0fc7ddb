"""EMA view: its curves against the EMA written out here, and the explorer swept."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from widget_sweep import sweep

from lrcourse.widgets.ema import ema_explorer, ema_view, noisy_series


def direct_ema(x, beta, bias_correction):
    v, out = 0.0, []
    for t, xt in enumerate(x, start=1):
        v = beta * v + (1 - beta) * xt
        out.append(v / (1 - beta ** t) if bias_correction else v)
    return np.array(out)


def line(ax, prefix):
    return next(ln for ln in ax.get_lines() if ln.get_label().startswith(prefix))


@pytest.mark.parametrize("beta,bias", [(0.9, True), (0.9, False), (0.5, True), (0.98, False), (0.0, True), (0.99, True)])
def test_view_draws_the_ema_and_its_weights(beta, bias):
    view = ema_view(beta=beta, bias_correction=bias)
    ax, axw = view.fig.axes
    x = noisy_series(100, 0)
    np.testing.assert_allclose(line(ax, "noisy values").get_ydata(), x)
    np.testing.assert_allclose(line(ax, "EMA").get_ydata(), direct_ema(x, beta, bias), rtol=1e-12)
    heights = np.array([p.get_height() for p in axw.patches])
    np.testing.assert_allclose(heights, (1 - beta) * beta ** np.arange(len(heights)), rtol=1e-12)
    window = 1 / (1 - beta)
    assert f"beta={beta:.2f}" in view.summary and f"bias_correction={bias}" in view.summary
    assert f"window 1/(1-beta)={window:.1f}" in view.summary
    assert f"last={direct_ema(x, beta, bias)[-1]:.3f}" in view.summary
    assert ax.get_title() and ax.get_xlabel() and axw.get_title() and ax.get_legend()
    plt.close(view.fig)


def test_bias_correction_removes_the_start_from_zero():
    x = noisy_series(100, 0)
    plain = ema_view(beta=0.9, bias_correction=False)
    fixed = ema_view(beta=0.9, bias_correction=True)
    assert line(plain.fig.axes[0], "EMA").get_ydata()[0] == pytest.approx(0.1 * x[0])
    assert line(fixed.fig.axes[0], "EMA").get_ydata()[0] == pytest.approx(x[0])


def test_noisy_series_is_seeded_and_checked():
    np.testing.assert_array_equal(noisy_series(50, 3), noisy_series(50, 3))
    assert not np.array_equal(noisy_series(50, 3), noisy_series(50, 4))
    with pytest.raises(ValueError, match=r"n must be an int >= 1, got 0"):
        noisy_series(0)


def test_explorer_controls_and_sweep():
    ex = ema_explorer()
    assert set(ex.controls) == {"beta", "bias_correction"}
    assert ex.controls["beta"].readout_format == ".2f" and ex.controls["beta"].max == 0.99
    assert sweep(ex) >= 10
    ex = ema_explorer()
    ex.controls["beta"].value = 0.5
    assert ex.summary.value.startswith("beta=0.50") and "window 1/(1-beta)=2.0" in ex.summary.value
