"""How much memory an optimizer's state takes: what Adafactor saves over Adam."""
from __future__ import annotations

import torch
from torch.optim import Optimizer


def _tensor_bytes(value) -> int:
    """Bytes of the tensors in ``value``: a tensor, or a list/tuple of them (LBFGS's history)."""
    if isinstance(value, torch.Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, (list, tuple)):
        return sum(_tensor_bytes(v) for v in value)
    return 0  # Python numbers and None: bookkeeping, not per-parameter memory


def state_bytes(optimizer: Optimizer) -> int:
    """Total bytes of every tensor in ``optimizer.state`` (any optimizer, torch's or ours).

    Example:
        >>> from lrcourse.optim import Adafactor, Adam
        >>> w = torch.nn.Parameter(torch.zeros(1000, 1000))
        >>> for opt in (Adam([w]), Adafactor([w])):
        ...     w.grad = torch.ones_like(w); opt.step()
        ...     print(type(opt).__name__, state_bytes(opt))
        Adam 8000004
        Adafactor 8004
    """
    return sum(_tensor_bytes(v) for state in optimizer.state.values() for v in state.values())
