"""Checkpoints: model, optimizer, scheduler, RNG state, history, epoch (and the EMA of the weights) in one file.

Written atomically (:func:`lrcourse.train.atomic.atomic_write`), so an interrupted save leaves
the previous checkpoint intact. The file is a pickle made by ``torch.save`` (it holds numpy's
RNG state), so load only checkpoints you wrote yourself. :func:`checkpoint_state` takes a copy
of everything in memory (the trainer keeps the last completed epoch's copy, to write it when a
run is interrupted between two checkpoints); :func:`write_checkpoint` writes such a copy.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path

import torch

from ..device import rng_state
from .atomic import atomic_write

REQUIRED = {"epoch": int, "config": dict, "model": dict, "optimizer": dict, "rng": dict, "history": dict}


class CheckpointError(ValueError):
    """A file that is not an lrcourse checkpoint; ``.path`` and ``.reason`` say which and why."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"resume: {path} is not an lrcourse checkpoint ({reason})")
        self.path, self.reason = path, reason


def checkpoint_state(*, model, optimizer, scheduler, history, epoch: int, config: dict, ema=None) -> dict:
    """A copy of everything needed to continue after ``epoch`` completed epochs (training on
    afterwards leaves it unchanged)."""
    return copy.deepcopy(_state(model, optimizer, scheduler, history, epoch, config, ema))


def _state(model, optimizer, scheduler, history, epoch: int, config: dict, ema=None) -> dict:
    """The checkpoint's dict; the model's and optimizer's tensors are the live ones, not copies.
    ``ema``: None, or what keeps an average of the weights (its ``state_dict()`` goes in)."""
    return {
        "epoch": epoch,
        "config": dict(config),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if hasattr(scheduler, "state_dict") else None,
        "rng": rng_state(),
        "history": history.to_dict(),
        "ema": None if ema is None else ema.state_dict(),
    }


def write_checkpoint(path: str | os.PathLike, state: dict) -> Path:
    """Write a :func:`checkpoint_state` to ``path`` atomically; returns the path."""
    path = Path(path)
    with atomic_write(path, "wb") as f:
        torch.save(state, f)
    return path


def save_checkpoint(path: str | os.PathLike, *, model, optimizer, scheduler, history, epoch: int,
                    config: dict, ema=None) -> Path:
    """Save everything needed to continue after ``epoch`` completed epochs; returns the path."""
    return write_checkpoint(path, _state(model, optimizer, scheduler, history, epoch, config, ema))


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read what :func:`save_checkpoint` wrote (tensors land on the CPU).

    Raises:
        FileNotFoundError: no file at ``path``.
        CheckpointError: (a ValueError) the file cannot be read as one (truncated, not a
            pickle, another program's ``.pt``); the message names the file and the reason.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"resume: no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # truncated zip, random bytes, a pickle of classes not here: all unreadable
        # the first sentence only: miniz appends a paragraph of advice to its one-line reason
        first = str(exc).strip().splitlines()[0].split(". ")[0].rstrip(".") if str(exc).strip() else ""
        raise CheckpointError(path, f"{type(exc).__name__}: {first}" if first else type(exc).__name__) from exc
    if not isinstance(state, dict):
        raise CheckpointError(path, f"it holds a {type(state).__name__}, not a dict")
    missing = [k for k in REQUIRED if k not in state]
    if missing:
        raise CheckpointError(path, f"no {', '.join(missing)} in it")
    wrong = [k for k, t in REQUIRED.items() if not isinstance(state[k], t)]
    if wrong:
        raise CheckpointError(path, f"{wrong[0]} is a {type(state[wrong[0]]).__name__}, "
                                    f"not a {REQUIRED[wrong[0]].__name__}")
    return state
