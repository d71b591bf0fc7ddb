"""Warmup + cosine preview: the chapter's formula, torch's SequentialLR, and the off-by-one."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from widget_sweep import sweep

from lrcourse.widgets.warmup import (first_epochs_view, peak_lr_view, warmup_curves, warmup_explorer,
                                     warmup_view)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def chapter_lr(t, W, T, base, final, begin):
    """The d2l CosineScheduler's value at epoch t, from the chapter's text."""
    if t < W:
        return begin + (base - begin) * t / W
    t = min(t, T)
    return final + (base - final) * (1 + math.cos(math.pi * (t - W) / (T - W))) / 2


CASES = [(5, 0.0, 20), (0, 0.0, 20), (1, 0.5, 16), (15, 0.2, 30), (10, 0.0, 25)]


@pytest.mark.parametrize("W,start,T", CASES)
def test_curves(W, start, T):
    c = warmup_curves(W, start, T, epochs=30, base_lr=0.3, final_lr=0.01)
    expected = np.array([chapter_lr(t, W, T, 0.3, 0.01, start * 0.3) for t in range(30)])
    np.testing.assert_allclose(c["lrcourse"], expected, rtol=1e-12, atol=1e-15)
    # torch's LinearLR cannot start at 0; 1e-12 stands in for it
    np.testing.assert_allclose(c["torch"], expected, rtol=1e-9, atol=1e-12)
    no_warm = np.array([chapter_lr(t, 0, T, 0.3, 0.01, 0.0) for t in range(30)])
    np.testing.assert_allclose(c["no_warmup"], no_warm, rtol=1e-12)
    # the chapter's loop: epoch 0 at the optimizer's lr, epoch e at lr(e - 1)
    assert c["d2l_loop"][0] == 0.3
    np.testing.assert_array_equal(c["d2l_loop"][1:], c["lrcourse"][:-1])


def test_chapter_off_by_one_in_the_summary():
    view = warmup_view(warmup_steps=5, d2l_convention=True)
    assert "chapter's loop trains epoch 0 at 0.3, epoch 1 at 0" in view.summary
    assert view.summary.startswith("warmup_steps=5, start=0.00, max_update=20, d2l_convention=True")
    ax = view.fig.axes[0]
    assert ax.get_xlabel() == "epoch" and ax.get_legend() and ax.get_title()
    assert all(len(line.get_xdata()) == 30 for line in ax.lines)
    assert "peak 0.3 at epoch 5" in view.summary


def test_explorer_sweep_and_readouts():
    ex = warmup_explorer()
    ex.controls["warmup_steps"].value = 8
    ex.controls["start"].value = 0.25
    assert ex.summary.value.startswith("warmup_steps=8, start=0.25")
    assert sweep(warmup_explorer(), samples=3) > 5


def fake_history(losses, steps_per_epoch):
    from lrcourse.train import History
    return History(steps_per_epoch=steps_per_epoch, loss=list(losses))


@pytest.mark.parametrize("epochs,spe", [(1, 4), (2, 3), (1.5, 4)])
def test_first_epochs_view(epochs, spe):
    runs = {"a": fake_history([2.0, 1.0, 0.5, 0.25, 0.2, 0.1, 0.05, 0.01], spe),
            "b": fake_history([3.0] * 8, spe)}
    view = first_epochs_view(runs, epochs=epochs)
    ax = view.fig.axes[0]
    n = int(round(epochs * spe))
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [t / spe for t in range(n)])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [2.0, 1.0, 0.5, 0.25, 0.2, 0.1, 0.05, 0.01][:n])
    assert ax.get_xlim() == (0, epochs) and ax.get_yscale() == "log" and ax.get_legend()
    mean_a = sum([2.0, 1.0, 0.5, 0.25, 0.2, 0.1][:spe]) / spe
    assert view.summary == f"a: mean loss {mean_a:.3f} in epoch 0; b: mean loss 3.000 in epoch 0"


def test_peak_lr_view():
    finals = {"no warmup": {0.1: 0.1, 0.003: 0.85, 0.03: 0.8}, "warmup": {0.003: 0.84, 0.1: 0.7}}
    view = peak_lr_view(finals)
    ax = view.fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [0.003, 0.03, 0.1])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.85, 0.8, 0.1])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [0.84, 0.7])
    assert ax.lines[2].get_ydata()[0] == 0.1  # the chance line
    assert ax.get_xscale() == "log" and ax.get_ylim() == (0, 1)
    assert view.summary == ("no warmup: lr 0.003 -> 0.850, lr 0.03 -> 0.800, lr 0.1 -> 0.100; "
                            "warmup: lr 0.003 -> 0.840, lr 0.1 -> 0.700")
