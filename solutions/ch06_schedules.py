r"""Notebook 06, exercise 5: StepLR and cosine annealing as functions of the step.

.. math::
    \eta_t = \eta\,\gamma^{\lfloor t/k \rfloor}, \qquad
    \eta_t = \eta_{min} + (\eta - \eta_{min})\,\frac{1 + \cos(\pi t / T)}{2}
"""
import math


def step_lr(t, lr=0.1, step_size=10, gamma=0.5):
    """torch's StepLR: multiply by gamma once t reaches step_size, 2·step_size, ..."""
    return lr * gamma ** (t // step_size)


def cosine_lr(t, lr=0.1, T_max=39, eta_min=0.001):
    """torch's CosineAnnealingLR from lr at t = 0 to eta_min at t = T_max."""
    return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2
