"""What every check returns, and how a student's code is called without a traceback escaping.

A :class:`CheckResult` is truthy exactly when the student's code matches, prints as one
line (``✓ ...`` or ``✗ ... Hint: ...``) and renders as a short block in a notebook.

>>> r = CheckResult("match", "my_lr matches torch's StepLR over 40 steps")
>>> bool(r), str(r)
(True, "✓ my_lr matches torch's StepLR over 40 steps")
"""
from __future__ import annotations

import functools
import html
import numbers
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

KINDS = ("match", "differs", "not implemented", "error", "wrong type")
RTOL = 1e-9    # float64 runs of equal algebra agree to ~1e-15; a real mistake is far above this
ATOL = 1e-12   # times the size of the values compared (a decayed lr of 1e-17 is 0)
_HERE = str(Path(__file__).parent)
ZERO_DIVISION_HINT = ("the usual cause is a step counter that starts at 0: a schedule's 1/t or 1/√t at t = 0 "
                      "(t counts from 0 there: use t + 1), or bias correction's 1 − β⁰ = 0 (t counts from 1)")


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check.

    Args:
        kind: one of ``KINDS``: "match", "differs", "not implemented", "error", "wrong type".
        message: one line saying what was compared, or the first difference.
        details: ``(label, value)`` rows shown in the notebook block (default none).
        hint: the known mistake whose numbers the student's code reproduces, if any.
    """

    kind: str
    message: str
    details: tuple = ()
    hint: str | None = None

    def __bool__(self) -> bool:
        return self.kind == "match"

    def __str__(self) -> str:
        line = f"{'✓' if self else '✗'} {self.message}"
        return f"{line}. Hint: {self.hint}" if self.hint else line

    __repr__ = __str__

    def _rows(self):
        rows = list(self.details)
        return rows + [("hint", self.hint)] if self.hint else rows

    def _repr_markdown_(self) -> str:
        escape = functools.partial(re.sub, r"([\\`*_\[\]<>])", r"\\\1")  # a**b, t_cur, <lambda> as text
        head = f"**{'✓' if self else '✗'} {escape(self.message)}**"
        return "\n".join([head, ""] + [f"- *{label}*: {escape(str(value))}" for label, value in self._rows()])

    def _repr_html_(self) -> str:
        color = "#2e7d32" if self else "#c62828"
        rows = "".join(f"<tr><td style='text-align:left;padding-right:1em'><i>{html.escape(str(k))}</i></td>"
                       f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>" for k, v in self._rows())
        return (f"<div style='border-left:4px solid {color};padding:2px 8px'>"
                f"<b style='color:{color}'>{'✓' if self else '✗'}</b> {html.escape(self.message)}"
                f"{f'<table>{rows}</table>' if rows else ''}</div>")


class Failed(Exception):
    """Raised inside a check to stop it with ``result`` (caught by :func:`returns_failures`)."""

    def __init__(self, result: CheckResult):
        super().__init__(str(result))
        self.result = result


def returns_failures(check):
    """Turn a :class:`Failed` raised anywhere inside ``check`` into its returned result."""
    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        try:
            return check(*args, **kwargs)
        except Failed as failed:
            return failed.result
    return wrapper


def _where(err: BaseException) -> str:
    """' (line N in f)' for the innermost frame of the student's own code, if any."""
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if not f.filename.startswith(_HERE) and "site-packages" not in f.filename]
    return f" (line {frames[-1].lineno} in {frames[-1].name})" if frames else ""


def call(what: str, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``; the student's exception becomes a one-line failed result.

    ``what`` names the call in that line, e.g. ``"MyAdam.step()"``. NotImplementedError
    (the untouched skeleton) reads "not implemented yet"; a ZeroDivisionError comes with
    :data:`ZERO_DIVISION_HINT`, its usual cause.
    """
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as err:
        raise Failed(CheckResult("not implemented", f"not implemented yet: {what} raised NotImplementedError")) from err
    except Exception as err:  # the student's bug, reported in one line
        text = " ".join(str(err).split())
        text = text if len(text) <= 200 else text[:197] + "..."
        hint = ZERO_DIVISION_HINT if isinstance(err, ZeroDivisionError) else None
        raise Failed(CheckResult("error", f"{what} raised {type(err).__name__}: {text}{_where(err)}",
                                 hint=hint)) from err


def shown(value, width: int = 80) -> str:
    """``repr(value)`` on one line, cut to ``width`` characters."""
    text = " ".join(repr(value).split())
    return text if len(text) <= width else text[:width - 3] + "..."


def number(value) -> str:
    """A value as the messages print it: 10 significant digits."""
    return f"{float(value):.10g}"


def close(got, expected) -> np.ndarray:
    """Elementwise: equal to float64 rounding (NaN equals NaN), the tolerance scaled to ``expected``."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    finite = np.abs(expected[np.isfinite(expected)])
    scale = finite.max() if finite.size else 1.0
    return np.isclose(got, expected, rtol=RTOL, atol=ATOL * max(scale, 1e-300), equal_nan=True)


def name_of(fn) -> str:
    """How messages call the student's function or class: its name, or "fn" for a lambda."""
    name = getattr(fn, "__name__", None)
    return name if name and name != "<lambda>" else "fn"


def as_float(value, what: str, first: bool = False) -> float:
    """The student's return value as a float, else a failed result naming ``what`` returned what.

    ``None`` or ``...`` from the ``first`` call is the untouched skeleton: "not implemented yet".
    """
    if value is None or value is Ellipsis:
        if first:
            raise Failed(CheckResult("not implemented", f"not implemented yet: {what} returned {value!r}"))
        raise Failed(CheckResult("wrong type", f"{what} returned {shown(value)}: a branch without a return?"))
    real = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    scalar = getattr(value, "shape", None) == () and "bool" not in str(getattr(value, "dtype", "bool"))
    if not (real or scalar):
        raise Failed(CheckResult("wrong type", f"{what} returned {shown(value)} of type {type(value).__name__}; "
                                               "expected a number"))
    return float(value)


def lone_non_finite(got, expected) -> np.ndarray:
    """Elementwise: one side is nan or ±inf, the other a finite number."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    return np.isfinite(got) != np.isfinite(expected)


def first_difference(got, expected):
    """Index of the first element of ``got`` that differs from ``expected``, or None.

    A value that is nan or inf where the other side is finite comes before any other
    difference: it is never rounding, and the check's message and hint are about it.
    """
    bad = ~close(got, expected)
    for where in (bad & lone_non_finite(got, expected), bad):
        if where.any():
            return tuple(np.argwhere(where)[0])
    return None


def expected_got(expected, got, unit: str = "") -> str:
    """``"expected E, got G"`` for a message; a value that is nan or inf where the other is finite is marked.

    >>> expected_got(0.49, float("nan"))
    'expected 0.49, got nan (not a finite number)'
    """
    def mark(value, other):
        return number(value) + (" (not a finite number)" if np.isfinite(other) and not np.isfinite(value) else "")
    return f"expected {unit}{mark(expected, got)}, got {mark(got, expected)}"
