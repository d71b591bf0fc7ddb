"""RAdam: Adam whose adaptive learning rate is rectified while its variance is too large."""
from __future__ import annotations

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import new_step_counter, run_step
from .adam import grad_with_weight_decay, update_moments


def rectification(step, beta2):
    r"""RAdam's :math:`r_t` at step ``t >= 1``, or ``None`` while :math:`\rho_t \le 5` (a momentum-SGD step)."""
    rho_inf = 2 / (1 - beta2) - 1  # length of the moving average s_t approximates, t -> inf
    rho_t = rho_inf - 2 * step * beta2**step / (1 - beta2**step)  # ... and after t steps
    if rho_t <= 5:
        return None
    return ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5


def radam_update(param, grad, state, *, lr, betas, eps, weight_decay, decoupled_weight_decay, maximize):
    """One RAdam step on one tensor, in place (``state``: ``step``, ``exp_avg``, ``exp_avg_sq``)."""
    beta1, beta2 = betas
    state["step"] += 1
    t = state["step"].item()
    g = grad_with_weight_decay(param, grad, lr=lr, weight_decay=weight_decay, maximize=maximize,
                               decoupled=decoupled_weight_decay)
    update_moments(state, g, betas)
    m_hat = state["exp_avg"] / (1 - beta1**t)  # bias-corrected first moment
    bias_correction2 = 1 - beta2**t
    r_t = rectification(t, beta2)
    if r_t is not None:  # enough steps for a usable variance: adaptive step, rectified by r_t
        l_t = bias_correction2**0.5 / state["exp_avg_sq"].sqrt().add_(eps)  # sqrt(1-beta2^t) / (sqrt(s) + eps)
        param.addcmul_(m_hat, l_t, value=-lr * r_t)
    else:  # too few: plain momentum SGD on the bias-corrected m
        param.add_(m_hat, alpha=-lr)


class RAdam(Optimizer):
    r"""RAdam: Adam with its adaptive learning rate switched on gradually (rectified).

    In the first steps :math:`s_t` averages only a few squared gradients, so
    :math:`1/\sqrt{\hat s_t}` has a large variance; that is why Adam needs warmup. RAdam
    measures the length :math:`\rho_t` of the average and, while it is short, takes a
    momentum-SGD step; afterwards it scales Adam's step by :math:`r_t \to 1`, which
    cancels the excess variance: an automatic warmup.

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}
            \quad(\text{decoupled: } g_t = \nabla f(\theta_{t-1}),\ \theta_{t-1} \leftarrow (1-\eta\lambda)\,\theta_{t-1}) \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \qquad
        s_t = \beta_2 s_{t-1} + (1-\beta_2)\, g_t^2, \qquad
        \hat m_t = \frac{m_t}{1-\beta_1^t} \\
        \rho_\infty &= \frac{2}{1-\beta_2} - 1, \qquad
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1-\beta_2^t} \\
        \theta_t &= \begin{cases}
            \theta_{t-1} - \eta\, r_t\, \hat m_t\, \dfrac{\sqrt{1-\beta_2^t}}{\sqrt{s_t} + \epsilon},
                \quad r_t = \sqrt{\dfrac{(\rho_t-4)(\rho_t-2)\,\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\,\rho_t}}
                & \text{if } \rho_t > 5 \\
            \theta_{t-1} - \eta\, \hat m_t & \text{otherwise}
        \end{cases}

    Follows torch, not Liu et al.'s Algorithm 2: rectification starts once
    :math:`\rho_t > 5` (the paper says :math:`\rho_t > 4`), and :math:`\epsilon` is added to
    :math:`\sqrt{s_t}`; ``decoupled_weight_decay`` gives the AdamW-style decay of the authors' code.

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate :math:`\eta \ge 0` (0 as torch: nothing moves). Default ``1e-3``.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1). Default ``(0.9, 0.999)``.
        eps: :math:`\epsilon \ge 0`. Default ``1e-8``.
        weight_decay: weight decay :math:`\lambda \ge 0`. Default ``0``.
        decoupled_weight_decay: shrink the weights as AdamW does instead of adding
            :math:`\lambda\theta` to the gradient. Default ``False``.
        maximize: ascend instead of descend. Default ``False``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = RAdam([w], lr=0.1)
        >>> (w ** 2).sum().backward(); opt.step()
        >>> w.detach()  # rho_1 = 1 <= 5: a momentum-SGD step, lr * m_hat_1 = lr * g
        tensor([ 0.8000, -1.6000])

    References:
        Liu, Jiang, He, Chen, Liu, Gao, Han (2020), "On the variance of the adaptive learning
        rate and beyond", ICLR.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, maximize=False):
        defaults = dict(
            lr=checks.lr(lr),
            betas=checks.betas(betas),
            eps=checks.nonnegative("eps", eps),
            weight_decay=checks.nonnegative("weight_decay", weight_decay),
            decoupled_weight_decay=checks.flag("decoupled_weight_decay", decoupled_weight_decay),
            maximize=checks.flag("maximize", maximize),
        )
        super().__init__(checks.params(params), defaults)

    def _init_state(self, state, p, group):
        state["step"] = new_step_counter()
        state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # m_0 = 0
        state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # s_0 = 0

    @torch.no_grad()
    def step(self, closure=None):
        """Take one step for every parameter that has a gradient; return ``closure()``'s loss."""
        keys = ("lr", "betas", "eps", "weight_decay", "decoupled_weight_decay", "maximize")
        return run_step(self, closure, radam_update, keys, self._init_state)
