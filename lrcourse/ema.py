r"""Exponential moving averages: the idea behind momentum, RMSprop, Adam and smoothed loss curves.

.. math::
    v_0 = 0, \qquad v_t = \beta\, v_{t-1} + (1-\beta)\, x_t
        = (1-\beta) \sum_{k=0}^{t-1} \beta^k\, x_{t-k}

The weights :math:`(1-\beta)\beta^k` sum to :math:`1-\beta^t`, so early averages are
pulled towards 0; dividing by that sum, :math:`\hat v_t = v_t / (1-\beta^t)`, removes the
bias (Adam's bias correction): a constant sequence is then averaged exactly from step 1.
The weights fall to :math:`1/e` after about :math:`1/(1-\beta)` steps, the effective window.

Example:
    >>> ema([1.0, 1.0, 1.0], beta=0.5)
    array([0.5  , 0.75 , 0.875])
    >>> ema([1.0, 1.0, 1.0], beta=0.5, bias_correction=True)
    array([1., 1., 1.])
    >>> effective_window(0.75)
    4.0

References:
    Kingma, Ba (2015), "Adam: a method for stochastic optimization", section 3 (bias correction).
    Zhang et al., "Dive into Deep Learning", section 12.6.3 "Leaky averages" (momentum).
"""
from __future__ import annotations

import numpy as np

from . import checks


def _check_beta(beta) -> float:
    return checks.real("beta", beta, low=0.0, high=1.0, high_open=True)


def _as_array(values, name: str) -> np.ndarray:
    if hasattr(values, "detach"):  # a torch tensor, possibly requiring grad
        values = values.detach().cpu().numpy()
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be numbers (a sequence, array or tensor), got {values!r}") from err


def ema_step(average, value, beta):
    r"""One step of the average, :math:`\beta\, v + (1-\beta)\, x`, for numbers, arrays or
    tensors alike (no checks: callers check ``beta`` once); :func:`ema`, :class:`EMA` and
    :mod:`lrcourse.train.swa_utils` (the EMA of a model's weights) all step with it."""
    return beta * average + (1 - beta) * value


def ema(values, beta: float, *, bias_correction: bool = False) -> np.ndarray:
    r"""Exponential moving average of ``values`` along the first axis.

    Args:
        values: sequence of numbers (or of equal-shape arrays), :math:`x_1, \dots, x_n`.
        beta: decay :math:`\beta \in [0, 1)`; 0 returns the values unchanged.
        bias_correction: divide :math:`v_t` by :math:`1-\beta^t`. Default ``False``.

    Returns:
        Array of the same shape as ``values`` holding :math:`v_1, \dots, v_n`.
    """
    beta = _check_beta(beta)
    x = _as_array(values, "values")
    if x.ndim == 0:
        raise ValueError(f"values must be a sequence (at least 1-D), got the scalar {values!r}")
    out = np.empty_like(x)
    v = np.zeros_like(x[0]) if len(x) else 0.0
    for t, x_t in enumerate(x):
        v = ema_step(v, x_t, beta)
        out[t] = v
    if bias_correction:
        t = np.arange(1, len(x) + 1).reshape((-1,) + (1,) * (x.ndim - 1))
        out /= 1 - beta**t
    return out


def ema_weights(beta: float, n: int) -> np.ndarray:
    r"""Weights :math:`(1-\beta)\beta^k`, :math:`k = 0, \dots, n-1`, that :math:`v_t` puts on :math:`x_{t-k}`.

    Args:
        beta: decay :math:`\beta \in [0, 1)`.
        n: number of weights, a positive integer.
    """
    beta = _check_beta(beta)
    n = checks.integer("n", n, low=1, type_error=False)
    return (1 - beta) * beta ** np.arange(n)


def effective_window(beta: float) -> float:
    r"""Effective number of recent values an EMA averages over, :math:`1/(1-\beta)`."""
    return 1.0 / (1.0 - _check_beta(beta))


class EMA:
    r"""Streaming exponential moving average, e.g. to smooth a loss during training.

    Args:
        beta: decay :math:`\beta \in [0, 1)`.
        bias_correction: report :math:`v_t / (1-\beta^t)`. Default ``True`` (no warm-up dip).

    Example:
        >>> smooth = EMA(beta=0.9)
        >>> for loss in [2.0, 2.0, 1.0]:
        ...     value = smooth.update(loss)
        >>> smooth.count, round(smooth.value, 4)
        (3, 1.631)
    """

    def __init__(self, beta: float = 0.9, bias_correction: bool = True):
        self.beta = _check_beta(beta)
        self.bias_correction = checks.flag("bias_correction", bias_correction)
        self.reset()

    def reset(self) -> None:
        """Forget every value seen so far."""
        self.count = 0
        self._v = 0.0

    def update(self, x):
        """Add :math:`x_t` (a number, array or tensor); return the new average."""
        x = _as_array(x, "x")
        self._v = ema_step(self._v, x, self.beta)
        self.count += 1
        return self.value

    @property
    def value(self):
        """The current average (float for scalar inputs), or ``None`` before any update."""
        if self.count == 0:
            return None
        v = self._v / (1 - self.beta**self.count) if self.bias_correction else self._v
        return float(v) if np.ndim(v) == 0 else v

    def __repr__(self) -> str:
        return f"EMA(beta={self.beta}, bias_correction={self.bias_correction}, count={self.count}, value={self.value})"
