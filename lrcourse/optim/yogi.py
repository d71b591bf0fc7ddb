"""Yogi: Adam whose second moment moves additively, so it cannot blow up or vanish fast."""
from __future__ import annotations

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import new_step_counter, run_step


def yogi_update(param, grad, state, *, lr, betas, eps, weight_decay, maximize):
    """One Yogi step on one tensor, in place (``state``: ``step``, ``exp_avg``, ``exp_avg_sq``)."""
    beta1, beta2 = betas
    state["step"] += 1
    t = state["step"].item()
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g.add(param, alpha=weight_decay)  # g <- g + lambda * theta
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    exp_avg.lerp_(g, 1 - beta1)  # v_t = beta1 v + (1-beta1) g
    g2 = g * g
    # s_t = s - (1-beta2) * sign(s - g^2) * g^2  ==  s + (1-beta2) * g^2 * sign(g^2 - s)
    exp_avg_sq.addcmul_(torch.sign(g2 - exp_avg_sq), g2, value=1 - beta2)
    step_size = lr / (1 - beta1**t)
    denom = (exp_avg_sq.sqrt() / (1 - beta2**t) ** 0.5).add_(eps)  # sqrt(s_hat) + eps
    param.addcdiv_(exp_avg, denom, value=-step_size)


class Yogi(Optimizer):
    r"""Yogi: Adam with an additive, sign-controlled second-moment update.

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\
        v_t &= \beta_1 v_{t-1} + (1-\beta_1)\, g_t \\
        s_t &= s_{t-1} + (1-\beta_2)\, g_t^2 \odot \operatorname{sgn}(g_t^2 - s_{t-1}) \\
        \theta_t &= \theta_{t-1} - \eta\, \frac{v_t / (1-\beta_1^t)}{\sqrt{s_t / (1-\beta_2^t)} + \epsilon}

    Adam's :math:`s_t - s_{t-1} = (1-\beta_2)(g_t^2 - s_{t-1})` can jump by a large
    :math:`g_t^2` or forget past gradients fast; Yogi moves by at most
    :math:`(1-\beta_2) g_t^2` in the direction of :math:`g_t^2`, so :math:`s_t \ge 0`
    changes gradually. There is no torch version; this is the form of d2l's Yogi
    section (with Adam's bias correction and its default :math:`\epsilon = 10^{-3}`),
    where the paper itself omits the bias correction.

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate :math:`\eta \ge 0` (0 as torch: nothing moves). Default ``1e-2``.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1). Default ``(0.9, 0.999)``.
        eps: :math:`\epsilon \ge 0`. Default ``1e-3``.
        weight_decay: L2 penalty :math:`\lambda \ge 0` added to the gradient. Default ``0``.
        maximize: ascend instead of descend. Default ``False``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = Yogi([w], lr=0.1, eps=0.0)
        >>> (w ** 2).sum().backward(); opt.step()
        >>> w.detach()  # from s_0 = 0 the first step equals Adam's: lr * sign(g)
        tensor([ 0.9000, -1.9000])

    References:
        Zaheer, Reddi, Sachan, Kale, Kumar (2018), "Adaptive methods for nonconvex
        optimization", NeurIPS.
        Zhang, Lipton, Li, Smola, "Dive into Deep Learning", section 12.10.3 "Yogi"
        (https://d2l.ai/chapter_optimization/adam.html#yogi).
    """

    def __init__(self, params, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, weight_decay=0, *, maximize=False):
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
        state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # v_0 = 0
        state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # s_0 = 0

    @torch.no_grad()
    def step(self, closure=None):
        """Take one step for every parameter that has a gradient; return ``closure()``'s loss."""
        keys = ("lr", "betas", "eps", "weight_decay", "maximize")
        return run_step(self, closure, yogi_update, keys, self._init_state)
