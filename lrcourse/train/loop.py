r"""The two pieces every training loop here is built from: one batch step, one evaluation.

:func:`batch_step` is :math:`\theta \leftarrow \mathrm{opt}(\theta, \nabla_\theta \ell(f_\theta(x), y))`
on one mini-batch, skipped when the loss is NaN or inf (so a diverged run keeps its last finite
weights). Every optimizer gets a closure, so LBFGS trains too. :func:`train` and :func:`lrcourse.train.lr_finder.lr_range_test` both step through it.

With ``clip_grad_norm=C`` the gradient is clipped after every backward pass, before the
optimizer reads it: :math:`g \leftarrow g \min(1, C / (\|g\| + 10^{-6}))`
(:func:`lrcourse.train.clip_grad.clip_grad_norm_`, as ``torch.nn.utils.clip_grad_norm_``). An
optimizer that evaluates the loss several times per step (LBFGS) clips inside the closure, so
every gradient it reads is clipped; the norm reported is the first one, of the gradient at the
weights the step starts from.

Example:
    >>> import torch
    >>> model = torch.nn.Linear(2, 3)
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> x, y = torch.ones(4, 2), torch.tensor([0, 1, 2, 0])
    >>> loss, logits = batch_step(model, opt, torch.nn.functional.cross_entropy, x, y)
    >>> logits.shape
    torch.Size([4, 3])
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .clip_grad import clip_grad_norm_


def to_layout(x: torch.Tensor, channels_last: bool) -> torch.Tensor:
    """``x`` in channels-last (NHWC) memory layout when asked and 4-D, else unchanged."""
    return x.contiguous(memory_format=torch.channels_last) if channels_last and x.dim() == 4 else x


def batch_step(model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn, x: torch.Tensor,
               y: torch.Tensor, channels_last: bool = False, clip_grad_norm: float | None = None,
               grad_norms: list | None = None) -> tuple[float, torch.Tensor]:
    """Forward, loss and, when the loss is finite, backward, clipping (when asked) and
    ``optimizer.step(closure)``.

    The closure hands the optimizer the loss already computed, so ``step`` costs no extra
    forward pass; optimizers that evaluate the loss several times per step (LBFGS) get a
    fresh forward and backward pass at each further call.

    Args:
        model: maps ``x`` to outputs; ``loss_fn(model(x), y)`` must be a scalar tensor.
        optimizer: steps the model's parameters.
        loss_fn: ``(outputs, targets) -> loss``.
        x, y: one mini-batch.
        channels_last: feed ``x`` in NHWC layout (default False; see :func:`lrcourse.train.train`).
        clip_grad_norm: None (default), or the largest gradient norm :math:`C` the optimizer
            sees (``float("inf")``: measure the norm, clip nothing).
        grad_norms: a list; with ``clip_grad_norm``, the gradient's norm before clipping is
            appended to it (as a float) when the step was taken.

    Returns:
        ``(loss value, outputs)``: the loss as a float (NaN/inf when not stepped) and the outputs.
    """
    x = to_layout(x, channels_last)
    optimizer.zero_grad(set_to_none=True)
    out = model(x)
    loss = loss_fn(out, y)
    value = loss.item()
    if not math.isfinite(value):
        return value, out
    loss.backward()
    norm = _clip(model, clip_grad_norm)
    if norm is not None and grad_norms is not None:
        grad_norms.append(norm.item())
    evaluations = [loss]

    def closure():  # the first call gets the loss above; LBFGS's further calls recompute it
        if evaluations:
            return evaluations.pop()
        optimizer.zero_grad(set_to_none=True)
        again = loss_fn(model(x), y)
        again.backward()
        _clip(model, clip_grad_norm)
        return again

    optimizer.step(closure)
    return value, out


def _clip(model: nn.Module, max_norm: float | None) -> torch.Tensor | None:
    """Clip the model's gradients to norm ``max_norm`` (None: leave them); the norm before."""
    return None if max_norm is None else clip_grad_norm_(model.parameters(), max_norm)


@torch.inference_mode()
def evaluate(model: nn.Module, data, split: str = "test", batch_size: int = 1000, loss_fn=None,
             channels_last: bool = False):
    """(mean loss, accuracy) of ``model`` on a split, in batches, in eval mode.

    ``loss_fn`` must average over the batch (default ``nn.CrossEntropyLoss()``);
    ``channels_last`` feeds the images in NHWC layout (see :func:`lrcourse.train.train`).
    """
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    was_training = model.training
    model.eval()
    total_loss = torch.zeros((), dtype=torch.float64, device=data.device)
    correct = torch.zeros((), dtype=torch.int64, device=data.device)
    for x, y in data.batches(split, batch_size, shuffle=False):
        out = model(to_layout(x, channels_last))
        total_loss += loss_fn(out, y).double() * len(y)
        correct += (out.argmax(1) == y).sum()
    model.train(was_training)
    n = data.num_examples(split)
    return total_loss.item() / n, correct.item() / n
