"""The scheduler chooser: every kind's curves, checked against closed forms written here and torch."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from widget_sweep import sweep

from lrcourse.widgets.base import control
from lrcourse.widgets.schedules import (chooser_kinds, compare_kinds, kind_settings, kind_traces, oracle, schedule_explorer,
                                       schedule_grid, schedule_view)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def torch_lrs(make, steps, lr=0.1):
    """Independent stepping loop: the lr each optimizer step uses."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr, momentum=0.9)
    sched, out = make(opt), []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(out)


def wsd(t, W=10, D=20, n=100, shape="1-sqrt", floor=0.0):
    """Warmup-stable-decay, from Hägele et al. (2024): (t+1)/W up, flat, then down over the last D."""
    if t < W:
        return (t + 1) / W
    p = min(1.0, max(0.0, (t - (n - D)) / D))
    g = {"linear": 1 - p, "cosine": (1 + math.cos(math.pi * p)) / 2, "1-sqrt": 1 - math.sqrt(p)}[shape]
    return floor + (1 - floor) * g


# closed forms at each kind's default parameters (lr = 0.1, 100 steps)
CLOSED_FORMS = {
    "StepLR": lambda t: 0.1 * 0.1 ** (t // 30),
    "MultiStepLR": lambda t: 0.1 * 0.1 ** ((t >= 30) + (t >= 80)),
    "ConstantLR": lambda t: 0.1 * (0.33 if t < 20 else 1.0),
    "LinearLR": lambda t: 0.1 * (0.1 + 0.9 * min(t, 20) / 20),
    "ExponentialLR": lambda t: 0.1 * 0.97 ** t,
    "PolynomialLR": lambda t: 0.1 * (1 - min(t, 80) / 80),
    "CosineAnnealingLR": lambda t: 0.05 * (1 + math.cos(math.pi * t / 100)),
    "LambdaLR": lambda t: 0.1 / (1 + 0.05 * t),
    "MultiplicativeLR": lambda t: 0.1 * 0.98 ** t,
    "InverseSqrtLR": lambda t: 0.1 * ((t + 1) / 10 if t < 10 else math.sqrt(10 / t)),
    "CyclicLR": lambda t: 0.01 + 0.09 * (1 - abs((t % 40) / 20 - 1)),
    "WSDLR": lambda t: 0.1 * wsd(t),
    "SequentialLR": lambda t: 0.1 * (0.1 + 0.9 * t / 10 if t < 10 else (1 + math.cos(math.pi * (t - 10) / 90)) / 2),
}


@pytest.mark.parametrize("kind", sorted(CLOSED_FORMS))
def test_default_curves_match_closed_forms(kind):
    traces = kind_traces(kind)
    expected = np.array([CLOSED_FORMS[kind](t) for t in range(100)])
    np.testing.assert_allclose(traces["torch"], expected, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(traces["lrcourse"], expected, rtol=1e-9, atol=1e-15)


PARAMS = [  # (kind, params) beyond the defaults; lrcourse must equal torch
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=(40, 40), gamma=0.3)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.0, total_iters=50)),
    ("PolynomialLR", dict(total_iters=30, power=3.0)),
    ("CosineAnnealingLR", dict(T_max=30, eta_min=0.01)),
    ("CosineAnnealingWarmRestarts", dict(T_0=7, T_mult=3, eta_min=0.005)),
    ("CyclicLR", dict(mode="triangular2", step_size_up=9)),
    ("CyclicLR", dict(mode="exp_range", gamma=0.95, base_lr=1e-3)),
    ("OneCycleLR", dict(anneal_strategy="linear", three_phase=True, pct_start=0.45)),
    ("ReduceLROnPlateau", dict(factor=0.2, patience=0)),
    ("SequentialLR", dict(warmup=1, start_factor=0.5)),
    ("ChainedScheduler", dict(warmup=30, gamma=0.9)),
    ("WSDLR", dict(warmup_steps=0, decay_steps=100, shape="cosine", min_lr_ratio=0.1)),
    ("InverseSqrtLR", dict(warmup_steps=3)),
    # transformers' and timm's: lrcourse's curve must equal the library's own
    ("get_cosine_with_hard_restarts_schedule_with_warmup", dict(num_cycles=3, num_warmup_steps=0)),
    ("get_polynomial_decay_schedule_with_warmup", dict(num_warmup_steps=50, power=3.0)),
    ("get_wsd_schedule", dict(num_warmup_steps=50, num_decay_steps=100, warmup_type="cosine", decay_type="1-sqrt",
                              min_lr_ratio=0.1)),
    ("CosineLRScheduler", dict(cycle_limit=3, cycle_decay=0.5, k_decay=2.0, warmup_prefix=True)),
    ("TanhLRScheduler", dict(cycle_limit=2, lb=-3.0, ub=5.0, warmup_t=0)),
    ("MultiStepLRScheduler", dict(decay_t=(5, 8), decay_rate=0.5)),
    ("WSDLRScheduler", dict(warmup_t=30, decay_t=100, decay_fn="linear", lr_min=0.01)),
]


