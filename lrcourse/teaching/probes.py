r"""Small, seeded runs that show what an optimizer does with its state, step by step.

Each runs a real optimizer (an ``lrcourse.optim`` class or any ``torch.optim.Optimizer``
class) on one float64 parameter and records the parameter, and any state entries asked
for, after every step:

* :func:`replay`: a prescribed gradient sequence (Adamax's :math:`u_t` against Adam's
  :math:`\sqrt{\hat s_t}`; RAdam's step against Adam's).
* :func:`minibatch_run`: estimating the mean of a data set,
  :math:`f(\theta) = \frac1n \sum_i \tfrac12 (\theta - x_i)^2`, from mini-batches drawn with
  replacement (the minimum is :math:`\bar x`; Rprop's signs follow the median instead).
* :func:`noisy_run`: a 2-D landscape with Gaussian gradient noise, as
  :func:`lrcourse.teaching.landscapes.trajectory` (same noise, same path) plus the state (ASGD's ``ax``).

And two measurements: :func:`state_sizes` (bytes of optimizer state per parameter shape)
and :func:`rows_changed` (which rows of an embedding each step moves: SparseAdam vs Adam).

Example:
    >>> from lrcourse.optim import Adamax
    >>> run = replay(Adamax, [1.0, 0.0, 0.0], keys=("exp_inf",), lr=0.1)
    >>> run["exp_inf"][:, 0].round(6).tolist()  # u_t = max(beta2 u, |g| + eps)
    [1.0, 0.999, 0.998001]
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from .landscapes import Landscape, get_landscape, resolve_optimizer
from ..optim import state_bytes
from .. import checks


def _run(optimizer, x0, steps: int, set_grad: Callable, keys: Sequence[str], hparams: dict) -> dict:
    """``steps`` steps of ``optimizer`` on a float64 parameter; ``set_grad(t, x)`` fills ``x.grad``.

    Returns ``{"x": (steps + 1, d), key: (steps, ...) for key in keys}`` (row 0 of x is x0).
    """
    checks.integer("steps", steps)
    x = torch.tensor(np.atleast_1d(np.asarray(x0, dtype=float)), dtype=torch.float64, requires_grad=True)
    cls, settings = resolve_optimizer(optimizer)
    opt = cls([x], **{**settings, **hparams})
    out = {"x": [x.detach().numpy().copy()], **{k: [] for k in keys}}
    for t in range(steps):
        x.grad = None
        set_grad(t, x)
        opt.step()
        out["x"].append(x.detach().numpy().copy())
        state = opt.state[x]
        for key in keys:
            if key not in state:
                raise ValueError(f"keys must name entries of {cls.__name__}'s state {sorted(state)}, got {key!r}")
            out[key].append(torch.as_tensor(state[key]).detach().numpy().copy())
    return {k: np.array(v) for k, v in out.items()}


def replay(optimizer, grads, x0=0.0, keys: Sequence[str] = (), **hparams) -> dict:
    """Feed the gradients ``grads`` (shape ``(T,)`` or ``(T, d)``) to a parameter starting at ``x0``.

    Returns ``{"x": (T + 1, d), key: (T, d) ...}``: the parameter and ``optimizer.state[x][key]``
    after each step.
    """
    g = np.asarray(grads, dtype=float)
    g = g.reshape(len(g), -1)

    def set_grad(t, x):
        x.grad = torch.tensor(g[t], dtype=torch.float64)

    return _run(optimizer, np.broadcast_to(np.asarray(x0, dtype=float), g.shape[1:]), len(g), set_grad, keys,
                hparams)


def rare_gradients(steps: int = 1000, period: int = 200) -> np.ndarray:
    """A rare feature's gradients: 1 every ``period`` steps (from step 0), 0 otherwise."""
    checks.integer("steps", steps)
    checks.integer("period", period, low=1)
    return (np.arange(steps) % period == 0).astype(float)


def skewed_sample(n: int = 1000, seed: int = 0) -> np.ndarray:
    r"""``n`` draws from the exponential distribution (mean 1, median :math:`\ln 2`): skewed data
    whose mean (the minimum of :func:`minibatch_run`'s loss) and median differ."""
    checks.integer("n", n, low=1)
    return np.random.default_rng(seed).exponential(1.0, n)


