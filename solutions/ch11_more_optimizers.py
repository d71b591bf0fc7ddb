r"""Notebook 11, exercise 1: Adamax in torch's form (Kingma & Ba 2015, section 7.1).

.. math::
    g_t \leftarrow g_t + \lambda\theta_{t-1},\quad
    m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
    u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon),\quad
    \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,\frac{m_t}{u_t}

torch adds :math:`\epsilon` to :math:`|g_t|` inside the max (the paper has no :math:`\epsilon`).
"""
import torch


class MyAdamax(torch.optim.Optimizer):
    """Adamax: Adam's second moment replaced by an exponentially weighted infinity norm."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
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
                    state.update(t=0, m=torch.zeros_like(p), u=torch.zeros_like(p))
                state["t"] += 1
                state["m"] = beta1 * state["m"] + (1 - beta1) * g
                state["u"] = torch.maximum(beta2 * state["u"], g.abs() + eps)
                p -= lr / (1 - beta1 ** state["t"]) * state["m"] / state["u"]
