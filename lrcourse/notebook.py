"""One call at the top of every notebook: ``from lrcourse.notebook import setup; setup()``."""
from __future__ import annotations

import random

import numpy as np

from .config import fast_mode


def setup(seed: int = 0, dpi: int = 72) -> bool:
    """Seed every RNG, size figures for review-friendly outputs; returns ``fast_mode()``.

    Figures are PNG at a modest dpi so committed notebooks stay small. In fast mode (CI)
    torch computes on one thread: on two shared cores OpenMP's spin-waiting made two
    threads about 10x slower for LeNet (measured: 240 ms vs 23 ms per batch-256 step).
    """
    import matplotlib.pyplot as plt
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if fast_mode():
        torch.set_num_threads(1)
    plt.rcParams.update({
        "figure.dpi": dpi,
        "savefig.dpi": dpi,
        "figure.figsize": (7.0, 3.6),
        "axes.grid": True,
        "grid.alpha": 0.3,
    })
    try:  # inside IPython: inline PNG figures
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None:
            ip.run_line_magic("matplotlib", "inline")
            ip.run_line_magic("config", "InlineBackend.figure_formats = ['png']")
    except Exception:  # pragma: no cover - plain Python
        pass
    return fast_mode()
