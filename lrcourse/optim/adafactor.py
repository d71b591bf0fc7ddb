"""Adafactor: Adam-like scaling from a factored second moment, O(R + C) memory per matrix."""
from __future__ import annotations

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import new_step_counter, run_step


def _rms(x: torch.Tensor) -> float:
    """Root mean square of all entries, :math:`\\|x\\|_2 / \\sqrt{n}`."""
    return x.norm(2).item() / x.numel() ** 0.5


def adafactor_update(param, grad, state, *, lr, beta2_decay, eps, d, weight_decay, maximize):
    """One Adafactor step on one tensor, in place.

    ``state``: ``step``, and ``row_var``/``col_var`` (≥ 2-D) or ``variance`` (0-D, 1-D).
    """
    eps1, eps2 = eps
    if eps1 is None:  # the parameter dtype's machine epsilon
        eps1 = torch.finfo(param.dtype).eps
    g = -grad if maximize else grad
    state["step"] += 1
    t = state["step"].item()
    one_minus_beta2 = t**beta2_decay  # 1 - beta2_t = t^tau: averages over ~all past steps
    rho = min(lr, 1 / t**0.5)  # relative step size
    alpha = max(eps2, _rms(param)) * rho  # absolute step: relative to the parameter's RMS
    if weight_decay != 0:  # decoupled, after the RMS above was taken
        param.mul_(1 - lr * weight_decay)
    if g.dim() > 1:  # factored over the last two dims: row and column means of g^2
        row_var, col_var = state["row_var"], state["col_var"]
        row_var.lerp_(g.square().mean(dim=-1, keepdim=True), one_minus_beta2)  # R_t  [..., R, 1]
        col_var.lerp_(g.square().mean(dim=-2, keepdim=True), one_minus_beta2)  # C_t  [..., 1, C]
        v = (row_var @ col_var).div_(row_var.mean(dim=-2, keepdim=True).clamp(min=eps1))  # R C / mean(R)
    else:
        state["variance"].lerp_(g * g, one_minus_beta2)  # V_t, unfactored
        v = state["variance"].clone()
    u = v.clamp_(min=eps1 * eps1).rsqrt_().mul_(g)  # U_t = g / max(sqrt(V_t), eps1)
    param.add_(u, alpha=-alpha / max(1.0, _rms(u) / d))  # clip: RMS(U_hat) <= d


def check_eps_pair(eps) -> tuple[float | None, float]:
    """``eps`` is ``(eps1, eps2)``: eps1 ``None`` (machine epsilon) or ≥ 0, eps2 ≥ 0."""
    if not isinstance(eps, (tuple, list)) or len(eps) != 2:
        raise ValueError(f"eps must be a pair (eps1, eps2), eps1 None or >= 0 and eps2 >= 0, got {eps!r}")
    return (None if eps[0] is None else checks.nonnegative("eps[0]", eps[0]), checks.nonnegative("eps[1]", eps[1]))


class Adafactor(Optimizer):
    r"""Adafactor: Adam's per-coordinate scaling from row and column averages of :math:`g^2`.

    .. math::
        \hat\beta_{2,t} &= 1 - t^{\tau}, \qquad
        \rho_t = \min(\eta, 1/\sqrt t), \qquad
        \alpha_t = \max(\epsilon_2, \mathrm{RMS}(\theta_{t-1}))\, \rho_t \\
        \theta &\leftarrow \theta_{t-1}\,(1 - \eta\lambda) \\
        R_t &= \hat\beta_{2,t} R_{t-1} + (1-\hat\beta_{2,t})\, \mathrm{mean}_{\text{cols}}(g_t^2), \quad
        C_t = \hat\beta_{2,t} C_{t-1} + (1-\hat\beta_{2,t})\, \mathrm{mean}_{\text{rows}}(g_t^2) \\
        \hat V_t &= \frac{R_t C_t}{\max(\mathrm{mean}(R_t), \epsilon_1)}
            \quad(\text{0-D, 1-D: } \hat V_t = \hat\beta_{2,t} \hat V_{t-1} + (1-\hat\beta_{2,t})\, g_t^2) \\
        U_t &= \frac{g_t}{\max(\sqrt{\hat V_t}, \epsilon_1)}, \qquad
        \theta_t = \theta - \alpha_t\, \frac{U_t}{\max(1, \mathrm{RMS}(U_t)/d)}

    A matrix with R rows and C columns keeps R + C numbers of second moment instead of
    Adam's R·C; tensors with more dims are factored over their last two (a batch of matrices).

    Follows torch, not Shazeer & Stern: :math:`\eta` caps :math:`\rho_t` (the paper fixes
    0.01) and scales decoupled weight decay; :math:`\epsilon_1` guards
    :math:`\mathrm{mean}(R_t)` and :math:`\sqrt{\hat V_t}` instead of being added to :math:`g^2`;
    means replace the paper's sums; there is no first moment.

    Args:
        params: tensors or param-group dicts to optimise.
        lr: learning rate :math:`\eta \ge 0` (0 as torch: nothing moves), the cap on :math:`\rho_t`. Default ``1e-2``.
        beta2_decay: :math:`\tau \le 0`. Default ``-0.8``.
        eps: :math:`(\epsilon_1, \epsilon_2)`; ``eps1=None`` means the parameter dtype's machine
            epsilon (the group keeps ``None``). Default ``(None, 1e-3)``.
        d: update clipping threshold :math:`d \ge 1`. Default ``1.0``.
        weight_decay: decoupled decay :math:`\lambda \ge 0`. Default ``0``.
        maximize: ascend instead of descend (keyword-only). Default ``False``.

    Example:
        >>> w = torch.nn.Parameter(torch.ones(4, 6))
        >>> opt = Adafactor([w], lr=0.01)
        >>> (w ** 2).sum().backward(); opt.step()
        >>> sorted(opt.state[w]), tuple(opt.state[w]["row_var"].shape), tuple(opt.state[w]["col_var"].shape)
        (['col_var', 'row_var', 'step'], (4, 1), (1, 6))
        >>> round(w[0, 0].item(), 6)  # first step: RMS(w) * min(lr, 1) * sign(g)
        0.99

    References:
        Shazeer, Stern (2018), "Adafactor: adaptive learning rates with sublinear memory
        cost", ICML. https://arxiv.org/abs/1804.04235
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *, maximize=False):
        defaults = dict(
            lr=checks.lr(lr),
            beta2_decay=checks.real("beta2_decay", beta2_decay, low=-float("inf"), low_open=True, high=0.0),
            eps=check_eps_pair(eps),
            d=checks.real("d", d, low=1.0),
            weight_decay=checks.nonnegative("weight_decay", weight_decay),
            maximize=checks.flag("maximize", maximize),
        )
        super().__init__(checks.params(params), defaults)

    def _init_state(self, state, p, group):
        if p.is_complex():
            raise RuntimeError(f"Adafactor does not support complex parameters (param of shape {tuple(p.shape)})")
        state["step"] = new_step_counter()
        if p.dim() > 1:
            state["row_var"] = p.new_zeros((*p.shape[:-1], 1))  # R_0 = 0, one per row
            state["col_var"] = p.new_zeros((*p.shape[:-2], 1, p.shape[-1]))  # C_0 = 0, one per column
        else:
            state["variance"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # V_0 = 0

    @torch.no_grad()
    def step(self, closure=None):
        """Take one step for every parameter that has a gradient; return ``closure()``'s loss."""
        keys = ("lr", "beta2_decay", "eps", "d", "weight_decay", "maximize")
        return run_step(self, closure, adafactor_update, keys, self._init_state)
