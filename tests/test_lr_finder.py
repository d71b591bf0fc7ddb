"""The LR range test on problems whose answer is known in closed form.

Full-batch gradient descent on a least-squares loss L(w) = mean((Xw - y)^2) has Hessian
H = 2/n X^T X and is stable iff lr < 2/lambda_max(H): below that every eigen-component of
the error shrinks, so the loss can never rise. That gives exact checks of where the
sweep may and may not blow up, and where a suggestion must lie.
"""
from __future__ import annotations

import math
import re

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lrcourse.train.lr_finder
from lrcourse.train.lr_finder import LRFinderResult, falling_part, lr_range_test, smooth_losses, sweep

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def regression(n=64, d=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = X @ torch.randn(d, 1, generator=g, dtype=torch.float64) + 0.01 * torch.randn(
        n, 1, generator=g, dtype=torch.float64)
    lam_max = torch.linalg.eigvalsh(2 / n * X.T @ X).max().item()
    model = torch.nn.Linear(d, 1, bias=False).double()
    with torch.no_grad():
        model.weight.zero_()
    return model, X, y, 2 / lam_max


def run(model, X, y, **kw):
    kw.setdefault("progress", False)
    opt = kw.pop("optimizer", None) or torch.optim.SGD(model.parameters(), lr=0.1)
    return lr_range_test(model, opt, [(X, y)], F.mse_loss, **kw), opt


class Scalar(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))

    def forward(self, x):
        return self.w * x


# ---------------------------------------------------------------- the known answer
SWEEPS = [  # (start_lr, end_lr, num_iter, mode)
    (1e-4, 10.0, 100, "exp"),
    (1e-3, 5.0, 60, "exp"),
    (1e-2, 3.0, 200, "linear"),
    (1e-5, 100.0, 150, "exp"),
]


@pytest.mark.parametrize("start_lr,end_lr,num_iter,mode", SWEEPS)
def test_loss_rises_only_beyond_the_stability_limit(start_lr, end_lr, num_iter, mode):
    model, X, y, limit = regression()
    r, _ = run(model, X, y, start_lr=start_lr, end_lr=end_lr, num_iter=num_iter, mode=mode)
    assert r.diverged and r.stop_reason == "diverged"
    # the loss after step i depends on lrs[i]: below the limit it cannot go up (beyond
    # rounding once converged to the noise floor)
    rises = np.nonzero(np.diff(r.losses) > 1e-9 * r.losses[:-1])[0]
    assert rises.size and np.all(r.lrs[rises] > limit)
    assert r.lrs[-1] > limit
    # valley = halfway (in steps) along the decreasing stretch, which on this fast-converging
    # problem runs right up to the limit: below it in log spacing, not in linear spacing
    methods = ("steepest", "minimum", "valley") if mode == "exp" else ("steepest", "minimum")
    for method in methods:
        assert start_lr < r.suggestion(method) < limit, method


@pytest.mark.parametrize("start_lr,end_lr,num_iter,mode", SWEEPS)
def test_sweep_and_losses_match_a_direct_recurrence(start_lr, end_lr, num_iter, mode):
    """Scalar problem L(w) = a (w - c)^2: the recorded loss at step i is the loss before
    the update with lrs[i]; replay the recurrence with numpy."""
    a, c = 1.5, 2.0
    model = Scalar()
    w = model.w
    batches = [(torch.ones((), dtype=torch.float64), torch.tensor(c, dtype=torch.float64))]
    r = lr_range_test(model, torch.optim.SGD([w], lr=1.0), batches,
                      lambda out, tgt: a * (out - tgt) ** 2, start_lr=start_lr, end_lr=end_lr,
                      num_iter=num_iter, mode=mode, progress=False, diverge_factor=1e300)
    expected_lrs = (np.geomspace(start_lr, end_lr, num_iter) if mode == "exp"
                    else np.linspace(start_lr, end_lr, num_iter))
    np.testing.assert_allclose(r.lrs, expected_lrs[:len(r.lrs)], rtol=1e-12)
    wv, expected = 0.0, []
    for lr in r.lrs:
        expected.append(a * (wv - c) ** 2)
        wv -= lr * 2 * a * (wv - c)
    np.testing.assert_allclose(r.losses, expected, rtol=1e-10)


