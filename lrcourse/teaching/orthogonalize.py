r"""Muon's Newton–Schulz orthogonalisation, taken apart: what it does to singular values, and
why torch writes it with ``addmm`` in bfloat16.

With :math:`X_0 = G/\|G\|_F = U \Sigma_0 V^\top`, every step
:math:`X_{k+1} = a X_k + (b A_k + c A_k^2) X_k`, :math:`A_k = X_k X_k^\top`, keeps :math:`U`
and :math:`V` and maps each singular value through the odd polynomial
:math:`p(\sigma) = a\sigma + b\sigma^3 + c\sigma^5` (:func:`ns_map`). Muon's coefficients
(Jordan's quintic) push small singular values up quickly and leave all of them roughly in
[0.7, 1.2]: not exactly 1, but the update's directions become about equally long.

:func:`ns_iterate` runs the same iteration in any dtype and in two algebraically equal forms:
torch's (``addmm(A, A, A, beta=b, alpha=c)``, one rounding of :math:`bA + cA^2`) and the
textbook one (``b*A + c*(A@A)``, rounding :math:`A^2` to bfloat16 first). In bfloat16 (8 bits
of mantissa) they end about 3% apart; the one real optimizer is
:func:`lrcourse.optim.newton_schulz`, equal to ``ns_iterate(..., form="addmm")`` in bfloat16.

Example:
    >>> G = torch.randn(32, 64, generator=torch.Generator().manual_seed(0))
    >>> d = ns_differences(G)
    >>> 0.005 < d["separate vs addmm"] < 0.1 < d["4 steps vs 5"]
    True

References:
    K. Jordan et al. (2024), "Muon: an optimizer for hidden layers in neural networks".
    N. J. Higham (2008), *Functions of Matrices*, ch. 8 (Newton–Schulz for the polar factor).
"""
from __future__ import annotations

import numpy as np
import torch

from ..optim import newton_schulz
from ..optim.muon import NS_COEFFICIENTS
from .. import checks

FORMS = ("addmm", "separate")


def ns_map(sigma, ns_coefficients=NS_COEFFICIENTS, ns_steps: int = 5) -> np.ndarray:
    r""":math:`p^{\circ k}(\sigma)`: where ``ns_steps`` Newton–Schulz steps send singular values
    :math:`\sigma` of the normalised matrix (exact arithmetic)."""
    a, b, c = ns_coefficients
    s = np.asarray(sigma, dtype=float)
    for _ in range(ns_steps):
        s = a * s + b * s ** 3 + c * s ** 5
    return s


def spectrum_matrix(rows: int = 64, cols: int = 128, decay: float = 0.9, seed: int = 0) -> torch.Tensor:
    r"""A gradient-like matrix :math:`U\,\mathrm{diag}(\mathrm{decay}^i)\,V^\top` with random orthogonal
    :math:`U, V`: a few large directions and many small ones (float64; ``decay`` in (0, 1])."""
    checks.integer("rows", rows, low=1)
    checks.integer("cols", cols, low=1)
    checks.real("decay", decay, low=0.0, high=1.0, low_open=True)
    gen = torch.Generator().manual_seed(seed)
    k = min(rows, cols)
    U, _ = torch.linalg.qr(torch.randn(rows, k, generator=gen, dtype=torch.float64))
    V, _ = torch.linalg.qr(torch.randn(cols, k, generator=gen, dtype=torch.float64))
    return (U * decay ** torch.arange(k, dtype=torch.float64)) @ V.T


def ns_iterate(G: torch.Tensor, ns_coefficients=NS_COEFFICIENTS, ns_steps: int = 5, eps: float = 1e-7, *,
               dtype: torch.dtype = torch.bfloat16, form: str = "addmm") -> torch.Tensor:
    """Newton–Schulz as :func:`lrcourse.optim.newton_schulz`, in ``dtype`` and either ``form``.

    ``form="addmm"`` is torch's (bit-equal to ``newton_schulz`` in bfloat16);
    ``form="separate"`` computes ``b*A + c*(A@A)`` with a rounded ``A@A``.
    """
    checks.choice("form", form, FORMS)
    a, b, c = ns_coefficients
    tall = G.size(0) > G.size(1)
    X = G.to(dtype).T if tall else G.to(dtype)
    X = X / X.norm().clamp(min=eps)
    for _ in range(ns_steps):
        A = X @ X.T
        B = torch.addmm(A, A, A, beta=b, alpha=c) if form == "addmm" else b * A + c * (A @ A)
        X = torch.addmm(X, B, X, beta=a) if form == "addmm" else a * X + B @ X
    return X.T if tall else X


def relative_difference(x: torch.Tensor, reference: torch.Tensor) -> float:
    r""":math:`\|x - r\|_F / \|r\|_F`, computed in float64."""
    x, reference = x.double(), reference.double()
    return float((x - reference).norm() / reference.norm())


def ns_differences(G: torch.Tensor, ns_steps: int = 5) -> dict[str, float]:
    """Relative differences between Newton–Schulz results on ``G``: torch's bfloat16 result
    against the separate form, against one step fewer, and each against float64."""
    checks.integer("ns_steps", ns_steps, low=1)
    torch_result = newton_schulz(G, ns_steps=ns_steps)
    separate = ns_iterate(G, ns_steps=ns_steps, form="separate")
    exact = ns_iterate(G, ns_steps=ns_steps, dtype=torch.float64)
    return {
        "separate vs addmm": relative_difference(separate, torch_result),
        f"{ns_steps - 1} steps vs {ns_steps}": relative_difference(newton_schulz(G, ns_steps=ns_steps - 1),
                                                                 torch_result),
        "addmm (bfloat16) vs float64": relative_difference(torch_result, exact),
        "separate (bfloat16) vs float64": relative_difference(separate, exact),
    }
