r"""Sharpness: the largest eigenvalue of the loss's Hessian, by power iteration.

Gradient descent with step :math:`\eta` on a quadratic is stable only while every Hessian
eigenvalue satisfies :math:`\lambda < 2/\eta`; Cohen et al. (2021) found that under
full-batch gradient descent a network's top eigenvalue :math:`\lambda_{\max}` ("sharpness")
rises until it hovers at :math:`2/\eta`, the edge of stability. This module measures it, and
:func:`gd_with_sharpness` runs that experiment (full-batch GD, the sharpness every few steps).

The Hessian is never formed. A Hessian-vector product is the gradient of a dot product
with the gradient (Pearlmutter 1994), one extra backward pass through the graph of the
first (``torch.autograd.grad`` with ``create_graph=True``):

.. math::
    H v = \nabla_\theta \big( \nabla_\theta L(\theta) \cdot v \big)

Power iteration repeats :math:`v \leftarrow Hv / \|Hv\|` and reads the Rayleigh quotient
:math:`\lambda = v^\top H v` (:math:`\|v\| = 1`). It converges to the eigenvalue of largest
*magnitude*, with error shrinking like :math:`(\lambda_2/\lambda_1)^{2k}`. Cohen et al. track
the largest *algebraic* eigenvalue; the two are the same whenever the one found is
positive, since then no eigenvalue is above it. When it is negative (negative curvature
dominates, as near a saddle), :func:`top_eigenvalue` runs the iteration again on
:math:`H - \lambda_1 I`, whose eigenvalues :math:`\lambda_i - \lambda_1` are all
:math:`\ge 0`, so the largest of them is :math:`\lambda_{\max} - \lambda_1`.

Every Rayleigh quotient lies in :math:`[\lambda_{\min}, \lambda_{\max}]`: an estimate
stopped early errs low, never above :math:`\lambda_{\max}`.

Example:
    >>> import torch
    >>> x = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
    >>> loss = lambda: 0.5 * (3 * x[0] ** 2 + x[1] ** 2)   # Hessian diag(3, 1)
    >>> round(top_eigenvalue(loss, [x], tol=1e-12), 8)
    3.0

References:
    Cohen, Kaur, Li, Kolter, Talwalkar (2021), "Gradient descent on neural networks typically
    occurs at the edge of stability", ICLR (they use Lanczos; power iteration is the plainest
    method with the same answer when the top eigenvalue stands out).
    Pearlmutter (1994), "Fast exact multiplication by the Hessian", Neural Computation 6(1).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from .. import checks


def _params(params) -> list[torch.Tensor]:
    params = checks.params(params)
    for i, p in enumerate(params):
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"params[{i}] must be a tensor, got {p!r} of type {type(p).__name__}")
        if not p.requires_grad:
            raise ValueError(f"params[{i}] must require grad (the Hessian is taken with respect to it), "
                             f"got a tensor of shape {tuple(p.shape)} with requires_grad=False")
    return params


def _hessian(closure: Callable, params: list[torch.Tensor]) -> Callable:
    """The map :math:`v \\mapsto Hv` at the current parameters: the loss and its gradient are
    computed once (``closure()`` is called once), each product is one more backward pass."""
    if not callable(closure):
        raise TypeError(f"closure must be a function returning the loss, got {closure!r}")
    with torch.enable_grad():
        loss = closure()
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise ValueError(f"closure() must return the loss as a one-element tensor, got "
                             f"{type(loss).__name__}{tuple(loss.shape) if isinstance(loss, torch.Tensor) else ''}")
        grads = torch.autograd.grad(loss, params, create_graph=True, allow_unused=True,
                                    materialize_grads=True)

    def product(vector: list[torch.Tensor]) -> list[torch.Tensor]:
        with torch.enable_grad():
            g_dot_v = sum((g * v).sum() for g, v in zip(grads, vector))
            if not g_dot_v.requires_grad:  # the loss is linear in params: H = 0
                return [torch.zeros_like(p) for p in params]
            return list(torch.autograd.grad(g_dot_v, params, retain_graph=True, allow_unused=True,
                                            materialize_grads=True))
    return product


def hessian_vector_product(closure: Callable, params, vector) -> list[torch.Tensor]:
    r""":math:`Hv`, one tensor per parameter, for the Hessian of ``closure()`` (the loss) with
    respect to ``params`` and ``vector`` (a list of tensors shaped like ``params``)."""
    params = _params(params)
    vector = list(vector)
    if [tuple(v.shape) for v in vector] != [tuple(p.shape) for p in params]:
        raise ValueError(f"vector must be tensors shaped like params, {[tuple(p.shape) for p in params]}, "
                         f"got {[tuple(v.shape) for v in vector]}")
    return _hessian(closure, params)(vector)


def _dot(xs, ys) -> float:
    return sum(float((x * y).sum()) for x, y in zip(xs, ys))


def _power_iteration(product, v, iters: int, tol: float):
    """The Rayleigh quotient and unit vector after at most ``iters`` products, stopping when the
    quotient changes by at most ``tol`` times its size."""
    lam = None
    for k in range(iters):
        hv = product(v)
        new = _dot(v, hv)
        done = lam is not None and abs(new - lam) <= tol * abs(new)
        lam = new
        norm = math.sqrt(_dot(hv, hv))
        if done or k == iters - 1 or norm == 0.0:  # norm 0: v is in H's null space, lam = 0
            break
        v = [h / norm for h in hv]
    return lam, v


def _random_unit(params, generator) -> list[torch.Tensor]:
    v = [torch.randn(p.shape, generator=generator, dtype=torch.float64).to(p) for p in params]
    norm = math.sqrt(_dot(v, v))
    return [x / norm for x in v]


def top_eigenvalue(closure: Callable, params, iters: int = 100, tol: float = 1e-5, seed: int = 0,
                   return_vector: bool = False):
    r"""The largest (algebraic) eigenvalue :math:`\lambda_{\max}` of the Hessian of the loss.

    Args:
        closure: a function of no arguments returning the loss (a one-element tensor) at the
            current ``params``; called once. The parameters' ``.grad`` are left untouched.
        params: the tensors (requiring grad) the Hessian is taken with respect to, e.g.
            ``model.parameters()``.
        iters: at most this many Hessian-vector products (per phase: a second phase of at
            most ``iters`` runs when the largest-magnitude eigenvalue is negative). Default 100.
        tol: stop when the estimate changes by at most ``tol`` times its size between two
            products (0: always run ``iters``). Default 1e-5. After ``iters`` the last
            estimate is returned.
        seed: seeds the random start vector (a private generator: the global RNG is not
            touched, so measuring does not change a training run). Default 0.
        return_vector: also return the unit eigenvector estimate, one tensor per parameter.

    Returns:
        :math:`\lambda_{\max}` as a float, or ``(lambda_max, vector)``.
    """
    params = _params(params)
    iters = checks.integer("iters", iters, low=1)
    tol = checks.nonnegative("tol", tol)
    seed = checks.integer("seed", seed, low=0)
    return_vector = checks.flag("return_vector", return_vector)
    generator = torch.Generator().manual_seed(seed)
    product = _hessian(closure, params)
    lam, v = _power_iteration(product, _random_unit(params, generator), iters, tol)
    if lam < 0:  # lam is lambda_min: shift the spectrum to >= 0 and find the top of it
        def shifted(u):
            return [h - lam * x for h, x in zip(product(u), u)]
        mu, v = _power_iteration(shifted, _random_unit(params, generator), iters, tol)
        lam = mu + lam
    return (lam, v) if return_vector else lam


@dataclass
class GDRun:
    """What :func:`gd_with_sharpness` recorded.

    ``lr[t]``: the lr of step t; ``loss[t]``: the loss before step t (one more entry: the loss after
    the last step); ``sharpness[i]``: :math:`\\lambda_{\\max}` before step ``sharpness_steps[i]``;
    ``diverged``: the step whose loss was NaN or inf (the run stopped there, its loss the last
    entry), or None.
    """

    lr: np.ndarray
    loss: np.ndarray
    sharpness_steps: np.ndarray
    sharpness: np.ndarray
    diverged: int | None = None


def gd_with_sharpness(closure: Callable, params, lr, steps: int, *, every: int = 50, iters: int = 20,
                      tol: float = 1e-4, seed: int = 0) -> GDRun:
    r"""Full-batch gradient descent :math:`\theta \leftarrow \theta - \eta_t \nabla L(\theta)`, with the
    loss at every step and the sharpness :math:`\lambda_{\max}` (:func:`top_eigenvalue`) every ``every``
    steps: the experiment of Cohen et al. (2021), where :math:`\lambda_{\max}` rises to :math:`2/\eta`.

    Args:
        closure: the full-batch loss at the current ``params`` (a function of no arguments).
        params: the tensors trained, in place (e.g. ``model.parameters()``).
        lr: :math:`\eta`, a float >= 0, or a schedule ``t -> lr`` (e.g. a warmup).
        steps: gradient steps, int >= 1.
        every: measure :math:`\lambda_{\max}` before steps 0, every, 2 every, ... (and after the last
            step when ``steps`` is a multiple), int >= 1. Default 50.
        iters, tol, seed: passed to :func:`top_eigenvalue` (default 20 products, tol 1e-4, seed 0:
            the same start vector each time).

    Returns:
        GDRun: lr, loss, sharpness_steps, sharpness, diverged.

    Example:
        >>> x = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
        >>> run = gd_with_sharpness(lambda: 0.5 * (3 * x[0] ** 2 + x[1] ** 2), [x], 0.5, 4, every=2)
        >>> run.loss.round(6).tolist(), run.sharpness.round(3).tolist()   # 2/eta = 4 > 3: it converges
        ([2.0, 0.5, 0.125, 0.03125, 0.007812], [3.0, 3.0, 3.0])
    """
    params = _params(params)
    schedule = lr if callable(lr) else (lambda t, value=checks.nonnegative("lr", lr): value)
    steps = checks.integer("steps", steps, low=1)
    every = checks.integer("every", every, low=1)
    lrs, losses, at, sharp, diverged = [], [], [], [], None
    for t in range(steps + 1):
        if t % every == 0:
            at.append(t)
            sharp.append(top_eigenvalue(closure, params, iters=iters, tol=tol, seed=seed))
        with torch.enable_grad():
            loss = closure()
        losses.append(float(loss.detach()))
        if not math.isfinite(losses[-1]):
            diverged = t
            break
        if t == steps:
            break
        eta = float(schedule(t))
        if not (math.isfinite(eta) and eta >= 0):
            raise ValueError(f"lr({t}) must be a finite number >= 0, got {eta}")
        lrs.append(eta)
        grads = torch.autograd.grad(loss, params, allow_unused=True, materialize_grads=True)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p.sub_(g, alpha=eta)
    return GDRun(np.array(lrs), np.array(losses), np.array(at), np.array(sharp), diverged)
