"""simulate / Trace / plot_schedule (in lrcourse.catalog): the curve any scheduler gives, checked against stepping torch's scheduler by
hand on a real optimizer."""
from __future__ import annotations

import csv
import math

import matplotlib
import numpy as np
import pytest
import torch
import torch.optim.lr_scheduler as T

import lrcourse.catalog as L
from lrcourse import lr_scheduler
from lrcourse import catalog

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def by_hand(build, steps, optimizer="sgd", lr=0.1, metrics=None):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=0.9) if optimizer == "sgd" else torch.optim.Adam([p], lr=lr, betas=(0.9, 0.999))
    sched = build(opt)
    lrs, moms = [], []
    for i in range(steps):
        g = opt.param_groups[0]
        lrs.append(g["lr"])
        moms.append(g["betas"][0] if "betas" in g else g["momentum"])
        opt.step()
        sched.step(metrics[i]) if metrics else sched.step()
    return np.array(lrs), np.array(moms)


CASES = [
    ("cosine", {}, lambda o: T.CosineAnnealingLR(o, T_max=50), "sgd"),
    ("CosineAnnealingLR", {"T_max": 20, "eta_min": 0.01}, lambda o: T.CosineAnnealingLR(o, 20, 0.01), "sgd"),
    ("one-cycle", {"max_lr": 0.5}, lambda o: T.OneCycleLR(o, 0.5, total_steps=50), "sgd"),
    ("onecycle", {"max_lr": 0.5, "three_phase": True}, lambda o: T.OneCycleLR(o, 0.5, total_steps=50, three_phase=True), "adam"),
    ("cyclic", {}, lambda o: T.CyclicLR(o, 0.01, 0.1, step_size_up=12), "adam"),
    ("step", {"step_size": 10, "gamma": 0.5}, lambda o: T.StepLR(o, 10, 0.5), "sgd"),
    ("sgdr", {"T_mult": 2}, lambda o: T.CosineAnnealingWarmRestarts(o, 12, 2), "sgd"),
    ("warmup-cosine", {}, lambda o: T.SequentialLR(o, [T.LinearLR(o, 1 / 6, 1.0, 5), T.CosineAnnealingLR(o, 45)], [5]),
     "adam"),
    ("lambda", {"decay": 0.2}, lambda o: T.LambdaLR(o, lambda t: 1 / (1 + 0.2 * t)), "sgd"),
    (T.ExponentialLR, {"gamma": 0.9}, lambda o: T.ExponentialLR(o, 0.9), "sgd"),   # torch's own class
    (lr_scheduler.PolynomialLR, {"power": 2.0}, lambda o: T.PolynomialLR(o, 50, 2.0), "adam"),
]


@pytest.mark.parametrize("name, kwargs, build, optimizer", CASES, ids=[str(c[0]).split(".")[-1] for c in CASES])
def test_simulate_equals_stepping_by_hand(name, kwargs, build, optimizer):
    tr = L.simulate(name, 50, lr=0.1, optimizer=optimizer, **kwargs)
    lrs, moms = by_hand(build, 50, optimizer)
    np.testing.assert_allclose(tr.lr, lrs, rtol=1e-12)
    assert tr.lr.shape == (50,) and tr.lrs.shape == (50, 1)
    if np.all(moms == 0.9):
        assert tr.momentum is None
    else:
        np.testing.assert_allclose(tr.momentum, moms, rtol=1e-12)


def test_simulate_plateau_with_metrics():
    metrics = [1.0] * 5 + [0.5] * 10 + [0.4] * 15
    tr = L.simulate("plateau", 30, lr=0.1, metrics=metrics, patience=2, factor=0.5)
    lrs, _ = by_hand(lambda o: T.ReduceLROnPlateau(o, patience=2, factor=0.5), 30, metrics=metrics)
    np.testing.assert_allclose(tr.lr, lrs, rtol=1e-12)


def test_simulate_plateau_default_metric_is_the_scripted_one():
    metrics = list(catalog.scripted_metric(100))
    lrs, _ = by_hand(lambda o: T.ReduceLROnPlateau(o, patience=5), 100, metrics=metrics)
    np.testing.assert_allclose(L.simulate("plateau", 100).lr, lrs, rtol=1e-12)
    assert lrs[-1] < 0.1  # it plateaus


