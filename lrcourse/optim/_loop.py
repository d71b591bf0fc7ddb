"""The loop every stateful optimizer's ``step()`` runs, written once.

Each optimizer file keeps what differs: which hyperparameters its update reads, which
state tensors it starts from, and the update function itself.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch.optim import Optimizer

from ._checks import dense_grad, evaluate


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
    update. Sparse gradients are refused with the optimizer's class name.
    """
    loss = evaluate(closure)
    name = type(optimizer).__name__
    for group in optimizer.param_groups:
        hyper = {k: group[k] for k in keys}
        for p in group["params"]:
            if p.grad is None:
                continue
            state = optimizer.state[p]
            if not state:
                init_state(state, p, group)
            update(p, dense_grad(p, name), state, **hyper)
    return loss
