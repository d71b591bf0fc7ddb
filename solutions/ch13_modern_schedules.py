r"""Notebook 13, exercise: warmup-stable-decay as transformers' ``get_scheduler("warmup_stable_decay", ...)``
computes it, with a linear warmup and a 1-sqrt cooldown (Hägele et al. 2024).

.. math::
    \eta_t = \eta \cdot \begin{cases}
        t / W & t < W \quad\text{(counted from 0: step 0 trains at lr 0)} \\
        1 & W \le t < T - D \\
        1 - \sqrt{\min\big(1, (t - (T - D)) / D\big)} & t \ge T - D
    \end{cases}
"""
import math


def wsd(t, lr=1e-3, warmup_steps=10, total_steps=100, decay_steps=20):
    """transformers' WSD: lr·t/W up from 0, lr until T - D, then lr·(1 - sqrt(p)) down to 0 at T."""
    if t < warmup_steps:
        return lr * t / warmup_steps
    if t < total_steps - decay_steps:
        return lr
    progress = min(1.0, (t - (total_steps - decay_steps)) / decay_steps)
    return lr * (1 - math.sqrt(progress))
