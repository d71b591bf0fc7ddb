"""lrcourse.train.clip_grad against torch.nn.utils: the clipped gradients and the returned norm, bit for bit.

Every case runs the same gradients through torch and through lrcourse and compares the
results exactly (dtype included, nan where torch has nan). One exception, said where it is
made: with grads of mixed dtypes torch sums the per-tensor norms in the order of its internal
(device, dtype) grouping, which is not the order of the parameters, so there the norm (and
the grads scaled by it) may differ in the last bit; they are compared to one ulp.
"""
from __future__ import annotations

import doctest
import math
import warnings

import pytest
import torch
import torch.nn.utils as tnu

import lrcourse.train.clip_grad
from lrcourse.train import clip_grad

INF = float("inf")
NORM_TYPES = [2.0, 1.0, 3.5, INF, -INF, 0.0, 0.5, -1.0, "inf", 2]
DTYPES = [torch.float32, torch.float64, torch.bfloat16]


def make(specs, dtype, seed=0):
    """Parameters from (shape, scale) specs; scale None leaves .grad None."""
    gen = torch.Generator().manual_seed(seed)
    params = []
    for shape, scale in specs:
        p = torch.zeros(shape, dtype=dtype, requires_grad=True)
        if scale is not None:
            p.grad = (scale * torch.randn(shape, generator=gen, dtype=torch.float64)).to(dtype)
        params.append(p)
    return params


def twin(params):
    """An independent copy (same values, same None grads) for the other library."""
    out = []
    for p in params:
        q = p.detach().clone().requires_grad_(p.requires_grad)
        q.grad = None if p.grad is None else p.grad.clone()
        out.append(q)
    return out


def same(a, b):
    torch.testing.assert_close(a, b, rtol=0, atol=0, equal_nan=True)


SETS = {
    "three tensors": [((4, 3), 1.0), ((5,), 0.3), ((2, 2, 2), 2.0)],
    "some grads None": [((4, 3), 1.0), ((7,), None), ((6,), 0.5), ((1,), None)],
    "one big one tiny": [((50, 20), 1e-3), ((1,), 10.0)],
    "with zeros": [((3,), 0.0), ((8,), 1.0)],
    "scalar param": [((), 3.0), ((4,), 1.0)],
}


def norm_of(params, norm_type):
    return float(tnu.get_total_norm([p.grad for p in params if p.grad is not None], norm_type))


@pytest.mark.parametrize("foreach", [None, True, False])
@pytest.mark.parametrize("factor", [0.1, 0.999, 1.0, 10.0, 0.0, -0.5])
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("norm_type", NORM_TYPES, ids=repr)
@pytest.mark.parametrize("name", SETS)
def test_clip_grad_norm_equals_torch(name, norm_type, dtype, factor, foreach):
    """max_norm below (0.1, 0.999), at and above (10) the norm, 0 and negative (torch accepts both)."""
    ours = make(SETS[name], dtype)
    theirs = twin(ours)
    max_norm = factor * norm_of(ours, norm_type)
    expected = tnu.clip_grad_norm_(theirs, max_norm, norm_type, foreach=foreach)
    got = clip_grad.clip_grad_norm_(ours, max_norm, norm_type, foreach=foreach)
    same(got, expected)
    for p, q in zip(ours, theirs):
        assert (p.grad is None) == (q.grad is None)
        if p.grad is not None:
            same(p.grad, q.grad)


def test_the_grid_clips_and_leaves_alone():
    """The grid above is not vacuous: below the norm the grads shrink, above it they stay."""
    for factor, shrinks in [(0.1, True), (10.0, False)]:
        params = make(SETS["three tensors"], torch.float64)
        before = [p.grad.clone() for p in params]
        norm = clip_grad.clip_grad_norm_(params, factor * norm_of(params, 2.0))
        after = clip_grad.get_total_norm([p.grad for p in params])
        if shrinks:
            assert float(after) == pytest.approx(0.1 * float(norm), rel=1e-5)
        else:
            assert all(torch.equal(a.grad, b) for a, b in zip(params, before))


@pytest.mark.parametrize("norm_type", NORM_TYPES, ids=repr)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_a_single_tensor_equals_torch(norm_type, dtype):
    (ours,) = make([((6, 5), 2.0)], dtype)
    (theirs,) = twin([ours])
    same(clip_grad.clip_grad_norm_(ours, 1.0, norm_type), tnu.clip_grad_norm_(theirs, 1.0, norm_type))
    same(ours.grad, theirs.grad)
    clip_grad.clip_grad_value_(ours, 0.05)
    tnu.clip_grad_value_(theirs, 0.05)
    same(ours.grad, theirs.grad)


