"""Muon: momentum whose update matrix is orthogonalised by a Newton–Schulz iteration."""
from __future__ import annotations

import math
from numbers import Integral

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import run_step

NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)  # (a, b, c), Jordan's quintic
# lr multiplier for an R x C matrix, by ``adjust_lr_fn`` (None = "original"): fit the step to the shape.
LR_ADJUSTMENTS = {
    "original": lambda rows, cols: math.sqrt(max(1, rows / cols)),  # Jordan: tall matrices step further
    "match_rms_adamw": lambda rows, cols: 0.2 * math.sqrt(max(rows, cols)),  # Moonshot: AdamW's RMS
    "spectral_unclamped": lambda rows, cols: math.sqrt(rows / cols),  # Bernstein
}


def newton_schulz(G: torch.Tensor, ns_coefficients=NS_COEFFICIENTS, ns_steps: int = 5, eps: float = 1e-7):
    r"""Approximately orthogonalise a matrix: :math:`G = U S V^\top \mapsto U S' V^\top`, :math:`S' \approx 1`.

    .. math::
        X_0 = G / \max(\|G\|_F, \epsilon), \qquad
        X_{k+1} = a X_k + (b A_k + c A_k^2) X_k, \quad A_k = X_k X_k^\top

    Each step maps every singular value :math:`\sigma \mapsto a\sigma + b\sigma^3 + c\sigma^5`;
    torch's coefficients push small ones up fast and leave all roughly in [0.5, 1.5] (not 1).
    Runs in bfloat16 (returned as such) on the wide orientation (transposed when rows >
    columns), exactly as torch. The addmm form matters: ``addmm(A, A, A, beta=b, alpha=c)``
    rounds :math:`bA + cA^2` once, while ``b*A + c*(A@A)`` rounds :math:`A^2` to bfloat16
    first and ends ~3e-2 (relative) from torch's result, twice bfloat16's own error vs float64.

    Example:
        >>> G = torch.randn(4, 6, generator=torch.Generator().manual_seed(0))
        >>> s = torch.linalg.svdvals(newton_schulz(G).float())
        >>> bool(((s > 0.6) & (s < 1.3)).all())
        True
    """
    if G.dim() != 2:
        raise ValueError(f"G must be a 2-D matrix, got shape {tuple(G.shape)}")
    a, b, c = ns_coefficients
    tall = G.size(0) > G.size(1)
    X = G.bfloat16().T if tall else G.bfloat16()
    X = X / X.norm().clamp(min=eps)  # Frobenius norm >= spectral norm: all sigma <= 1 (G left as is)
    for _ in range(ns_steps):
        A = X @ X.T
        B = torch.addmm(A, A, A, beta=b, alpha=c)  # b A + c A^2
        X = torch.addmm(X, B, X, beta=a)  # a X + B X
    return X.T if tall else X


def muon_update(param, grad, state, *, lr, weight_decay, momentum, nesterov, ns_coefficients, eps, ns_steps,
                adjust_lr_fn):
    """One Muon step on one matrix, in place (``state`` holds ``momentum_buffer``)."""
    buf = state["momentum_buffer"]
    buf.lerp_(grad, 1 - momentum)  # B_t = mu B + (1-mu) g
    direction = grad.lerp(buf, momentum) if nesterov else buf  # (1-mu) g + mu B_t
    ortho = newton_schulz(direction, ns_coefficients, ns_steps, eps)
    param.mul_(1 - lr * weight_decay)  # decoupled decay with the plain lr
    param.add_(ortho, alpha=-lr * LR_ADJUSTMENTS[adjust_lr_fn or "original"](*param.shape))  # adjusted lr


