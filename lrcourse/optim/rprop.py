"""Rprop: each coordinate steps by its own size in the direction of ``-sign(g)``."""
from __future__ import annotations

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import new_step_counter, run_step, scalar


def rprop_update(param, grad, state, *, etas, step_sizes, maximize):
    """One Rprop step on one tensor, in place (``state``: ``step``, ``prev``, ``step_size``)."""
    etaminus, etaplus = etas
    state["step"] += 1
    g = -grad if maximize else grad
    prev, step_size = state["prev"], state["step_size"]
    agree = g.mul(prev).sign()  # +1: same sign as last time, -1: it flipped, 0: a zero
    factor = torch.ones_like(agree)
    factor[agree > 0] = etaplus  # grow where the direction holds
    factor[agree < 0] = etaminus  # shrink where we overshot a minimum
    step_size.mul_(factor).clamp_(*step_sizes)  # Delta_t = clip(factor * Delta_{t-1})
    g = g.masked_fill(agree < 0, 0)  # after a flip: no step, and forget this gradient
    param.addcmul_(g.sign(), step_size, value=-1)  # theta -= Delta_t * sign(g_t)
    prev.copy_(g)


def _check_pair(name, value, what):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{name} must be a pair {what}, got {value!r}")
    return value


class Rprop(Optimizer):
    r"""Rprop (resilient backpropagation): only the sign of the gradient is used.

    Every coordinate :math:`i` keeps its own step size :math:`\Delta^i`, which grows while
    the gradient keeps its sign and shrinks when it flips:

    .. math::
        \Delta^i_t &= \begin{cases}
            \min(\eta_+\,\Delta^i_{t-1},\ \Delta_{\max}) & g^i_{t-1} g^i_t > 0 \\
            \max(\eta_-\,\Delta^i_{t-1},\ \Delta_{\min}) & g^i_{t-1} g^i_t < 0
                \quad(\text{then } g^i_t \leftarrow 0) \\
            \Delta^i_{t-1} & \text{otherwise}
        \end{cases} \\
        \theta^i_t &= \theta^i_{t-1} - \Delta^i_t\, \operatorname{sign}(g^i_t)

    with :math:`\Delta_0 = \eta` (``lr``). Setting :math:`g_t = 0` after a sign flip skips
    that coordinate's step and makes the next comparison neutral (Rprop without
    weight-backtracking, "Rprop-" in Igel & Hüsken's naming). Only the sign of the
    gradient matters, which is why Rprop suits full-batch training and breaks with
    mini-batches (noisy signs shrink the steps to :math:`\Delta_{\min}`).

    Follows torch, not Riedmiller & Braun: the clamp to :math:`[\Delta_{\min}, \Delta_{\max}]`
    applies to every step size, even unchanged ones (so ``lr=0`` starts at
    :math:`\Delta_{\min}`), and the group's ``lr`` is read only once, to fill :math:`\Delta_0`.

    Args:
        params: tensors or param-group dicts to optimise.
        lr: initial step size :math:`\eta \ge 0`. Default ``1e-2``.
        etas: :math:`(\eta_-, \eta_+)` with :math:`0 < \eta_- < 1 < \eta_+`. Default ``(0.5, 1.2)``.
        step_sizes: :math:`(\Delta_{\min}, \Delta_{\max})` with
            :math:`0 \le \Delta_{\min} \le \Delta_{\max}`. Default ``(1e-6, 50)``.
        maximize: ascend instead of descend (keyword-only, as in torch). Default ``False``.

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        >>> opt = Rprop([w], lr=0.1)
        >>> for _ in range(2):
        ...     opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
        >>> w.detach()  # steps of 0.1 then 0.12 against the sign of g, whatever its size
        tensor([ 0.7800, -1.7800])

    References:
        Riedmiller, Braun (1993), "A direct adaptive method for faster backpropagation
        learning: the RPROP algorithm", IEEE International Conference on Neural Networks.
        Igel, Hüsken (2000), "Improving the Rprop learning algorithm", NC 2000.
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False):
        etaminus, etaplus = _check_pair("etas", etas, "(etaminus, etaplus) with 0 < etaminus < 1 < etaplus")
        low, high = _check_pair("step_sizes", step_sizes, "(min, max) with 0 <= min <= max")
        defaults = dict(
            lr=checks.lr(lr),  # torch accepts 0: the clamp lifts it to step_sizes[0]
            etas=(
                checks.real("etas[0]", etaminus, low=0.0, high=1.0, low_open=True, high_open=True),
                checks.real("etas[1]", etaplus, low=1.0, low_open=True),
            ),
            step_sizes=(checks.nonnegative("step_sizes[0]", low), checks.real("step_sizes[1]", high, low=low)),
            maximize=checks.flag("maximize", maximize),
        )
        super().__init__(checks.params(params), defaults)

    def _init_state(self, state, p, group):
        lr = scalar(group["lr"])
        state["step"] = new_step_counter()
        state["prev"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # g_0 = 0
        # Delta_0 = lr; complex: lr for the real and for the imaginary part
        state["step_size"] = torch.full_like(p, complex(lr, lr) if p.is_complex() else lr)

    @torch.no_grad()
    def step(self, closure=None):
        """Take one step for every parameter that has a gradient; return ``closure()``'s loss."""
        return run_step(self, closure, rprop_update, ("etas", "step_sizes", "maximize"), self._init_state)
