r"""Notebook 05, exercise 5: an optimizer that honours its param groups.

.. math::
    \theta \leftarrow \theta - \eta_G\,(g + \lambda_G\,\theta)
    \quad\text{with } \eta_G, \lambda_G \text{ read from the parameter's group } G \text{ at every step}
"""
import torch


class GroupSGD(torch.optim.Optimizer):
    """SGD with L2 weight decay, every hyperparameter read from the group (never from defaults)."""

    def __init__(self, params, lr=0.1, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.copy_(p - group["lr"] * (p.grad + group["weight_decay"] * p))
