"""Adaptive-optimizer view: each drawn path equals torch's optimizer's, and the explorer swept."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from widget_sweep import sweep

from lrcourse import catalog
from lrcourse.landscapes import get_landscape, trajectory
from lrcourse.widgets.adaptive import OPTIMIZERS, adaptive_explorer, adaptive_view, compare_paths

TORCH = {  # menu name -> torch's optimizer and the settings the menu entry stands for
    "SGD": (torch.optim.SGD, {}), "SGD + momentum": (torch.optim.SGD, {"momentum": 0.9}),
    "Adagrad": (torch.optim.Adagrad, {}), "RMSprop": (torch.optim.RMSprop, {}),
    "Adadelta": (torch.optim.Adadelta, {}), "Adam": (torch.optim.Adam, {}), "AdamW": (torch.optim.AdamW, {}),
}


@pytest.mark.parametrize("name", list(TORCH))
@pytest.mark.parametrize("landscape,lr", [("ill-conditioned", 0.3), ("banana", 0.01)])
def test_view_draws_torch_equal_path_and_loss_gaps(name, landscape, lr):
    view = adaptive_view(name, lr=lr, landscape=landscape, steps=30)
    ax, axl = view.fig.axes
    drawn = {ln.get_label(): ln for ln in ax.get_lines()}[f"{name} lr={lr:.3f}"]
    torch_cls, settings = TORCH[name]
    ref = trajectory(torch_cls, landscape, None, 30, lr=lr, **settings)
    np.testing.assert_allclose(np.c_[drawn.get_xdata(), drawn.get_ydata()], ref, rtol=1e-9, atol=1e-12)
    land = get_landscape(landscape)
    gap = {ln.get_label(): ln.get_ydata() for ln in axl.get_lines()}[name]
    np.testing.assert_allclose(gap, np.maximum(np.abs(land(ref)), 1e-300), rtol=1e-8, atol=1e-14)
    assert view.summary.startswith(f"optimizer={name}, lr={lr:.3f}, landscape={landscape}:")
    assert f"f-f*={abs(land(ref[-1])):.3g} after 30 steps" in view.summary
    assert axl.get_yscale() == "log" and ax.get_title() and axl.get_legend()
    plt.close(view.fig)


def test_compare_paths_runs_every_catalog_optimizer_including_yogi():
    paths = compare_paths(0.1, "ill-conditioned", steps=20)
    assert list(paths) == list(OPTIMIZERS) == [n for n, e in catalog.OPTIMIZERS.items() if e.dense]
    assert all(p.shape == (21, 2) and np.isfinite(p).all() for p in paths.values())
    land = get_landscape("ill-conditioned")
    assert land(paths["Yogi"][-1]) < land(paths["Yogi"][0])


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match=r"optimizer must be one of .*'Adam'.*, got 'Lion'"):
        adaptive_view("Lion")


def test_explorer_controls_and_sweep():
    ex = adaptive_explorer()
    assert set(ex.controls) == {"optimizer", "lr", "landscape"}
    assert list(ex.controls["optimizer"].options) == list(OPTIMIZERS)
    assert sweep(ex, samples=4) >= 10
    ex = adaptive_explorer()
    ex.controls["optimizer"].value = "RMSprop"
    assert ex.summary.value.startswith("optimizer=RMSprop, lr=0.300")
