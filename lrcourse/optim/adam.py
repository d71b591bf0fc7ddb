"""Adam and AdamW: momentum plus RMSprop scaling, both bias-corrected."""
from __future__ import annotations

from functools import partial

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import new_step_counter, run_step, scalar


def grad_with_weight_decay(param, grad, *, lr, weight_decay, maximize, decoupled):
    r"""The gradient an Adam-family step uses: sign flipped to ``maximize``, then weight decay.

    ``decoupled`` (AdamW) shrinks ``param`` in place, :math:`\theta \leftarrow \theta(1-\eta\lambda)`,
    and leaves the gradient alone; otherwise (Adam) the L2 penalty joins it: :math:`g + \lambda\theta`.
    """
    g = -grad if maximize else grad
    if weight_decay != 0:
        if decoupled:  # AdamW: shrink the weights, leave the gradient alone
            param.mul_(1 - lr * weight_decay)
        else:  # Adam: L2 penalty folded into the gradient
            g = g.add(param, alpha=weight_decay)
    return g


def update_moments(state, g, betas):
    """Adam's two moving averages, in place: ``state["exp_avg"]`` and ``state["exp_avg_sq"]``."""
    beta1, beta2 = betas
    state["exp_avg"].lerp_(g, 1 - beta1)  # v_t = beta1 v + (1-beta1) g
    state["exp_avg_sq"].mul_(beta2).addcmul_(g, g, value=1 - beta2)  # s_t = beta2 s + (1-beta2) g^2


def adam_update(param, grad, state, *, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled):
    """One Adam (``decoupled=False``) or AdamW (``decoupled=True``) step on one tensor, in place.

    ``state``: ``step``, ``exp_avg``, ``exp_avg_sq`` and ``max_exp_avg_sq`` with amsgrad.
    """
    beta1, beta2 = betas
    state["step"] += 1
    t = state["step"].item()
    g = grad_with_weight_decay(param, grad, lr=lr, weight_decay=weight_decay, maximize=maximize, decoupled=decoupled)
    # as torch: a Tensor beta1 enters the average in the param's dtype (and the bias correction as it is)
    update_moments(state, g, (beta1.to(g), beta2) if isinstance(beta1, torch.Tensor) else betas)
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    step_size = lr / (1 - beta1**t)  # eta / (1 - beta1^t): bias correction of v
    bias_correction2_sqrt = (1 - beta2**t) ** 0.5  # sqrt(1 - beta2^t): bias correction of s
    if amsgrad:  # normalise by the largest s seen so far
        torch.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
        exp_avg_sq = state["max_exp_avg_sq"]
    denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)  # sqrt(s_hat) + eps
    param.addcdiv_(exp_avg, denom, value=-step_size)  # theta -= eta v_hat / (sqrt(s_hat) + eps)


class Adam(Optimizer):
    r"""Adam: bias-corrected moving averages of the gradient and of its square.

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\,\theta_{t-1} \\
        v_t &= \beta_1 v_{t-1} + (1-\beta_1)\, g_t, \qquad
        s_t = \beta_2 s_{t-1} + (1-\beta_2)\, g_t^2 \\
        \hat v_t &= \frac{v_t}{1-\beta_1^t}, \qquad
        \hat s_t = \frac{s_t}{1-\beta_2^t}
            \quad(\text{amsgrad: } \hat s_t = \max_{k \le t} s_k / (1-\beta_2^t)) \\
        \theta_t &= \theta_{t-1} - \eta\, \frac{\hat v_t}{\sqrt{\hat s_t} + \epsilon}

    Follows torch, not Kingma & Ba's Algorithm 1 line by line: :math:`\epsilon` is added
    to :math:`\sqrt{\hat s_t}` after bias correction (as the paper's equation, not its
    "efficient" variant), and amsgrad keeps the max of the *uncorrected* :math:`s_t`.

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate :math:`\eta \ge 0` (0 as torch: nothing moves). Default ``1e-3``.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1). Default ``(0.9, 0.999)``.
        eps: :math:`\epsilon \ge 0`. Default ``1e-8``.
        weight_decay: L2 penalty :math:`\lambda \ge 0` added to the gradient. Default ``0``.
        amsgrad: use the running maximum of :math:`s_t` (Reddi et al.). Default ``False``.
        maximize: ascend instead of descend. Default ``False``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = Adam([w], lr=0.1)
        >>> (w ** 2).sum().backward(); opt.step()
        >>> w.detach()  # the first step is lr * sign(g): v_hat / sqrt(s_hat) = g / |g|
        tensor([ 0.9000, -1.9000])

    References:
        Kingma, Ba (2015), "Adam: a method for stochastic optimization", ICLR.
        Reddi, Kale, Kumar (2018), "On the convergence of Adam and beyond", ICLR (amsgrad).
    """

    decoupled_weight_decay = False  # AdamW sets True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, maximize=False):
        betas = checks.betas(betas)
        if isinstance(betas[0], torch.Tensor) != isinstance(betas[1], torch.Tensor):
            raise ValueError(f"betas must be either both floats or both Tensors (as in torch's Adam), got {betas!r}")
        defaults = dict(
            lr=checks.lr(lr),
            betas=tuple(map(scalar, betas)),  # Tensor betas stored 0-dim, as torch stores them
            eps=checks.nonnegative("eps", eps),
            weight_decay=checks.nonnegative("weight_decay", weight_decay),
            amsgrad=checks.flag("amsgrad", amsgrad),
            maximize=checks.flag("maximize", maximize),
        )
        super().__init__(checks.params(params), defaults)

    def _init_state(self, state, p, group):
        state["step"] = new_step_counter()
        state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # v_0 = 0
        state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # s_0 = 0
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)

    @torch.no_grad()
    def step(self, closure=None):
        """Take one step for every parameter that has a gradient; return ``closure()``'s loss."""
        keys = ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize")
        update = partial(adam_update, decoupled=self.decoupled_weight_decay)
        return run_step(self, closure, update, keys, self._init_state)


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay.

    The weights shrink directly, :math:`\theta \leftarrow \theta\,(1 - \eta\lambda)`, before
    the Adam step computed from the raw gradient, instead of adding :math:`\lambda\theta`
    to the gradient (where Adam's :math:`1/\sqrt{\hat s}` scaling would rescale the decay).

    Follows torch, not Loshchilov & Hutter: the decay is multiplied by the learning rate
    :math:`\eta` (the paper uses a separate schedule multiplier).

    Args are Adam's, except ``weight_decay`` defaults to ``1e-2``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
        >>> (w ** 2).sum().backward(); opt.step()
        >>> w.detach()  # shrink by 1 - 0.1 * 0.5, then step lr * sign(g)
        tensor([ 0.8500, -1.8000])

    References:
        Loshchilov, Hutter (2019), "Decoupled weight decay regularization", ICLR.
    """

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