class Muon(Optimizer):
    r"""Muon: momentum on matrices, each step's direction orthogonalised by Newton–Schulz.

    .. math::
        B_t &= \mu B_{t-1} + (1-\mu)\, g_t, \qquad
        D_t = (1-\mu)\, g_t + \mu B_t \ \ (\text{nesterov; else } D_t = B_t) \\
        O_t &= \mathrm{NS}^{(a,b,c)}_k(D_t;\ \epsilon) \approx U V^\top \quad (D_t = U S V^\top) \\
        \theta_t &= \theta_{t-1}\,(1 - \eta\lambda) - \eta\, s(R, C)\, O_t

    Every direction of the update gets about the same size, whatever the gradient's
    spectrum. :math:`s(R, C)` for an R x C matrix: :math:`\sqrt{\max(1, R/C)}` (``"original"``),
    :math:`0.2\sqrt{\max(R, C)}` (``"match_rms_adamw"``), :math:`\sqrt{R/C}` (``"spectral_unclamped"``).
    Only 2-D parameters (hidden layers); optimise biases and embeddings with AdamW.

    Follows torch's code (and Jordan's), not torch's docstring: the buffer is an average,
    :math:`(1-\mu)` times the sum :math:`\mu B + g`, a scale that NS's normalisation removes.

    Args:
        params: 2-D tensors or param-group dicts to optimise (else ValueError).
        lr: learning rate :math:`\eta \ge 0` (0 as torch: nothing moves). Default ``1e-3``.
        weight_decay: decoupled decay :math:`\lambda \ge 0`, scaled by the plain lr. Default ``0.1``.
        momentum: :math:`\mu \in [0, 1]`. Default ``0.95``.
        nesterov: use :math:`D_t = (1-\mu) g_t + \mu B_t`. Default ``True``.
        ns_coefficients: :math:`(a, b, c)`. Default ``(3.4445, -4.7750, 2.0315)``.
        eps: :math:`\epsilon \ge 0` in NS's normalisation. Default ``1e-7``.
        ns_steps: NS iterations :math:`k \in [0, 100)`. Default ``5``.
        adjust_lr_fn: ``"original"``, ``"match_rms_adamw"`` or ``"spectral_unclamped"``. Default ``None`` (original).

    Example:
        >>> w = torch.nn.Parameter(torch.zeros(2, 3))
        >>> opt = Muon([w], lr=0.1, weight_decay=0)
        >>> (w * torch.tensor([[1.0, 0, 0], [0, 2.0, 0]])).sum().backward(); opt.step()
        >>> w.detach()  # gradients 1 and 2, steps ~lr each: NS evens out the directions
        tensor([[-0.1117,  0.0000,  0.0000],
                [ 0.0000, -0.0691,  0.0000]])

    References:
        Jordan et al. (2024), "Muon: an optimizer for hidden layers in neural networks".
        Liu et al. (2025), "Muon is scalable for LLM training", arXiv:2502.16982.
        Bernstein (2025), "Deriving Muon" (the spectral-norm view).
    """

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=NS_COEFFICIENTS, eps=1e-7, ns_steps=5, adjust_lr_fn=None):
        if adjust_lr_fn not in (None, *LR_ADJUSTMENTS):
            raise ValueError(f"adjust_lr_fn must be None or one of {list(LR_ADJUSTMENTS)}, got {adjust_lr_fn!r}")
        if not isinstance(ns_coefficients, (tuple, list)) or len(ns_coefficients) != 3:
            raise ValueError(f"ns_coefficients must be three numbers (a, b, c), got {ns_coefficients!r}")
        if isinstance(ns_steps, bool) or not isinstance(ns_steps, Integral) or not 0 <= ns_steps < 100:
            raise ValueError(f"ns_steps must be an integer in [0, 100), got {ns_steps!r}")
        defaults = dict(
            lr=checks.lr(lr),
            weight_decay=checks.nonnegative("weight_decay", weight_decay),
            momentum=checks.real("momentum", momentum, low=0.0, high=1.0),
            nesterov=checks.flag("nesterov", nesterov),
            ns_coefficients=ns_coefficients,
            eps=checks.nonnegative("eps", eps),
            ns_steps=int(ns_steps),
            adjust_lr_fn=adjust_lr_fn,
        )
        super().__init__(checks.params(params), defaults)

    def add_param_group(self, param_group):
        """Add a group (also called by ``__init__``), refusing any parameter that is not 2-D."""
        super().add_param_group(param_group)
        shapes = [tuple(p.shape) for p in self.param_groups[-1]["params"] if p.dim() != 2]
        if shapes:
            self.param_groups.pop()
            raise ValueError(f"Muon only optimises 2-D parameters, got shapes {shapes}; "
                             "use e.g. AdamW for biases and embeddings")

    def _init_state(self, state, p, group):
        if p.is_complex():
            raise RuntimeError(f"Muon does not support complex parameters (param of shape {tuple(p.shape)})")
        state["momentum_buffer"] = torch.zeros_like(p, memory_format=torch.preserve_format)  # B_0 = 0

    @torch.no_grad()
    def step(self, closure=None):
        """Take one step for every parameter that has a gradient; return ``closure()``'s loss."""
        keys = ("lr", "weight_decay", "momentum", "nesterov", "ns_coefficients", "eps", "ns_steps", "adjust_lr_fn")
        return run_step(self, closure, muon_update, keys, self._init_state)
