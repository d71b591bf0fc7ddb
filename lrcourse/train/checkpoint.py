"""Checkpoints: model, optimizer, scheduler, RNG state, history and epoch in one file.

Written atomically (a temporary file in the same directory, then ``os.replace``), so an
interrupted save leaves the previous checkpoint intact. The file is a pickle made by
``torch.save`` (it holds numpy's RNG state), so load only checkpoints you wrote yourself.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from ..device import rng_state


def save_checkpoint(path: str | os.PathLike, *, model, optimizer, scheduler, history, epoch: int,
                    config: dict) -> Path:
    """Save everything needed to continue after ``epoch`` completed epochs; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "epoch": epoch,
        "config": dict(config),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if hasattr(scheduler, "state_dict") else None,
        "rng": rng_state(),
        "history": history.to_dict(),
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read what :func:`save_checkpoint` wrote (tensors land on the CPU)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"resume: no checkpoint at {path}")
    state = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(state, dict) or not {"epoch", "model", "optimizer", "rng"} <= set(state):
        raise ValueError(f"resume: {path} is not an lrcourse checkpoint")
    return state
