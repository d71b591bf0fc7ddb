"""Adagrad: per-coordinate step sizes from the sum of squared gradients."""
from __future__ import annotations

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import new_step_counter, run_step


def adagrad_update(param, grad, state, *, lr, lr_decay, weight_decay, eps, maximize):
    """One Adagrad step on one tensor, in place (``state``: ``step``, ``sum``)."""
    state["step"] += 1
    t = state["step"].item()
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g.add(param, alpha=weight_decay)  # g <- g + lambda * theta
    clr = lr / (1 + (t - 1) * lr_decay)  # eta_t = eta / (1 + (t-1) * decay)
    state["sum"].addcmul_(g, g, value=1)  # s_t = s_{t-1} + g_t^2
    std = state["sum"].sqrt().add_(eps)  # sqrt(s_t) + eps
    param.addcdiv_(g, std, value=-clr)  # theta <- theta - eta_t * g / (sqrt(s) + eps)


class Adagrad(Optimizer):
    r"""Adagrad: divide each coordinate's step by the root of its summed squared gradients.

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\
        s_t &= s_{t-1} + g_t^2 \qquad (s_0 = \text{initial\_accumulator\_value}) \\
        \eta_t &= \eta / \bigl(1 + (t-1)\,\delta\bigr) \\
        \theta_t &= \theta_{t-1} - \eta_t\, g_t / (\sqrt{s_t} + \epsilon)

    Follows torch, not Duchi et al.: the extra ``lr_decay`` :math:`\delta` schedule and
    :math:`\epsilon` added outside the square root.

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate :math:`\eta \ge 0` (0 as torch: nothing moves). Default ``1e-2``.
        lr_decay: :math:`\delta \ge 0`. Default ``0``.
        weight_decay: L2 penalty :math:`\lambda \ge 0`. Default ``0``.
        initial_accumulator_value: :math:`s_0 \ge 0`. Default ``0``.
        eps: :math:`\epsilon \ge 0` for numerical stability. Default ``1e-10``.
        maximize: ascend instead of descend. Default ``False``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = Adagrad([w], lr=0.1)
        >>> (w ** 2).sum().backward(); opt.step()
        >>> w.detach()  # the first step moves every coordinate by lr
        tensor([ 0.9000, -1.9000])

    References:
        Duchi, Hazan, Singer (2011), "Adaptive subgradient methods for online learning and
        stochastic optimization", JMLR 12.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, *, maximize=False):
        defaults = dict(
            lr=checks.lr(lr),
            lr_decay=checks.nonnegative("lr_decay", lr_decay),
            weight_decay=checks.nonnegative("weight_decay", weight_decay),
            initial_accumulator_value=checks.nonnegative("initial_accumulator_value", initial_accumulator_value),
            eps=checks.nonnegative("eps", eps),
            maximize=checks.flag("maximize", maximize),
        )
        super().__init__(checks.params(params), defaults)
        for group in self.param_groups:  # torch creates Adagrad's state up front
            for p in group["params"]:
                self._init_state(self.state[p], p, group)

    def _init_state(self, state, p, group):
        state["step"] = new_step_counter()
        s0 = group["initial_accumulator_value"]  # complex p: s_0 for the real and the imaginary part
        s0 = complex(s0, s0) if torch.is_complex(p) else s0
        state["sum"] = torch.full_like(p, s0, memory_format=torch.preserve_format)

    @torch.no_grad()
    def step(self, closure=None):
        """Take one step for every parameter that has a gradient; return ``closure()``'s loss."""
        keys = ("lr", "lr_decay", "weight_decay", "eps", "maximize")
        return run_step(self, closure, adagrad_update, keys, self._init_state)
