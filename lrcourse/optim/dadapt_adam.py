"""DAdaptAdam: Adam whose step size d is estimated while it trains (Defazio & Mishchenko 2023)."""
from __future__ import annotations

import logging

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import evaluate
from ._lr_free import real_dense_grad, shared_lr, single_process

log = logging.getLogger(__name__)


def dadapt_adam_statistics(grad, state, *, dlr, eps, betas, layer_scale):
    r"""Pass 1 on one tensor: update :math:`m, v, s` in place; return its share of the numerator and :math:`\|s\|_1`.

    ``state``: ``s``, ``exp_avg``, ``exp_avg_sq``. The numerator reads :math:`s_k, v_k`
    before they are updated.
    """
    beta1, beta2 = betas
    sqrt_beta2 = beta2 ** 0.5
    s, exp_avg, exp_avg_sq = state["s"], state["exp_avg"], state["exp_avg_sq"]
    denom = exp_avg_sq.sqrt().add_(eps)  # A_k = sqrt(v_k) + eps
    numerator = layer_scale * dlr * torch.dot(grad.flatten(), s.div(denom).flatten()).item()  # <g, s>_{A^-1}
    exp_avg.mul_(beta1).add_(grad, alpha=layer_scale * dlr * (1 - beta1))  # m = b1 m + (1-b1) l alpha g
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)  # v = b2 v + (1-b2) g^2
    s.mul_(sqrt_beta2).add_(grad, alpha=dlr * (1 - sqrt_beta2))  # s = sqrt(b2) s + (1-sqrt(b2)) alpha g
    return numerator, layer_scale * s.abs().sum().item()


def dadapt_adam_d(d, numerator, sk_l1, *, beta2, growth_rate):
    r"""The new estimate :math:`(d_{k+1}, \hat d_{k+1})` from :math:`r_{k+1}` and :math:`\sum \ell\, \|s_{k+1}\|_1`.

    >>> dadapt_adam_d(1e-6, 0.5, 2.0, beta2=0.25, growth_rate=float("inf"))  # 0.5 / ((1 - 0.5) * 2)
    (0.5, 0.5)
    >>> dadapt_adam_d(0.1, 0.5, 2.0, beta2=0.25, growth_rate=2.0)  # capped at 2 d
    (0.2, 0.5)
    """
    d_hat = numerator / ((1 - beta2 ** 0.5) * sk_l1)
    return max(d, min(d_hat, d * growth_rate)), d_hat


def dadapt_adam_step(param, state, *, dlr, eps, weight_decay, decouple):
    r"""Pass 2 on one tensor, in place: :math:`x \leftarrow x - m / (\sqrt v + \epsilon)` (m holds :math:`\alpha_k`)."""
    state["step"] += 1
    denom = state["exp_avg_sq"].sqrt().add_(eps)
    if decouple and weight_decay != 0:
        param.add_(param, alpha=-weight_decay * dlr)  # x <- x - lambda alpha x
    param.addcdiv_(state["exp_avg"], denom, value=-1)


