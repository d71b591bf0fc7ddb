"""NAdam: Adam with Nesterov's look-ahead momentum."""
from __future__ import annotations

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import new_step_counter, run_step
from .adam import grad_with_weight_decay, update_moments


def nadam_update(param, grad, state, *, lr, betas, eps, weight_decay, momentum_decay, decoupled_weight_decay, maximize):
    r"""One NAdam step on one tensor, in place.

    ``state``: ``step``, ``mu_product`` (0-d, :math:`\prod_{i \le t} \mu_i`), ``exp_avg``, ``exp_avg_sq``.
    """
    beta1, beta2 = betas
    state["step"] += 1
    t = state["step"].item()
    g = grad_with_weight_decay(param, grad, lr=lr, weight_decay=weight_decay, maximize=maximize,
                               decoupled=decoupled_weight_decay)
    mu = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))  # mu_t
    mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))  # mu_{t+1}
    state["mu_product"] *= mu  # prod_{i<=t} mu_i, kept in the step counter's dtype as torch does
    mu_product = state["mu_product"].item()
    update_moments(state, g, betas)
    denom = (state["exp_avg_sq"] / (1 - beta2**t)).sqrt_().add_(eps)  # sqrt(s_hat) + eps
    param.addcdiv_(g, denom, value=-lr * (1 - mu) / (1 - mu_product))  # the gradient's share
    param.addcdiv_(state["exp_avg"], denom, value=-lr * mu_next / (1 - mu_product * mu_next))  # the look-ahead


class NAdam(Optimizer):
    r"""NAdam: Adam whose step uses the momentum of the *next* step, as Nesterov's method does.

    The momentum coefficient follows a warming schedule :math:`\mu_t`, and the step mixes
    the current gradient with the momentum :math:`\mu_{t+1} m_t` it is about to apply:

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1}
            \quad(\text{decoupled: } g_t = \nabla f(\theta_{t-1}),\ \theta_{t-1} \leftarrow (1-\eta\lambda)\,\theta_{t-1}) \\
        \mu_t &= \beta_1 \big(1 - \tfrac12\, 0.96^{t\psi}\big) \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \qquad
        s_t = \beta_2 s_{t-1} + (1-\beta_2)\, g_t^2 \\
        \hat m_t &= \frac{\mu_{t+1}\, m_t}{1 - \prod_{i=1}^{t+1} \mu_i}
            + \frac{(1-\mu_t)\, g_t}{1 - \prod_{i=1}^{t} \mu_i}, \qquad
        \hat s_t = \frac{s_t}{1-\beta_2^t} \\
        \theta_t &= \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat s_t} + \epsilon}

    Follows torch: :math:`m_t` averages with the constant :math:`\beta_1` (the schedule
    :math:`\mu_t` only weights the look-ahead), and ``decoupled_weight_decay`` (NAdamW) is
    torch's addition to Dozat's algorithm.

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate :math:`\eta \ge 0` (0 as torch: nothing moves). Default ``2e-3``.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1). Default ``(0.9, 0.999)``.
        eps: :math:`\epsilon \ge 0`. Default ``1e-8``.
        weight_decay: weight decay :math:`\lambda \ge 0`. Default ``0``.
        momentum_decay: :math:`\psi \ge 0` in the schedule :math:`\mu_t` (Dozat's 1/250). Default ``4e-3``.
        decoupled_weight_decay: shrink the weights as AdamW does instead of adding
            :math:`\lambda\theta` to the gradient. Default ``False``.
        maximize: ascend instead of descend. Default ``False``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = NAdam([w], lr=0.1)
        >>> (w ** 2).sum().backward(); opt.step()
        >>> w.detach()  # a little over lr * sign(g): the look-ahead adds mu_2 m_1 to g
        tensor([ 0.8944, -1.8944])

    References:
        Dozat (2016), "Incorporating Nesterov momentum into Adam", ICLR workshop.
        Sutskever, Martens, Dahl, Hinton (2013), "On the importance of initialization and
        momentum in deep learning", ICML (the schedule :math:`\mu_t`).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, maximize=False):
        defaults = dict(
            lr=checks.lr(lr),
            betas=checks.betas(betas),
            eps=checks.nonnegative("eps", eps),
            weight_decay=checks.nonnegative("weight_decay", weight_decay),
            momentum_decay=checks.nonnegative("momentum_decay", momentum_decay),
            decoupled_weight_decay=checks.flag("decoupled_weight_decay", decoupled_weight_decay),
            maximize=checks.flag("maximize", maximize),
        )
        super().__init__(checks.params(params), defaults)

    def _init_state(self, state, p, group):
        state["step"] = new_step_counter()
        state["mu_product"] = new_step_counter() + 1  # empty product: 1
        state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # m_0 = 0
        state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # s_0 = 0

    @torch.no_grad()
    def step(self, closure=None):
        """Take one step for every parameter that has a gradient; return ``closure()``'s loss."""
        keys = ("lr", "betas", "eps", "weight_decay", "momentum_decay", "decoupled_weight_decay", "maximize")
        return run_step(self, closure, nadam_update, keys, self._init_state)
