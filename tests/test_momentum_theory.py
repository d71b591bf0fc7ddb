"""Momentum theory against numpy's eigenvalues, against torch's SGD, and against brute force."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from lrcourse.teaching import momentum_theory as mt
from lrcourse.teaching.landscapes import quadratic, trajectory

rng = np.random.default_rng(0)
# (alpha, beta, lam) spread over every region; s = alpha * lam up to 4.5
GRID = [(float(s / lam), float(b), float(lam))
        for lam in (0.01, 0.2, 1.0, 4.0)
        for s, b in zip(rng.uniform(0.01, 4.5, 60), rng.uniform(0.0, 0.99, 60))]


def spectral_radius(alpha, beta, lam):
    r = np.array([[beta, lam], [-alpha * beta, 1 - alpha * lam]])  # written out independently
    return np.abs(np.linalg.eigvals(r)).max()


@pytest.mark.parametrize("alpha,beta,lam", GRID[::7])
def test_matrix_maps_one_torch_momentum_step(alpha, beta, lam):
    # (z, x) after one step of torch.optim.SGD(momentum=beta) from buffer z: z' = beta z + lam x
    x = torch.tensor([1.3], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([x], lr=alpha, momentum=beta)
    (0.5 * lam * x ** 2).sum().backward()
    opt.step()  # first step: buffer = gradient = lam * 1.3 (z_0 = 0)
    z1 = opt.state[x]["momentum_buffer"].item()
    np.testing.assert_allclose(mt.iteration_matrix(alpha, beta, lam) @ [0.0, 1.3], [z1, x.item()], rtol=1e-13)


@pytest.mark.parametrize("alpha,beta,lam", GRID[3::9])
def test_nesterov_matrix_maps_three_torch_nesterov_steps(alpha, beta, lam):
    x = torch.tensor([1.3], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([x], lr=alpha, momentum=beta, nesterov=True)
    for _ in range(3):
        opt.zero_grad()
        (0.5 * lam * x ** 2).sum().backward()
        opt.step()
    z3 = opt.state[x]["momentum_buffer"].item()
    r = mt.iteration_matrix(alpha, beta, lam, nesterov=True)
    np.testing.assert_allclose(np.linalg.matrix_power(r, 3) @ [0.0, 1.3], [z3, x.item()], rtol=1e-10, atol=1e-12)


def nesterov_radius(s, beta):  # torch's Nesterov on lam = 1, written out: x' = x - s (x + beta z')
    return np.abs(np.linalg.eigvals([[beta, 1.0], [-s * beta * beta, 1 - s * (1 + beta)]])).max()


@pytest.mark.parametrize("beta", [0.0, 0.1, 0.5, 0.8, 0.95, 0.99])
@pytest.mark.parametrize("nesterov", [False, True])
def test_stability_limit_is_where_the_spectral_radius_crosses_one(beta, nesterov):
    limit = mt.stability_limit(beta, nesterov=nesterov)
    radius = nesterov_radius if nesterov else (lambda s, b: spectral_radius(s, b, 1.0))
    assert radius(0.999 * limit, beta) < 1 < radius(1.001 * limit, beta)
    if nesterov:
        assert limit == pytest.approx((2 + 2 * beta) / (1 + 2 * beta), rel=1e-12) and limit > 4 / 3
    flags = dict(momentum=beta, nesterov=nesterov and beta > 0)
    f = quadratic((2.0,), start=(1.0,))
    inside = trajectory(torch.optim.SGD, f, None, 3000, lr=0.98 * limit / 2.0, **flags)
    outside = trajectory(torch.optim.SGD, f, None, 3000, lr=1.02 * limit / 2.0, **flags)
    assert abs(inside[-1, 0]) < 1e-3 and not abs(outside[-1, 0]) < 1e3


def test_vectorised_rate_equals_numpy_spectral_radius():
    a, b, l = map(np.array, zip(*GRID))
    np.testing.assert_allclose(mt.convergence_rate(a, b, l), [spectral_radius(*g) for g in GRID], rtol=1e-9)
    s1, s2 = mt.eigenvalues(a, b, l)
    np.testing.assert_allclose(s1 * s2, b, atol=1e-12)  # det R = beta
    np.testing.assert_allclose(s1 + s2, 1 + b - a * l, atol=1e-12)  # trace R


@pytest.mark.parametrize("alpha,beta,lam", GRID)
def test_converges_iff_rate_below_one_and_region_matches_eigenvalues(alpha, beta, lam):
    rho = spectral_radius(alpha, beta, lam)
    assert mt.converges(alpha, beta, lam) == (rho < 1)
    sig = np.linalg.eigvals(np.array([[beta, lam], [-alpha * beta, 1 - alpha * lam]]))
    if rho >= 1:
        expected = "divergence"
    elif np.abs(sig.imag).max() > 1e-12:
        expected = "ripples"
    elif sig.real.min() < 0:
        expected = "oscillation"
    else:
        expected = "monotone"
    assert mt.region(alpha, beta, lam) == expected


def test_one_step_convergence_point():
    assert mt.region(2.0, 0.0, 0.5) == "1-step"
    assert mt.convergence_rate(2.0, 0.0, 0.5) == pytest.approx(0.0, abs=1e-12)
    path = trajectory("sgd", quadratic((0.5,), start=(3.0,)), None, 1, lr=2.0)
    assert path[1, 0] == 0.0


@pytest.mark.parametrize("alpha,lam", [(0.5, 1.0), (0.1, 0.2), (3.0, 0.01), (0.01, 4.0)])
def test_critical_damping_is_the_double_root_and_fastest_monotone(alpha, lam):
    beta = mt.critical_beta(alpha, lam)
    assert (1 + beta - alpha * lam) ** 2 - 4 * beta == pytest.approx(0.0, abs=1e-12)
    assert mt.convergence_rate(alpha, beta, lam) == pytest.approx(1 - np.sqrt(alpha * lam), rel=1e-6)
    others = np.linspace(0, 0.99, 199)
    assert mt.convergence_rate(alpha, beta, lam) <= mt.convergence_rate(alpha, others, lam).min() + 1e-6


@pytest.mark.parametrize("lams", [(0.2, 4.0), (0.01, 0.1, 1.0), (1.0, 100.0)])
def test_optimal_parameters_reach_polyak_rate_and_beat_a_grid(lams):
    alpha, beta = mt.optimal_parameters(min(lams), max(lams))
    rk = np.sqrt(max(lams) / min(lams))
    worst = max(spectral_radius(alpha, beta, lam) for lam in lams)
    assert worst == pytest.approx((rk - 1) / (rk + 1), rel=1e-6)
    m = mt.rate_map(np.linspace(1e-3, 2.5 / min(lams), 150), np.linspace(0, 0.99, 100), lams)
    assert m.rate.min() >= worst - 1e-6


def test_rate_map_is_the_worst_eigenvalue_on_the_grid():
    alphas, betas, lams = np.linspace(0.05, 1, 7), np.linspace(0, 0.95, 5), (0.2, 4.0)
    m = mt.rate_map(alphas, betas, lams)
    assert m.rate.shape == (5, 7)
    for j, b in enumerate(betas):
        for i, a in enumerate(alphas):
            assert m.rate[j, i] == pytest.approx(max(spectral_radius(a, b, l) for l in lams), rel=1e-9)


@pytest.mark.parametrize("alpha,beta", [(0.4, 0.5), (0.6, 0.25), (1.5, 0.9), (0.9, 0.0)])
def test_error_components_equal_torch_sgd_on_the_quadratic(alpha, beta):
    lams, x0 = (0.01, 0.1, 1.0), (1.0, -2.0, 0.5)
    expected = trajectory(torch.optim.SGD, quadratic(lams, start=x0), None, 60, lr=alpha, momentum=beta)
    np.testing.assert_allclose(mt.error_components(alpha, beta, lams, x0, 60), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("alpha,beta,lam", [(0.5, 0.6, 1.0), (1.6, 0.1, 1.0), (0.2, 0.0, 1.0), (0.1, 0.9, 4.0)])
def test_rate_is_the_observed_decay(alpha, beta, lam):
    comps = mt.error_components(alpha, beta, [lam], [1.0], 400)[:, 0]
    r = mt.iteration_matrix(alpha, beta, lam)
    observed = np.linalg.norm(np.linalg.matrix_power(r, 400), 2) ** (1 / 400)
    assert observed == pytest.approx(mt.convergence_rate(alpha, beta, lam), rel=0.02)
    assert np.abs(comps[-50:]).max() <= 10 * mt.convergence_rate(alpha, beta, lam) ** 350 + 1e-300


ERRORS = [
    (lambda: mt.convergence_rate(0.0, 0.5, 1.0), ["alpha", "0.0", "> 0"]),
    (lambda: mt.convergence_rate(-1.0, 0.5, 1.0), ["alpha", "-1.0", "> 0"]),
    (lambda: mt.convergence_rate(0.1, 1.0, 1.0), ["beta", "1.0", "[0, 1)"]),
    (lambda: mt.convergence_rate(0.1, -0.1, 1.0), ["beta", "-0.1", "[0, 1)"]),
    (lambda: mt.convergence_rate(0.1, 0.5, 0.0), ["lam", "0.0", "> 0"]),
    (lambda: mt.region(0.1, 0.5, float("nan")), ["lam", "nan", "> 0"]),
    (lambda: mt.iteration_matrix(float("inf"), 0.5, 1.0), ["alpha", "inf", "finite"]),
    (lambda: mt.critical_beta(2.0, 1.0), ["alpha*lam", "<= 1", "alpha=2.0"]),
    (lambda: mt.optimal_parameters(4.0, 0.2), ["lam_min", "<= lam_max", "4.0"]),
    (lambda: mt.optimal_parameters(-1.0, 2.0), ["lam", "-1.0", "> 0"]),
    (lambda: mt.error_components(0.1, 0.5, [1.0, 2.0], [1.0], 5), ["x0", "[1.0]", "2"]),
    (lambda: mt.error_components(0.1, 0.5, [1.0], [1.0], -3), ["steps", "-3", ">= 0"]),
    (lambda: mt.stability_limit(1.0, nesterov=True), ["beta", "1.0", "[0, 1)"]),
    (lambda: mt.iteration_matrix(0.1, 0.5, -2.0, nesterov=True), ["lam", "-2.0", "> 0"]),
]


@pytest.mark.parametrize("call,parts", ERRORS)
def test_bad_input_raises_value_error_naming_argument(call, parts):
    with pytest.raises(ValueError) as info:
        call()
    for part in parts:
        assert part in str(info.value)


@pytest.mark.parametrize("lams,n_text", [(1.0, 5), ((0.2, 4.0), 0)])
def test_plot_rate_map_has_map_boundaries_labels_and_mark(lams, n_text):
    ax = mt.plot_rate_map(lams, mark=(0.4, 0.5), n=40)
    assert ax.collections and ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    texts = {t.get_text() for t in ax.texts}
    if n_text:
        assert {"monotone", "ripples", "oscillation", "divergence", "1-step"} <= texts
    labels = [line.get_label() for line in ax.get_lines()]
    assert any("critical damping" in s for s in labels) and any("divergence boundary" in s for s in labels)
    rate = max(spectral_radius(0.4, 0.5, lam) for lam in np.atleast_1d(lams))
    assert any(f"rate {rate:.3f}" in s for s in labels)
    plt.close(ax.figure)


def test_plot_rate_map_colours_log_one_minus_rate_and_greys_out_divergence():
    from matplotlib.colors import LogNorm

    lams, n = (0.2, 4.0), 40
    ax = mt.plot_rate_map(lams, n=n)
    mesh = ax.collections[0]
    amax = 4.2 / max(lams)  # the default range plot_rate_map draws
    rate = np.array([[max(spectral_radius(a, b, lam) for lam in lams) for a in np.linspace(amax / n, amax, n)]
                     for b in np.linspace(0, 0.995, n)])
    shown = np.ma.asarray(mesh.get_array()).reshape(rate.shape)
    diverged, converged = rate > 1 + 1e-9, rate < 1 - 1e-9  # cells on the boundary may round either way
    assert diverged.any() and converged.any()
    assert np.ma.getmaskarray(shown)[diverged].all() and not np.ma.getmaskarray(shown)[converged].any()
    np.testing.assert_allclose(shown.data[converged], 1 - rate[converged], rtol=1e-7, atol=1e-12)
    # the slow rates, where the steps are spent, get half of the colour scale: 0.9 vs 0.99 is 0.5 apart
    assert isinstance(mesh.norm, LogNorm) and (mesh.norm.vmin, mesh.norm.vmax) == (0.01, 1.0)
    assert np.isclose(mesh.norm(1 - 0.9) - mesh.norm(1 - 0.99), 0.5)
    ax.figure.canvas.draw()
    bar = ax.figure.axes[-1]
    ticks = [t.get_text() for t in bar.get_yticklabels()]
    assert {"0", "0.5", "0.9", "0.99"} <= set(ticks), ticks  # labelled in rates, not in 1 - rate
    plt.close(ax.figure)
