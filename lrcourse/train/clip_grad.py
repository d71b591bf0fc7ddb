r"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``.

Clipping by norm treats all gradients :math:`g_1, \dots, g_n` as one vector and shrinks it
when its norm is above ``max_norm`` :math:`c`:

.. math::
    \|g\|_p = \Big(\sum_i \|g_i\|_p^{\,p}\Big)^{1/p}
        = \big\| (\|g_1\|_p, \dots, \|g_n\|_p) \big\|_p, \qquad
    g_i \leftarrow g_i \cdot \min\Big(1, \frac{c}{\|g\|_p + 10^{-6}}\Big)

(:math:`p = \infty`: the largest :math:`|g|`; :math:`p = -\infty`: the smallest). The
direction is kept; only the length changes, and only when it is too long. The
:math:`10^{-6}` is torch's guard against dividing by a zero norm, so a norm just above
:math:`c` is scaled by a factor a hair below :math:`c/\|g\|`. Clipping by value instead
clamps every entry to :math:`[-c, c]`, which changes the direction.

Follows torch where the equation says nothing: the norm of the per-tensor norms is also
what ``norm_type=0`` computes (so it counts the gradients that have a nonzero entry, not the
nonzero entries); ``max_norm`` and ``norm_type`` go through ``float()`` (``"inf"`` works);
a negative ``max_norm`` is not refused (it flips the gradients, as torch does).
The per-tensor norms are summed in the order of the parameters; torch sums them grouped by
(device, dtype) in an order of its own, so with mixed dtypes the two may differ in the last bit.

Example:
    >>> import torch
    >>> w = torch.zeros(2, requires_grad=True)
    >>> w.grad = torch.tensor([3.0, 4.0])
    >>> clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6000, 0.8000])

References:
    Pascanu, Mikolov, Bengio (2013), "On the difficulty of training recurrent neural
    networks" (clipping by norm). ``torch/nn/utils/clip_grad.py``.
"""
from __future__ import annotations

import types
import warnings

import torch


def _float(name: str, value) -> float:
    """``float(value)`` as torch does, refused with the exception ``float()`` raises and a message."""
    try:
        return float(value)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{name} must be a number (or a string float() reads, such as 'inf'), "
                        f"got {value!r}") from None


def _grads(parameters) -> list[torch.Tensor]:
    if isinstance(parameters, torch.Tensor):
        return [parameters.grad] if parameters.grad is not None else []
    return [p.grad for p in parameters if p.grad is not None]


@torch.no_grad()
def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> torch.Tensor:
    r""":math:`\|g\|_p`: the ``norm_type``-norm of the norms of ``tensors`` (a tensor or an
    iterable of tensors), in their dtype (promoted when mixed), on the device of the first;
    ``tensor(0.)`` (the default dtype) when there are none. As ``torch.nn.utils.get_total_norm``;
    ``error_if_nonfinite`` and ``foreach`` as in :func:`clip_grad_norm_`."""
    tensors = [tensors] if isinstance(tensors, torch.Tensor) else list(tensors)
    p = _float("norm_type", norm_type)
    if not tensors:
        return torch.tensor(0.0)
    norms = [torch.linalg.vector_norm(t, p).to(tensors[0].device) for t in tensors]
    norm = torch.linalg.vector_norm(torch.stack(norms), p)
    if error_if_nonfinite and not torch.isfinite(norm):
        raise RuntimeError(f"the total norm of order {p} of the gradients is {norm.item()}, so they "
                           "cannot be clipped; pass error_if_nonfinite=False to scale them by it anyway")
    return norm


@torch.no_grad()
def clip_grads_with_norm_(parameters, max_norm: float, total_norm: torch.Tensor,
                          foreach: bool | None = None) -> None:
    r"""Scale the gradients in place by :math:`\min(1, c / (\|g\|_p + 10^{-6}))` for a norm
    computed beforehand (as ``torch.nn.utils.clip_grads_with_norm_``)."""
    c = _float("max_norm", max_norm)
    grads = _grads(parameters)
    if grads:
        scale = torch.clamp(c / (total_norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(scale.to(g.device))


@torch.no_grad()
def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> torch.Tensor:
    r"""Scale the gradients in place by :math:`\min(1, c / (\|g\|_p + 10^{-6}))`.

    Args:
        parameters: a tensor or an iterable of tensors; those whose ``.grad`` is ``None``
            are skipped.
        max_norm: :math:`c`.
        norm_type: :math:`p`, any float (``"inf"`` or ``float("inf")`` for the max norm).
            Default 2.0.
        error_if_nonfinite: raise ``RuntimeError`` (as torch) when :math:`\|g\|_p` is nan or
            infinite, leaving the gradients untouched. Default ``False``: they are scaled by
            the non-finite norm anyway (an infinite norm turns the finite entries into zeros).
        foreach: accepted for torch's signature; the result is the same either way.

    Returns:
        :math:`\|g\|_p` before clipping, a 0-dim tensor (what to log to see how often
        clipping bites: it bites when this is above ``max_norm``).
    """
    is_generator = isinstance(parameters, types.GeneratorType)
    parameters = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)  # read once
    if is_generator and not parameters:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=3)
    norm = get_total_norm(_grads(parameters), norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, norm)
    return norm


@torch.no_grad()
def clip_grad_value_(parameters, clip_value: float, foreach: bool | None = None) -> None:
    r"""Clamp every gradient entry in place to :math:`[-c, c]`, ``c = clip_value``.

    ``foreach`` is accepted for torch's signature. As in torch, nothing refuses a negative
    :math:`c` (every entry becomes :math:`c`) and nan entries stay nan.
    """
    c = _float("clip_value", clip_value)
    for g in _grads(parameters):
        g.clamp_(min=-c, max=c)
