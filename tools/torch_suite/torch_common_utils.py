"""The few names torch's ``test_lrscheduler.py`` takes from ``torch.testing._internal.common_utils``.

The installed torch ships that module, but it imports ``expecttest``, which the course does not
install; these stand-ins keep the vendored test file's body as torch wrote it:

* ``TestCase.assertEqual(expected, actual, msg=None, atol=None, rtol=None)``: numbers and 0-dim
  tensors compare by value with torch's float tolerances (rtol 1.3e-6, atol 1e-5 unless given),
  lists/tuples/dicts element by element, anything else with ``==``;
* ``parametrize`` / ``instantiate_parametrized_tests``: one test method per value, named
  ``<test>_<arg>_<index>``;
* ``skipIfTorchDynamo``: runs the test (no dynamo here); ``load_tests``: None (pytest collects).
"""
from __future__ import annotations

import math
import unittest

import torch

load_tests = None


def skipIfTorchDynamo(reason=""):  # noqa: N802 (torch's name)
    return lambda fn: fn


def _number(x):
    if isinstance(x, torch.Tensor) and x.dim() == 0:
        return x.item()
    return x


def _differ(expected, actual, atol, rtol, path="") -> str | None:
    """Where ``expected`` and ``actual`` differ ("" path: at the top), or None."""
    expected, actual = _number(expected), _number(actual)
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)) \
            and not isinstance(expected, bool) and not isinstance(actual, bool):
        if math.isclose(expected, actual, rel_tol=rtol, abs_tol=atol) or (math.isnan(expected) and math.isnan(actual)):
            return None
        return f"{path or 'value'}: expected {expected!r}, got {actual!r}"
    if isinstance(expected, torch.Tensor) or isinstance(actual, torch.Tensor):
        try:
            torch.testing.assert_close(torch.as_tensor(actual), torch.as_tensor(expected), atol=atol, rtol=rtol,
                                       check_dtype=False)
            return None
        except (AssertionError, TypeError, RuntimeError) as e:
            return f"{path or 'value'}: {e}"
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        if len(expected) != len(actual):
            return f"{path or 'value'}: lengths {len(expected)} != {len(actual)}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            where = _differ(e, a, atol, rtol, f"{path}[{i}]")
            if where:
                return where
        return None
    if isinstance(expected, dict) and isinstance(actual, dict) and type(expected) is dict is type(actual):
        if expected.keys() != actual.keys():
            return f"{path or 'value'}: keys {sorted(map(str, expected))} != {sorted(map(str, actual))}"
        for k in expected:
            where = _differ(expected[k], actual[k], atol, rtol, f"{path}[{k!r}]")
            if where:
                return where
        return None
    return None if expected == actual else f"{path or 'value'}: expected {expected!r}, got {actual!r}"


class TestCase(unittest.TestCase):
    def assertEqual(self, expected, actual, msg=None, atol=None, rtol=None, **kwargs):  # noqa: N802
        atol = 1e-5 if atol is None else atol
        rtol = 1.3e-6 if rtol is None else rtol
        where = _differ(expected, actual, atol, rtol)
        if where is not None:
            raise self.failureException(f"{msg}: {where}" if msg else where)


def parametrize(name, values):
    def mark(fn):
        fn.__dict__.setdefault("_parametrize", []).append((name, list(values)))
        return fn
    return mark


def instantiate_parametrized_tests(cls):
    for attr, fn in list(vars(cls).items()):
        grid = getattr(fn, "_parametrize", None)
        if not grid:
            continue
        delattr(cls, attr)
        cases = [("", {})]
        for name, values in grid:
            cases = [(f"{suffix}_{name}_{i}", {**kw, name: v}) for suffix, kw in cases for i, v in enumerate(values)]
        for suffix, kw in cases:
            def test(self, _fn=fn, _kw=kw):
                return _fn(self, **_kw)
            test.__name__ = attr + suffix
            setattr(cls, attr + suffix, test)
    return cls
