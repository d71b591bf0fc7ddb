"""ASGD: SGD with a decaying step, plus a running average of the iterates."""
from __future__ import annotations

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import new_step_counter, run_step, scalar


def asgd_update(param, grad, state, *, lr, lambd, alpha, t0, weight_decay, maximize):
    """One ASGD step on one tensor, in place (``state``: ``step``, ``eta``, ``mu``, ``ax``)."""
    state["step"] += 1
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g.add(param, alpha=weight_decay)  # g <- g + lambda_wd * theta
    eta = state["eta"].item()
    param.mul_(1 - lambd * eta).add_(g, alpha=-eta)  # theta <- (1 - lambd eta) theta - eta g
    ax = state["ax"]
    if state["mu"].item() != 1:
        ax.add_(param.sub(ax).mul_(state["mu"]))  # ax <- ax + mu (theta - ax)
    else:  # mu = 1 until t0: the average is the last iterate (one copy, as torch does it)
        ax.copy_(param)
    t = state["step"].item()
    # torch.as_tensor rounds to the default dtype before storing, as torch does.
    state["eta"].copy_(torch.as_tensor(lr / (1 + lambd * lr * t) ** alpha))
    state["mu"].copy_(torch.as_tensor(1 / max(1, t - t0)))


class ASGD(Optimizer):
    r"""Averaged SGD: a slowly decaying SGD step, and :math:`\bar\theta`, the mean of the iterates.

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda_{wd}\,\theta_{t-1} \\
        \theta_t &= (1 - \lambda\,\eta_{t-1})\,\theta_{t-1} - \eta_{t-1}\, g_t \\
        \bar\theta_t &= \bar\theta_{t-1} + \mu_{t-1}\,(\theta_t - \bar\theta_{t-1}) \\
        \eta_t &= \frac{\eta}{(1 + \lambda\,\eta\, t)^{\alpha}}, \qquad
        \mu_t = \frac{1}{\max(1,\ t - t_0)}

    with :math:`\eta_0 = \eta` and :math:`\mu_0 = 1`, so :math:`\bar\theta_t = \theta_t` up to
    step :math:`t_0 + 2`, then the plain mean of :math:`\theta_{t_0+2}, \dots, \theta_t`. The
    averaged iterate is ``state["ax"]``; the parameters themselves follow :math:`\theta_t`.

    Follows torch, not Polyak & Juditsky: :math:`\lambda` also shrinks the weights at every
    step, :math:`\eta_t` and :math:`\mu_t` are computed after the step from the group's
    current ``lr`` (so a scheduler acts one step late) and stored in the default dtype.

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate :math:`\eta \ge 0` (0 as torch: nothing moves). Default ``1e-2``.
        lambd: decay :math:`\lambda \ge 0` of both the step size and the weights. Default ``1e-4``.
        alpha: power :math:`\alpha \ge 0` of the step-size decay. Default ``0.75``.
        t0: step :math:`t_0 \ge 0` at which averaging starts. Default ``1e6``.
        weight_decay: L2 penalty :math:`\lambda_{wd} \ge 0` added to the gradient. Default ``0``.
        maximize: ascend instead of descend. Default ``False``. Keyword-only: torch's ASGD takes it
            positionally after ``foreach``, which lrcourse does not take, so a positional value would
            mean something else here.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = ASGD([w], lr=0.1, lambd=0.0, t0=0)
        >>> for _ in range(3):
        ...     opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
        >>> w.detach(), opt.state[w]["ax"]  # theta shrinks x0.8 a step; ax = mean(theta_2, theta_3)
        (tensor([ 0.5120, -1.0240]), tensor([ 0.5760, -1.1520]))

    References:
        Polyak, Juditsky (1992), "Acceleration of stochastic approximation by averaging",
        SIAM J. Control and Optimization 30(4).
        Bottou (2012), "Stochastic gradient descent tricks" (the step-size schedule).
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, *, maximize=False):
        defaults = dict(
            lr=checks.lr(lr),
            lambd=checks.nonnegative("lambd", lambd),
            alpha=checks.nonnegative("alpha", alpha),
            t0=checks.nonnegative("t0", t0),
            weight_decay=checks.nonnegative("weight_decay", weight_decay),
            maximize=checks.flag("maximize", maximize),
        )
        super().__init__(checks.params(params), defaults)

    def _init_state(self, state, p, group):
        state["step"] = new_step_counter()
        state["eta"] = torch.full_like(state["step"], scalar(group["lr"]))  # eta_0 = lr
        state["mu"] = torch.ones_like(state["step"])  # mu_0 = 1
        state["ax"] = torch.zeros_like(p, memory_format=torch.preserve_format)

    @torch.no_grad()
    def step(self, closure=None):
        """Take one step for every parameter that has a gradient; return ``closure()``'s loss."""
        keys = ("lr", "lambd", "alpha", "t0", "weight_decay", "maximize")
        return run_step(self, closure, asgd_update, keys, self._init_state)
