r"""check_ema: a student's exponential moving averages against :func:`lrcourse.ema.ema`.

The student's ``fn(xs)`` gets a float64 array :math:`x_1, \dots, x_n` and returns
:math:`v_1, \dots, v_n` with :math:`v_0 = 0`, :math:`v_t = \beta v_{t-1} + (1-\beta) x_t`,
divided by :math:`1-\beta^t` with bias correction. Three sequences: noisy, a ramp, a jump.

>>> from lrcourse.ema import ema
>>> print(check_ema(lambda xs: ema(xs, 0.9, bias_correction=True), 0.9, bias_correction=True))
✓ fn matches lrcourse.ema.ema(beta=0.9, bias_correction=True) on 3 sequences × 30 values
"""
from __future__ import annotations

import numpy as np

from ..ema import ema
from .. import checks
from .hints import first_match, numeric_hint
from .result import CheckResult, Failed, call, expected_got, first_difference, name_of, number, returns_failures, shown
from .sequence_hints import NON_FINITE_EMA, ema_variants

N = 30
SEQUENCES = {
    "noisy": 1 + 0.1 * np.arange(N) + np.random.default_rng(0).standard_normal(N),
    "ramp": np.arange(1.0, N + 1),
    "jump": np.where(np.arange(N) < 10, 1.0, 5.0),
}


def _averages(fn, name: str, xs: np.ndarray, first: bool) -> np.ndarray:
    out = call(f"{name}(xs)", fn, xs.copy())
    if out is None or out is Ellipsis:
        kind = "not implemented" if first else "wrong type"
        raise Failed(CheckResult(kind, f"{'not implemented yet: ' if first else ''}{name}(xs) returned {out!r}"))
    try:
        got = np.asarray(out.detach().cpu().numpy() if hasattr(out, "detach") else out, dtype=float)
    except (TypeError, ValueError):
        message = f"{name}(xs) returned {shown(out)}; expected {len(xs)} numbers"
        raise Failed(CheckResult("wrong type", message)) from None
    if got.shape != xs.shape:
        raise Failed(CheckResult("wrong type", f"{name}(xs) returned shape {got.shape} for {len(xs)} values; "
                                               f"expected {len(xs)} averages, one per value"))
    return got


@returns_failures
def check_ema(fn, beta: float, *, bias_correction: bool) -> CheckResult:
    """Compare ``fn(xs)`` with :func:`lrcourse.ema.ema` on :data:`SEQUENCES`.

    Args:
        fn: the student's function ``xs -> averages`` (a float64 array in; a list, array or tensor out).
        beta: the decay :math:`\\beta \\in [0, 1)` the student's function uses.
        bias_correction: whether ``fn`` divides by :math:`1-\\beta^t`.

    Returns:
        CheckResult: truthy when every average agrees to float64 rounding; otherwise the first
        sequence and t that differ (a nan or inf where the average is finite first), the expected
        and obtained value, and a hint when the numbers are those of a known mistake (or nan/inf:
        its usual causes).
    """
    beta = checks.real("beta", beta, low=0.0, high=1.0, high_open=True)
    bias_correction = checks.flag("bias_correction", bias_correction)
    if not callable(fn):
        return CheckResult("wrong type", f"expected a function xs -> averages, got {shown(fn)}")
    name, label = name_of(fn), f"lrcourse.ema.ema(beta={beta:g}, bias_correction={bias_correction})"
    got = {s: _averages(fn, name, xs, first=i == 0) for i, (s, xs) in enumerate(SEQUENCES.items())}
    for seq, xs in SEQUENCES.items():
        expected = ema(xs, beta, bias_correction=bias_correction)
        diff = first_difference(got[seq], expected)
        if diff is not None:
            t = diff[0]
            variants = [list(ema_variants(x, beta, bias_correction)) for x in SEQUENCES.values()]
            hint = first_match(((h, lambda i=i: np.concatenate([v[i][1] for v in variants]))
                                for i, (h, _) in enumerate(variants[0])), np.concatenate(list(got.values())))
            hint = hint or numeric_hint(got[seq], expected, NON_FINITE_EMA)
            where = f"the '{seq}' sequence at t={t + 1}"
            recent = ", ".join(f"{x:.4g}" for x in xs[max(0, t - 5):t + 1])
            return CheckResult("differs", f"{name} differs from {label} on {where}: "
                               f"{expected_got(expected[t], got[seq][t])}",
                               (("reference", label), ("first difference", where), ("values up to x_t", recent),
                                ("expected", number(expected[t])), ("got", number(got[seq][t]))), hint)
    return CheckResult("match", f"{name} matches {label} on {len(SEQUENCES)} sequences × {N} values",
                       (("reference", label), ("sequences", ", ".join(SEQUENCES))))
