"""Probes: each recorded run equals torch's optimizer on the same run, and the recurrences
written out here; state sizes and changed rows against torch and counted by hand."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import lrcourse.optim as lro
from lrcourse.teaching.landscapes import get_landscape, trajectory
from lrcourse.teaching.probes import (minibatch_run, noisy_run, rare_gradients, replay, rows_changed, skewed_sample,
                             state_sizes)

GRADS = np.r_[rare_gradients(60, 20), np.linspace(-1, 2, 20)]

# (lrcourse class, torch class, hyperparameters, state keys recorded)
REPLAY_CASES = [
    (lro.Adamax, torch.optim.Adamax, dict(lr=0.1), ("exp_inf", "exp_avg")),
    (lro.Adamax, torch.optim.Adamax, dict(lr=0.5, betas=(0.5, 0.9), weight_decay=0.1), ("exp_inf",)),
    (lro.Adam, torch.optim.Adam, dict(lr=1.0), ("exp_avg_sq",)),
    (lro.RAdam, torch.optim.RAdam, dict(lr=0.1, betas=(0.9, 0.99)), ("exp_avg",)),
    (lro.NAdam, torch.optim.NAdam, dict(lr=0.1), ("mu_product",)),
    (lro.Rprop, torch.optim.Rprop, dict(lr=0.1), ("step_size", "prev")),
    (lro.ASGD, torch.optim.ASGD, dict(lr=0.1, t0=10, lambd=0.0), ("ax",)),
]


@pytest.mark.parametrize("ours,theirs,hp,keys", REPLAY_CASES, ids=lambda c: getattr(c, "__name__", None))
def test_replay_records_what_torch_does(ours, theirs, hp, keys):
    got, want = replay(ours, GRADS, 0.5, keys, **hp), replay(theirs, GRADS, 0.5, keys, **hp)
    assert got["x"].shape == (len(GRADS) + 1, 1) and got["x"][0, 0] == 0.5
    for key in ("x", *keys):
        np.testing.assert_allclose(got[key], want[key], rtol=1e-9, atol=1e-12)


def test_replay_of_adamax_is_the_infinity_norm_recurrence():
    beta2, eps = 0.9, 1e-8
    run = replay(lro.Adamax, GRADS, keys=("exp_inf",), lr=0.1, betas=(0.9, beta2), eps=eps)
    u, expected = 0.0, []
    for g in GRADS:
        u = max(beta2 * u, abs(g) + eps)
        expected.append(u)
    np.testing.assert_allclose(run["exp_inf"][:, 0], expected, rtol=1e-15)


def test_replay_takes_vector_gradients():
    grads = np.arange(12.0).reshape(4, 3)
    run = replay(torch.optim.SGD, grads, x0=[1.0, 2.0, 3.0], lr=0.1)
    np.testing.assert_allclose(run["x"][-1], [1.0, 2.0, 3.0] - 0.1 * grads.sum(axis=0), rtol=1e-14)


def test_rare_gradients_and_skewed_sample():
    np.testing.assert_array_equal(np.nonzero(rare_gradients(10, 4))[0], [0, 4, 8])
    assert rare_gradients(10, 4).sum() == 3
    x = skewed_sample(20000, seed=3)
    assert x.min() > 0 and abs(x.mean() - 1) < 0.03 and abs(np.median(x) - np.log(2)) < 0.03
    np.testing.assert_array_equal(skewed_sample(50), np.random.default_rng(0).exponential(1.0, 50))


@pytest.mark.parametrize("lr", [0.05, 0.5, 1.5])
def test_full_batch_sgd_is_the_closed_form(lr):
    data = skewed_sample(200)
    run = minibatch_run("sgd", data, None, 30, x0=2.0, lr=lr)
    t = np.arange(31)
    expected = data.mean() + (2.0 - data.mean()) * (1 - lr) ** t  # theta <- theta - lr (theta - mean)
    np.testing.assert_allclose(run["x"][:, 0], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("batch_size", [1, 7])
def test_minibatches_are_drawn_with_replacement_from_the_seeded_generator(batch_size):
    data = skewed_sample(50)
    run = minibatch_run(torch.optim.SGD, data, batch_size, 20, seed=4, lr=0.3)
    gen, theta, expected = torch.Generator().manual_seed(4), 0.0, [0.0]
    for _ in range(20):
        batch = data[torch.randint(50, (batch_size,), generator=gen).numpy()]
        theta -= 0.3 * (theta - batch).mean()
        expected.append(theta)
    np.testing.assert_allclose(run["x"][:, 0], expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("batch_size,hp", [(None, dict(lr=0.1)), (1, dict(lr=0.1)),
                                           (4, dict(lr=0.01, step_sizes=(1e-3, 1.0)))])
def test_minibatch_rprop_equals_torch(batch_size, hp):
    data = skewed_sample(300)
    got = minibatch_run(lro.Rprop, data, batch_size, 200, keys=("step_size",), **hp)
    want = minibatch_run(torch.optim.Rprop, data, batch_size, 200, keys=("step_size",), **hp)
    for key in ("x", "step_size"):
        np.testing.assert_allclose(got[key], want[key], rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("landscape,noise,t0", [("ill-conditioned", 1.0, 10), ("banana", 0.3, 0),
                                                ("ill-conditioned", 0.0, 5)])
def test_noisy_run_is_trajectory_and_ax_the_running_mean(landscape, noise, t0):
    run = noisy_run(lro.ASGD, landscape, 60, noise=noise, keys=("ax",), lr=0.01, lambd=0.0, t0=t0)
    path = trajectory(torch.optim.ASGD, landscape, None, 60, noise=noise, lr=0.01, lambd=0.0, t0=t0)
    np.testing.assert_allclose(run["x"], path, rtol=1e-12, atol=1e-14)
    start = t0 + 2  # ax is theta_t up to step t0 + 2, then the mean of theta_{t0+2}, ..., theta_t
    for t in range(1, 61):
        first = min(t, start)
        # rtol 1e-6: torch stores mu_t = 1/(t - t0) in the default dtype, float32
        np.testing.assert_allclose(run["ax"][t - 1], path[first:t + 1].mean(axis=0), rtol=1e-6, atol=1e-12)
    assert get_landscape(landscape)(run["x"][-1]) < get_landscape(landscape)(run["x"][0])


def test_state_sizes_are_the_tensors_torch_keeps():
    optimizers = {"Adam": (lro.Adam, {}), "Adafactor": (lro.Adafactor, {}), "torch Adafactor":
                  (torch.optim.Adafactor, {}), "SGD": (lro.SGD, {}), "SGD+momentum": (lro.SGD, dict(momentum=0.9))}
    sizes = state_sizes(optimizers, {"matrix": (300, 200), "vector": (50,)})
    step = 4  # a float32 0-d step counter
    assert sizes["Adam"] == {"matrix": 2 * 300 * 200 * 4 + step, "vector": 2 * 50 * 4 + step}
    assert sizes["Adafactor"] == {"matrix": (300 + 200) * 4 + step, "vector": 50 * 4 + step}
    assert sizes["Adafactor"] == sizes["torch Adafactor"]
    assert sizes["SGD"] == {"matrix": 0, "vector": 0}
    assert sizes["SGD+momentum"] == {"matrix": 300 * 200 * 4, "vector": 50 * 4}


LOOKUPS = [[1, 3, 3], [2], [5, 1], [], [6]]


def test_sparse_adam_changes_only_the_rows_looked_up_as_torch():
    ours = rows_changed(lro.SparseAdam, LOOKUPS, lr=0.1)
    assert ours == rows_changed(torch.optim.SparseAdam, LOOKUPS, lr=0.1)
    assert ours == [sorted(set(rows)) for rows in LOOKUPS]


def test_dense_adam_keeps_moving_rows_seen_before():
    seen, expected = set(), []
    for rows in LOOKUPS:
        seen |= set(rows)
        expected.append(sorted(seen))  # momentum keeps every row seen once moving
    assert rows_changed(lro.Adam, LOOKUPS, sparse=False, lr=0.1) == expected


@pytest.mark.parametrize("call,error,words", [
    (lambda: replay(lro.Adam, [1.0], keys=("nope",)), ValueError,
     "keys must name entries of Adam's state ['exp_avg', 'exp_avg_sq', 'step'], got 'nope'"),
    (lambda: minibatch_run(lro.SGD, [1.0], 0, 5, lr=0.1), ValueError, "batch_size must be an int >= 1, got 0"),
    (lambda: minibatch_run(lro.SGD, [1.0], 2.0, 5, lr=0.1), TypeError, "batch_size must be an int >= 1, got 2.0"),
    (lambda: minibatch_run(lro.SGD, [1.0], 1, -1, lr=0.1), ValueError, "steps must be an int >= 0, got -1"),
    (lambda: noisy_run(lro.SGD, "banana", 5, noise=-1.0, lr=0.1), ValueError, "noise must be a number in [0, inf)"),
    (lambda: noisy_run(lro.SGD, "nowhere", 5, lr=0.1), ValueError, "landscape must be one of"),
    (lambda: skewed_sample(0), ValueError, "n must be an int >= 1, got 0"),
    (lambda: rare_gradients(10, 0), ValueError, "period must be an int >= 1, got 0"),
    (lambda: replay("no-such-optimizer", [1.0]), ValueError, "no-such-optimizer"),
])
def test_bad_arguments_are_refused_with_their_name(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