def test_simulate_groups():
    tr = L.simulate("step", 30, lr=0.2, n_groups=3, step_size=5)
    assert tr.lrs.shape == (30, 3)
    np.testing.assert_allclose(tr.lrs[:, 1], tr.lr / 2)
    np.testing.assert_allclose(tr.lrs[:, 2], tr.lr / 4)


def test_simulate_builders_and_callables():
    """A builder on the throw-away optimizer (None: no scheduler), and a d2l callable lr = f(t) for every group."""
    tr = L.simulate(lambda o: T.ChainedScheduler([T.ExponentialLR(o, 0.9), T.StepLR(o, 4)]), 20)
    lrs, _ = by_hand(lambda o: T.ChainedScheduler([T.ExponentialLR(o, 0.9), T.StepLR(o, 4)]), 20)
    np.testing.assert_allclose(tr.lr, lrs, rtol=1e-12)
    np.testing.assert_array_equal(L.simulate(lambda o: None, 5, lr=0.3).lr, [0.3] * 5)
    tr = L.simulate("d2l-sqrt", 10, lr=0.5, n_groups=2)
    np.testing.assert_allclose(tr.lrs, [[0.5 / math.sqrt(t + 1)] * 2 for t in range(10)], rtol=1e-12)


SIM_ERRORS = [  # (call, exception, words in the message)
    (lambda: L.simulate("cosine", 0), ValueError, ["steps", "int >= 1", "0"]),
    (lambda: L.simulate("cosine", 10, lr=-0.1), ValueError, ["lr", "-0.1"]),
    (lambda: L.simulate("cosine", 10, momentum=1.0), ValueError, ["momentum", "[0, 1)", "1.0"]),
    (lambda: L.simulate("cosine", 10, optimizer="rmsprop"), ValueError, ["optimizer", "'sgd'", "'adam'", "'rmsprop'"]),
    (lambda: L.simulate("cosine", 10, n_groups=0), ValueError, ["n_groups", ">= 1"]),
    (lambda: L.simulate("plateau", 10, metrics=[1.0] * 3), ValueError, ["metrics", "9", "3"]),
    (lambda: L.simulate(3, 10), TypeError, ["scheduler", "a name", "3"]),
    (lambda: L.simulate(lambda o: None, 10, T_max=3), TypeError, ["settings only with a name or class"]),
    (lambda: L.simulate("cosinus", 10), ValueError, ["unknown scheduler 'cosinus'", "CosineAnnealingLR"]),
    (lambda: L.plot_schedule([1, 2]), TypeError, ["trace_or_traces", "Trace"]),
]


@pytest.mark.parametrize("call, exc, words", SIM_ERRORS)
def test_errors(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    assert all(w in str(info.value) for w in words), str(info.value)


def test_to_csv(tmp_path):
    tr = L.simulate("onecycle", 25, lr=0.3, n_groups=2)
    with tr.to_csv(tmp_path / "c.csv").open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["step", "lr", "lr_group1", "momentum"]
    data = np.array(rows[1:], dtype=float)
    np.testing.assert_array_equal(data[:, 0], np.arange(25))
    np.testing.assert_array_equal(data[:, 1:3], tr.lrs)  # repr round-trips floats exactly
    np.testing.assert_array_equal(data[:, 3], tr.momentum)


def test_plot_schedule():
    traces = [L.simulate("onecycle", 30), L.simulate("cosine", 30)]
    ax = L.plot_schedule(traces, log=True)
    assert ax.get_title() and ax.get_xlabel() == "step" and ax.get_ylabel() == "learning rate"
    assert ax.get_yscale() == "log" and ax.get_legend() is not None
    assert len(ax.figure.axes) == 2  # momentum on a twin axis (one-cycle cycles it)
    assert len(ax.get_legend().get_texts()) == 3
    fig, ax2 = plt.subplots()
    assert L.plot_schedule(L.simulate("step", 10), ax=ax2) is ax2 and len(fig.axes) == 1
    plt.close("all")
