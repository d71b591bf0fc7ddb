r"""Notebook 07, exercise 5: warmup + cosine, d2l's ``CosineScheduler`` as a function of the step.

.. math::
    \eta_t = \begin{cases}
        \eta_{begin} + (\eta_0 - \eta_{begin})\, t / W & t < W \\
        \eta_T + (\eta_0 - \eta_T)\,\frac{1 + \cos(\pi (t - W)/(T - W))}{2} & W \le t \le T \\
        \eta_T & t > T
    \end{cases}
"""
import math


def warmup_cosine(t, base_lr=0.3, final_lr=0.01, warmup_steps=5, max_update=20, warmup_begin_lr=0.06):
    """A linear ramp from warmup_begin_lr, then a cosine from base_lr to final_lr, then final_lr."""
    if t < warmup_steps:
        return warmup_begin_lr + (base_lr - warmup_begin_lr) * t / warmup_steps
    progress = (min(t, max_update) - warmup_steps) / (max_update - warmup_steps)
    return final_lr + (base_lr - final_lr) * (1 + math.cos(math.pi * progress)) / 2
