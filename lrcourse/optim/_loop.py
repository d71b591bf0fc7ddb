"""The loop every stateful optimizer's ``step()`` runs, written once.

Each optimizer file keeps what differs: which hyperparameters its update reads, which
state tensors it starts from, and the update function itself.

Complex parameters follow torch's convention: a complex tensor is optimised as the real
tensor of its (real, imaginary) pairs, ``torch.view_as_real``, so an element-wise update
such as Adam's :math:`g^2` treats the two parts as separate real coordinates (squaring the
complex number instead would give other, wrong, numbers). The state stays complex.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch.optim import Optimizer



def new_step_counter() -> torch.Tensor:
    """The ``step`` state entry as torch stores it: a 0-d float tensor on the CPU
    (float64 when the default dtype is float64, else float32), so state_dicts move
    between torch's optimizers and ours."""
    dtype = torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
    return torch.tensor(0.0, dtype=dtype)


def scalar(value):
    """A hyperparameter as torch's kernels take it (its ``_to_scalar``): a 1-element Tensor of any
    shape as a 0-dim Tensor, a number as it is (so the float path costs one isinstance)."""
    return value.squeeze() if isinstance(value, torch.Tensor) and value.dim() != 0 else value


def dense_grad(p: torch.Tensor, optimizer: str) -> torch.Tensor:
    """``p.grad``, refusing sparse gradients (no optimizer here handles them)."""
    if p.grad.is_sparse:
        raise RuntimeError(f"{optimizer} does not support sparse gradients (param of shape {tuple(p.shape)})")
    return p.grad


def evaluate(closure: Callable[[], torch.Tensor] | None):
    """Run ``closure`` (which recomputes the loss and its gradients) with grad enabled."""
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


def update_complex(update: Callable[..., None], p: torch.Tensor, grad: torch.Tensor, state: dict, hyper: dict) -> None:
    """``update`` on the real views of a complex ``p``, its ``grad`` and its complex state.

    Views share memory, so in-place updates land in the complex tensors; entries the
    update adds or replaces are stored back, complex again where they have the shape of
    ``p``'s real view (a momentum buffer started as a copy of the gradient, say).
    """
    view = {k: torch.view_as_real(v) if isinstance(v, torch.Tensor) and v.is_complex() else v
            for k, v in state.items()}
    before = dict(view)
    update(torch.view_as_real(p), torch.view_as_real(grad), view, **hyper)
    shape = p.shape + (2,)
    for k, v in view.items():
        if before.get(k) is not v:
            state[k] = torch.view_as_complex(v) if isinstance(v, torch.Tensor) and v.shape == shape else v


def run_step(
    optimizer: Optimizer,
    closure: Callable[[], torch.Tensor] | None,
    update: Callable[..., None],
    keys: Iterable[str],
    init_state: Callable[[dict, torch.Tensor, dict], None],
):
    """One optimizer step: ``update(p, grad, state, **hyper)`` for every ``p`` with a gradient.

    Evaluates ``closure`` first (its loss is returned), reads the hyperparameters named
    in ``keys`` from each param group, skips parameters whose ``grad`` is ``None``, and
    fills a parameter's empty state with ``init_state(state, p, group)`` before its first
    update. Complex parameters are updated through their real views (:func:`update_complex`).
    Sparse gradients are refused with the optimizer's class name.
    """
    loss = evaluate(closure)
    name = type(optimizer).__name__
    for group in optimizer.param_groups:
        hyper = {k: scalar(group[k]) for k in keys}
        for p in group["params"]:
            if p.grad is None:
                continue
            state = optimizer.state[p]
            if not state:
                init_state(state, p, group)
            grad = dense_grad(p, name)
            if torch.is_complex(p):
                update_complex(update, p, grad, state, hyper)
            else:
                update(p, grad, state, **hyper)
    return loss
