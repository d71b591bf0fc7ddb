"""lrcourse.ema against direct formulas: explicit weighted sums, bias correction, streaming."""
from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
import torch

import lrcourse.ema
from lrcourse.ema import EMA, effective_window, ema, ema_weights

BETAS = [0.0, 0.5, 0.9, 0.99, 0.999]
_rng = np.random.default_rng(0)
SEQUENCES = {
    "noise": _rng.normal(size=50),
    "trend": np.linspace(3.0, -1.0, 40) + 0.1 * _rng.normal(size=40),
    "single": np.array([2.5]),
    "matrix-rows": _rng.normal(size=(30, 2, 3)),  # averaged along the first axis
}


def weighted_sum(x, beta, t):
    """v_t = (1-beta) sum_{k=0}^{t-1} beta^k x_{t-k}, with x indexed from 1."""
    return sum((1 - beta) * beta**k * x[t - 1 - k] for k in range(t))


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("name", SEQUENCES)
@pytest.mark.parametrize("bias_correction", [False, True])
def test_ema_equals_explicit_weighted_sum(name, beta, bias_correction):
    x = SEQUENCES[name]
    got = ema(x, beta, bias_correction=bias_correction)
    expected = np.stack([weighted_sum(x, beta, t) for t in range(1, len(x) + 1)])
    if bias_correction:
        expected = expected / (1 - beta ** np.arange(1, len(x) + 1)).reshape((-1,) + (1,) * (x.ndim - 1))
    assert got.shape == x.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("beta", BETAS)
def test_bias_correction_makes_a_constant_exact_from_step_one(beta):
    x = np.full(25, 7.0)
    np.testing.assert_allclose(ema(x, beta, bias_correction=True), x, rtol=1e-12)
    plain = ema(x, beta)
    np.testing.assert_allclose(plain, 7.0 * (1 - beta ** np.arange(1, 26)), rtol=1e-12)  # biased towards 0


@pytest.mark.parametrize("beta", BETAS)
def test_weights_match_formula_and_sum_to_one_minus_beta_to_the_n(beta):
    n = 40
    w = ema_weights(beta, n)
    np.testing.assert_allclose(w, [(1 - beta) * beta**k for k in range(n)], rtol=1e-13, atol=1e-300)
    assert w.sum() == pytest.approx(1 - beta**n, rel=1e-12)
    x = SEQUENCES["noise"][:n]
    assert w @ x[::-1] == pytest.approx(ema(x, beta)[-1], rel=1e-12, abs=1e-14)  # weights on x_{t-k}


@pytest.mark.parametrize("beta, window", [(0.0, 1.0), (0.5, 2.0), (0.9, 10.0), (0.99, 100.0), (0.999, 1000.0)])
def test_effective_window(beta, window):
    assert effective_window(beta) == pytest.approx(window, rel=1e-12)
    # after one window the weight has fallen to about 1/e of the first one (exactly in the limit)
    if beta >= 0.99:
        n = round(window)
        assert ema_weights(beta, n + 1)[n] / ema_weights(beta, 1)[0] == pytest.approx(math.exp(-1), rel=0.01)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("bias_correction", [False, True])
@pytest.mark.parametrize("name", SEQUENCES)
def test_streaming_equals_array_form(name, beta, bias_correction):
    x = SEQUENCES[name]
    smooth = EMA(beta, bias_correction=bias_correction)
    streamed = np.stack([smooth.update(x_t) for x_t in x])
    np.testing.assert_allclose(streamed, ema(x, beta, bias_correction=bias_correction), rtol=1e-13, atol=1e-15)
    assert smooth.count == len(x)
    np.testing.assert_allclose(smooth.value, streamed[-1], rtol=0)


def test_streaming_accepts_tensors_and_resets():
    smooth = EMA(0.9)
    assert smooth.value is None and smooth.count == 0
    loss = torch.tensor(3.0, requires_grad=True) * 2  # a loss that still carries its graph
    assert smooth.update(loss) == pytest.approx(6.0)
    assert isinstance(smooth.value, float)
    smooth.reset()
    assert smooth.value is None and smooth.count == 0
    assert smooth.update(1.0) == pytest.approx(1.0)  # bias-corrected: exact from step 1
    assert "count=1" in repr(smooth)


def test_docstring_examples_run():
    result = doctest.testmod(lrcourse.ema)
    assert result.attempted > 0 and result.failed == 0


ERRORS = [
    (lambda: ema([1.0], 1.0), ValueError, ["beta", "1.0", "[0, 1)"]),
    (lambda: ema([1.0], -0.1), ValueError, ["beta", "-0.1", "[0, 1)"]),
    (lambda: ema([1.0], float("nan")), ValueError, ["beta", "nan", "[0, 1)"]),
    (lambda: ema([1.0], "0.9"), TypeError, ["beta", "'0.9'", "[0, 1)"]),
    (lambda: ema([1.0], True), TypeError, ["beta", "True", "[0, 1)"]),
    (lambda: ema(3.0, 0.9), ValueError, ["values", "3.0", "1-D"]),
    (lambda: ema(["a", "b"], 0.9), TypeError, ["values", "'a'", "numbers"]),
    (lambda: ema_weights(1.5, 3), ValueError, ["beta", "1.5", "[0, 1)"]),
    (lambda: ema_weights(0.9, 0), ValueError, ["n", "0", "int >= 1"]),
    (lambda: ema_weights(0.9, 2.5), ValueError, ["n", "2.5", "int >= 1"]),
    (lambda: effective_window(1.0), ValueError, ["beta", "1.0", "[0, 1)"]),
    (lambda: EMA(1.0), ValueError, ["beta", "1.0", "[0, 1)"]),
    (lambda: EMA(0.9, bias_correction="yes"), TypeError, ["bias_correction", "'yes'", "True or False"]),
    (lambda: EMA(0.9).update("x"), TypeError, ["x", "'x'", "numbers"]),
]


@pytest.mark.parametrize(
    "call, exc, pieces", ERRORS, ids=[f"{i}-{exc.__name__}-{pieces[0]}={pieces[1]}" for i, (_, exc, pieces) in enumerate(ERRORS)]
)
def test_bad_input_raises_clear_error(call, exc, pieces):
    with pytest.raises(exc) as info:
        call()
    for piece in pieces:
        assert piece in str(info.value), f"{piece!r} missing from: {info.value}"
