r"""Notebook 09, exercise 5: one-cycle (torch's ``OneCycleLR``, two phases, cosine) as a function of the step.

With :math:`\eta_{start} = \eta_{max}/d`, :math:`\eta_{end} = \eta_{start}/f` and the phases
ending at :math:`t_1 = p\,T - 1` and :math:`T - 1` (torch counts steps from 0), each phase anneals
from :math:`a` to :math:`b` as :math:`b + (a - b)\,\frac{1 + \cos(\pi x)}{2}`, :math:`x` the
fraction of the phase done.
"""
import math


def _cos(a, b, x):
    return b + (a - b) * (1 + math.cos(math.pi * x)) / 2


def one_cycle_lr(t, max_lr=0.5, total_steps=100, pct_start=0.3, div_factor=25.0, final_div_factor=1e4):
    """Up from max_lr/div_factor to max_lr, then down to max_lr/(div_factor·final_div_factor)."""
    start = max_lr / div_factor
    peak_step, last_step = pct_start * total_steps - 1, total_steps - 1
    if t <= peak_step:
        return _cos(start, max_lr, t / peak_step)
    return _cos(max_lr, start / final_div_factor, (t - peak_step) / (last_step - peak_step))
