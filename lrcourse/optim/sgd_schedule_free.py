"""Schedule-free SGD: no learning-rate schedule, evaluate at a weighted average of the iterates."""
from __future__ import annotations

import torch

from .. import checks
from ._schedule_free import ScheduleFree, schedule_free_defaults, y_z_step


def sgd_schedule_free_update(y, grad, state, *, lr, momentum, weight_decay, c):
    """One schedule-free SGD step on one tensor ``y`` (the parameter, in train mode), in place;
    ``state`` holds ``z``."""
    g = grad.add(y, alpha=weight_decay) if weight_decay != 0 else grad  # g + lambda y (L2 at y)
    y_z_step(y, state["z"], g, lr=lr, beta=momentum, c=c)


class SGDScheduleFree(ScheduleFree):
    r"""Schedule-free SGD (Defazio et al. 2024): a constant learning rate, and the answer at :math:`x`.

    .. math::
        g_t &= \nabla f(y_{t-1}) + \lambda\, y_{t-1} \\
        z_t &= z_{t-1} - \gamma_t\, g_t,
            \qquad \gamma_t = \eta \min(1, t / T_w) \\
        x_t &= (1 - c_t)\, x_{t-1} + c_t\, z_t,
            \qquad c_t = \frac{w_t}{\sum_{i=1}^t w_i},
            \quad w_t = t^r \,(\max_{i \le t} \gamma_i)^{p} \\
        y_t &= (1 - \beta)\, z_t + \beta\, x_t

    starting from :math:`x_0 = y_0 = z_0 = \theta_0`. With :math:`r = p = 0` :math:`x` is the
    plain running mean of the :math:`z`'s; :math:`\beta` interpolates between that averaging
    (:math:`\beta \to 1`) and plain SGD on :math:`z` (:math:`\beta \to 0`).

    The parameters hold :math:`y` in train mode and :math:`x` in eval mode: call
    ``optimizer.train()`` before training (the optimizer starts in eval mode, and
    ``step()`` refuses to run there) and ``optimizer.eval()`` before evaluating or saving a
    checkpoint. Only :math:`z` is stored (state key ``"z"``); the step counter, the weight sum
    and the largest lr so far live in each param group, as in ``schedulefree``.

    Rounding: lrcourse follows ``schedulefree.SGDScheduleFree`` (the memory-efficient form,
    equal bit for bit with ``foreach=False``), which updates :math:`y` in place,
    :math:`y_t = (1-c_t)\,y_{t-1} + c_t z_{t-1} + \gamma_t(\beta(1-c_t) - 1)\,g_t`, and
    recovers :math:`x` from :math:`y` and :math:`z`; ``SGDScheduleFreeReference`` stores
    :math:`x` and :math:`y` too and differs from both in the last bits. Unlike the reference,
    ``p.grad`` is left as it was (the reference adds the weight decay into it).

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate :math:`\eta \ge 0`. Default ``1.0``.
        momentum: interpolation :math:`\beta \in (0, 1)` of :math:`y` between :math:`z` and :math:`x`. Default ``0.9``.
        weight_decay: L2 penalty :math:`\lambda \ge 0`, taken at :math:`y`. Default ``0``.
        warmup_steps: linear warmup length :math:`T_w`, an int >= 0. Default ``0``.
        r: power :math:`r \ge 0` of the polynomial weighting :math:`t^r`. Default ``0.0``.
        weight_lr_power: power :math:`p \ge 0` of the largest lr so far in :math:`w_t`. Default ``2``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = SGDScheduleFree([w], lr=0.1)
        >>> opt.train()
        >>> (w ** 2).sum().backward(); opt.step()
        >>> w.detach()  # y_1: c_1 = 1, so x_1 = z_1 = w - 0.1 g, and y_1 = z_1
        tensor([ 0.8000, -1.6000])

    References:
        Defazio, Yang, Mehta, Mishchenko, Khaled, Cutkosky (2024), "The Road Less Scheduled", NeurIPS.
    """

    def __init__(self, params, lr=1.0, momentum=0.9, weight_decay=0, warmup_steps=0, r=0.0, weight_lr_power=2):
        defaults = schedule_free_defaults(
            lr, weight_decay, warmup_steps, r, weight_lr_power,
            momentum=checks.real("momentum", momentum, low=0.0, high=1.0, low_open=True, high_open=True))
        super().__init__(checks.params(params), defaults)

    def beta(self, group):
        return group["momentum"]

    def init_state(self, state, p):
        state["z"] = torch.clone(p, memory_format=torch.preserve_format)  # z_0 = y_0 = theta_0

    def update(self, p, grad, state, group, lr, c):
        sgd_schedule_free_update(p, grad, state, lr=lr, momentum=group["momentum"],
                                 weight_decay=group["weight_decay"], c=c)
