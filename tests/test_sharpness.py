"""lrcourse.teaching.sharpness against the full Hessian: torch.autograd.functional.hessian, then eigvalsh.

Each problem is a loss of a list of tensors. The full Hessian is built by torch over the
flattened parameters and its spectrum taken with ``torch.linalg.eigvalsh`` (float64); the
power iteration must find the same top eigenvalue, and its Hessian-vector products must
equal ``H @ v``. Each test first asserts what makes its problem a fair one (the top
eigenvalue positive and standing out, or negative curvature dominating where that is the point).
"""
from __future__ import annotations

import doctest

import pytest
import torch

import lrcourse.teaching.sharpness
from lrcourse.teaching.sharpness import gd_with_sharpness, hessian_vector_product, top_eigenvalue

F64 = torch.float64


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def quadratic(eigenvalues, seed):
    """0.5 x'Ax + b'x with A = Q diag(eigenvalues) Q', Q a random rotation."""
    n = len(eigenvalues)
    q, _ = torch.linalg.qr(torch.randn(n, n, generator=_gen(seed), dtype=F64))
    a = q @ torch.diag(torch.tensor(eigenvalues, dtype=F64)) @ q.T
    b = torch.randn(n, generator=_gen(seed + 1), dtype=F64)

    def loss(ts):
        (x,) = ts
        return 0.5 * x @ a @ x + b @ x
    return loss, [torch.randn(n, generator=_gen(seed + 2), dtype=F64)]


def random_pd_quadratic(seed=0, n=8):
    """A random positive-definite quadratic: A = MM'/n + 0.1 I."""
    m = torch.randn(n, n, generator=_gen(seed), dtype=F64)
    a = m @ m.T / n + 0.1 * torch.eye(n, dtype=F64)

    def loss(ts):
        (x,) = ts
        return 0.5 * x @ a @ x
    return loss, [torch.randn(n, generator=_gen(seed + 1), dtype=F64)]


def logistic_regression(seed=0, points=12, dim=3):
    """Mean logistic loss on a few points, weights and bias as two tensors (convex)."""
    x = torch.randn(points, dim, generator=_gen(seed), dtype=F64) + 1.0  # off-centre: the bias couples
    y = (torch.rand(points, generator=_gen(seed + 1), dtype=F64) < 0.5).to(F64)

    def loss(ts):
        w, b = ts
        return torch.nn.functional.binary_cross_entropy_with_logits(x @ w + b, y)
    return loss, [0.3 * torch.randn(dim, generator=_gen(seed + 2), dtype=F64), torch.zeros(1, dtype=F64)]


def tiny_mlp(seed=0, points=8, dtype=F64):
    """A 2-4-1 tanh network's squared error on a few points, four tensors, at its initialisation."""
    x = torch.randn(points, 2, generator=_gen(seed), dtype=F64).to(dtype)
    y = torch.sin(x[:, :1] * 2.0)

    def loss(ts):
        w1, b1, w2, b2 = ts
        return ((torch.tanh(x @ w1.T + b1) @ w2.T + b2 - y) ** 2).mean()
    shapes = [(4, 2), (4,), (1, 4), (1,)]
    return loss, [torch.randn(s, generator=_gen(seed + 10 + i), dtype=F64).to(dtype) for i, s in enumerate(shapes)]


PROBLEMS = {
    "positive-definite quadratic": lambda: random_pd_quadratic(),
    "quadratic, spread spectrum": lambda: quadratic([10.0, 4.0, 3.0, 1.0, 0.5, 0.01], seed=3),
    "logistic regression": lambda: logistic_regression(),
    "tiny MLP": lambda: tiny_mlp(),
}


def as_params(tensors):
    return [t.detach().clone().requires_grad_(True) for t in tensors]


def full_hessian(loss, tensors):
    """torch's Hessian over the flattened parameters (the oracle), float64."""
    shapes = [t.shape for t in tensors]
    sizes = [t.numel() for t in tensors]

    def flat_loss(flat):
        return loss([part.reshape(s) for part, s in zip(flat.split(sizes), shapes)])
    flat = torch.cat([t.detach().reshape(-1) for t in tensors])
    return torch.autograd.functional.hessian(flat_loss, flat)


