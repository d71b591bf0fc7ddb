r"""Slider view of an exponential moving average: smoothing, window, lag and bias correction.

.. math::
    v_t = \beta v_{t-1} + (1 - \beta) x_t,\quad v_0 = 0, \qquad
    \hat v_t = \frac{v_t}{1 - \beta^t}\ \text{(bias-corrected)}

:math:`v_t` puts weight :math:`(1-\beta)\beta^k` on :math:`x_{t-k}`; the weights fall to
:math:`1/e` after about :math:`1/(1-\beta)` steps, the *effective window*.

Example:
    >>> view = ema_view(beta=0.9, bias_correction=True)
    >>> view.summary.startswith("beta=0.90")
    True
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import catalog, checks
from ..ema import ema, ema_weights, effective_window
from .base import Explorer, View, control


def noisy_series(n: int = 100, seed: int = 0) -> np.ndarray:
    r"""The course's noisy signal: :math:`x_t = 3 + \sin(2\pi t / 60) + \varepsilon_t`,
    :math:`\varepsilon_t \sim \mathcal N(0, 0.5^2)`, seeded. Starting far from 0 makes
    the bias of :math:`v_0 = 0` visible."""
    n = checks.integer("n", n, low=1)
    t = np.arange(n)
    return 3 + np.sin(2 * np.pi * t / 60) + 0.5 * np.random.default_rng(seed).standard_normal(n)


def ema_view(beta: float = 0.9, bias_correction: bool = True, n: int = 100, seed: int = 0) -> View:
    """The noisy series with its EMA (left) and the weights the EMA puts on the past (right).

    Args:
        beta: smoothing factor in [0, 1). Default 0.9.
        bias_correction: divide by :math:`1-\\beta^t`. Default True.
        n: length of the series. Default 100.
        seed: seed of the noise. Default 0.
    """
    x = noisy_series(n, seed)
    v = ema(x, beta, bias_correction=bias_correction)
    window = effective_window(beta)
    fig, (ax, axw) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1.6, 1]})
    t = np.arange(1, n + 1)
    ax.plot(t, x, ".", color="0.6", ms=4, label="noisy values $x_t$")
    ax.plot(t, 3 + np.sin(2 * np.pi * (t - 1) / 60), color="0.3", lw=1, ls=":", label="signal without noise")
    kind = "bias-corrected" if bias_correction else "plain ($v_0=0$)"
    ax.plot(t, v, lw=2, color="C0", label=f"EMA β={beta:.2f}, {kind}")
    ax.set(title="Exponential moving average", xlabel="step t", ylabel="value", ylim=(-0.2, 5.5))
    ax.legend(fontsize="small", loc="lower right")
    k = np.arange(min(n, max(20, int(3 * window))))
    w = ema_weights(beta, len(k))
    axw.bar(k, w, width=1.0, color="C1", alpha=0.8, label=r"weight $(1-\beta)\beta^k$ on $x_{t-k}$")
    axw.axvline(window, color="k", ls="--", lw=1, label=f"window 1/(1-β) = {window:.1f}")
    axw.set(title="Weights on past values", xlabel="k (steps back)", ylabel="weight")
    axw.legend(fontsize="small")
    fig.tight_layout()
    summary = (f"beta={beta:.2f}, bias_correction={bias_correction}: window 1/(1-beta)={window:.1f} steps, "
               f"EMA first={v[0]:.3f}, last={v[-1]:.3f}")
    return View(fig, summary)


def ema_explorer(beta: float = 0.9, bias_correction: bool = True, n: int = 100) -> Explorer:
    """Sliders for :func:`ema_view`: ``beta`` (0 to 0.99) and a bias-correction checkbox (the catalog's
    ``"noisy series"`` problem)."""
    sliders = catalog.PROBLEM_SLIDERS["noisy series"]
    controls = {"beta": control(sliders["beta"].at(beta)),
                "bias_correction": control(sliders["bias_correction"].at(bias_correction))}
    return Explorer(ema_view, controls, fixed={"n": n}, title="Exponential moving average")
