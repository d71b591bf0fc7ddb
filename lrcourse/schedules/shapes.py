r"""The curves every schedule is made of, each computed on exactly one line.

An *anneal* goes from ``start`` to ``end`` as its progress $p$ goes from 0 to 1:

* :func:`anneal_cos`: half a cosine, $e + (s - e)\,\frac{1 + \cos \pi p}{2}$ (torch's cosine
  annealing, SGDR, one-cycle, SWA, WSD's cosine cooldown, d2l's ``CosineScheduler``);
* :func:`anneal_linear`: a straight line, $s + (e - s)\,p$ (``LinearLR``, warmup ramps,
  cyclic triangles, one-cycle's linear phases);
* :func:`anneal_1_sqrt`: $e + (s - e)(1 - \sqrt p)$ (the WSD "1-sqrt" cooldown), and with any
  power :func:`anneal_1_pow`;
* :func:`anneal_poly` $(1 - p)^k$, :func:`anneal_exp` (geometric) and :func:`anneal_tanh` (timm's
  poly, WSD "exp" and tanh schedules), each from ``start`` to ``end``.

Two more shapes are functions of the step itself: :func:`triangle` (the cyclic wave) and
:func:`rsqrt` ($\sqrt{W/t}$, the Transformer's decay). The geometric decay $\gamma^t$ is
:func:`lrcourse.schedules.exponential`.

>>> anneal_cos(1.0, 0.0, 0.5), anneal_linear(1.0, 0.0, 0.25), triangle(0.75, 0.5)
(0.5, 0.75, 0.5)
"""
from __future__ import annotations

import math


def anneal_cos(start: float, end: float, pct: float) -> float:
    r"""$e + (s - e)\,\frac{1 + \cos(\pi p)}{2}$: cosine from ``start`` (p=0) to ``end`` (p=1), torch's form."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def anneal_linear(start: float, end: float, pct: float) -> float:
    r"""$s + (e - s)\,p$: straight line from ``start`` (p=0) to ``end`` (p=1), torch's form."""
    return (end - start) * pct + start


def anneal_1_sqrt(start: float, end: float, pct: float) -> float:
    r"""$e + (s - e)(1 - \sqrt p)$: fast at first, flat at the end (Hägele et al. 2024)."""
    return end + (start - end) * (1 - math.sqrt(pct))


def anneal_1_pow(start: float, end: float, pct: float, power: float) -> float:
    r"""$e + (s - e)(1 - p^a)$: 1-sqrt for $a = 1/2$, a line for $a = 1$ (timm WSD's "power" cooldown)."""
    return end + (start - end) * (1 - pct ** power)


def anneal_poly(start: float, end: float, pct: float, power: float) -> float:
    r"""$e + (s - e)(1 - p)^k$: polynomial decay (torch ``PolynomialLR``, timm ``PolyLRScheduler``)."""
    return end + (start - end) * (1 - pct) ** power


def anneal_exp(start: float, end: float, pct: float, ratio: float) -> float:
    r"""$e + (s - e)\frac{r^p - r}{1 - r}$: geometric decay to a fraction r, rescaled to end at $e$ (timm WSD's "exp")."""
    return end + (start - end) * ((ratio ** pct - ratio) / (1. - ratio))


def anneal_tanh(start: float, end: float, pct: float, lb: float = -7.0, ub: float = 3.0) -> float:
    r"""$e + \frac{s - e}{2}(1 - \tanh(l(1 - p) + u p))$: a tanh from ``lb`` to ``ub`` (Hsueh et al. 2019; timm)."""
    return end + 0.5 * (start - end) * (1 - math.tanh(lb * (1. - pct) + ub * pct))


# "cos" is torch's name (OneCycleLR, SWALR), "cosine" the WSD literature's.
ANNEAL = {"cos": anneal_cos, "cosine": anneal_cos, "linear": anneal_linear, "1-sqrt": anneal_1_sqrt}


def triangle(x: float, ratio: float) -> float:
    r"""Height in [0, 1] at position $x \in [0, 1)$ of a cycle that rises for the first ``ratio`` of it:
    $x / r$ going up, $(x - 1)/(r - 1)$ coming down (Smith 2017; torch ``CyclicLR``)."""
    return x / ratio if x <= ratio else (x - 1) / (ratio - 1)


def rsqrt(t: float, W: float = 1.0) -> float:
    r"""$\sqrt{W / t}$: 1 at $t = W$, then the inverse square root decay (Vaswani et al. 2017)."""
    return math.sqrt(W / t)