def flatten(ts):
    return torch.cat([t.reshape(-1) for t in ts])


def spectrum(name):
    loss, tensors = PROBLEMS[name]()
    h = full_hessian(loss, tensors)
    return loss, tensors, h, torch.linalg.eigh(h)


@pytest.mark.parametrize("name", PROBLEMS)
def test_top_eigenvalue_equals_eigvalsh(name):
    loss, tensors, h, (_, vectors) = spectrum(name)
    eigenvalues = torch.linalg.eigvalsh(h)
    top, second = float(eigenvalues[-1]), float(eigenvalues.abs().sort().values[-2])
    assert top > 0 and top > 1.2 * second, "not a fair problem: the top eigenvalue must stand out"
    params = as_params(tensors)
    lam, v = top_eigenvalue(lambda: loss(params), params, iters=3000, tol=1e-14, return_vector=True)
    assert isinstance(lam, float)
    assert lam == pytest.approx(top, rel=1e-10)
    assert [t.shape for t in v] == [p.shape for p in params]
    v = flatten(v)
    assert float(v.norm()) == pytest.approx(1.0, rel=1e-12)
    assert abs(float(v @ vectors[:, -1])) == pytest.approx(1.0, abs=1e-8)  # the top eigenvector, up to sign


@pytest.mark.parametrize("name", PROBLEMS)
def test_hessian_vector_product_equals_full_hessian_times_v(name):
    loss, tensors, h, _ = spectrum(name)
    params = as_params(tensors)
    for seed in range(3):
        vector = [torch.randn(p.shape, generator=_gen(100 + seed), dtype=F64) for p in params]
        got = hessian_vector_product(lambda: loss(params), params, vector)
        assert [g.shape for g in got] == [p.shape for p in params]
        torch.testing.assert_close(flatten(got), h @ flatten(vector), rtol=1e-12, atol=1e-12)


def test_the_quadratic_hessian_is_its_matrix():
    """The oracle itself: on 0.5 x'Ax torch's Hessian is A, and the answer the largest eigenvalue."""
    loss, tensors = quadratic([10.0, 4.0, 3.0, 1.0, 0.5, 0.01], seed=3)
    h = full_hessian(loss, tensors)
    assert float(torch.linalg.eigvalsh(h)[-1]) == pytest.approx(10.0, rel=1e-12)
    params = as_params(tensors)
    assert top_eigenvalue(lambda: loss(params), params, iters=3000, tol=1e-14) == pytest.approx(10.0, rel=1e-10)


@pytest.mark.parametrize("eigenvalues", [
    [-5.0, -1.0, 0.5, 2.0, 1.0, 0.1],      # negative curvature dominates: the largest |lambda| is -5
    [-3.0, -2.0, -0.5, -0.1],               # negative definite: lambda_max is -0.1
    [-4.0, 3.0, 0.2, 1.0],                  # negative dominates, a clear positive top
])
def test_largest_algebraic_eigenvalue_when_the_largest_magnitude_is_negative(eigenvalues):
    loss, tensors = quadratic(eigenvalues, seed=7)
    h = full_hessian(loss, tensors)
    spec = torch.linalg.eigvalsh(h)
    assert abs(float(spec[0])) > abs(float(spec[-1])), "not a fair problem: |lambda_min| must dominate"
    params = as_params(tensors)
    lam = top_eigenvalue(lambda: loss(params), params, iters=5000, tol=1e-15)
    assert lam == pytest.approx(float(spec[-1]), rel=1e-8, abs=1e-10)


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("iters", [1, 2, 3, 5])
def test_an_estimate_stopped_early_errs_low(name, iters):
    loss, tensors, _, (eigenvalues, _) = spectrum(name)
    params = as_params(tensors)
    lam = top_eigenvalue(lambda: loss(params), params, iters=iters, tol=0.0)
    assert float(eigenvalues[0]) - 1e-12 <= lam <= float(eigenvalues[-1]) * (1 + 1e-12)


@pytest.mark.parametrize("name", PROBLEMS)
def test_defaults_give_a_few_digits(name):
    loss, tensors, _, (eigenvalues, _) = spectrum(name)
    params = as_params(tensors)
    assert top_eigenvalue(lambda: loss(params), params) == pytest.approx(float(eigenvalues[-1]), rel=1e-3)


