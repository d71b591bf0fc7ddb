"""The formulas of lrcourse's own schedulers (beyond torch), written out independently of the
library: the oracle for WarmupLR's factor, InverseSqrtLR and WSDLR in the scheduler tests."""
from __future__ import annotations

import math


def w_linear(t, W, s):
    return s + (1 - s) * min(1.0, (t + 1) / W)


def w_exponential(t, W, s):
    return s + (1 - s) * (1 - math.exp(-(t + 1) / W))


def inv_sqrt(t, W):
    return (t + 1) / W if t < W else math.sqrt(W / t)


def wsd_factor(t, T_, W, D, r, shape):
    if t < W:
        return (t + 1) / W
    if t < T_ - D:
        return 1.0
    p = min(1.0, (t - (T_ - D)) / D)
    g = {"linear": 1 - p, "cosine": 0.5 * (1 + math.cos(math.pi * p)), "1-sqrt": 1 - math.sqrt(p)}[shape]
    return r + (1 - r) * g
