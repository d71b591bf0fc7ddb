r"""Notebook 12, exercise: schedule-free SGD from the paper's equations (Defazio et al. 2024).

.. math::
    \gamma_t = \eta\,\min(1, t/T_w),\qquad
    z_t = z_{t-1} - \gamma_t\,(\nabla f(y_{t-1}) + \lambda\,y_{t-1}),\\
    w_t = t^r\,(\max_{i \le t}\gamma_i)^p,\quad c_t = \frac{w_t}{\sum_{i \le t} w_i},\qquad
    x_t = (1 - c_t)\,x_{t-1} + c_t\,z_t,\qquad
    y_t = (1 - \beta)\,z_t + \beta\,x_t

from :math:`x_0 = y_0 = z_0 = \theta_0`, with :math:`t` counted from 1 in each param group. The
parameters hold :math:`y` in train mode (where the gradient is taken) and :math:`x` in eval mode.
"""
import torch


class MySGDScheduleFree(torch.optim.Optimizer):
    """Schedule-free SGD: the gradient at y, the SGD step on z, the weighted average x."""

    def __init__(self, params, lr=1.0, momentum=0.9, weight_decay=0.0, warmup_steps=0, r=0.0, weight_lr_power=2.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay, warmup_steps=warmup_steps,
                                      r=r, weight_lr_power=weight_lr_power, t=0, lr_max=0.0, weight_sum=0.0))

    @torch.no_grad()
    def train(self):
        """Put every parameter that has a state at y = (1 - β) z + β x."""
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                if state:
                    p.copy_((1 - group["momentum"]) * state["z"] + group["momentum"] * state["x"])

    @torch.no_grad()
    def eval(self):
        """Put every parameter that has a state at x, the average."""
        for group in self.param_groups:
            for p in group["params"]:
                if self.state[p]:
                    p.copy_(self.state[p]["x"])

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            group["t"] += 1
            t, warmup = group["t"], group["warmup_steps"]
            gamma = group["lr"] * (t / warmup if t < warmup else 1.0)
            group["lr_max"] = max(group["lr_max"], gamma)
            w = t ** group["r"] * group["lr_max"] ** group["weight_lr_power"]
            group["weight_sum"] += w
            c = w / group["weight_sum"] if group["weight_sum"] > 0 else 0.0
            beta = group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:  # first step: z_0 = x_0 = y_0 = the parameter
                    state["z"], state["x"] = p.clone(), p.clone()
                g = p.grad + group["weight_decay"] * p  # p holds y here
                state["z"] -= gamma * g
                state["x"] = (1 - c) * state["x"] + c * state["z"]
                p.copy_((1 - beta) * state["z"] + beta * state["x"])
