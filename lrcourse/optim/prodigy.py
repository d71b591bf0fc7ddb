"""Prodigy: Adam whose step size d is estimated while it trains (Mishchenko & Defazio 2024)."""
from __future__ import annotations

import math

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import evaluate
from ._lr_free import real_dense_grad, shared_lr, single_process


def prodigy_statistics(param, grad, state, *, d, dlr, d0, betas, beta3, safeguard_warmup, slice_p):
    r"""Pass 1 on one tensor: update :math:`m, v, s` in place; return its share of :math:`r` and :math:`\|s\|_1`.

    ``state``: ``s`` and ``p0`` (every ``slice_p``-th entry of :math:`s` and :math:`x_0`),
    ``exp_avg`` (absent when :math:`\beta_1 = 0`), ``exp_avg_sq``.
    """
    beta1, beta2 = betas
    g = grad.flatten()[::slice_p]
    numerator = (d / d0) * dlr * torch.dot(g, state["p0"] - param.flatten()[::slice_p]).item()  # <g, x0 - x>
    if beta1 > 0:
        state["exp_avg"].mul_(beta1).add_(grad, alpha=d * (1 - beta1))  # m = b1 m + (1-b1) d g
    state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=d * d * (1 - beta2))  # v = b2 v + (1-b2) d^2 g^2
    state["s"].mul_(beta3).add_(g, alpha=(d / d0) * (d if safeguard_warmup else dlr))  # s = b3 s + (d/d0) alpha g
    return numerator, state["s"].abs().sum().item()


def prodigy_d(d, d_max, numerator, denominator, *, d0, d_coef, growth_rate):
    r"""The new estimate :math:`(d_{k+1}, d^{\max}_{k+1}, \hat d_{k+1})` from :math:`r_{k+1}` and :math:`\|s_{k+1}\|_1`.

    >>> prodigy_d(1e-6, 1e-6, 3.0, 2.0, d0=1e-6, d_coef=1.0, growth_rate=float("inf"))
    (1.5, 1.5, 1.5)
    >>> prodigy_d(0.1, 0.1, 3.0, 2.0, d0=1e-6, d_coef=1.0, growth_rate=2.0)  # capped at 2 d
    (0.2, 1.5, 1.5)
    """
    d_hat = d_coef * numerator / denominator
    if d == d0:  # while d is still d0 it may jump to d_hat at once, whatever growth_rate says
        d = max(d, d_hat)
    d_max = max(d_max, d_hat)
    return min(d_max, d * growth_rate), d_max, d_hat


def prodigy_step(param, grad, state, *, d, dlr, eps, weight_decay, decouple, beta1):
    r"""Pass 2 on one tensor, in place: :math:`x \leftarrow x - \alpha_k\, m / (\sqrt v + d_{k+1}\epsilon)`."""
    state["step"] += 1
    denom = state["exp_avg_sq"].sqrt().add_(d * eps)
    if decouple and weight_decay != 0:
        param.add_(param, alpha=-weight_decay * dlr)  # x <- x - lambda alpha x
    if beta1 > 0:
        param.addcdiv_(state["exp_avg"], denom, value=-dlr)
    else:  # no first moment: the gradient, scaled by d as m would be
        param.addcdiv_(grad, denom, value=-dlr * d)


