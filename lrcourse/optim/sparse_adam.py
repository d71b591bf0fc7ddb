"""SparseAdam: Adam for sparse gradients, updating only the rows a batch looked up."""
from __future__ import annotations

import math

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import evaluate, scalar


def sparse_adam_update(param, grad, state, *, lr, betas, eps, maximize):
    """One SparseAdam step on one tensor with a sparse ``grad``, in place.

    ``state``: ``step`` (a Python int), ``exp_avg``, ``exp_avg_sq``. The step counts even
    when ``grad`` is empty; nothing else changes then.
    """
    beta1, beta2 = betas
    state["step"] += 1
    t = state["step"]
    grad = (-grad if maximize else grad).coalesce()  # sum repeated indices: one value per row
    rows, g = tuple(grad.indices()), grad.values()  # an empty batch selects nothing: no change
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    m, v = exp_avg[rows], exp_avg_sq[rows]  # the moments of the rows looked up, and only those
    m.add_((g - m).mul_(1 - beta1))  # m <- beta1 m + (1-beta1) g
    v.add_((g * g - v).mul_(1 - beta2))  # v <- beta2 v + (1-beta2) g^2
    exp_avg[rows], exp_avg_sq[rows] = m, v
    step_size = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)  # both bias corrections
    param[rows] -= step_size * (m / (v.sqrt() + eps))


class SparseAdam(Optimizer):
    r"""Adam restricted to the entries a sparse gradient holds (e.g. ``nn.Embedding(sparse=True)``).

    For the rows :math:`r` present in the (coalesced) gradient, and only those:

    .. math::
        m_{t,r} &= \beta_1 m_{t-1,r} + (1-\beta_1)\, g_{t,r}, \qquad
        v_{t,r} = \beta_2 v_{t-1,r} + (1-\beta_2)\, g_{t,r}^2 \\
        \theta_{t,r} &= \theta_{t-1,r} - \eta\,\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\,
            \frac{m_{t,r}}{\sqrt{v_{t,r}} + \epsilon}

    Rows not looked up keep their parameters *and* their moments (lazy Adam): a dense
    Adam would decay their moments and keep moving them. The step :math:`t` counts every
    ``step()`` with a gradient, so a row seen rarely gets the bias correction of the
    global step, not of its own count.

    Follows torch, not Kingma & Ba's Algorithm 1 line by line: :math:`\epsilon` is added
    to :math:`\sqrt{v}` before the bias correction (the paper's "efficient" form), and a
    repeated index in a batch contributes the sum of its gradients, once.

    Args:
        params: dense real tensors or param-group dicts to optimise; their gradients
            must be sparse (dense ones raise ``RuntimeError``, as in torch).
        lr: learning rate :math:`\eta > 0`. Default ``1e-3``.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1). Default ``(0.9, 0.999)``.
        eps: :math:`\epsilon > 0`. Default ``1e-8``.
        maximize: ascend instead of descend (positional, as in torch). Default ``False``.

    Example:
        >>> emb = torch.nn.Embedding(4, 2, sparse=True)
        >>> opt = SparseAdam(emb.parameters(), lr=0.1)
        >>> before = emb.weight.detach().clone()
        >>> emb(torch.tensor([1, 1, 3])).sum().backward(); opt.step()
        >>> (emb.weight.detach() - before).abs().sum(dim=1)  # rows 1 and 3 moved by lr per entry
        tensor([0.0000, 0.2000, 0.0000, 0.2000])

    References:
        Kingma, Ba (2015), "Adam: a method for stochastic optimization", ICLR.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        defaults = dict(
            lr=checks.lr(lr, zero=False),  # torch: SparseAdam needs lr > 0
            betas=checks.betas(betas),
            eps=checks.real("eps", eps, low=0.0, low_open=True),
            maximize=checks.flag("maximize", maximize),
        )
        super().__init__(checks.params(params), defaults)
        for i, group in enumerate(self.param_groups):
            for j, p in enumerate(group["params"]):
                if p.is_sparse or p.is_complex():
                    raise ValueError(
                        "params must be dense real tensors (SparseAdam takes sparse gradients, "
                        f"not sparse or complex parameters), got a {'sparse' if p.is_sparse else p.dtype} "
                        f"tensor at param_groups[{i}]['params'][{j}]"
                    )

    @torch.no_grad()
    def step(self, closure=None):
        """Take one step for every parameter that has a gradient; return ``closure()``'s loss."""
        loss = evaluate(closure)
        for group in self.param_groups:
            hyper = {k: scalar(group[k]) for k in ("lr", "betas", "eps", "maximize")}
            for p in group["params"]:
                if p.grad is None:
                    continue
                if not p.grad.is_sparse:
                    raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
                state = self.state[p]
                if not state:
                    state.update(step=0, exp_avg=torch.zeros_like(p), exp_avg_sq=torch.zeros_like(p))
                sparse_adam_update(p, p.grad, state, **hyper)
        return loss
