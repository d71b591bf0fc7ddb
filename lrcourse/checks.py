"""Argument checks, for the whole library: one module, one message style.

Every check raises ``ValueError`` (wrong value) or ``TypeError`` (wrong kind of value)
with a message that names the argument, the value received and what is accepted, e.g.
``step_size must be an int >= 1, got 0`` or ``momentum must be a number in [0, 1), got 1.5``.
A degenerate setting torch accepts (``lr=0``, a zero-length phase) is not refused.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Iterable


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def real(name: str, value, *, low=None, high=None, low_open=False, high_open=False) -> float:
    """``value`` as a float inside ``[low, high]`` (ends open when ``*_open``)."""
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    accepted = f"a number in {'(' if low_open or low is None else '['}{lo}, {hi}{')' if high_open or high is None else ']'}"
    if not _is_real(value):
        raise TypeError(f"{name} must be {accepted}, got {value!r} of type {type(value).__name__}")
    v = float(value)
    bad = math.isnan(v) or (low is not None and (v < low or (low_open and v == low))) or (
        high is not None and (v > high or (high_open and v == high)))
    if bad:
        raise ValueError(f"{name} must be {accepted}, got {value!r}")
    return v


def positive(name: str, value) -> float:
    return real(name, value, low=0.0, low_open=True)


def nonnegative(name: str, value) -> float:
    return real(name, value, low=0.0)


def integer(name: str, value, *, low: int = 0, type_error: bool = True) -> int:
    """``value`` as an int >= ``low`` (floats and bools refused: TypeError, or ValueError
    with ``type_error=False`` where torch raises ValueError)."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise (TypeError if type_error else ValueError)(f"{name} must be an int >= {low}, got {value!r} of type {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


def choice(name: str, value, options) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, got {value!r}")
    return value


def milestones(name: str, values, *, ordered: bool = False) -> list[int]:
    """A list of ints >= 0 (in non-decreasing order when ``ordered``: equal neighbours make a
    phase of zero length, which is allowed)."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a list of ints, got {values!r}")
    out = [integer(f"{name}[{i}]", v) for i, v in enumerate(values)]
    if ordered and any(b < a for a, b in zip(out, out[1:])):
        raise ValueError(f"{name} must be in non-decreasing order, got {out}")
    return out


def flag(name: str, value) -> bool:
    """Flags are real bools: ``nesterov="False"`` is truthy and would silently mislead."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r} of type {type(value).__name__}")
    return value


def step(value):
    """A schedule's step: a number >= 0 (ints, or floats where a formula takes them)."""
    if value < 0:
        raise ValueError(f"step must be a number >= 0, got {value!r}")
    return value


def _tensor_value(name: str, value):
    """A Tensor hyperparameter's number, as torch's for-loop path takes it: one element, any shape."""
    if value.numel() != 1:
        raise ValueError(f"Tensor {name} must be 1-element, got a Tensor of shape {tuple(value.shape)}")
    return value.item()


def lr(value, *, zero: bool = True):
    """A learning rate: a number >= 0 (torch accepts 0: nothing moves, and a schedule may set it later;
    > 0 with ``zero=False``), or as in torch a 1-element Tensor, returned as it is (a scheduler then
    fills it in place)."""
    import torch

    check = nonnegative if zero else positive
    if isinstance(value, torch.Tensor):
        check("lr", _tensor_value("lr", value))
        return value
    return check("lr", value)


def betas(value) -> tuple:
    """``betas`` is a pair ``(beta1, beta2)``, each in [0, 1): numbers (returned as floats) or,
    as in torch, 1-element Tensors (returned as they are)."""
    import torch

    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), each in [0, 1), got {value!r}")
    out = []
    for i, beta in enumerate(value):
        number = _tensor_value(f"betas[{i}]", beta) if isinstance(beta, torch.Tensor) else beta
        checked = real(f"betas[{i}]", number, low=0.0, high=1.0, high_open=True)
        out.append(beta if isinstance(beta, torch.Tensor) else checked)
    return tuple(out)


def params(value: Iterable) -> list:
    """An optimizer's ``params``, materialised (a generator is consumed once); not empty."""
    import torch

    if isinstance(value, torch.Tensor):
        raise TypeError("params must be an iterable of tensors or of param-group dicts, got a single "
                        f"Tensor of shape {tuple(value.shape)}; wrap it in a list: [tensor]")
    value = list(value)
    if not value:
        raise ValueError("params is empty (got []); pass at least one tensor, e.g. model.parameters()")
    return value
