"""Argument checks and small helpers shared by the optimizers.

Every check raises with a message that names the argument, the value it got and what
is accepted, e.g. ``ValueError: momentum must be in [0, 1), got 1.5``. Some of these
refuse values torch silently accepts (``lr=0``, ``momentum=1``): they are almost always
a typo, and a course should say so instead of training a model that never moves.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from numbers import Real

import torch


def check_params(params: Iterable) -> list:
    """Materialise ``params`` (a generator is consumed once) and refuse an empty list."""
    if isinstance(params, torch.Tensor):
        raise TypeError(
            "params must be an iterable of tensors or of param-group dicts, got a single "
            f"Tensor of shape {tuple(params.shape)}; wrap it in a list: [tensor]"
        )
    params = list(params)
    if not params:
        raise ValueError(
            "params is empty (got []); pass at least one tensor, e.g. model.parameters()"
        )
    return params


def check_real(
    name: str,
    value,
    *,
    low: float = 0.0,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Check ``value`` is a real number (not a bool, not a Tensor) in the given interval.

    The interval reads ``[low, high]``; ``low_open``/``high_open`` exclude an endpoint.
    """
    left, right = "(" if low_open else "[", ")" if high_open or high == math.inf else "]"
    interval = f"{left}{low:g}, {'inf' if high == math.inf else f'{high:g}'}{right}"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"{name} must be a real number in {interval}, got {value!r} "
            f"of type {type(value).__name__}"
        )
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if math.isnan(value) or too_low or too_high:
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return float(value)


def check_lr(lr) -> float:
    """A learning rate is a float > 0 (torch accepts 0; a zero step does nothing)."""
    return check_real("lr", lr, low=0.0, low_open=True)


def check_flag(name: str, value) -> bool:
    """Flags are real bools: ``nesterov="False"`` is truthy and would silently mislead."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r} of type {type(value).__name__}")
    return value


def check_betas(betas) -> tuple[float, float]:
    """``betas`` is a pair ``(beta1, beta2)``, each in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), each in [0, 1), got {betas!r}")
    return (
        check_real("betas[0]", betas[0], high=1.0, high_open=True),
        check_real("betas[1]", betas[1], high=1.0, high_open=True),
    )


def new_step_counter() -> torch.Tensor:
    """The ``step`` state entry as torch stores it: a 0-d float tensor on the CPU
    (float64 when the default dtype is float64, else float32), so state_dicts move
    between torch's optimizers and ours."""
    dtype = torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
    return torch.tensor(0.0, dtype=dtype)


def dense_grad(p: torch.Tensor, optimizer: str) -> torch.Tensor:
    """``p.grad``, refusing sparse gradients (no optimizer here handles them)."""
    if p.grad.is_sparse:
        raise RuntimeError(f"{optimizer} does not support sparse gradients (param of shape {tuple(p.shape)})")
    return p.grad


def evaluate(closure: Callable[[], torch.Tensor] | None):
    """Run ``closure`` (which recomputes the loss and its gradients) with grad enabled."""
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()
