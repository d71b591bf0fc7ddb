r"""Why momentum works, on a quadratic: the 2x2 iteration per eigenvalue (Goh, Distill 2017).

Heavy-ball momentum (torch's ``SGD(momentum=β)``, step size :math:`\alpha`) on
:math:`f(x) = \tfrac12 \lambda x^2`:

.. math::
    z_{k+1} = \beta z_k + \lambda x_k, \qquad x_{k+1} = x_k - \alpha z_{k+1}

is linear in :math:`(z, x)`:

.. math::
    \begin{pmatrix} z_{k+1} \\ x_{k+1} \end{pmatrix} = R
    \begin{pmatrix} z_k \\ x_k \end{pmatrix}, \qquad
    R = \begin{pmatrix} \beta & \lambda \\ -\alpha\beta & 1 - \alpha\lambda \end{pmatrix}.

The error shrinks like :math:`\max(|\sigma_1|, |\sigma_2|)^k` where :math:`\sigma_{1,2}`
are the eigenvalues of :math:`R` (roots of
:math:`\sigma^2 - (1 + \beta - \alpha\lambda)\sigma + \beta = 0`). With
:math:`s = \alpha\lambda`, for :math:`0 \le \beta < 1`:

* converges iff :math:`0 < s < 2 + 2\beta`;
* **monotone** (real, non-negative :math:`\sigma`): :math:`s \le (1 - \sqrt\beta)^2`;
* **ripples** (complex :math:`\sigma`, :math:`|\sigma| = \sqrt\beta`):
  :math:`(1 - \sqrt\beta)^2 < s < (1 + \sqrt\beta)^2`;
* **oscillation** (real, negative :math:`\sigma`): :math:`(1 + \sqrt\beta)^2 \le s < 2 + 2\beta`;
* **1-step**: :math:`\beta = 0, s = 1` (both eigenvalues 0);
* **divergence**: :math:`s \ge 2 + 2\beta`.

Critical damping, the fastest monotone setting, is :math:`\beta = (1 - \sqrt{\alpha\lambda})^2`.
Nesterov's form (torch's ``nesterov=True``) has its own matrix and converges iff
:math:`0 < s < (2 + 2\beta)/(1 + 2\beta)` (:func:`stability_limit`).

Example:
    >>> round(convergence_rate(alpha=1.0, beta=0.25, lam=0.25), 6)  # critical: sqrt(beta)
    0.5

References:
    G. Goh, "Why Momentum Really Works", Distill, 2017. https://distill.pub/2017/momentum/
    B. T. Polyak, "Some methods of speeding up the convergence of iteration methods", 1964.
    I. Sutskever, J. Martens, G. Dahl, G. Hinton, "On the importance of initialization and momentum
    in deep learning", ICML 2013 (Nesterov's method in momentum form).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

REGIONS = ("monotone", "1-step", "ripples", "oscillation", "divergence")


def _check(alpha, beta, lam):
    a, b, l = (np.asarray(v, dtype=float) for v in (alpha, beta, lam))
    if not np.all(np.isfinite(a) & (a > 0)):
        raise ValueError(f"alpha (step size) must be finite and > 0, got {alpha!r}")
    if not np.all((b >= 0) & (b < 1)):
        raise ValueError(f"beta (momentum) must be in [0, 1), got {beta!r}")
    if not np.all(np.isfinite(l) & (l > 0)):
        raise ValueError(f"lam (eigenvalue) must be finite and > 0, got {lam!r}")
    return a, b, l


def iteration_matrix(alpha: float, beta: float, lam: float, nesterov: bool = False) -> np.ndarray:
    r"""The 2x2 matrix :math:`R` mapping :math:`(z_k, x_k)` to :math:`(z_{k+1}, x_{k+1})`.

    With ``nesterov=True``, torch's Nesterov step :math:`x_{k+1} = x_k - \alpha(\lambda x_k + \beta z_{k+1})`:
    :math:`R = \begin{pmatrix} \beta & \lambda \\ -\alpha\beta^2 & 1 - \alpha\lambda(1+\beta) \end{pmatrix}`.
    """
    a, b, l = (float(v) for v in _check(alpha, beta, lam))
    if nesterov:
        return np.array([[b, l], [-a * b * b, 1 - a * l * (1 + b)]])
    return np.array([[b, l], [-a * b, 1 - a * l]])


def stability_limit(beta, nesterov: bool = False):
    r"""The largest :math:`s = \alpha\lambda` at which momentum still converges on :math:`\tfrac12\lambda x^2`.

    Heavy ball: :math:`2 + 2\beta`. Nesterov (torch's form): its :math:`R` has trace
    :math:`(1+\beta)(1-s)` and determinant :math:`\beta(1-s)`, and the Jury stability conditions give
    :math:`(2 + 2\beta)/(1 + 2\beta)`: 2 at :math:`\beta = 0`, 1.5 at 0.5, 1.345 at 0.95, falling
    toward :math:`4/3` *from above* as :math:`\beta \to 1`.

    Example:
        >>> [round(stability_limit(b, nesterov=True), 3) for b in (0.0, 0.5, 0.95)]
        [2.0, 1.5, 1.345]
    """
    _, b, _ = _check(1.0, beta, 1.0)
    out = (2 + 2 * b) / (1 + 2 * b) if nesterov else 2 + 2 * b
    return float(out) if np.ndim(out) == 0 else out


def eigenvalues(alpha, beta, lam) -> tuple[np.ndarray, np.ndarray]:
    r"""Both eigenvalues :math:`\sigma_{1,2}` of :math:`R` (complex arrays, broadcast)."""
    a, b, l = _check(alpha, beta, lam)
    tr = 1 + b - a * l
    root = np.sqrt(np.asarray(tr * tr - 4 * b, dtype=complex))
    return (tr + root) / 2, (tr - root) / 2


def convergence_rate(alpha, beta, lam):
    r""":math:`\max(|\sigma_1|, |\sigma_2|)`: the error's factor per step (< 1 converges).

    Args:
        alpha: step size(s) :math:`\alpha > 0`.
        beta: momentum :math:`0 \le \beta < 1`.
        lam: eigenvalue(s) :math:`\lambda > 0` of the Hessian. Arrays broadcast.
    """
    s1, s2 = eigenvalues(alpha, beta, lam)
    rate = np.maximum(np.abs(s1), np.abs(s2))
    return float(rate) if rate.ndim == 0 else rate


def converges(alpha, beta, lam):
    r"""True iff :math:`0 < \alpha\lambda < 2 + 2\beta`."""
    a, b, l = _check(alpha, beta, lam)
    out = (a * l > 0) & (a * l < 2 + 2 * b)
    return bool(out) if np.ndim(out) == 0 else out


def critical_beta(alpha, lam):
    r"""Critical damping :math:`\beta = (1 - \sqrt{\alpha\lambda})^2` (for :math:`\alpha\lambda \le 1`)."""
    a, _, l = _check(alpha, 0.0, lam)
    if np.any(a * l > 1):
        raise ValueError(f"critical damping needs alpha*lam <= 1, got alpha={alpha!r}, lam={lam!r}")
    out = (1 - np.sqrt(a * l)) ** 2
    return float(out) if np.ndim(out) == 0 else out


def region(alpha, beta, lam):
    """The region name(s) of :data:`REGIONS` for each (alpha, beta, lam)."""
    a, b, l = _check(alpha, beta, lam)
    s, rb = a * l, np.sqrt(b)
    names = np.select(
        [s >= 2 + 2 * b, np.isclose(b, 0) & np.isclose(s, 1), s <= (1 - rb) ** 2, s < (1 + rb) ** 2],
        ["divergence", "1-step", "monotone", "ripples"], default="oscillation")
    return str(names) if names.ndim == 0 else names


def optimal_parameters(lam_min: float, lam_max: float) -> tuple[float, float]:
    r"""Polyak's best :math:`(\alpha, \beta)` for eigenvalues in :math:`[\lambda_1, \lambda_n]`:
    :math:`\alpha = (2 / (\sqrt{\lambda_1} + \sqrt{\lambda_n}))^2`,
    :math:`\beta = ((\sqrt\kappa - 1)/(\sqrt\kappa + 1))^2`, rate :math:`(\sqrt\kappa - 1)/(\sqrt\kappa + 1)`."""
    _check(1.0, 0.0, [lam_min, lam_max])
    if lam_min > lam_max:
        raise ValueError(f"lam_min must be <= lam_max, got lam_min={lam_min!r}, lam_max={lam_max!r}")
    rk = np.sqrt(lam_max / lam_min)
    return float((2 / (np.sqrt(lam_min) + np.sqrt(lam_max))) ** 2), float(((rk - 1) / (rk + 1)) ** 2)


def error_components(alpha: float, beta: float, lams: Sequence[float], x0: Sequence[float],
                     steps: int) -> np.ndarray:
    r"""Each eigen-coordinate :math:`x_k^{(i)}` under momentum, shape ``(steps + 1, len(lams))``.

    Iterates :math:`R_i` from :math:`(z_0, x_0) = (0, x_0^{(i)})` (torch's buffer starts at the
    first gradient, which is the same thing).
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be an int >= 0, got {steps!r}")
    if len(lams) != len(x0):
        raise ValueError(f"x0 must have one coordinate per eigenvalue ({len(lams)}), got {x0!r}")
    out = np.empty((steps + 1, len(lams)))
    for i, (lam, x) in enumerate(zip(lams, x0)):
        r, v = iteration_matrix(alpha, beta, lam), np.array([0.0, float(x)])
        out[0, i] = x
        for k in range(steps):
            v = r @ v
            out[k + 1, i] = v[1]
    return out


@dataclass
class RateMap:
    """Convergence rate over a grid: ``rate[j, i]`` at ``(alphas[i], betas[j])``, max over ``lams``."""

    alphas: np.ndarray
    betas: np.ndarray
    lams: tuple[float, ...]
    rate: np.ndarray


def rate_map(alphas: Sequence[float], betas: Sequence[float], lams: float | Sequence[float] = 1.0) -> RateMap:
    """:func:`convergence_rate` on the (alpha, beta) grid; the worst over several eigenvalues."""
    lams = tuple(float(v) for v in np.atleast_1d(lams))
    a, b = np.meshgrid(np.asarray(alphas, float), np.asarray(betas, float))
    rate = np.max([convergence_rate(a, b, lam) for lam in lams], axis=0)
    return RateMap(np.asarray(alphas, float), np.asarray(betas, float), lams, rate)


def plot_rate_map(lams: float | Sequence[float] = 1.0, ax=None, *, alpha_max: float | None = None,
                  mark: tuple[float, float] | None = None, n: int = 240):
    r"""Distill's map of :math:`\max|\sigma|` over the :math:`(\alpha, \beta)` plane.

    Dark = fast. The colours follow :math:`1 - \max|\sigma|` on a log scale from 1 (rate 0) to
    0.01 (rate 0.99), the colour bar labelled in rates: the steps an error needs to shrink
    grow like :math:`1/(1 - \text{rate})`, so 0.9, 0.95 and 0.99 (10, 20 and 100 steps per
    e-fold) get bands of their own instead of one shade on a linear scale. Rates above 0.99
    take the lightest band; divergence (rate :math:`\ge 1`) is grey. Draws the divergence
    boundary :math:`\alpha\lambda = 2 + 2\beta` and the critical-damping curve for each
    eigenvalue, labels the regions when there is one eigenvalue, and marks
    ``mark = (alpha, beta)`` with its rate. Returns the Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib import patheffects
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import FixedLocator, FuncFormatter

    lams = tuple(float(v) for v in np.atleast_1d(lams))
    amax = alpha_max or 4.2 / max(lams)
    if ax is None:
        _, ax = plt.subplots()
    m = rate_map(np.linspace(amax / n, amax, n), np.linspace(0, 0.995, n), lams)
    # banded (10 bands per decade of 1 - rate): each band is a level set of the rate
    cmap = plt.get_cmap("magma_r", 20).with_extremes(bad="0.82")
    shrink = np.ma.masked_where(m.rate >= 1, 1 - m.rate)  # divergence: masked, drawn grey
    im = ax.pcolormesh(m.alphas, m.betas, shrink, cmap=cmap, norm=LogNorm(vmin=0.01, vmax=1.0),
                       shading="auto")
    bar = ax.figure.colorbar(im, ax=ax, extend="min", pad=0.025)
    bar.set_label(r"rate $\max|\sigma|$", fontsize="small", labelpad=1)
    bar.ax.yaxis.set_major_locator(FixedLocator([1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01]))
    bar.ax.yaxis.set_minor_locator(FixedLocator([]))
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{1 - v:.2g}"))
    bar.ax.invert_yaxis()  # slow (rate near 1) at the top, as the rate grows
    bs = np.linspace(0, 0.995, 200)
    top = max(lams)  # the largest eigenvalue is the one that diverges first
    ax.plot((2 + 2 * bs) / top, bs, "c--", lw=1.2,
            label="divergence boundary" + (f" (λ={top:.3g})" if len(lams) > 1 else ""))
    for i, lam in enumerate(sorted(lams)):
        sfx = f" (λ={lam:.3g})" if len(lams) > 1 else ""
        al = np.linspace(0, 1 / lam, 200)
        ax.plot(al, (1 - np.sqrt(al * lam)) ** 2, ":", color="w" if i == 0 else "0.85", lw=1.5,
                label="critical damping" + sfx if i in (0, len(lams) - 1) else None,
                path_effects=[patheffects.withStroke(linewidth=2.6, foreground="0.25")])  # seen on light bands too
    if len(lams) == 1:
        lam = lams[0]
        for name, (s, b) in {"monotone": (0.4, 0.05), "ripples": (1.0, 0.6), "oscillation": (1.65, 0.02),
                             "divergence": (3.5, 0.55)}.items():
            if s / lam < amax:
                ax.text(s / lam, b, name, fontsize=8, ha="center", va="bottom",
                        bbox={"boxstyle": "round,pad=0.2", "fc": "w", "alpha": 0.8, "lw": 0})
        ax.plot(1 / lam, 0, "wo", ms=5)
        ax.annotate("1-step", (1 / lam, 0), (1 / lam, 0.2), fontsize=8, ha="center",
                    bbox={"boxstyle": "round,pad=0.2", "fc": "w", "alpha": 0.8, "lw": 0},
                    arrowprops={"arrowstyle": "-", "color": "w"})
    if mark is not None:
        r = max(convergence_rate(mark[0], mark[1], lam) for lam in lams)
        ax.plot(*mark, "o", color="lime", mec="k", ms=8, label=f"(α, β)=({mark[0]:.3g}, {mark[1]:.2f}): rate {r:.3f}")
    ax.set_xlim(0, amax)
    ax.set_ylim(0, 1)
    ax.set_xlabel(r"step size $\alpha$ (lr)")
    ax.set_ylabel(r"momentum $\beta$")
    lam_txt = ", ".join(f"{v:.3g}" for v in lams)
    ax.set_title(f"Convergence rate of momentum, λ ∈ {{{lam_txt}}}")
    ax.legend(fontsize="x-small", loc="lower right", framealpha=0.7)
    return ax