def test_float32_parameters():
    loss, tensors, _, (eigenvalues, _) = spectrum("tiny MLP")
    loss32, tensors32 = tiny_mlp(dtype=torch.float32)  # the same problem rounded to float32
    params = as_params(tensors32)
    lam, v = top_eigenvalue(lambda: loss32(params), params, iters=500, tol=1e-9, return_vector=True)
    assert all(t.dtype == torch.float32 for t in v)
    assert lam == pytest.approx(float(eigenvalues[-1]), rel=1e-4)


def test_a_parameter_the_loss_is_linear_in_has_a_zero_block():
    x = torch.tensor([1.0, -2.0], dtype=F64, requires_grad=True)
    c = torch.tensor([0.5], dtype=F64, requires_grad=True)
    unused = torch.zeros(3, dtype=F64, requires_grad=True)
    closure = lambda: 1.5 * (x ** 2).sum() + 3.0 * c.sum()  # noqa: E731  Hessian diag(3, 3, 0, 0, 0, 0)
    assert top_eigenvalue(closure, [x, c, unused], tol=1e-14) == pytest.approx(3.0, rel=1e-12)
    hv = hessian_vector_product(closure, [x, c, unused], [torch.ones(2, dtype=F64), torch.ones(1, dtype=F64),
                                                           torch.ones(3, dtype=F64)])
    assert [h.tolist() for h in hv] == [[3.0, 3.0], [0.0], [0.0, 0.0, 0.0]]
    assert top_eigenvalue(lambda: 2.0 * c.sum(), [c]) == 0.0  # linear loss: H = 0


def test_leaves_grads_and_the_global_rng_alone_and_calls_the_closure_once():
    loss, tensors = tiny_mlp()
    params = as_params(tensors)
    params[0].grad = torch.ones_like(params[0])
    calls = []

    def closure():
        calls.append(1)
        return loss(params)
    state = torch.get_rng_state()
    first = top_eigenvalue(closure, params, seed=3)
    assert torch.equal(torch.get_rng_state(), state)
    assert len(calls) == 1
    assert torch.equal(params[0].grad, torch.ones_like(params[0])) and params[1].grad is None
    assert top_eigenvalue(closure, params, seed=3) == first  # the seed makes it reproducible


def _x():
    return torch.ones(2, dtype=F64, requires_grad=True)


def _sq():
    return (_x() ** 2).sum()


BAD = [  # (call, exception, message start)
    (lambda: top_eigenvalue(_sq, [_x()], iters=0), ValueError, "iters must be an int >= 1, got 0"),
    (lambda: top_eigenvalue(_sq, [_x()], iters=2.5), TypeError, "iters must be an int >= 1, got 2.5"),
    (lambda: top_eigenvalue(_sq, [_x()], tol=-1e-3), ValueError, "tol must be a number in [0, inf), got -0.001"),
    (lambda: top_eigenvalue(_sq, [_x()], seed=-1), ValueError, "seed must be an int >= 0, got -1"),
    (lambda: top_eigenvalue(_sq, [_x()], return_vector="yes"), TypeError,
     "return_vector must be True or False, got 'yes'"),
    (lambda: top_eigenvalue(_sq, []), ValueError, "params is empty (got [])"),
    (lambda: top_eigenvalue(_sq, _x()), TypeError, "params must be an iterable of tensors"),
    (lambda: top_eigenvalue(lambda: 0.0, [torch.ones(2)]), ValueError,
     "params[0] must require grad (the Hessian is taken with respect to it), got a tensor of shape (2,)"),
    (lambda: top_eigenvalue(lambda: 0.0, [[1.0, 2.0]]), TypeError, "params[0] must be a tensor, got [1.0, 2.0]"),
    (lambda: top_eigenvalue(3.0, [_x()]), TypeError, "closure must be a function returning the loss, got 3.0"),
    (lambda: top_eigenvalue(lambda: _x() ** 2, [_x()]), ValueError,
     "closure() must return the loss as a one-element tensor, got Tensor(2,)"),
    (lambda: hessian_vector_product(_sq, [_x()], [torch.ones(3)]), ValueError,
     "vector must be tensors shaped like params, [(2,)], got [(3,)]"),
]