@pytest.mark.parametrize("kind,params", PARAMS)
@pytest.mark.parametrize("steps", [10, 100])
def test_lrcourse_curve_equals_torch(kind, params, steps):
    traces = kind_traces(kind, steps, 0.2, **params)
    assert traces["torch"].shape == (steps,)
    np.testing.assert_allclose(traces["lrcourse"], traces["torch"], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("steps, W, D", [(10, 5, 5), (30, 10, 20), (200, 10, 20)])
def test_wsd_sliders_fit_any_run_length(steps, W, D):
    """warmup_steps=10, decay_steps=20 on a short run: warmup at most half of it, decay the rest."""
    expected = [0.1 * wsd(t, W, D, steps) for t in range(steps)]
    np.testing.assert_allclose(kind_traces("WSDLR", steps)["lrcourse"], expected, rtol=1e-12, atol=1e-15)


def test_oracle_names_what_stands_in_for_torch():
    assert oracle("StepLR") == "torch.optim.lr_scheduler"
    assert oracle("WSDLR") == "torch LambdaLR(lrcourse.schedules.wsd)"
    assert oracle("CosineLRScheduler") == "timm.scheduler.CosineLRScheduler"
    assert oracle("get_wsd_schedule") == "transformers.get_scheduler('warmup_stable_decay')"
    assert schedule_view("InverseSqrtLR", steps=20).fig.axes[0].lines[0].get_label() == \
        "torch LambdaLR(lrcourse.schedules.inverse_sqrt)"


CONTROLS = [  # slider kind -> ipywidgets class, its value and its range
    ("StepLR", "step_size", "IntSlider", 30, (1, 200)),
    ("StepLR", "gamma", "FloatSlider", 0.1, (0.05, 0.95)),
    ("MultiStepLR", "milestones", "IntRangeSlider", (30, 80), (1, 300)),
    ("CyclicLR", "base_lr", "FloatLogSlider", 0.01, (-4, 0)),
    ("CyclicLR", "mode", "Dropdown", "triangular", None),
    ("OneCycleLR", "three_phase", "Checkbox", False, None),
]


@pytest.mark.parametrize("kind, setting, cls, value, span", CONTROLS)
def test_controls(kind, setting, cls, value, span):
    w = control(chooser_kinds()[kind].ui.sliders[setting])
    assert type(w).__name__ == cls and w.value == value
    if span is not None:
        assert (w.min, w.max) == span and w.continuous_update is False


def test_torch_oracle_is_the_plain_stepping_loop():
    sched = torch.optim.lr_scheduler
    np.testing.assert_array_equal(kind_traces("StepLR", 50, 0.3, step_size=4)["torch"],
                                  torch_lrs(lambda o: sched.StepLR(o, 4, 0.1), 50, 0.3))
    np.testing.assert_array_equal(
        kind_traces("SequentialLR", 50, 0.3, warmup=5)["torch"],
        torch_lrs(lambda o: sched.SequentialLR(o, [sched.LinearLR(o, 0.1, 1.0, 5),
                                                   sched.CosineAnnealingLR(o, 45)], [5]), 50, 0.3))


def test_compare_kinds_covers_every_kind_within_rounding():
    diffs = compare_kinds(steps=60)
    assert set(diffs) == set(chooser_kinds())
    assert max(diffs.values()) < 1e-12


@pytest.mark.parametrize("kind", sorted(chooser_kinds()))
def test_view_draws_both_curves(kind):
    view = schedule_view(kind, steps=50, lr=0.05)
    ax = view.fig.axes[0]
    traces = kind_traces(kind, 50, 0.05)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), traces["torch"])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), traces["lrcourse"])
    assert ax.get_title() and ax.get_xlabel() == "optimizer step" and ax.get_legend()
    assert view.summary.startswith(f"{kind}: steps=50, lr=0.05")
    assert f"final lr={traces['lrcourse'][-1]:.3g}" in view.summary


def test_view_log_axis_and_readout_formats():
    view = schedule_view("StepLR", steps=100, lr=0.1, log=True, gamma=0.35)
    assert view.fig.axes[0].get_yscale() == "log"
    assert "gamma=0.35" in view.summary and "step_size=30" in view.summary and "log=True" in view.summary


