"""Newton–Schulz taken apart: torch's form bit-equal to torch's own function, the scalar map
against the singular values of the float64 iteration, and the bfloat16 differences' sizes."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.optim._muon import _zeropower_via_newtonschulz

from lrcourse.optim import newton_schulz
from lrcourse.teaching.orthogonalize import ns_differences, ns_iterate, ns_map, relative_difference, spectrum_matrix

SHAPES = [(16, 48), (48, 16), (30, 30), (120, 84)]
COEFFICIENTS = [(3.4445, -4.7750, 2.0315), (1.5, -0.5, 0.0)]  # Muon's quintic; the classic cubic


def matrix(shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("coefficients", COEFFICIENTS)
@pytest.mark.parametrize("steps", [0, 1, 5])
def test_addmm_form_in_bfloat16_is_torch_bit_for_bit(shape, coefficients, steps):
    G = matrix(shape)
    ours = ns_iterate(G, coefficients, steps)
    assert ours.dtype == torch.bfloat16
    assert torch.equal(ours, _zeropower_via_newtonschulz(G, coefficients, steps, 1e-7))
    assert torch.equal(ours, newton_schulz(G, coefficients, steps))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("coefficients", COEFFICIENTS)
def test_float64_iteration_maps_singular_values_through_the_polynomial(shape, coefficients):
    G = matrix(shape, seed=1).double()
    for form in ("addmm", "separate"):
        X = ns_iterate(G, coefficients, 5, dtype=torch.float64, form=form)
        want = np.sort(ns_map(torch.linalg.svdvals(G / G.norm()).numpy(), coefficients, 5))
        np.testing.assert_allclose(np.sort(np.abs(torch.linalg.svdvals(X).numpy())), np.sort(np.abs(want)),
                                   rtol=1e-10, atol=1e-12)


def test_ns_map_is_the_iterated_odd_polynomial():
    s = np.array([0.0, 1e-3, 0.1, 0.5, 1.0])
    p = lambda v: 3.4445 * v - 4.7750 * v ** 3 + 2.0315 * v ** 5  # noqa: E731
    np.testing.assert_allclose(ns_map(s, ns_steps=3), p(p(p(s))), rtol=1e-14)
    np.testing.assert_array_equal(ns_map(s, ns_steps=0), s)


@pytest.mark.parametrize("shape", SHAPES)
def test_bfloat16_differences_at_the_percent_level_a_missing_step_at_a_third(shape):
    d = ns_differences(matrix(shape, seed=2))
    assert 0.005 < d["separate vs addmm"] < 0.1
    assert 0.25 < d["4 steps vs 5"] and d["4 steps vs 5"] > 5 * d["separate vs addmm"]
    assert d["addmm (bfloat16) vs float64"] < d["separate (bfloat16) vs float64"] < 0.1


def test_relative_difference_and_spectrum_matrix():
    a = torch.tensor([3.0, 4.0])
    assert relative_difference(a * 1.1, a) == pytest.approx(0.1, rel=1e-6)
    G = spectrum_matrix(10, 20, decay=0.5)
    np.testing.assert_allclose(torch.linalg.svdvals(G).numpy(), 0.5 ** np.arange(10), rtol=1e-12)
    assert G.shape == (10, 20) and G.dtype == torch.float64


@pytest.mark.parametrize("call,error,words", [
    (lambda: ns_iterate(matrix((4, 4)), form="fused"), ValueError,
     "form must be one of 'addmm', 'separate', got 'fused'"),
    (lambda: ns_differences(matrix((4, 4)), ns_steps=0), ValueError, "ns_steps must be an int >= 1, got 0"),
    (lambda: spectrum_matrix(0, 4), ValueError, "rows must be an int >= 1, got 0"),
    (lambda: spectrum_matrix(4, 4, decay=1.5), ValueError, "decay must be a number in (0, 1]"),
])
def test_bad_arguments(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
