"""Adaptive-optimizer views: each drawn path equals torch's optimizer's, and the explorer swept."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from widget_sweep import sweep

from lrcourse import catalog
from lrcourse.catalog import DENSE_OPTIMIZERS
from lrcourse.teaching.landscapes import get_landscape, trajectory
from lrcourse.widgets.adaptive import (CHAPTER, adaptive_explorer, adaptive_view, colour,
                                       compare_paths, paths_view)

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


def test_compare_paths_defaults_to_the_chapter_and_runs_every_catalog_optimizer_on_request():
    assert list(compare_paths(0.1, steps=2)) == list(CHAPTER)
    paths = compare_paths(0.1, "ill-conditioned", steps=20, optimizers=DENSE_OPTIMIZERS)
    assert list(paths) == list(DENSE_OPTIMIZERS) == [n for n, e in catalog.OPTIMIZERS.items() if e.dense]
    assert all(p.shape == (21, 2) and np.isfinite(p).all() for p in paths.values())
    land = get_landscape("ill-conditioned")
    assert land(paths["Yogi"][-1]) < land(paths["Yogi"][0])


@pytest.mark.parametrize("landscape,lr,steps", [("ill-conditioned", 0.3, 30), ("banana", 0.05, 40)])
def test_paths_view_one_panel_per_optimizer_with_torch_equal_paths(landscape, lr, steps):
    view = paths_view(lr, landscape, steps)
    panels = [ax for ax in view.fig.axes if ax.get_visible() and ax.get_title()]
    assert [ax.get_title().split(":")[0] for ax in panels] == list(CHAPTER)
    land = get_landscape(landscape)
    for ax in panels:
        name = ax.get_title().split(":")[0]
        drawn = [ln for ln in ax.get_lines() if ln.get_color() == colour(name)][0]
        xy = np.c_[drawn.get_xdata(), drawn.get_ydata()]
        if name in TORCH:  # every optimizer torch has: the drawn path is torch's
            torch_cls, settings = TORCH[name]
            np.testing.assert_allclose(xy, trajectory(torch_cls, landscape, None, steps, lr=lr, **settings),
                                       rtol=1e-9, atol=1e-12)
        gap = abs(land(xy[-1]) - land.min_value)
        assert f"{name}: f−f*={gap:.2g}" in ax.get_title() if np.isfinite(gap) else "diverged" in ax.get_title()
        assert f"{name} " in view.summary
        if name != "SGD":  # plain SGD's path drawn behind in grey
            sgd = [ln for ln in ax.get_lines() if ln.get_color() == "0.7"][0]
            np.testing.assert_allclose(np.c_[sgd.get_xdata(), sgd.get_ydata()],
                                       trajectory(torch.optim.SGD, landscape, None, steps, lr=lr), rtol=1e-9)
    plt.close(view.fig)


def test_paths_view_zooms_on_a_path_too_short_to_see():
    view = paths_view(0.3, "ill-conditioned", 20, optimizers=["Adadelta", "Adam"], columns=2)
    adadelta, adam = view.fig.axes[:2]
    moved = np.linalg.norm(np.diff(trajectory(torch.optim.Adadelta, "ill-conditioned", None, 20, lr=0.3)[[0, -1]],
                                   axis=0))
    assert moved < 0.03 * 7.5 and f"moved {moved:.2g} (zoom)" in adadelta.get_title()
    assert len(adadelta.child_axes) == 1 and not adam.child_axes and "zoom" not in adam.get_title()
    plt.close(view.fig)


def test_colours_are_distinct_for_the_chapter_and_never_the_reference_grey():
    assert len({colour(n) for n in CHAPTER}) == len(CHAPTER) and "C7" not in {colour(n) for n in CHAPTER}


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match=r"optimizer must be one of .*'Adam'.*, got 'Lion'"):
        adaptive_view("Lion")


@pytest.mark.parametrize("optimizers,words", [
    (["Adam", "Lion"], r"optimizers must be one of .*'Adam'.*, got 'Lion'"),
    ([], r"optimizers must be a non-empty list of names from .*got \[\]"),
    ("Adam", r"optimizers must be a non-empty list of names from .*got 'Adam'"),
])
def test_bad_optimizer_lists_are_refused(optimizers, words):
    with pytest.raises(ValueError, match=words):
        compare_paths(0.1, optimizers=optimizers)


def test_bad_columns_are_refused():
    with pytest.raises(ValueError, match=r"columns must be .*>= 1.*got 0"):
        paths_view(columns=0)


def test_adaptive_view_shows_the_chosen_optimizer_beside_the_given_set():
    view = adaptive_view("NAdam", lr=0.1, steps=10, optimizers=["SGD", "Adam"])
    labels = [ln.get_label() for ln in view.fig.axes[1].get_lines()]
    assert labels == ["SGD", "Adam", "NAdam"]
    legend = view.fig.axes[1].get_legend()
    assert legend.get_bbox_to_anchor().x0 > view.fig.axes[1].get_window_extent().x1 - 1  # outside the data
    plt.close(view.fig)


def test_explorer_controls_and_sweep():
    ex = adaptive_explorer()
    assert set(ex.controls) == {"optimizer", "lr", "landscape"}
    assert list(ex.controls["optimizer"].options) == list(DENSE_OPTIMIZERS)
    assert sweep(ex, samples=4) >= 10
    ex = adaptive_explorer()
    ex.controls["optimizer"].value = "RMSprop"
    assert ex.summary.value.startswith("optimizer=RMSprop, lr=0.300")
