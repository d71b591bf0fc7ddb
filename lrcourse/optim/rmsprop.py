"""RMSprop: divide the step by a running root-mean-square of recent gradients."""
from __future__ import annotations

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import new_step_counter, run_step


def rmsprop_update(param, grad, state, *, lr, alpha, eps, weight_decay, momentum, centered, maximize):
    """One RMSprop step on one tensor, in place.

    ``state``: ``step``, ``square_avg``, and ``momentum_buffer`` / ``grad_avg`` when used.
    """
    state["step"] += 1
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g.add(param, alpha=weight_decay)  # g <- g + lambda * theta
    square_avg = state["square_avg"]
    square_avg.mul_(alpha).addcmul_(g, g, value=1 - alpha)  # s_t = alpha s + (1-alpha) g^2
    if centered:  # subtract the squared mean: a running variance estimate
        grad_avg = state["grad_avg"]
        grad_avg.lerp_(g, 1 - alpha)  # m_t = alpha m + (1-alpha) g
        avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
    else:
        avg = square_avg.sqrt()
    avg.add_(eps)  # sqrt(s_t) + eps: eps outside the root
    if momentum > 0:
        buf = state["momentum_buffer"]
        buf.mul_(momentum).addcdiv_(g, avg)  # b_t = mu b + g / (sqrt(s) + eps)
        param.add_(buf, alpha=-lr)
    else:
        param.addcdiv_(g, avg, value=-lr)


class RMSprop(Optimizer):
    r"""RMSprop: scale each coordinate by an exponential moving average of :math:`g^2`.

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\
        s_t &= \alpha\, s_{t-1} + (1-\alpha)\, g_t^2 \\
        \tilde s_t &= s_t - m_t^2,\quad m_t = \alpha\, m_{t-1} + (1-\alpha)\, g_t
            \quad\text{(centered only; else } \tilde s_t = s_t) \\
        b_t &= \mu\, b_{t-1} + g_t / (\sqrt{\tilde s_t} + \epsilon) \\
        \theta_t &= \theta_{t-1} - \eta\, b_t
            \qquad (\mu = 0:\ \theta_t = \theta_{t-1} - \eta\, g_t / (\sqrt{\tilde s_t} + \epsilon))

    Follows torch, not Hinton's lecture: :math:`\epsilon` is added outside the square
    root, and there is no bias correction of :math:`s_t` (it starts at 0).

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate :math:`\eta \ge 0` (0 as torch: nothing moves). Default ``1e-2``.
        alpha: smoothing constant :math:`\alpha \in [0, 1]`. Default ``0.99``.
        eps: :math:`\epsilon \ge 0`. Default ``1e-8``.
        weight_decay: L2 penalty :math:`\lambda \ge 0`. Default ``0``.
        momentum: :math:`\mu \in [0, 1)`. Default ``0``.
        centered: normalise by the estimated variance instead of the second moment. Default ``False``.
        maximize: ascend instead of descend. Default ``False``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = RMSprop([w], lr=0.01, alpha=0.75)
        >>> (w ** 2).sum().backward(); opt.step()
        >>> w.detach()  # first step: g / sqrt((1-alpha) g^2) = 2 sign(g)
        tensor([ 0.9800, -1.9800])

    References:
        Tieleman, Hinton (2012), Coursera "Neural Networks for Machine Learning", lecture 6.5.
        Graves (2013), "Generating sequences with recurrent neural networks" (centered form).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *, maximize=False):
        defaults = dict(
            lr=checks.lr(lr),
            alpha=checks.real("alpha", alpha, low=0.0, high=1.0),
            eps=checks.nonnegative("eps", eps),
            weight_decay=checks.nonnegative("weight_decay", weight_decay),
            momentum=checks.real("momentum", momentum, low=0.0, high=1.0, high_open=True),
            centered=checks.flag("centered", centered),
            maximize=checks.flag("maximize", maximize),
        )
        super().__init__(checks.params(params), defaults)

    def _init_state(self, state, p, group):
        state["step"] = new_step_counter()
        state["square_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # s_0 = 0
        if group["momentum"] > 0:
            state["momentum_buffer"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # b_0 = 0
        if group["centered"]:
            state["grad_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # m_0 = 0

    @torch.no_grad()
    def step(self, closure=None):
        """Take one step for every parameter that has a gradient; return ``closure()``'s loss."""
        keys = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")
        return run_step(self, closure, rmsprop_update, keys, self._init_state)
