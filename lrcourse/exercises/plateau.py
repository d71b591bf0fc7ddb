"""check_plateau: a student's plateau detector against torch's ``ReduceLROnPlateau``.

The protocol a student implements: ``cls(lr, **settings)`` with ReduceLROnPlateau's settings
(``mode``, ``factor``, ``patience``, ``threshold``, ``threshold_mode``, ``cooldown``,
``min_lr``, ``eps``), and ``step(metric)`` that takes one epoch's metric and returns the lr
for the next epoch. Torch's lr is read from its optimizer after each ``step(metric)``.

>>> from lrcourse.exercises.sequence_hints import Plateau
>>> result = check_plateau(Plateau, lr=0.1, patience=2, cooldown=1)
>>> bool(result), result.message[-33:]
(True, 'on 3 metric sequences × 40 epochs')
"""
from __future__ import annotations

import numpy as np
import torch
from torch.optim.lr_scheduler import ReduceLROnPlateau

from .. import checks
from .hints import first_match, numeric_hint
from .result import (CheckResult, as_float, call, expected_got, first_difference, name_of, number, returns_failures,
                     shown)
from .schedules import with_defaults
from .sequence_hints import NON_FINITE_PLATEAU, PLATEAU_MISTAKES, Plateau

EPOCHS = 40
NEAR = (3, 0.5, 0.1, -1, 0, 2, 0.5, 0.5, 0.1, 4, 0, 0, 0, 0.9, 1.1)  # improvements, in thresholds


def metric_sequences(mode: str = "min", threshold: float = 1e-4, threshold_mode: str = "rel") -> dict:
    """Three metric sequences of ``EPOCHS`` values that improve in the sense of ``mode``:
    a noisy curve, a flat one (cut after cut), one that moves by fractions of the threshold."""
    t = np.arange(EPOCHS)
    noisy = 1 / (1 + 0.2 * t) + 0.02 * np.random.default_rng(0).standard_normal(EPOCHS)
    sign = 1 if mode == "max" else -1
    moves = sign * (threshold or 1e-3) * np.resize(NEAR, EPOCHS)
    near = 0.2 * np.cumprod(1 + moves) if threshold_mode == "rel" else 0.2 + np.cumsum(moves)
    return {"noisy": 2 - noisy if mode == "max" else noisy, "flat": np.ones(EPOCHS), "near the threshold": near}


def torch_plateau_lrs(metrics, lr: float, settings: dict) -> list:
    """The lr after each ``ReduceLROnPlateau.step(metric)`` for an SGD at ``lr``."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = ReduceLROnPlateau(opt, **settings)
    out = []
    for m in metrics:
        sched.step(m)
        out.append(float(opt.param_groups[0]["lr"]))
    return out


def _student_lrs(cls, name, lr, settings, seq, metrics, first):
    obj = call(f"{name}(lr, ...)", cls, lr, **settings)
    return [as_float(call(f"{name}.step({m:.6g}) (metric {k + 1} of '{seq}')", lambda m=m: obj.step(m)),
                     f"{name}.step({m:.6g})", first=first and k == 0) for k, m in enumerate(metrics)]


def _metrics(metrics) -> np.ndarray:
    try:
        values = np.asarray(metrics, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"metrics must be a sequence of numbers, got {metrics!r}") from None
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"metrics must be a non-empty 1-D sequence of numbers, got {metrics!r}")
    return values


@returns_failures
def check_plateau(cls, metrics=None, *, lr: float = 0.1, **settings) -> CheckResult:
    """Feed the same metrics to ``cls(lr, **settings)`` and to torch's ``ReduceLROnPlateau``; compare the lrs.

    Args:
        cls: the student's class: ``cls(lr, **settings)``, with ``step(metric) -> lr``.
        metrics: the metric sequence, or None (default) for :func:`metric_sequences`.
        lr: the starting lr, > 0 (default 0.1).
        **settings: ReduceLROnPlateau's arguments (``mode``, ``patience``, ``cooldown``, ``threshold``, ...).

    Returns:
        CheckResult: truthy when the lr after every metric agrees; otherwise the first sequence
        and epoch that differ (a nan or inf where torch's lr is finite first), the expected and
        obtained lr, and a hint when the numbers are those of a known mistake (patience off by
        one, cooldown or threshold ignored, ...; nan or inf: its usual causes).
    """
    lr = checks.positive("lr", lr)
    full = with_defaults(ReduceLROnPlateau, settings)
    try:
        torch_plateau_lrs([1.0], lr, settings)
    except (TypeError, ValueError) as err:
        raise ValueError(f"settings {settings} are refused by ReduceLROnPlateau: {err}") from err
    seqs = (metric_sequences(full["mode"], full["threshold"], full["threshold_mode"]) if metrics is None
            else {"your metrics": _metrics(metrics)})
    args = ", ".join(f"{k}={v!r}" for k, v in settings.items())
    label = f"torch.optim.lr_scheduler.ReduceLROnPlateau({args}) with lr={lr:g}"
    if not isinstance(cls, type):
        return CheckResult("wrong type", f"expected a class with step(metric) -> lr, got {shown(cls)}")
    name = name_of(cls)

    def wrong(mistake):
        return Plateau(lr, **full, mistake=mistake)

    got = {s: _student_lrs(cls, name, lr, settings, s, m, first=i == 0) for i, (s, m) in enumerate(seqs.items())}
    for seq, values in seqs.items():
        expected = torch_plateau_lrs(values, lr, settings)
        diff = first_difference(got[seq], expected)
        if diff is not None:
            k = diff[0]
            variants = ((hint, lambda m=m: [v for s in seqs.values() for v in map(wrong(m).step, s)])
                        for m, (applies, hint) in PLATEAU_MISTAKES.items() if applies(full))
            hint = first_match(variants, [v for s in got.values() for v in s]) or numeric_hint(
                got[seq], expected, NON_FINITE_PLATEAU)
            where = f"metric {k + 1} of '{seq}'"
            recent = ", ".join(f"{m:.6g}" for m in values[max(0, k - 5):k + 1])
            return CheckResult("differs", f"{name} differs from {label} after {where} ({values[k]:.6g}): "
                               f"{expected_got(expected[k], got[seq][k], unit='lr ')}",
                               (("reference", label), ("first difference", f"after {where}"),
                                ("metrics up to there", recent), ("expected lr", number(expected[k])),
                                ("got", number(got[seq][k]))), hint)
    return CheckResult("match", f"{name} matches {label} on {len(seqs)} metric sequence{'s' if len(seqs) > 1 else ''}"
                       f" × {len(next(iter(seqs.values())))} epochs", (("reference", label),))