@pytest.mark.parametrize("start_lr,end_lr,num_iter,mode", SWEEPS)
def test_sweep_is_a_pure_schedule(start_lr, end_lr, num_iter, mode):
    lr = sweep(start_lr, end_lr, num_iter, mode)
    expected = (np.geomspace(start_lr, end_lr, num_iter) if mode == "exp"
                else np.linspace(start_lr, end_lr, num_iter))
    np.testing.assert_allclose([lr(i) for i in reversed(range(num_iter))], expected[::-1], rtol=1e-12)
    assert [lr(i) for i in range(num_iter)] == [lr(i) for i in range(num_iter)]


def test_docstring_example_runs():
    import doctest

    result = doctest.testmod(lrcourse.train.lr_finder)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("smooth", [1.0, 0.5, 0.05, 0.02])
def test_smoothing_is_a_bias_corrected_ema(smooth):
    losses = np.random.default_rng(0).uniform(0.5, 2.0, size=40)
    # direct weighted-sum form: sum_k s (1-s)^(i-k) L_k / (1 - (1-s)^(i+1))
    expected = [sum(smooth * (1 - smooth) ** (i - k) * losses[k] for k in range(i + 1))
                / (1 - (1 - smooth) ** (i + 1)) for i in range(len(losses))]
    np.testing.assert_allclose(smooth_losses(losses, smooth), expected, rtol=1e-12)


def test_result_smoothed_matches_raw_losses():
    model, X, y, _ = regression()
    r, _ = run(model, X, y, start_lr=1e-4, smooth=0.1)
    np.testing.assert_allclose(r.smoothed, smooth_losses(r.losses, 0.1), rtol=1e-12)


# ---------------------------------------------------------------- early stop
@pytest.mark.parametrize("factor", [1.5, 4.0, 5.0, 50.0])
def test_stops_at_first_step_over_the_factor(factor):
    model, X, y, _ = regression()
    r, _ = run(model, X, y, start_lr=1e-4, end_lr=1e3, num_iter=150, diverge_factor=factor)
    s = r.smoothed
    best = np.minimum.accumulate(s)
    assert s[-1] > factor * best[-1]
    assert np.all(s[:-1] <= factor * best[:-1])
    assert len(r.lrs) < 150


def test_non_finite_loss_stops():
    model, X, y, _ = regression()
    calls = []

    def loss_fn(out, tgt):
        calls.append(1)
        return F.mse_loss(out, tgt) * (math.nan if len(calls) > 7 else 1.0)

    r = lr_range_test(model, torch.optim.SGD(model.parameters(), lr=0.1), [(X, y)], loss_fn,
                      num_iter=50, progress=False)
    assert r.stop_reason == "non-finite loss" and r.diverged and len(r.losses) == 8
    assert np.isnan(r.losses[-1]) and np.all(np.isfinite(r.losses[:-1]))


def test_list_of_batches_is_cycled_and_one_shot_iterator_ends_early():
    model, X, y, _ = regression()
    halves = [(X[:32], y[:32]), (X[32:], y[32:])]
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    r = lr_range_test(model, opt, halves, F.mse_loss, start_lr=1e-5, end_lr=1e-3,
                      num_iter=9, progress=False)
    assert len(r.lrs) == 9 and r.stop_reason == "completed" and not r.diverged
    r = lr_range_test(model, opt, iter(halves), F.mse_loss, start_lr=1e-5, end_lr=1e-3,
                      num_iter=9, progress=False)
    assert len(r.lrs) == 2 and r.stop_reason == "batches exhausted"


def test_callable_batches_called_once_per_pass():
    model, X, y, _ = regression()
    calls = []

    def passes(epoch):
        calls.append(epoch)
        return iter([(X[:32], y[:32]), (X[32:], y[32:])])

    r = lr_range_test(model, torch.optim.SGD(model.parameters(), lr=0.1), passes, F.mse_loss,
                      start_lr=1e-5, end_lr=1e-3, num_iter=7, progress=False)
    assert len(r.lrs) == 7 and calls == [0, 1, 2, 3]


