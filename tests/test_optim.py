"""lrcourse.optim: docstring examples run, from-scratch updates, and Yogi (no torch oracle)
against an independent NumPy implementation of d2l's equations.

The trajectory-level comparison with torch.optim is in test_optim_conformance.py; bad
arguments in test_optim_errors.py; signatures in test_signatures.py.
"""
from __future__ import annotations

import doctest
import importlib
import itertools

import numpy as np
import pytest
import torch

import lrcourse.optim
from lrcourse.optim import Yogi

TORCH_TWINS = ["SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW"]
MODULES = ["sgd", "adagrad", "rmsprop", "adadelta", "adam", "yogi"]


def test_all_exports_every_optimizer():
    assert set(TORCH_TWINS + ["Yogi"]) <= set(lrcourse.optim.__all__)
    for name in lrcourse.optim.__all__:
        assert hasattr(lrcourse.optim, name)
    for name in TORCH_TWINS + ["Yogi"]:
        assert issubclass(getattr(lrcourse.optim, name), torch.optim.Optimizer)


@pytest.mark.parametrize("module", ["__init__"] + MODULES)
def test_docstring_examples_run(module):
    mod = importlib.import_module("lrcourse.optim" if module == "__init__" else f"lrcourse.optim.{module}")
    result = doctest.testmod(mod, extraglobs={"torch": torch}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("name", TORCH_TWINS)
def test_never_calls_torch_optim_implementations(name, monkeypatch):
    """Break every torch.optim update function; lrcourse's optimizers still step."""

    def forbidden(*args, **kwargs):
        raise AssertionError("lrcourse called into torch.optim's implementation")

    for mod in ["sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamw"]:
        module = importlib.import_module(f"torch.optim.{mod}")
        for attr in dir(module):
            if attr.startswith(("_single_tensor_", "_multi_tensor_", "_fused_")) or attr == mod:
                monkeypatch.setattr(module, attr, forbidden)
    p = torch.nn.Parameter(torch.ones(3))
    p.grad = torch.ones(3)
    getattr(lrcourse.optim, name)([p], lr=0.1).step()
    assert not torch.equal(p.detach(), torch.ones(3))


@pytest.mark.parametrize("name", TORCH_TWINS)
@pytest.mark.parametrize("default_dtype", [torch.float32, torch.float64], ids=str)
def test_step_counter_stored_as_torch_stores_it(name, default_dtype):
    """``state['step']`` is a 0-d float tensor whose dtype follows torch's rule."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(default_dtype)
    try:
        states = []
        for module in (lrcourse.optim, torch.optim):
            p = torch.nn.Parameter(torch.ones(3))
            p.grad = torch.ones(3)
            opt = getattr(module, name)([p], lr=0.1, **({"momentum": 0.9} if name == "SGD" else {}))
            opt.step()
            states.append(opt.state[p])
    finally:
        torch.set_default_dtype(previous)
    ours, theirs = states
    assert ours.keys() == theirs.keys()
    if "step" in theirs:
        assert ours["step"].dtype == theirs["step"].dtype and ours["step"].shape == ()
        assert ours["step"].item() == theirs["step"].item() == 1


# ---- Yogi: an independent NumPy implementation of d2l's equations is the oracle ----

SHAPES = [(3, 4), ()]
_rng = np.random.default_rng(3)
X0 = [_rng.normal(size=s) for s in SHAPES]
TARGET = [_rng.normal(size=s) for s in SHAPES]
CURV = [_rng.uniform(0.1, 3.0, size=s) for s in SHAPES]


X0_IMAG = [_rng.normal(size=s) for s in SHAPES]
TARGET_IMAG = [_rng.normal(size=s) for s in SHAPES]


def yogi_numpy(steps, lr, betas, eps, weight_decay, maximize, x0=X0, target=TARGET, curv=CURV):
    """d2l 12.10.3: v <- b1 v + (1-b1) g; s <- s + (1-b2) g^2 sgn(g^2 - s); bias-corrected step."""
    b1, b2 = betas
    xs = [x.copy() for x in x0]
    v = [np.zeros_like(x) for x in xs]
    s = [np.zeros_like(x) for x in xs]
    path = []
    for t in range(1, steps + 1):
        for i, x in enumerate(xs):
            g = curv[i] * (x - target[i])  # gradient of 1/2 a (x - c)^2
            g = (-g if maximize else g) + weight_decay * x
            v[i] = b1 * v[i] + (1 - b1) * g
            s[i] = s[i] + (1 - b2) * g**2 * np.sign(g**2 - s[i])
            v_hat, s_hat = v[i] / (1 - b1**t), s[i] / (1 - b2**t)
            xs[i] = x - lr * v_hat / (np.sqrt(s_hat) + eps)
        path.append([x.copy() for x in xs])
    return path


def yogi_lrcourse(steps, complex_=False, **kwargs):
    """Yogi on 1/2 a |x - c|^2; ``complex_``: x = X0 + i X0_IMAG, c = TARGET + i TARGET_IMAG,
    returned as (real, imaginary) pairs."""
    x0 = [torch.complex(torch.tensor(x), torch.tensor(y)) if complex_ else torch.tensor(x) for x, y in zip(X0, X0_IMAG)]
    targets = [torch.complex(torch.tensor(c), torch.tensor(d)) if complex_ else torch.tensor(c)
               for c, d in zip(TARGET, TARGET_IMAG)]
    params = [torch.nn.Parameter(x) for x in x0]
    opt = Yogi(params, **kwargs)
    path = []
    for _ in range(steps):
        opt.zero_grad()
        sum(0.5 * (torch.tensor(a) * (p - c).abs() ** 2).sum() for p, a, c in zip(params, CURV, targets)).backward()
        opt.step()
        path.append([(torch.view_as_real(p) if complex_ else p).detach().numpy().copy() for p in params])
    return path


YOGI_CASES = [
    dict(lr=lr, betas=betas, eps=eps, weight_decay=wd, maximize=mx)
    for lr, betas, eps, wd, mx in itertools.product(
        [0.01, 0.1], [(0.9, 0.999), (0.5, 0.9), (0.0, 0.5)], [1e-3, 1e-8], [0, 0.05], [False, True]
    )
]


@pytest.mark.parametrize("kwargs", YOGI_CASES, ids=str)
def test_yogi_matches_numpy_reference(kwargs):
    for ours, ref in zip(yogi_lrcourse(40, **kwargs), yogi_numpy(40, **kwargs), strict=True):
        for a, b in zip(ours, ref):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("kwargs", YOGI_CASES[::3], ids=str)
def test_yogi_complex_treats_real_and_imaginary_parts_as_coordinates(kwargs):
    """torch's convention for complex parameters (view_as_real), checked against NumPy Yogi
    run on the real and imaginary parts as separate real coordinates."""
    pairs = dict(x0=[np.stack([x, y], -1) for x, y in zip(X0, X0_IMAG)],
                 target=[np.stack([c, d], -1) for c, d in zip(TARGET, TARGET_IMAG)],
                 curv=[np.stack([a, a], -1) for a in CURV])
    for ours, ref in zip(yogi_lrcourse(40, complex_=True, **kwargs), yogi_numpy(40, **kwargs, **pairs), strict=True):
        for a, b in zip(ours, ref):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def test_yogi_first_step_equals_adam():
    """From s_0 = 0 both second moments are (1 - beta2) g_1^2, so the first steps coincide."""
    steps = []
    for cls in (Yogi, torch.optim.Adam):
        p = torch.nn.Parameter(torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64))
        p.grad = torch.tensor([0.3, -4.0, 1e-3], dtype=torch.float64)
        cls([p], lr=0.1, betas=(0.8, 0.99), eps=1e-3).step()
        steps.append(p.detach())
    torch.testing.assert_close(steps[0], steps[1], rtol=1e-14, atol=0)


def test_yogi_second_moment_forgets_slowly_where_adam_forgets_fast():
    """After one huge gradient, small ones lower Yogi's s by exactly (1-b2) g^2 per step
    (sign(g^2 - s) = -1), while Adam's s shrinks by the factor b2: Yogi's effective step
    size grows far more slowly (the paper's motivation)."""
    b2, big, small = 0.9, 100.0, 0.1
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = Yogi([p], lr=1e-3, betas=(0.9, b2))
    p.grad = torch.tensor([big], dtype=torch.float64)
    opt.step()
    s_yogi = s_adam = opt.state[p]["exp_avg_sq"].item()
    assert s_yogi == pytest.approx((1 - b2) * big**2, rel=1e-14)  # s_0 = 0: first step as Adam's
    for _ in range(5):
        p.grad = torch.tensor([small], dtype=torch.float64)
        opt.step()
        s_yogi -= (1 - b2) * small**2
        s_adam = b2 * s_adam + (1 - b2) * small**2
        assert opt.state[p]["exp_avg_sq"].item() == pytest.approx(s_yogi, rel=1e-14)
    assert s_yogi > 1.5 * s_adam


def test_yogi_minimises_a_quadratic():
    params = [torch.nn.Parameter(torch.tensor(x)) for x in X0]
    opt = Yogi(params, lr=0.05)

    def loss():
        return sum(0.5 * (torch.tensor(a) * (p - torch.tensor(c)) ** 2).sum() for p, a, c in zip(params, CURV, TARGET))

    start = loss().item()
    for _ in range(500):
        opt.zero_grad()
        loss().backward()
        opt.step()
    assert loss().item() < 1e-3 * start