class Prodigy(Optimizer):
    r"""Prodigy: Adam at step size :math:`d\,\eta`, with :math:`d` estimated from the distance travelled.

    .. math::
        \alpha_k &= d_k\, \eta\, \rho_k, \qquad
            \rho_k = \sqrt{1-\beta_2^{k+1}} / (1-\beta_1^{k+1}) \text{ with bias correction, else } 1 \\
        m_{k+1} &= \beta_1 m_k + (1-\beta_1)\, d_k\, g_k, \qquad
            v_{k+1} = \beta_2 v_k + (1-\beta_2)\, d_k^2\, g_k^2 \\
        r_{k+1} &= \beta_3 r_k + \tfrac{d_k}{d_0}\, \alpha_k \langle g_k, x_0 - x_k\rangle, \qquad
            s_{k+1} = \beta_3 s_k + \tfrac{d_k}{d_0}\, \alpha_k\, g_k
            \quad(\text{safeguard\_warmup: } d_k \text{ for } \alpha_k) \\
        \hat d_{k+1} &= c\, \frac{r_{k+1}}{\|s_{k+1}\|_1}, \qquad
            d^{\max}_{k+1} = \max(d^{\max}_k, \hat d_{k+1}), \qquad
            d_{k+1} = \min(d^{\max}_{k+1},\ \gamma\, d_k)
            \quad(d_k = d_0\text{: } \max(d_k, \hat d_{k+1}) \text{ for } d_k) \\
        x_{k+1} &= x_k - \alpha_k\, \frac{m_{k+1}}{\sqrt{v_{k+1}} + d_{k+1}\,\epsilon}

    :math:`\hat d` is a lower bound on :math:`\|x_0 - x_*\|`: the steps so far, weighted by
    how well they point from :math:`x_k` back to :math:`x_0`. Weight decay :math:`\lambda` joins
    the gradient (``decouple=False``) or shrinks :math:`x` by :math:`\lambda \alpha_k x` first.

    Follows ``prodigyopt`` 1.1.2, not the paper's Algorithm 4: :math:`\beta_3` (default
    :math:`\sqrt{\beta_2}`) replaces :math:`\sqrt{\beta_2}` and drops its :math:`1-\sqrt{\beta_2}`
    factors, :math:`r, s` carry :math:`d_k \alpha_k / d_0` (the factors cancel in
    :math:`\hat d`), :math:`\epsilon` is scaled by the new :math:`d_{k+1}`; with :math:`\beta_1 = 0`
    :math:`m_{k+1} = d_{k+1} g_k`. As there, the new :math:`d_{k+1}` serves every param group:
    ``betas``, ``beta3``, ``decouple``, ``use_bias_correction``, ``d_coef``, ``growth_rate``, ``d``
    and its sums come from the first group; a step whose :math:`\|s\|_1` is 0 (all
    gradients 0, or lr 0) moves nothing. Unlike it, ``p.grad`` is left as it was.

    Args:
        params: tensors or param-group dicts; groups share one lr (a group may have lr 0).
        lr: multiplier :math:`\eta > 0` of the estimated step. Default ``1.0``.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1). Default ``(0.9, 0.999)``.
        beta3: :math:`\beta_3`; ``None`` for :math:`\sqrt{\beta_2}`. Default ``None``.
        eps: :math:`\epsilon > 0`. Default ``1e-8``.
        weight_decay: :math:`\lambda`. Default ``0``.
        decouple: AdamW-style decay of :math:`x` instead of :math:`g`. Default ``True``.
        use_bias_correction: Adam's bias correction in :math:`\alpha_k`. Default ``False``.
        safeguard_warmup: leave :math:`\eta` out of :math:`s` (for lr warmup). Default ``False``.
        d0: the first estimate :math:`d_0 > 0`. Default ``1e-6``.
        d_coef: :math:`c`, scales every estimate. Default ``1.0``.
        growth_rate: :math:`\gamma`, the most :math:`d` may grow in one step. Default ``inf``.
        fsdp_in_use: must be ``False`` (no sums across processes). Default ``False``.
        slice_p: keep :math:`s, x_0` for every ``slice_p``-th entry only (int >= 1). Default ``1``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = Prodigy([w])
        >>> for _ in range(30):
        ...     opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
        >>> print(f"{opt.param_groups[0]['d']:.2f}")  # grown from d0 = 1e-6 within 20 steps
        0.49

    References:
        Mishchenko, Defazio (2024), "Prodigy: an expeditiously adaptive parameter-free learner", ICML.
    """

    def __init__(self, params, lr=1.0, betas=(0.9, 0.999), beta3=None, eps=1e-8, weight_decay=0, decouple=True,
                 use_bias_correction=False, safeguard_warmup=False, d0=1e-6, d_coef=1.0,
                 growth_rate=float("inf"), fsdp_in_use=False, slice_p=1):
        d0 = checks.positive("d0", d0)
        defaults = dict(
            lr=checks.positive("lr", lr),
            betas=checks.betas(betas),
            beta3=None if beta3 is None else checks.real("beta3", beta3),
            eps=checks.positive("eps", eps),
            weight_decay=checks.real("weight_decay", weight_decay),
            d=d0, d0=d0, d_max=d0, d_numerator=0.0,
            d_coef=checks.real("d_coef", d_coef),
            k=0,
            growth_rate=checks.real("growth_rate", growth_rate),
            use_bias_correction=checks.flag("use_bias_correction", use_bias_correction),
            decouple=checks.flag("decouple", decouple),
            safeguard_warmup=checks.flag("safeguard_warmup", safeguard_warmup),
            fsdp_in_use=single_process(fsdp_in_use),
            slice_p=checks.integer("slice_p", slice_p, low=1, type_error=False),
        )
        self.d0 = d0
        super().__init__(checks.params(params), defaults)
        shared_lr(self.param_groups)

    @staticmethod
    def _init_state(state, p, slice_p, beta1):
        state["step"] = 0
        state["s"] = torch.zeros_like(p.flatten()[::slice_p])
        state["p0"] = p.flatten()[::slice_p].clone() if p.any() else torch.tensor(0, device=p.device, dtype=p.dtype)
        if beta1 > 0:
            state["exp_avg"] = torch.zeros_like(p)
        state["exp_avg_sq"] = torch.zeros_like(p)

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient and the shared ``d``; return ``closure()``'s loss."""
        loss = evaluate(closure)
        first = self.param_groups[0]
        beta1, beta2 = first["betas"]
        beta3 = math.sqrt(beta2) if first["beta3"] is None else first["beta3"]
        lr, d, k, decouple = shared_lr(self.param_groups), first["d"], first["k"], first["decouple"]
        rho = ((1 - beta2 ** (k + 1)) ** 0.5) / (1 - beta1 ** (k + 1)) if first["use_bias_correction"] else 1
        dlr = d * lr * rho  # alpha_k
        numerator, denominator, todo = 0.0, 0.0, []
        for group in self.param_groups:  # pass 1: moments, r and s
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = real_dense_grad(p, "Prodigy")
                if group["weight_decay"] != 0 and not decouple:
                    grad = grad.add(p, alpha=group["weight_decay"])  # g + lambda x
                state = self.state[p]
                if "step" not in state:
                    self._init_state(state, p, group["slice_p"], beta1)
                if group["lr"] > 0.0:
                    r, s = prodigy_statistics(p, grad, state, d=d, dlr=dlr, d0=group["d0"], betas=(beta1, beta2),
                                              beta3=beta3, safeguard_warmup=group["safeguard_warmup"],
                                              slice_p=group["slice_p"])
                    numerator, denominator = numerator + r, denominator + s
                todo.append((p, grad if beta1 == 0 else None, state, group))  # pass 2 reads g only without m
        if denominator == 0:  # no gradient seen yet (or lr 0): nothing to estimate, nothing moves
            return loss
        numerator = first["d_numerator"] * beta3 + numerator  # r_{k+1} = beta3 r_k + ...
        last_d0 = self.param_groups[-1]["d0"]  # as the reference: "d still d0" is read in the last group
        d, d_max, d_hat = prodigy_d(d, first["d_max"], numerator, denominator, d0=last_d0,
                                    d_coef=first["d_coef"], growth_rate=first["growth_rate"])
        for group in self.param_groups:
            group.update(d_numerator=numerator, d_denom=denominator, d=d, d_max=d_max, d_hat=d_hat)
        for p, grad, state, group in todo:  # pass 2: the step, with the new d in the denominator
            prodigy_step(p, grad, state, d=d, dlr=dlr, eps=group["eps"], weight_decay=group["weight_decay"],
                         decouple=decouple, beta1=beta1)
        for group in self.param_groups:
            group["k"] += 1
        return loss
