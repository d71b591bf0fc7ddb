"""CyclicLR / OneCycleLR views: lr and momentum against the closed forms of the papers."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from widget_sweep import sweep

from lrcourse.widgets.cyclic import cyclic_explorer, cyclic_view, onecycle_explorer, onecycle_view


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def triangle(t, up, down):
    """Position in the cycle, 0 at base_lr and 1 at max_lr (Smith 2017, asymmetric)."""
    c = t % (up + down)
    return c / up if c <= up else 1 - (c - up) / down


CYCLIC = [  # mode, base_lr, max_lr, up, down, gamma, optimizer
    ("triangular", 0.01, 0.1, 20, 20, 0.99, "sgd"),
    ("triangular", 1e-3, 0.5, 7, 13, 0.99, "adam"),
    ("triangular2", 0.01, 0.1, 10, 10, 0.99, "sgd"),
    ("exp_range", 0.01, 0.1, 15, 5, 0.97, "sgd"),
]


@pytest.mark.parametrize("mode,base,top,up,down,gamma,optimizer", CYCLIC)
def test_cyclic_lr_and_momentum(mode, base, top, up, down, gamma, optimizer):
    view = cyclic_view(mode, base, top, up, down, gamma, steps=120, optimizer=optimizer)
    t = np.arange(120)
    x = np.array([triangle(i, up, down) for i in t])
    scale = {"triangular": np.ones(120), "triangular2": 0.5 ** ((t // (up + down))),
             "exp_range": gamma ** t}[mode]
    expected = base + (top - base) * x * scale
    ax, axm = view.fig.axes
    for line in ax.lines:  # torch, then lrcourse
        np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-9, atol=1e-15)
    # momentum moves against the lr: max_momentum 0.9 at base_lr, base_momentum 0.8 at max_lr
    for line in axm.lines:
        np.testing.assert_allclose(line.get_ydata(), 0.9 - 0.1 * x * scale, rtol=1e-9)
    assert len(ax.lines) == 2 and ax.get_title().startswith(f"CyclicLR(mode={mode}")
    assert axm.get_ylabel() == ("momentum" if optimizer == "sgd" else "Adam beta1")
    assert f"cycle={up + down} steps" in view.summary and f"optimizer={optimizer}" in view.summary


ONECYCLE = [  # max_lr, pct_start, anneal, div, final_div, three_phase, steps, optimizer
    (0.1, 0.3, "cos", 25.0, 1e4, False, 200, "sgd"),
    (1.0, 0.25, "linear", 10.0, 100.0, False, 100, "adam"),
    (0.3, 0.4, "cos", 25.0, 1e4, True, 150, "sgd"),
]


@pytest.mark.parametrize("max_lr,pct,anneal,div,final_div,three,steps,optimizer", ONECYCLE)
def test_onecycle_lr_and_momentum(max_lr, pct, anneal, div, final_div, three, steps, optimizer):
    view = onecycle_view(max_lr, pct, anneal, div, final_div, three, steps, optimizer)
    ax, axm = view.fig.axes
    lrs, moms = ax.lines[1].get_ydata(), axm.lines[1].get_ydata()
    np.testing.assert_array_equal(lrs, ax.lines[0].get_ydata())  # lrcourse == torch
    np.testing.assert_array_equal(moms, axm.lines[0].get_ydata())
    initial, final = max_lr / div, max_lr / div / final_div
    peak = int(pct * steps) - 1  # torch's phase ends at float(pct * total) - 1
    assert lrs[0] == pytest.approx(initial) and lrs[-1] == pytest.approx(final, rel=1e-6)
    assert np.argmax(lrs) == peak and lrs[peak] == pytest.approx(max_lr)
    ramp = np.arange(peak + 1) / peak
    shape = (1 - np.cos(np.pi * ramp)) / 2 if anneal == "cos" else ramp
    np.testing.assert_allclose(lrs[:peak + 1], initial + (max_lr - initial) * shape, rtol=1e-9)
    np.testing.assert_allclose(moms[:peak + 1], 0.95 - (0.95 - 0.85) * shape, rtol=1e-9)
    assert f"peak at step {peak}" in view.summary and f"pct_start={pct:.2f}" in view.summary


@pytest.mark.parametrize("explorer", [cyclic_explorer, onecycle_explorer])
def test_explorer_sweep(explorer):
    assert sweep(explorer(), samples=3) > 10


def test_summary_uses_the_slider_readouts():
    ex = onecycle_explorer()
    ex.controls["pct_start"].value = 0.42
    ex.controls["div_factor"].value = 10 ** 1.5
    assert "pct_start=0.42" in ex.summary.value and f"div_factor={10 ** 1.5:.3g}" in ex.summary.value
    ex = cyclic_explorer()
    ex.controls["gamma"].value = 0.987
    assert "gamma=0.987" in ex.summary.value
    assert math.isclose(ex.values()["gamma"], 0.987)