def test_explorer_shows_only_the_chosen_kinds_sliders():
    ex = schedule_explorer("StepLR")
    visible = {k for k, w in ex.controls.items() if "." in k and w.layout.display != "none"}
    assert visible == {"StepLR.step_size", "StepLR.gamma"}
    ex.controls["kind"].value = "OneCycleLR"
    visible = {k for k, w in ex.controls.items() if "." in k and w.layout.display != "none"}
    assert visible == {f"OneCycleLR.{p}" for p in chooser_kinds()["OneCycleLR"].ui.sliders}
    ex.controls["OneCycleLR.pct_start"].value = 0.25
    assert "pct_start=0.25" in ex.summary.value and ex.summary.value.startswith("OneCycleLR")


def test_explorer_sweep():
    assert sweep(schedule_explorer(), samples=4) > len(chooser_kinds())


ERRORS = [
    (dict(kind="Cosine"), ValueError, ["kind", "'Cosine'", "StepLR"]),
    (dict(kind="StepLR", T_max=3), TypeError, ["StepLR", "T_max", "step_size"]),
]


@pytest.mark.parametrize("kwargs,exc,fragments", ERRORS)
def test_bad_arguments(kwargs, exc, fragments):
    with pytest.raises(exc) as info:
        schedule_view(**kwargs)
    assert all(f in str(info.value) for f in fragments)


GRID = [  # (kind, words its title must show, lr axis): the geometric decays on a log axis
    ("StepLR", ["step_size=30", "gamma=0.10"], "log"),
    ("MultiStepLR", ["milestones=(30, 80)"], "log"),
    ("ExponentialLR", ["gamma=0.970"], "log"),
    ("PolynomialLR", ["total_iters=80", "power=1.0"], "linear"),
    ("OneCycleLR", ["pct_start=0.30", "div_factor=25"], "linear"),
    ("WSDLR", ["warmup_steps=10", "decay_steps=20", "shape=1-sqrt"], "linear"),
]


def test_grid_titles_each_thumbnail_with_its_settings_and_picks_its_axis():
    kinds = [k for k, _, _ in GRID]
    view = schedule_grid(kinds, steps=40, lr=0.2, columns=4)
    axes = view.fig.axes[:len(kinds)]
    for ax, (kind, words, scale) in zip(axes, GRID):
        torch_line, ours = ax.lines
        traces = kind_traces(kind, 40, 0.2)
        np.testing.assert_array_equal(torch_line.get_ydata(), traces["torch"])
        np.testing.assert_array_equal(ours.get_ydata(), traces["lrcourse"])
        title = ax.get_title().replace("\n", " ")
        assert title.startswith(kind) and all(w in title for w in words), title
        assert ax.get_yscale() == scale
        low, high = ax.get_ylim()
        assert low <= traces["torch"].min() and traces["torch"].max() <= high
    assert not any(ax.axison for ax in view.fig.axes[len(kinds):8])  # the two empty cells
    assert view.summary.startswith("6 schedulers, 40 steps, lr=0.2: max |lrcourse - torch|=")


def test_grid_has_no_more_columns_than_thumbnails():
    fig = schedule_grid(["StepLR", "WSDLR"]).fig
    assert len(fig.axes) == 2 and all(ax.axison for ax in fig.axes)


def test_kind_settings_fit_the_run():
    assert kind_settings("WSDLR", 40) == {"warmup_steps": 10, "decay_steps": 20, "min_lr_ratio": 0.0, "shape": "1-sqrt"}
    assert kind_settings("WSDLR", 10)["warmup_steps"] == 5 and kind_settings("StepLR", 10, gamma=0.5)["gamma"] == 0.5
    # timm's cycles share the run; its WSD's stable and decay phases fill what the warmup leaves
    assert kind_settings("CosineLRScheduler", 90, cycle_limit=3)["t_initial"] == 30
    assert kind_settings("WSDLRScheduler", 30) == {"warmup_t": 10, "decay_t": 20, "decay_fn": "1-sqrt", "lr_min": 0.0,
                                                    "t_initial": 20}
    assert kind_settings("get_wsd_schedule", 30, num_decay_steps=100)["num_decay_steps"] == 20


GRID_ERRORS = [
    (dict(kinds=["Cosine"]), ValueError, ["kind", "'Cosine'", "StepLR"]),
    (dict(kinds=[]), ValueError, ["kinds", "at least one", "StepLR"]),
    (dict(kinds=["StepLR"], columns=0), ValueError, ["columns", ">= 1", "0"]),
    (dict(kinds=["StepLR"], columns=2.0), TypeError, ["columns", "int", "2.0"]),
]


@pytest.mark.parametrize("kwargs,exc,fragments", GRID_ERRORS)
def test_grid_bad_arguments(kwargs, exc, fragments):
    with pytest.raises(exc) as info:
        schedule_grid(**kwargs)
    assert all(f in str(info.value) for f in fragments), str(info.value)


def test_explorer_refuses_unknown_kind():
    with pytest.raises(ValueError) as info:
        schedule_explorer("cosine")
    assert "kind" in str(info.value) and "'cosine'" in str(info.value) and "CosineAnnealingLR" in str(info.value)
