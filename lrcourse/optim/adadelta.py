"""Adadelta: RMSprop whose step size comes from a running average of past updates."""
from __future__ import annotations

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import new_step_counter, run_step


def adadelta_update(param, grad, state, *, lr, rho, eps, weight_decay, maximize):
    """One Adadelta step on one tensor, in place (``state``: ``step``, ``square_avg``, ``acc_delta``)."""
    state["step"] += 1
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g.add(param, alpha=weight_decay)  # g <- g + lambda * theta
    square_avg, acc_delta = state["square_avg"], state["acc_delta"]
    square_avg.mul_(rho).addcmul_(g, g, value=1 - rho)  # s_t = rho s + (1-rho) g^2
    std = square_avg.add(eps).sqrt_()  # sqrt(s_t + eps)
    delta = acc_delta.add(eps).sqrt_().div_(std).mul_(g)  # g' = sqrt(dx_{t-1} + eps) / sqrt(s_t + eps) * g
    acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)  # dx_t = rho dx + (1-rho) g'^2
    param.add_(delta, alpha=-lr)  # theta <- theta - lr * g'


class Adadelta(Optimizer):
    r"""Adadelta: an adaptive method with no hand-tuned step size in the original paper.

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\
        s_t &= \rho\, s_{t-1} + (1-\rho)\, g_t^2 \\
        g'_t &= \frac{\sqrt{\Delta x_{t-1} + \epsilon}}{\sqrt{s_t + \epsilon}}\, g_t \\
        \Delta x_t &= \rho\, \Delta x_{t-1} + (1-\rho)\, {g'_t}^2 \\
        \theta_t &= \theta_{t-1} - \eta\, g'_t

    Follows torch, not Zeiler: the extra multiplier :math:`\eta` (``lr``, default 1.0,
    which recovers the paper). :math:`\epsilon` sits inside both roots, as in the paper;
    it also seeds the very first steps (:math:`\Delta x_0 = 0`), so it must be positive.

    Args:
        params: tensors or param-group dicts to optimise.
        lr: multiplier :math:`\eta \ge 0` on the update. Default ``1.0``.
        rho: decay of both running averages, :math:`\rho \in [0, 1]`. Default ``0.9``.
        eps: :math:`\epsilon > 0`. Default ``1e-6``.
        weight_decay: L2 penalty :math:`\lambda \ge 0`. Default ``0``.
        maximize: ascend instead of descend. Default ``False``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([3.0]))
        >>> opt = Adadelta([w], rho=0.0, eps=1e-2)
        >>> (w ** 2).sum().backward(); opt.step()
        >>> round(w.item(), 4)  # g' = sqrt(eps) / sqrt(g^2 + eps) * g, g = 6
        2.9

    References:
        Zeiler (2012), "ADADELTA: an adaptive learning rate method", arXiv:1212.5701.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        defaults = dict(
            lr=checks.lr(lr),
            rho=checks.real("rho", rho, low=0.0, high=1.0),
            eps=checks.real("eps", eps, low=0.0, low_open=True),
            weight_decay=checks.nonnegative("weight_decay", weight_decay),
            maximize=checks.flag("maximize", maximize),
        )
        super().__init__(checks.params(params), defaults)

    def _init_state(self, state, p, group):
        state["step"] = new_step_counter()
        state["square_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # s_0 = 0
        state["acc_delta"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # dx_0 = 0

    @torch.no_grad()
    def step(self, closure=None):
        """Take one step for every parameter that has a gradient; return ``closure()``'s loss."""
        keys = ("lr", "rho", "eps", "weight_decay", "maximize")
        return run_step(self, closure, adadelta_update, keys, self._init_state)