class DAdaptAdam(Optimizer):
    r"""D-Adapted Adam: Adam at step size :math:`d\,\eta`, :math:`d` a growing lower bound on :math:`\|x_0 - x_*\|`.

    .. math::
        \alpha_k &= d_k\, \eta\, \rho_k, \qquad
            \rho_k = \sqrt{1-\beta_2^{k+1}} / (1-\beta_1^{k+1}) \text{ with bias correction, else } 1 \\
        r_{k+1} &= \sqrt{\beta_2}\, r_k + (1-\sqrt{\beta_2}) \textstyle\sum \ell\, \alpha_k
            \big\langle g_k, \tfrac{s_k}{\sqrt{v_k} + \epsilon} \big\rangle \\
        m_{k+1} &= \beta_1 m_k + (1-\beta_1)\, \ell\, \alpha_k\, g_k, \qquad
            v_{k+1} = \beta_2 v_k + (1-\beta_2)\, g_k^2, \qquad
            s_{k+1} = \sqrt{\beta_2}\, s_k + (1-\sqrt{\beta_2})\, \alpha_k\, g_k \\
        \hat d_{k+1} &= \frac{r_{k+1}}{(1-\sqrt{\beta_2}) \sum \ell\, \|s_{k+1}\|_1}, \qquad
            d_{k+1} = \max\big(d_k, \min(\hat d_{k+1}, \gamma\, d_k)\big) \\
        x_{k+1} &= x_k - \frac{m_{k+1}}{\sqrt{v_{k+1}} + \epsilon}

    The sums run over the param groups' tensors, :math:`\ell` is a group's ``layer_scale``
    (1 unless a group sets it). Weight decay :math:`\lambda` joins the gradient
    (``decouple=False``) or shrinks :math:`x` by :math:`\lambda \alpha_k x` first.

    Follows ``dadaptation`` 3.2, the paper's Adam variant with its growth limit :math:`\gamma`
    and bias correction. The new :math:`d_{k+1}` enters the next step (:math:`m` already
    holds :math:`\alpha_k`) and serves every param group: ``betas``, ``decouple``,
    ``use_bias_correction``, ``growth_rate``, ``d`` and its sum come from the first group; a
    step whose :math:`\|s\|_1` is 0 (all gradients 0, or lr 0) moves nothing. Unlike it,
    ``p.grad`` is left as it was, and nothing is printed.

    Args:
        params: tensors or param-group dicts; groups share one lr (a group may have lr 0).
        lr: multiplier :math:`\eta > 0` of the estimated step. Default ``1.0``.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1). Default ``(0.9, 0.999)``.
        eps: :math:`\epsilon > 0`. Default ``1e-8``.
        weight_decay: :math:`\lambda`. Default ``0``.
        log_every: log d every ``log_every`` steps at INFO level; 0 never. Default ``0``.
        decouple: AdamW-style decay of :math:`x` instead of :math:`g`. Default ``False``.
        use_bias_correction: Adam's bias correction in :math:`\alpha_k`. Default ``False``.
        d0: the first estimate :math:`d_0 > 0`. Default ``1e-6``.
        growth_rate: :math:`\gamma`, the most :math:`d` may grow in one step. Default ``inf``.
        fsdp_in_use: must be ``False`` (no sums across processes). Default ``False``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = DAdaptAdam([w])
        >>> for _ in range(30):
        ...     opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
        >>> print(f"{opt.param_groups[0]['d']:.2f}")  # grown from d0 = 1e-6 within 20 steps
        3.72

    References:
        Defazio, Mishchenko (2023), "Learning-rate-free learning by D-Adaptation", ICML.
    """

    def __init__(self, params, lr=1.0, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, log_every=0, decouple=False,
                 use_bias_correction=False, d0=1e-6, growth_rate=float("inf"), fsdp_in_use=False):
        d0 = checks.positive("d0", d0)
        defaults = dict(
            lr=checks.positive("lr", lr),
            betas=checks.betas(betas),
            eps=checks.positive("eps", eps),
            weight_decay=checks.real("weight_decay", weight_decay),
            d=d0, k=0, layer_scale=1.0, numerator_weighted=0.0,
            log_every=checks.integer("log_every", log_every, type_error=False),
            growth_rate=checks.real("growth_rate", growth_rate),
            use_bias_correction=checks.flag("use_bias_correction", use_bias_correction),
            decouple=checks.flag("decouple", decouple),
            fsdp_in_use=single_process(fsdp_in_use),
        )
        self.d0 = d0
        super().__init__(checks.params(params), defaults)
        shared_lr(self.param_groups)

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient and the shared ``d``; return ``closure()``'s loss."""
        loss = evaluate(closure)
        first = self.param_groups[0]
        beta1, beta2 = first["betas"]
        lr, d, k, decouple = shared_lr(self.param_groups), first["d"], first["k"], first["decouple"]
        rho = ((1 - beta2 ** (k + 1)) ** 0.5) / (1 - beta1 ** (k + 1)) if first["use_bias_correction"] else 1
        dlr = d * lr * rho  # alpha_k
        numerator, sk_l1, todo = 0.0, 0.0, []
        for group in self.param_groups:  # pass 1: moments, s and the numerator
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = real_dense_grad(p, "DAdaptAdam")
                if group["weight_decay"] != 0 and not decouple:
                    grad = grad.add(p, alpha=group["weight_decay"])  # g + lambda x
                state = self.state[p]
                if "step" not in state:
                    state.update(step=0, s=torch.zeros_like(p), exp_avg=torch.zeros_like(p),
                                 exp_avg_sq=torch.zeros_like(p))
                if group["lr"] > 0.0:
                    r, s = dadapt_adam_statistics(grad, state, dlr=dlr, eps=group["eps"], betas=(beta1, beta2),
                                                  layer_scale=group["layer_scale"])
                    numerator, sk_l1 = numerator + r, sk_l1 + s
                todo.append((p, state, group))
        sqrt_beta2 = beta2 ** 0.5
        numerator = sqrt_beta2 * first["numerator_weighted"] + (1 - sqrt_beta2) * numerator  # r_{k+1}
        if sk_l1 == 0:  # no gradient seen yet (or lr 0): nothing to estimate, nothing moves
            return loss
        d, d_hat = dadapt_adam_d(d, numerator, sk_l1, beta2=beta2, growth_rate=first["growth_rate"])
        log_every, last_k = first["log_every"], self.param_groups[-1]["k"]
        if log_every > 0 and last_k % log_every == 0:
            log.info(f"lr: {lr} dlr: {dlr} d_hat: {d_hat}, d: {d}. sk_l1={sk_l1:1.1e} "
                     f"numerator_weighted={numerator:1.1e}")
        for group in self.param_groups:
            group.update(numerator_weighted=numerator, d=d)
        for p, state, group in todo:  # pass 2: the step (m already holds alpha_k)
            dadapt_adam_step(p, state, dlr=dlr, eps=group["eps"], weight_decay=group["weight_decay"],
                             decouple=decouple)
        for group in self.param_groups:
            group["k"] += 1
        return loss
