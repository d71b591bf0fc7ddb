r"""Notebook 04, exercise 5: RMSprop and Adam (with L2 weight decay), in torch's form.

.. math::
    \text{RMSprop: } s_t = \alpha s_{t-1} + (1-\alpha) g_t^2,\quad
        \theta_t = \theta_{t-1} - \eta\,\frac{g_t}{\sqrt{s_t} + \epsilon}

    \text{Adam: } g_t \leftarrow g_t + \lambda\theta_{t-1},\quad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad s_t = \beta_2 s_{t-1} + (1-\beta_2) g_t^2,\quad
        \theta_t = \theta_{t-1} - \eta\,\frac{m_t/(1-\beta_1^t)}{\sqrt{s_t/(1-\beta_2^t)} + \epsilon}
"""
import torch


class MyRMSprop(torch.optim.Optimizer):
    """RMSprop without momentum: no bias correction, ε outside the square root."""

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                s = self.state[p].setdefault("square_avg", torch.zeros_like(p))
                s.mul_(group["alpha"]).add_((1 - group["alpha"]) * p.grad ** 2)
                p.sub_(group["lr"] * p.grad / (s.sqrt() + group["eps"]))


class MyAdam(torch.optim.Optimizer):
    """Adam with L2 weight decay, both moments bias-corrected."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            (beta1, beta2), lr, eps = group["betas"], group["lr"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad + group["weight_decay"] * p
                state = self.state[p]
                if not state:
                    state.update(t=0, m=torch.zeros_like(p), s=torch.zeros_like(p))
                state["t"] += 1
                t = state["t"]
                state["m"] = beta1 * state["m"] + (1 - beta1) * g
                state["s"] = beta2 * state["s"] + (1 - beta2) * g * g
                m_hat = state["m"] / (1 - beta1 ** t)
                s_hat = state["s"] / (1 - beta2 ** t)
                p.sub_(lr * m_hat / (s_hat.sqrt() + eps))