@pytest.mark.parametrize("default", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("params", [[], "all None", "single tensor without grad"])
def test_nothing_to_clip_returns_a_zero_of_the_default_dtype(params, default):
    def build():
        if params == "all None":
            return make([((3,), None), ((2,), None)], torch.float64)
        if params == "single tensor without grad":
            return torch.zeros(3, requires_grad=True)
        return []
    old = torch.get_default_dtype()
    torch.set_default_dtype(default)
    try:
        expected = tnu.clip_grad_norm_(build(), 1.0)
        got = clip_grad.clip_grad_norm_(build(), 1.0)
    finally:
        torch.set_default_dtype(old)
    same(got, expected)
    assert got.dtype == default


def test_an_empty_generator_warns_as_torch():
    for fn in (tnu.clip_grad_norm_, clip_grad.clip_grad_norm_):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fn((p for p in []), 1.0)
        assert [(w.category, str(w.message)) for w in caught] == [
            (UserWarning, "`parameters` is an empty generator, no gradient clipping will occur.")]
        assert caught[0].filename == __file__  # points at the caller


def test_a_generator_of_parameters_is_read_once_and_clipped():
    ours = make(SETS["three tensors"], torch.float64)
    theirs = twin(ours)
    same(clip_grad.clip_grad_norm_((p for p in ours), 0.5), tnu.clip_grad_norm_((p for p in theirs), 0.5))
    for p, q in zip(ours, theirs):
        same(p.grad, q.grad)


@pytest.mark.parametrize("norm_type", NORM_TYPES, ids=repr)
def test_mixed_dtypes_equal_torch_to_one_ulp(norm_type):
    """torch groups by dtype in its own order before summing the norms: one ulp of float64."""
    ours = make([((4,), 1.0)], torch.float32) + make([((3,), 2.0)], torch.float64, seed=1) \
        + make([((5,), 0.5)], torch.float32, seed=2)
    theirs = twin(ours)
    expected = tnu.clip_grad_norm_(theirs, 0.3, norm_type)
    got = clip_grad.clip_grad_norm_(ours, 0.3, norm_type)
    assert got.dtype == expected.dtype == torch.float64
    torch.testing.assert_close(got, expected, rtol=2.3e-16, atol=0, equal_nan=True)
    for p, q in zip(ours, theirs):
        eps = torch.finfo(p.dtype).eps
        torch.testing.assert_close(p.grad, q.grad, rtol=eps, atol=0, equal_nan=True)


BAD_GRADS = {"inf": INF, "-inf": -INF, "nan": float("nan")}


@pytest.mark.parametrize("norm_type", [2.0, 1.0, INF, -INF, 0.0], ids=repr)
@pytest.mark.parametrize("bad", BAD_GRADS)
def test_nonfinite_grads_scale_as_torch_or_raise_as_torch(bad, norm_type):
    ours = make(SETS["three tensors"], torch.float32)
    ours[1].grad[2] = BAD_GRADS[bad]
    theirs = twin(ours)
    same(clip_grad.clip_grad_norm_(ours, 1.0, norm_type), tnu.clip_grad_norm_(theirs, 1.0, norm_type))
    for p, q in zip(ours, theirs):
        same(p.grad, q.grad)

    ours = make(SETS["three tensors"], torch.float32)
    ours[1].grad[2] = BAD_GRADS[bad]
    theirs = twin(ours)
    before = twin(ours)
    try:
        expected = tnu.clip_grad_norm_(theirs, 1.0, norm_type, error_if_nonfinite=True)
    except RuntimeError:
        expected = None
    if expected is None:
        with pytest.raises(RuntimeError, match=r"^the total norm of order .* is (inf|nan), so they cannot"
                                               r" be clipped; pass error_if_nonfinite=False"):
            clip_grad.clip_grad_norm_(ours, 1.0, norm_type, error_if_nonfinite=True)
        for p, b in zip(ours, before):
            same(p.grad, b.grad)  # untouched, as torch leaves them
    else:  # the -inf norm (the smallest |g|) and the 0 "norm" (a count) can stay finite
        same(clip_grad.clip_grad_norm_(ours, 1.0, norm_type, error_if_nonfinite=True), expected)
        for p, q in zip(ours, theirs):
            same(p.grad, q.grad)
    assert (expected is None) or norm_type in (-INF, 0.0)  # the 1, 2, inf norms do raise


@pytest.mark.parametrize("norm_type", NORM_TYPES, ids=repr)
@pytest.mark.parametrize("error_if_nonfinite", [False, True])
def test_get_total_norm_equals_torch(norm_type, error_if_nonfinite):
    grads = [p.grad for p in make(SETS["three tensors"], torch.float64)]
    same(clip_grad.get_total_norm(grads, norm_type, error_if_nonfinite),
         tnu.get_total_norm(grads, norm_type, error_if_nonfinite))


def test_clip_grads_with_norm_equals_torch():
    ours = make(SETS["some grads None"], torch.float32)
    theirs = twin(ours)
    norm = tnu.get_total_norm([p.grad for p in ours if p.grad is not None])
    clip_grad.clip_grads_with_norm_(ours, 0.2, norm)
    tnu.clip_grads_with_norm_(theirs, 0.2, norm)
    for p, q in zip(ours, theirs):
        if p.grad is not None:
            same(p.grad, q.grad)


@pytest.mark.parametrize("foreach", [None, True, False])
@pytest.mark.parametrize("clip_value", [0.0, 1e-3, 0.5, 3.0, 1e9, -0.5, float("nan"), "0.25", INF])
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", SETS)
def test_clip_grad_value_equals_torch(name, dtype, clip_value, foreach):
    ours = make(SETS[name], dtype)
    ours[0].grad.view(-1)[0] = float("nan")  # nan stays nan
    theirs = twin(ours)
    assert clip_grad.clip_grad_value_(ours, clip_value, foreach=foreach) is None
    tnu.clip_grad_value_(theirs, clip_value, foreach=foreach)
    for p, q in zip(ours, theirs):
        if p.grad is not None:
            same(p.grad, q.grad)


def test_clip_grad_value_does_clip():
    (p,) = make([((100,), 1.0)], torch.float64)
    assert p.grad.abs().max() > 0.5
    clip_grad.clip_grad_value_(p, 0.5)
    assert p.grad.abs().max() == 0.5


BAD_ARGS = [  # (call with torch's function in place of fn, argument named, value)
    (lambda fn, ps: fn(ps, "abc"), "max_norm", "abc"),
    (lambda fn, ps: fn(ps, None), "max_norm", None),
    (lambda fn, ps: fn(ps, 1.0, "two"), "norm_type", "two"),
    (lambda fn, ps: fn(ps, 1.0, [2.0]), "norm_type", [2.0]),
    (lambda fn, ps: fn([], "abc"), "max_norm", "abc"),  # refused with nothing to clip, as torch
]


@pytest.mark.parametrize("call, name, value", BAD_ARGS, ids=lambda x: repr(x) if not callable(x) else "")
def test_clip_grad_norm_refuses_what_torch_refuses(call, name, value):
    with pytest.raises((TypeError, ValueError)) as theirs:
        call(tnu.clip_grad_norm_, make(SETS["three tensors"], torch.float32))
    with pytest.raises(theirs.type) as ours:
        call(clip_grad.clip_grad_norm_, make(SETS["three tensors"], torch.float32))
    message = str(ours.value)
    assert "\n" not in message and message.startswith(f"{name} must be a number") and repr(value) in message


@pytest.mark.parametrize("value", ["abc", None, [0.5]], ids=repr)
def test_clip_grad_value_refuses_what_torch_refuses(value):
    with pytest.raises((TypeError, ValueError)) as theirs:
        tnu.clip_grad_value_(make(SETS["three tensors"], torch.float32), value)
    with pytest.raises(theirs.type, match=r"^clip_value must be a number .*got " + repr(value).replace("[", r"\[")):
        clip_grad.clip_grad_value_(make(SETS["three tensors"], torch.float32), value)


def test_clipping_a_grad_that_requires_grad_equals_torch():
    """Grads kept with create_graph=True require grad; both clip them under no_grad."""
    grads = []
    for fn in (clip_grad.clip_grad_norm_, tnu.clip_grad_norm_):
        w = torch.tensor([3.0, 4.0], dtype=torch.float64, requires_grad=True)
        (w.grad,) = torch.autograd.grad((w ** 3).sum(), w, create_graph=True)
        assert w.grad.requires_grad
        fn([w], 1.0)
        grads.append(w.grad.detach())
    same(*grads)


def test_docstring_examples():
    assert doctest.testmod(lrcourse.train.clip_grad).failed == 0
