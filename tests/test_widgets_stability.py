"""The edge-of-stability and clipping figures: hand-made runs, summaries against numbers computed here."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lrcourse.teaching.sharpness import GDRun
from lrcourse.widgets.stability import clip_view, second_half_median, sharpness_view, warmup_sharpness_view


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def run(sharp, steps=10, every=5, lr=0.1, loss_end=0.1, diverged=None):
    loss = np.linspace(1.0, loss_end, steps + 1)
    if diverged is not None:
        loss = np.append(loss[:diverged], np.inf)
    return GDRun(np.full(steps if diverged is None else diverged, lr), loss,
                 np.arange(0, steps + 1, every)[:len(sharp)], np.array(sharp, dtype=float), diverged)


def test_second_half_median_reads_the_measurements_from_half_the_steps_on():
    r = run([1, 2, 30, 4, 50], steps=20, every=5)  # measured at 0, 5, 10, 15, 20: the last three count
    assert second_half_median(r) == 30.0


def test_sharpness_view_summary_and_lines():
    view = sharpness_view({0.2: run([12, 9, 11], lr=0.2), 0.02: run([20, 30, 40], lr=0.02)})
    assert view.summary == (
        "eta 0.02: sharpness 20 -> 40 (2/eta = 100), median over the second half 35 (ratio 0.35), loss 1 -> 0.1; "
        "eta 0.2: sharpness 12 -> 11 (2/eta = 10), median over the second half 10 (ratio 1.00), loss 1 -> 0.1")
    ax_s = view.fig.axes[0]
    assert sorted(ln.get_ydata()[0] for ln in ax_s.lines if ln.get_linestyle() == "--") == [10.0, 100.0]
    assert ax_s.get_yscale() == "log" and ax_s.get_ylim() == pytest.approx((9 / 1.3, 100 * 1.3))  # 2/eta shown
    with pytest.raises(ValueError, match="runs must hold at least one"):
        sharpness_view({})


def test_warmup_sharpness_view_counts_divergence():
    straight = {0: run([20, 60], diverged=7, lr=0.3), 1: run([25, 60], diverged=6, lr=0.3)}
    warmed = {0: run([20, 9, 8], lr=0.3), 1: run([25, 10, 7], lr=0.3)}
    view = warmup_sharpness_view(straight, warmed, 0.3)
    assert view.summary == ("peak eta 0.3: from step 0 2 of 2 seeds diverged; with warmup 0 of 2, "
                            "final sharpness 8, 7 (2/eta = 6.67)")
    with pytest.raises(ValueError, match="peak must be"):
        warmup_sharpness_view(straight, warmed, 0.0)


def test_clip_view_counts_the_steps_above_the_threshold():
    view = clip_view({"lr 0.01": [0.5, 2.0, 3.0, 0.1], "lr 0.1": [5.0] * 4}, max_norm=1.0, steps_per_epoch=2)
    assert view.summary == ("lr 0.01: norm above 1 on 50% of 4 steps, median norm 1.25; "
                            "lr 0.1: norm above 1 on 100% of 4 steps, median norm 5")
    assert view.fig.axes[0].lines[0].get_xdata().tolist() == [0.0, 0.5, 1.0, 1.5]
