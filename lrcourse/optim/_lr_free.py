"""What Prodigy and DAdaptAdam share: one step size d for every param group, so one lr.

Both references keep the global estimate (``d`` and its sums) in every param group and
read the settings that shape it (betas, bias correction, growth rate, ...) from the first
group; ``eps``, ``weight_decay`` and ``lr`` are read per group.
"""
from __future__ import annotations

import torch


def shared_lr(param_groups: list[dict]) -> float:
    """The largest group lr, refusing a group whose lr is neither that nor 0 (a frozen group)."""
    lr = max(group["lr"] for group in param_groups)
    for i, group in enumerate(param_groups):
        if group["lr"] not in (lr, 0.0):
            raise ValueError(f"lr must be the same in every param group, or 0 (one d serves all groups), "
                             f"got lr={group['lr']!r} in param group {i} and lr={lr!r} in another")
    return lr


def real_dense_grad(p: torch.Tensor, optimizer: str) -> torch.Tensor:
    """``p.grad``, refusing sparse gradients and complex parameters (the references fail on both)."""
    if p.is_complex():
        raise TypeError(f"{optimizer} does not support complex parameters, got one of dtype {p.dtype} "
                        f"and shape {tuple(p.shape)}")
    if p.grad.is_sparse:
        raise RuntimeError(f"{optimizer} does not support sparse gradients (param of shape {tuple(p.shape)})")
    return p.grad


def single_process(fsdp_in_use) -> bool:
    """``fsdp_in_use`` must be False: the sums behind d are not all-reduced across processes here."""
    if fsdp_in_use is not False:
        raise ValueError(f"fsdp_in_use must be False (lrcourse sums d's statistics in one process), "
                         f"got {fsdp_in_use!r}")
    return fsdp_in_use
