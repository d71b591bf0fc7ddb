r"""Notebook 03, exercise 5: SGD with momentum, dampening and Nesterov, in torch's form.

.. math::
    b_1 = g_1,\qquad b_t = \mu b_{t-1} + (1-\tau) g_t,\qquad
    \theta_t = \theta_{t-1} - \eta\,(g_t + \mu b_t \text{ if Nesterov, else } b_t)
"""
import torch


class MomentumSGD(torch.optim.Optimizer):
    """SGD with momentum μ, dampening τ and Nesterov's look-ahead; the buffer starts at b₁ = g₁."""

    def __init__(self, params, lr=0.01, momentum=0.9, dampening=0.0, nesterov=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            mu, tau = group["momentum"], group["dampening"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = g.clone()
                else:
                    state["momentum_buffer"] = mu * state["momentum_buffer"] + (1 - tau) * g
                b = state["momentum_buffer"]
                p -= group["lr"] * (g + mu * b if group["nesterov"] else b)