def minibatch_run(optimizer, data, batch_size: int | None, steps: int, *, x0: float = 0.0, seed: int = 0,
                  keys: Sequence[str] = (), **hparams) -> dict:
    r"""Minimise :math:`f(\theta) = \frac1n\sum_i \tfrac12(\theta - x_i)^2` with mini-batches.

    Args:
        optimizer: an ``lrcourse.optim`` name or a ``torch.optim.Optimizer`` class.
        data: the :math:`x_i` (1-D); the minimum is their mean.
        batch_size: examples per step, drawn with replacement; ``None`` = full batch (all of them).
        steps: optimizer steps.
        x0: starting :math:`\theta` (default 0).
        seed: seed of the batch draws (default 0).
        keys: state entries to record (e.g. ``("step_size",)`` for Rprop).
        **hparams: passed to the optimizer.

    Returns:
        ``{"x": (steps + 1, 1), key: (steps, 1) ...}``.
    """
    xs = torch.as_tensor(np.asarray(data, dtype=float))
    if batch_size is not None:
        checks.integer("batch_size", batch_size, low=1)
    gen = torch.Generator().manual_seed(seed)

    def set_grad(t, x):
        batch = xs if batch_size is None else xs[torch.randint(len(xs), (batch_size,), generator=gen)]
        (0.5 * (x - batch) ** 2).mean().backward()

    return _run(optimizer, x0, steps, set_grad, keys, hparams)


def noisy_run(optimizer, landscape: str | Landscape, steps: int, *, noise: float = 0.0, seed: int = 0,
              keys: Sequence[str] = (), **hparams) -> dict:
    r"""``optimizer`` on ``landscape`` from its start, the gradient plus :math:`\sigma\,\xi_t`.

    The same noise draws as :func:`lrcourse.teaching.landscapes.trajectory` (so ``run["x"]`` is its path),
    with the state entries ``keys`` recorded too (e.g. ``("ax",)`` for ASGD's averaged iterate).
    """
    land = get_landscape(landscape)
    checks.real("noise", noise, low=0.0, high=np.inf, high_open=True)
    gen = torch.Generator().manual_seed(seed)

    def set_grad(t, x):
        land(x).backward()
        if noise:
            x.grad.add_(torch.randn(x.shape, generator=gen, dtype=torch.float64), alpha=noise)

    return _run(optimizer, land.start, steps, set_grad, keys, hparams)


def state_sizes(optimizers: Mapping[str, tuple], shapes: Mapping[str, Sequence[int]]) -> dict:
    """Bytes of optimizer state, measured with :func:`lrcourse.optim.state_bytes` after one step.

    Args:
        optimizers: ``{label: (optimizer class, hyperparameters)}``.
        shapes: ``{label: shape}`` of float32 parameters (each measured alone, gradient of ones).

    Returns:
        ``{optimizer label: {shape label: bytes}}``.
    """
    sizes = {}
    for name, (cls, hparams) in optimizers.items():
        sizes[name] = {}
        for label, shape in shapes.items():
            w = torch.nn.Parameter(torch.zeros(tuple(shape)))
            opt = cls([w], **hparams)
            w.grad = torch.ones_like(w)
            opt.step()
            sizes[name][label] = state_bytes(opt)
    return sizes


def rows_changed(optimizer, lookups: Sequence[Sequence[int]], *, num_embeddings: int = 8, dim: int = 3,
                 sparse: bool = True, seed: int = 0, **hparams) -> list[list[int]]:
    """The rows of an ``nn.Embedding`` each step changes, when step ``k`` looks up ``lookups[k]``.

    The loss is the sum of the looked-up vectors; ``sparse=True`` gives sparse gradients (what
    SparseAdam needs), ``sparse=False`` dense ones with zero rows.
    """
    torch.manual_seed(seed)
    emb = torch.nn.Embedding(num_embeddings, dim, sparse=sparse)
    cls, settings = resolve_optimizer(optimizer)
    opt = cls(emb.parameters(), **{**settings, **hparams})
    changed = []
    for rows in lookups:
        before = emb.weight.detach().clone()
        opt.zero_grad()
        emb(torch.tensor(list(rows), dtype=torch.long)).sum().backward()
        opt.step()
        moved = (emb.weight.detach() != before).any(dim=1)
        changed.append(torch.nonzero(moved).flatten().tolist())
    return changed
