"""Adamax: Adam with the second moment replaced by an exponentially weighted infinity norm."""
from __future__ import annotations

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import new_step_counter, run_step
from .adam import grad_with_weight_decay


def adamax_update(param, grad, state, *, lr, betas, eps, weight_decay, maximize):
    """One Adamax step on one tensor, in place (``state``: ``step``, ``exp_avg``, ``exp_inf``)."""
    beta1, beta2 = betas
    state["step"] += 1
    t = state["step"].item()
    g = grad_with_weight_decay(param, grad, lr=lr, weight_decay=weight_decay, maximize=maximize, decoupled=False)
    exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
    exp_avg.lerp_(g, 1 - beta1)  # m_t = beta1 m + (1-beta1) g
    torch.maximum(exp_inf.mul_(beta2), g.abs().add_(eps), out=exp_inf)  # u_t = max(beta2 u, |g| + eps)
    param.addcdiv_(exp_avg, exp_inf, value=-lr / (1 - beta1**t))  # theta -= eta/(1-beta1^t) m/u


class Adamax(Optimizer):
    r"""Adamax: Adam's :math:`\sqrt{\hat s_t}` replaced by a decaying maximum of :math:`|g|`.

    Adam's second moment is an :math:`L^2` average of past gradients; letting the norm's
    order :math:`p \to \infty` turns the average into a maximum, which needs no bias
    correction and cannot be dragged to zero by a run of small gradients.

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\
        u_t &= \max\big(\beta_2\, u_{t-1},\ |g_t| + \epsilon\big) \\
        \theta_t &= \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\, \frac{m_t}{u_t}

    Follows torch, not Kingma & Ba §7.1: :math:`\epsilon` is added to :math:`|g_t|` inside
    the maximum (the paper has no :math:`\epsilon`), so :math:`u_t > 0` from the first step.

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate :math:`\eta \ge 0` (0 as torch: nothing moves). Default ``2e-3``.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1). Default ``(0.9, 0.999)``.
        eps: :math:`\epsilon \ge 0`. Default ``1e-8``.
        weight_decay: L2 penalty :math:`\lambda \ge 0` added to the gradient. Default ``0``.
        maximize: ascend instead of descend. Default ``False``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = Adamax([w], lr=0.1)
        >>> (w ** 2).sum().backward(); opt.step()
        >>> w.detach()  # the first step is lr * sign(g): m_1 / (1-beta1) = g, u_1 = |g| + eps
        tensor([ 0.9000, -1.9000])

    References:
        Kingma, Ba (2015), "Adam: a method for stochastic optimization", ICLR, §7.1.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *, maximize=False):
        defaults = dict(
            lr=checks.lr(lr),
            betas=checks.betas(betas),
            eps=checks.nonnegative("eps", eps),
            weight_decay=checks.nonnegative("weight_decay", weight_decay),
            maximize=checks.flag("maximize", maximize),
        )
        super().__init__(checks.params(params), defaults)

    def _init_state(self, state, p, group):
        state["step"] = new_step_counter()
        state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # m_0 = 0
        state["exp_inf"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # u_0 = 0

    @torch.no_grad()
    def step(self, closure=None):
        """Take one step for every parameter that has a gradient; return ``closure()``'s loss."""
        keys = ("lr", "betas", "eps", "weight_decay", "maximize")
        return run_step(self, closure, adamax_update, keys, self._init_state)