@pytest.mark.parametrize("call, error, start", BAD, ids=[b[2][:40] for b in BAD])
def test_bad_arguments_are_refused_in_one_line(call, error, start):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert message.startswith(start) and "\n" not in message


def test_docstring_examples():
    assert doctest.testmod(lrcourse.teaching.sharpness).failed == 0


# ----------------------------------------------------------------------------- gd_with_sharpness
def test_gd_with_sharpness_is_gradient_descent_on_a_quadratic():
    """x <- x - eta (Ax + b), step by step in closed form; the sharpness is eigvalsh's top value."""
    eigenvalues = [4.0, 1.5, 0.5, 0.1]
    loss, (x0,) = quadratic(eigenvalues, seed=5)
    x = x0.clone().requires_grad_(True)
    a = torch.autograd.functional.hessian(lambda v: loss([v]), x0)
    etas = [0.3 - 0.01 * t for t in range(12)]
    run = gd_with_sharpness(lambda: loss([x]), [x], lambda t: etas[t], 12, every=5, iters=200, tol=1e-14)
    want, ref = [], x0.clone()
    for t in range(13):
        want.append(float(loss([ref])))
        if t < 12:
            g = torch.autograd.functional.jacobian(lambda v: loss([v]), ref)
            ref = ref - etas[t] * g
    assert run.lr.tolist() == etas and run.diverged is None
    assert run.loss == pytest.approx(want, rel=1e-12, abs=1e-14)
    assert torch.allclose(x.detach(), ref, rtol=1e-12, atol=1e-14)
    assert run.sharpness_steps.tolist() == [0, 5, 10]
    top = torch.linalg.eigvalsh(a).max().item()
    assert top == pytest.approx(4.0, rel=1e-12) and run.sharpness == pytest.approx([top] * 3, rel=1e-9)


def test_gd_with_sharpness_stops_where_the_loss_diverges():
    """eta = 100 / lambda_max: x[0] grows 99x per step, the loss 99^(2t) > 1.8e308 (float64's max) from t = 78."""
    x = torch.ones(2, dtype=F64, requires_grad=True)
    run = gd_with_sharpness(lambda: 0.5 * (2.0 * x[0] ** 2 + x[1] ** 2), [x], 50.0, 1000, every=1000)
    assert run.diverged == 78
    assert len(run.loss) == run.diverged + 1 and not torch.isfinite(torch.tensor(run.loss[-1]))
    assert len(run.lr) == run.diverged and all(torch.isfinite(torch.tensor(run.loss[:-1])))
    assert run.sharpness_steps.tolist() == [0]


def test_gd_with_sharpness_counts_every_step_and_measures_the_last():
    x = torch.ones(2, dtype=F64, requires_grad=True)
    run = gd_with_sharpness(lambda: (x ** 2).sum(), [x], 0.1, 10, every=5)
    assert len(run.lr) == 10 and len(run.loss) == 11 and run.sharpness_steps.tolist() == [0, 5, 10]
    assert run.loss[-1] == pytest.approx(2 * 0.8 ** 20, rel=1e-12)  # x_t = 0.8^t, loss 2 x_t^2


GD_BAD = [
    (lambda: gd_with_sharpness(_sq, [_x()], -0.1, 5), ValueError, "lr must be a number in [0, inf), got -0.1"),
    (lambda: gd_with_sharpness(_sq, [_x()], 0.1, 0), ValueError, "steps must be an int >= 1, got 0"),
    (lambda: gd_with_sharpness(_sq, [_x()], 0.1, 5, every=0), ValueError, "every must be an int >= 1, got 0"),
    (lambda: gd_with_sharpness(_sq, [_x()], lambda t: -1.0, 5), ValueError,
     "lr(0) must be a finite number >= 0, got -1.0"),
    (lambda: gd_with_sharpness(_sq, [torch.ones(2)], 0.1, 5), ValueError, "params[0] must require grad"),
]


@pytest.mark.parametrize("call, error, start", GD_BAD, ids=[b[2][:40] for b in GD_BAD])
def test_gd_with_sharpness_refuses_in_one_line(call, error, start):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(start) and "\n" not in str(info.value)
