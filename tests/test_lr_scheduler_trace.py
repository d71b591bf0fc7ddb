"""simulate / Trace / plot_schedule: the curve any scheduler gives, checked against
stepping torch's scheduler by hand on a real optimizer."""
from __future__ import annotations

import csv

import matplotlib
import numpy as np
import pytest
import torch
import torch.optim.lr_scheduler as T

import lrcourse.lr_scheduler as L
from lrcourse.lr_scheduler.registry import ALIASES, names, resolve

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
    (T.ExponentialLR, {"gamma": 0.9}, lambda o: T.ExponentialLR(o, 0.9), "sgd"),   # torch's own class
    (L.PolynomialLR, {"power": 2.0}, lambda o: T.PolynomialLR(o, 50, 2.0), "adam"),
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
    assert L.simulate("plateau", 30).lr[-1] < 0.1  # the default metric plateaus


def test_simulate_groups():
    tr = L.simulate("step", 30, lr=0.2, n_groups=3, step_size=5)
    assert tr.lrs.shape == (30, 3)
    np.testing.assert_allclose(tr.lrs[:, 1], tr.lr / 2)
    np.testing.assert_allclose(tr.lrs[:, 2], tr.lr / 4)


@pytest.mark.parametrize("name", names())
def test_every_name_simulates(name):
    tr = L.simulate(name, 40, lr=0.1)
    assert np.all(np.isfinite(tr.lr)) and np.all(tr.lr >= 0) and tr.name.startswith(resolve(name).__name__)


@pytest.mark.parametrize("alias, target", sorted(ALIASES.items()))
def test_aliases(alias, target):
    assert resolve(alias).__name__ == target
    assert resolve(alias.upper()) is resolve(alias)
    assert resolve("inverse-sqrt") is L.InverseSqrtLR and resolve("cosine_annealing_lr") is L.CosineAnnealingLR


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
