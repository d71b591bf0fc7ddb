r"""Notebook 02, exercise 5: gradient descent as an optimizer, and an exponentially decaying lr.

.. math::
    \theta_t = \theta_{t-1} - \eta_t\, g_t, \qquad \eta_t = 0.4 \cdot 0.9^t
"""
import torch


class GD(torch.optim.Optimizer):
    """Gradient descent: θ ← θ − η·g, with η read from the parameter's group at every step."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["lr"])


def decayed_lr(t):
    """η_t = 0.4 · 0.9**t."""
    return 0.4 * 0.9 ** t