# ---------------------------------------------------------------- restoration
@pytest.mark.parametrize("make_opt", [
    lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    lambda p: torch.optim.Adam(p, lr=0.01),
    lambda p: torch.optim.SGD([{"params": p[:1], "lr": 0.02}, {"params": p[1:], "lr": 0.07}]),
])
@pytest.mark.parametrize("restore", [True, False])
def test_model_and_optimizer_restored(make_opt, restore):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)).double()
    X, y = torch.randn(32, 3, dtype=torch.float64), torch.randn(32, 1, dtype=torch.float64)
    opt = make_opt(list(model.parameters()))
    for _ in range(3):  # non-empty optimizer state (momentum buffers, Adam moments)
        opt.zero_grad()
        F.mse_loss(model(X), y).backward()
        opt.step()
    model.eval()
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    opt_state = {k: {n: t.clone() for n, t in s.items()} for k, s in opt.state_dict()["state"].items()}
    lrs = [g["lr"] for g in opt.param_groups]
    r = lr_range_test(model, opt, [(X, y)], F.mse_loss, num_iter=20, end_lr=1.0, progress=False,
                      restore=restore)
    assert len(r.lrs) > 0
    same_weights = all(torch.equal(weights[k], v) for k, v in model.state_dict().items())
    assert same_weights == restore
    if restore:
        assert [g["lr"] for g in opt.param_groups] == lrs
        assert not model.training
        for k, s in opt.state_dict()["state"].items():
            assert all(torch.equal(opt_state[k][n], t) for n, t in s.items())
        # the restored optimizer continues exactly like an untouched copy would
    else:
        assert all(g["lr"] == r.lrs[-1] for g in opt.param_groups)


# ---------------------------------------------------------------- suggestions and plot
def make_result(losses, lrs=None):
    losses = np.asarray(losses, dtype=float)
    lrs = np.geomspace(1e-4, 1, len(losses)) if lrs is None else lrs
    return LRFinderResult(lrs=lrs, losses=losses, smoothed=losses.copy(), diverged=False,
                          stop_reason="completed")


def test_suggestions_on_a_hand_made_curve():
    # flat, then falling fastest between index 30 and 31, minimum at 45, then rising
    loss = np.concatenate([np.full(20, 2.0), np.linspace(2.0, 1.0, 26), np.linspace(1.1, 3, 14)])
    loss[30:] -= 0.3  # one steep drop at 29 -> 30
    r = make_result(loss)
    assert r.suggestion("steepest", skip_start=0, skip_end=0) in (r.lrs[29], r.lrs[30])
    assert r.suggestion("minimum", skip_start=0, skip_end=0) == pytest.approx(r.lrs[45] / 10)
    # valley: the longest decreasing run is indices 20..45; fast.ai picks about halfway
    valley = int(np.nonzero(r.lrs == r.suggestion("valley", skip_start=0, skip_end=0))[0][0])
    assert abs(valley - (20 + 45) / 2) <= 2
    # upper: the first point within 5% of the drop (2.0 - 0.7 = 1.3) of the minimum 0.7, i.e. at or
    # below 0.765: loss[i] = 1.7 - 0.04 (i - 20) there, first at i = 44
    assert r.suggestion("upper", skip_start=0, skip_end=0) == r.lrs[44]


def range_curve(lrs, centre, width, drop, blowup, noise, seed=0):
    """A range-test curve written down directly: 2.3 at small lr, falling by ``drop`` as a logistic in
    log10(lr) around ``centre`` (half-width ``width`` decades), then blowing up past ``blowup``;
    plus seeded noise. Returns (raw losses, noise-free curve)."""
    x = np.log10(lrs)
    clean = 2.3 - drop / (1 + np.exp(-(x - centre) / width)) + np.exp((x - blowup) / 0.1)
    return clean + noise * np.random.default_rng(seed).standard_normal(len(lrs)), clean


CURVES = [  # (start_lr, end_lr, num_iter, centre, width, drop, blowup, noise)
    (1e-7, 10.0, 100, -1.0, 0.15, 1.0, 0.2, 0.003),   # fast.ai's sweep: a long flat part first
    (1e-4, 10.0, 300, -1.3, 0.25, 1.5, 0.0, 0.01),
    (1e-3, 3.0, 400, -1.0, 0.3, 1.6, -0.2, 0.02),
    (1e-5, 1.0, 200, -2.5, 0.2, 0.8, -0.5, 0.005),
]


