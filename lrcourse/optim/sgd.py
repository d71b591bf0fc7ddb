"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import dense_grad, evaluate, scalar


def sgd_update(param, grad, state, *, lr, momentum, dampening, weight_decay, nesterov, maximize):
    """One SGD step on one tensor, in place (``state`` holds ``momentum_buffer``)."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g.add(param, alpha=weight_decay)  # g <- g + lambda * theta
    if momentum != 0:
        buf = state.get("momentum_buffer")
        if buf is None:  # first step: b_1 = g_1 (torch's convention)
            buf = state["momentum_buffer"] = g.detach().clone()
        else:  # b_t = mu * b_{t-1} + (1 - tau) * g_t
            buf.mul_(momentum).add_(g, alpha=1 - dampening)
        g = g.add(buf, alpha=momentum) if nesterov else buf
    param.add_(g, alpha=-lr)  # theta <- theta - eta * g


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional (Nesterov) momentum.

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\
        b_t &= \mu\, b_{t-1} + (1-\tau)\, g_t \\
        \theta_t &= \theta_{t-1} - \eta\,(g_t + \mu\, b_t \;\text{if Nesterov, else}\; b_t)

    With ``momentum=0`` this is plain gradient descent, :math:`\theta_t = \theta_{t-1} - \eta g_t`.
    ``maximize=True`` uses :math:`-\nabla f`.

    Follows torch, not Sutskever et al.: the buffer starts as :math:`b_1 = g_1` (no
    dampening on the first step) and :math:`\eta` multiplies the buffer, not the gradient.

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate :math:`\eta \ge 0` (0 as torch: nothing moves). Default ``1e-3``.
        momentum: :math:`\mu \in [0, 1)`. Default ``0``.
        dampening: :math:`\tau \in [0, 1)`, scales down new gradients in the buffer. Default ``0``.
        weight_decay: L2 penalty :math:`\lambda \ge 0` added to the gradient. Default ``0``.
        nesterov: look-ahead momentum (needs ``momentum > 0`` and ``dampening = 0``). Default ``False``.
        maximize: ascend instead of descend. Default ``False``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = SGD([w], lr=0.1, momentum=0.9)
        >>> (w ** 2).sum().backward(); opt.step()
        >>> w.detach()
        tensor([ 0.8000, -1.6000])

    References:
        Polyak (1964), "Some methods of speeding up the convergence of iteration methods".
        Sutskever, Martens, Dahl, Hinton (2013), "On the importance of initialization and
        momentum in deep learning", ICML.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False):
        defaults = dict(
            lr=checks.lr(lr),
            momentum=checks.real("momentum", momentum, low=0.0, high=1.0, high_open=True),
            dampening=checks.real("dampening", dampening, low=0.0, high=1.0, high_open=True),
            weight_decay=checks.nonnegative("weight_decay", weight_decay),
            nesterov=checks.flag("nesterov", nesterov),
            maximize=checks.flag("maximize", maximize),
        )
        if nesterov and (momentum == 0 or dampening != 0):
            raise ValueError(
                "nesterov=True needs momentum > 0 and dampening = 0, "
                f"got momentum={momentum!r}, dampening={dampening!r}"
            )
        super().__init__(checks.params(params), defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """Take one step for every parameter that has a gradient; return ``closure()``'s loss."""
        loss = evaluate(closure)
        for group in self.param_groups:
            keys = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")
            hyper = {k: scalar(group[k]) for k in keys}
            for p in group["params"]:
                if p.grad is not None:
                    # Without momentum there is no state at all (as in torch's state_dict).
                    state = self.state[p] if hyper["momentum"] != 0 else {}
                    sgd_update(p, dense_grad(p, "SGD"), state, **hyper)
        return loss
