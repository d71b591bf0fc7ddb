"""Schedule-free AdamW: Adam's per-coordinate scaling inside the schedule-free y / z / x scheme."""
from __future__ import annotations

import torch

from .. import checks
from ._schedule_free import ScheduleFree, schedule_free_defaults, y_z_step


def adamw_schedule_free_update(y, grad, state, *, lr, betas, eps, weight_decay, k, c):
    """One schedule-free AdamW step (the ``k``-th, from 0) on one tensor ``y`` (the parameter,
    in train mode), in place; ``state`` holds ``z`` and ``exp_avg_sq``."""
    beta1, beta2 = betas
    s = state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)  # s_t = beta2 s + (1-beta2) g^2
    denom = s.div(1 - beta2 ** (k + 1)).sqrt_().add_(eps)  # sqrt(s_t / (1 - beta2^t)) + eps
    g = torch.div(grad, denom, out=denom)  # g_t / denom, in denom's memory
    if weight_decay != 0:
        g.add_(y, alpha=weight_decay)  # decoupled decay, taken at y
    y_z_step(y, state["z"], g, lr=lr, beta=beta1, c=c)


class AdamWScheduleFree(ScheduleFree):
    r"""Schedule-free AdamW (Defazio et al. 2024): Adam's scaling, no schedule, the answer at :math:`x`.

    .. math::
        g_t &= \nabla f(y_{t-1}), \qquad
        s_t = \beta_2\, s_{t-1} + (1-\beta_2)\, g_t^2 \\
        z_t &= z_{t-1} - \gamma_t \Big(\frac{g_t}{\sqrt{s_t / (1-\beta_2^t)} + \epsilon}
            + \lambda\, y_{t-1}\Big), \qquad \gamma_t = \eta \min(1, t / T_w) \\
        x_t &= (1 - c_t)\, x_{t-1} + c_t\, z_t,
            \qquad c_t = \frac{w_t}{\sum_{i=1}^t w_i},
            \quad w_t = t^r \,(\max_{i \le t} \gamma_i)^{p} \\
        y_t &= (1 - \beta_1)\, z_t + \beta_1\, x_t

    from :math:`x_0 = y_0 = z_0 = \theta_0`, :math:`s_0 = 0`. There is no first moment:
    :math:`\beta_1` is the interpolation that gives :math:`y` its momentum. The weight decay is
    decoupled (outside the :math:`\sqrt{s}` scaling) and taken at :math:`y`.

    The parameters hold :math:`y` in train mode and :math:`x` in eval mode: call
    ``optimizer.train()`` before training (the optimizer starts in eval mode, and
    ``step()`` refuses to run there) and ``optimizer.eval()`` before evaluating or saving a
    checkpoint. State keys ``"z"`` and ``"exp_avg_sq"``; the step counter, the weight sum
    and the largest lr so far live in each param group, as in ``schedulefree``.

    Rounding: lrcourse follows ``schedulefree.AdamWScheduleFree`` (the memory-efficient form,
    equal bit for bit with ``foreach=False``): it adds :math:`\lambda y` to the normalised
    gradient, updates :math:`y` in place,
    :math:`y_t = (1-c_t)\,y_{t-1} + c_t z_{t-1} + \gamma_t(\beta_1(1-c_t) - 1)\,\hat g_t`,
    and recovers :math:`x` from :math:`y` and :math:`z`. ``AdamWScheduleFreeReference`` stores
    :math:`x` and :math:`y` too and subtracts the decay from :math:`z` separately: equal in
    exact arithmetic, different in the last bits. Unlike the reference, ``p.grad`` is left as
    it was (the reference divides it in place).

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate :math:`\eta \ge 0`. Default ``0.0025``.
        betas: :math:`(\beta_1, \beta_2)`, :math:`\beta_1 \in (0, 1)` (``eval()`` divides by it),
            :math:`\beta_2 \in [0, 1)`. Default ``(0.9, 0.999)``.
        eps: :math:`\epsilon \ge 0`. Default ``1e-8``.
        weight_decay: decoupled decay :math:`\lambda \ge 0`, taken at :math:`y`. Default ``0``.
        warmup_steps: linear warmup length :math:`T_w`, an int >= 0. Default ``0``.
        r: power :math:`r \ge 0` of the polynomial weighting :math:`t^r`. Default ``0.0``.
        weight_lr_power: power :math:`p \ge 0` of the largest lr so far in :math:`w_t`. Default ``2.0``.

    The reference checks none of its arguments; lrcourse refuses values for which its
    update is undefined or meaningless (negative lr, eps, decay or powers; :math:`\beta_1 = 0`).

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = AdamWScheduleFree([w], lr=0.1)
        >>> opt.train()
        >>> (w ** 2).sum().backward(); opt.step()
        >>> w.detach()  # the first step is lr * sign(g), and y_1 = x_1 = z_1
        tensor([ 0.9000, -1.9000])

    References:
        Defazio, Yang, Mehta, Mishchenko, Khaled, Cutkosky (2024), "The Road Less Scheduled", NeurIPS.
    """

    def __init__(self, params, lr=0.0025, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, warmup_steps=0, r=0.0,
                 weight_lr_power=2.0):
        beta1, beta2 = checks.betas(betas)
        checks.real("betas[0]", beta1, low=0.0, high=1.0, low_open=True, high_open=True)  # eval() divides by it
        defaults = schedule_free_defaults(lr, weight_decay, warmup_steps, r, weight_lr_power,
                                          betas=(beta1, beta2), eps=checks.nonnegative("eps", eps))
        super().__init__(checks.params(params), defaults)

    def beta(self, group):
        return group["betas"][0]

    def init_state(self, state, p):
        state["z"] = torch.clone(p, memory_format=torch.preserve_format)  # z_0 = y_0 = theta_0
        state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # s_0 = 0

    def update(self, p, grad, state, group, lr, c):
        adamw_schedule_free_update(p, grad, state, lr=lr, betas=group["betas"], eps=group["eps"],
                                   weight_decay=group["weight_decay"], k=group["k"], c=c)