@pytest.mark.parametrize("start_lr,end_lr,num_iter,centre,width,drop,blowup,noise", CURVES)
@pytest.mark.parametrize("method", ["steepest", "valley"])
def test_suggestion_lands_on_the_falling_part(start_lr, end_lr, num_iter, centre, width, drop, blowup,
                                              noise, method):
    lrs = np.geomspace(start_lr, end_lr, num_iter)
    raw, clean = range_curve(lrs, centre, width, drop, blowup, noise)
    r = LRFinderResult(lrs=lrs, losses=raw, smoothed=smooth_losses(raw, 0.05), diverged=False,
                       stop_reason="completed")
    lr = r.suggestion(method, skip_start=num_iter // 10)
    i = int(np.argmin(np.abs(lrs - lr)))
    # on the falling part of the noise-free curve: 5% to 95% of the drop done, before its minimum
    assert 2.3 - 0.95 * drop < clean[i] < 2.3 - 0.05 * drop
    assert i < int(np.argmin(clean)) and i < num_iter - 5 - 1
    if method == "steepest":  # the logistic falls fastest at its centre; the EMA lags a little
        assert abs(np.log10(lr) - centre) < 2.5 * width


@pytest.mark.parametrize("start_lr,end_lr,num_iter,centre,width,drop,blowup,noise", CURVES)
def test_upper_suggestion_is_where_the_falling_part_ends(start_lr, end_lr, num_iter, centre, width, drop,
                                                          blowup, noise):
    lrs = np.geomspace(start_lr, end_lr, num_iter)
    raw, clean = range_curve(lrs, centre, width, drop, blowup, noise)
    r = LRFinderResult(lrs=lrs, losses=raw, smoothed=smooth_losses(raw, 0.05), diverged=False,
                       stop_reason="completed")
    upper = r.suggestion("upper", skip_start=num_iter // 10)
    i = int(np.argmin(np.abs(lrs - upper)))
    # most of the drop done, above the steepest and valley suggestions, below the blow-up
    assert clean[i] < 2.3 - 0.75 * drop
    assert upper > max(r.suggestion(m, skip_start=num_iter // 10) for m in ("steepest", "valley"))
    assert np.log10(upper) < blowup


def test_falling_part_by_hand():
    assert falling_part(np.array([2.3, 2.31, 2.29, 2.3, 1.8, 1.2, 0.9, 1.5])) == (3, 6)
    assert falling_part(np.array([1.0, 1.2, 1.5, 2.0])) == (0, 2)  # only rising: the first 3 points
    assert falling_part(np.array([2.0, 1.5, 1.0])) == (0, 2)


def test_plot_marks_the_suggestion():
    model, X, y, _ = regression()
    r, _ = run(model, X, y, start_lr=1e-4)
    ax = r.plot(method="valley")
    assert ax.get_xscale() == "log" and ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "smoothed loss" in labels and any(lbl.startswith("valley: lr=") for lbl in labels)
    assert len(ax.lines[1].get_xdata()) == len(r.lrs)


def test_plot_marks_several_suggestions():
    loss = np.concatenate([np.full(20, 2.0), np.linspace(2.0, 1.0, 26), np.linspace(1.1, 3, 14)])
    r = make_result(loss)
    ax = r.plot(method=("steepest", "upper"), skip_start=0, skip_end=0)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[2:] == [f"steepest: lr={r.suggestion('steepest', 0, 0):.2e}",
                          f"upper: lr={r.suggestion('upper', 0, 0):.2e}"]
    assert len(ax.lines) == 2 + 2 * 2  # raw, smoothed; a line and a dot per suggestion


def test_plot_without_mark_and_with_custom_skips():
    r = make_result(np.concatenate([np.linspace(2, 1, 8), [1.5, 3.0]]))
    ax = r.plot(method=None)
    assert len(ax.lines) == 2 and ax.get_legend() is not None
    ax = r.plot(method="minimum", skip_start=0, skip_end=2)
    marked = [t.get_text() for t in ax.get_legend().get_texts() if t.get_text().startswith("minimum")]
    assert marked == [f"minimum: lr={r.lrs[7] / 10:.2e}"]


# ---------------------------------------------------------------- a range that starts too high
def diverging_at_once(start_lr, dtype):
    """The regression problem swept from far above its stability limit 2/lambda_max (~0.7)."""
    model, X, y, limit = regression()
    model, X, y = model.to(dtype), X.to(dtype), y.to(dtype)
    r = lr_range_test(model, torch.optim.SGD(model.parameters(), lr=0.1), [(X, y)], F.mse_loss, start_lr=start_lr,
                      end_lr=100 * start_lr, num_iter=50, progress=False)
    return r, model, limit


EARLY_RUNS = [  # (start_lr, dtype, stop_reason): the loss blows up past the factor, or overflows float32 to inf
    (1e3, torch.float64, "diverged"),
    (3.0, torch.float64, "diverged"),
    (1e30, torch.float32, "non-finite loss"),
]


@pytest.mark.parametrize("start_lr,dtype,reason", EARLY_RUNS)
def test_a_run_that_diverges_at_once_says_so(start_lr, dtype, reason):
    r, model, limit = diverging_at_once(start_lr, dtype)
    assert start_lr > limit and r.stop_reason == reason and r.diverged
    assert r.diverged_early and len(r.lrs) <= lrcourse.train.lr_finder.EARLY
    assert torch.count_nonzero(model.weight) == 0  # restored to the zero start
    assert "diverged early" in repr(r) and f"start_lr={start_lr:.3g}" in repr(r) and "\n" not in repr(r)
    for method in ("steepest", "minimum", "valley", "upper"):
        with pytest.raises(ValueError) as info:
            r.suggestion(method)
        message = str(info.value)
        for fragment in ("range starts too high", f"start_lr={start_lr:.3g}", f"step {len(r.lrs)} ",
                         f"lr={r.lrs[-1]:.3g}", "lower start_lr"):
            assert fragment in message, message
        suggested = float(message.split("e.g. start_lr=")[1].split()[0])
        assert suggested < start_lr and suggested <= r.lrs[-1] / 1000


@pytest.mark.parametrize("start_lr,dtype,reason", EARLY_RUNS)
def test_plot_draws_a_run_that_diverged_at_once_with_a_note(start_lr, dtype, reason):
    r, _, _ = diverging_at_once(start_lr, dtype)
    ax = r.plot(method=("steepest", "upper"))
    assert len(ax.lines) == 2  # raw and smoothed: no suggestion marked
    assert list(ax.lines[0].get_xdata()) == list(r.lrs) and ax.lines[1].get_marker() == "o"
    assert any("range starts too high" in t.get_text() and "start_lr" in t.get_text() for t in ax.texts)
    assert "diverged early" in ax.get_title()


def test_a_loss_that_is_nan_before_any_update_is_not_blamed_on_the_lr():
    model, X, y, _ = regression()
    r = lr_range_test(model, torch.optim.SGD(model.parameters(), lr=0.1), [(X, y)],
                      lambda out, tgt: F.mse_loss(out, tgt) * math.nan, progress=False)
    assert r.stop_reason == "non-finite loss" and len(r.lrs) == 1 and r.diverged_early
    with pytest.raises(ValueError, match="before any update: the model or the data"):
        r.suggestion()
    assert "before any update" in r.plot().texts[0].get_text()


@pytest.mark.parametrize("steps,early", [(1, True), (10, True), (11, False)])
def test_diverged_early_means_within_the_first_10_steps(steps, early):
    losses = np.concatenate([np.ones(steps - 1), [50.0]])
    r = LRFinderResult(lrs=np.geomspace(1e-3, 1.0, steps), losses=losses, smoothed=losses, diverged=True,
                       stop_reason="diverged")
    assert r.diverged_early is early
    assert make_result(np.ones(5)).diverged_early is False  # completed: not diverged at all


def test_an_optimizer_over_some_of_the_parameters_trains_only_those():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)).double()
    X, y = torch.randn(32, 3, dtype=torch.float64), torch.randn(32, 1, dtype=torch.float64)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    opt = torch.optim.SGD(model[2].parameters(), lr=0.1)  # the first layer frozen
    r = lr_range_test(model, opt, [(X, y)], F.mse_loss, start_lr=1e-3, end_lr=0.1, num_iter=5, progress=False,
                      restore=False)
    assert r.stop_reason == "completed"
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in ("0.weight", "0.bias"))
    assert not any(torch.equal(before[k], after[k]) for k in ("2.weight", "2.bias"))


# ---------------------------------------------------------------- bad input
class ElsewhereSGD(torch.optim.SGD):
    """An SGD built over another model's parameters (a one-line repr for the test id)."""

    def __repr__(self):
        return "SGD over another model"


ERRORS = [  # (kwargs, exception, fragments the message must contain)
    (dict(start_lr=0.0), ValueError, ["start_lr", "0.0", "(0, inf)"]),
    (dict(start_lr=-1e-3), ValueError, ["start_lr", "(0, inf)"]),
    (dict(start_lr="1e-3"), TypeError, ["start_lr", "number", "'1e-3'"]),
    (dict(end_lr=math.inf), ValueError, ["end_lr", "inf", "(0, inf)"]),
    (dict(start_lr=1.0, end_lr=0.5), ValueError, ["end_lr", "0.5", "> start_lr"]),
    (dict(num_iter=1), ValueError, ["num_iter", ">= 2", "1"]),
    (dict(num_iter=10.0), TypeError, ["num_iter", "int"]),
    (dict(mode="log"), ValueError, ["mode", "'log'", "'exp'", "'linear'"]),
    (dict(mode=None), ValueError, ["mode", "None", "'exp'", "'linear'"]),
    (dict(smooth=0.0), ValueError, ["smooth", "(0, 1]"]),
    (dict(smooth=1.5), ValueError, ["smooth", "1.5", "(0, 1]"]),
    (dict(smooth=None), TypeError, ["smooth", "None"]),
    (dict(diverge_factor=1.0), ValueError, ["diverge_factor", "(1, inf)", "1.0"]),
    (dict(progress="no"), TypeError, ["progress", "'no'", "True or False"]),
    (dict(diverge_factor=True), TypeError, ["diverge_factor", "number", "True"]),
    (dict(model="net"), TypeError, ["model", "torch.nn.Module"]),
    (dict(optimizer=object()), TypeError, ["optimizer", "torch.optim.Optimizer"]),
    (dict(loss_fn=3), TypeError, ["loss_fn", "callable"]),
    (dict(batches=5), TypeError, ["batches", "iterable"]),
    (dict(batches=[]), ValueError, ["batches", "no (inputs, targets)"]),
    (dict(model=torch.nn.ReLU()), ValueError, ["model", "no parameters"]),
    (dict(optimizer=ElsewhereSGD(torch.nn.Linear(4, 1).parameters(), lr=0.1)), ValueError,
     ["optimizer", "none of the model's parameters", "another model", "model.parameters()"]),
]


@pytest.mark.parametrize("kwargs,exc,fragments", ERRORS,  # ids without addresses: the same in every xdist worker
                         ids=[re.sub(r" at 0x[0-9a-f]+", "", str(e[0])) for e in ERRORS])
def test_bad_arguments(kwargs, exc, fragments):
    model, X, y, _ = regression()
    args = dict(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                batches=[(X, y)], loss_fn=F.mse_loss, progress=False)
    args.update(kwargs)
    with pytest.raises(exc) as info:
        lr_range_test(**args)
    for fragment in fragments:
        assert fragment in str(info.value)


SUGGESTION_ERRORS = [
    (dict(method="fastest"), ValueError, ["method", "'fastest'", "steepest", "valley", "upper"]),
    (dict(skip_start=-1), ValueError, ["skip_start", ">= 0"]),
    (dict(skip_end=2.5), TypeError, ["skip_end", "int"]),
    (dict(skip_start=8), ValueError, ["too few points", "skip_start=8", ">= 3"]),
]


@pytest.mark.parametrize("kwargs,exc,fragments", SUGGESTION_ERRORS)
def test_bad_suggestion_arguments(kwargs, exc, fragments):
    r = make_result(np.linspace(2, 1, 12))
    with pytest.raises(exc) as info:
        r.suggestion(**kwargs)
    for fragment in fragments:
        assert fragment in str(info.value)
