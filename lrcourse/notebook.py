"""One call at the top of every notebook: ``from lrcourse.notebook import setup; setup()``."""
from __future__ import annotations

import numpy as np

from .config import fast_mode


def setup(seed: int = 0, dpi: int = 72) -> bool:
    """Seed every RNG, size figures for review-friendly outputs, print which run this is
    (``full run`` or ``fast run (LRCOURSE_FAST=1)``); returns ``fast_mode()``.

    Figures are PNG at a modest dpi so committed notebooks stay small. In fast mode (CI)
    torch computes on one thread: on two shared cores OpenMP's spin-waiting made two
    threads about 10x slower for LeNet (measured: 240 ms vs 23 ms per batch-256 step).
    """
    import matplotlib.pyplot as plt
    import torch

    from .device import seed_everything

    seed_everything(seed)
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
    print("fast run (LRCOURSE_FAST=1)" if fast_mode() else "full run")
    return fast_mode()


class ClaimError(AssertionError):
    """A claim in a notebook's text that its own run does not support (raised by :func:`claim`)."""


def _is_bool(value) -> bool:
    """A Python or numpy bool, or a 0-d numpy array / torch tensor of dtype bool."""
    if isinstance(value, (bool, np.bool_)):
        return True
    return getattr(value, "shape", None) == () and "bool" in str(getattr(value, "dtype", ""))


def claim(description: str, holds, detail: str = "") -> None:
    """Check an empirical claim against the run above it: print ``✓ description (detail)``
    when ``holds``, else raise :class:`ClaimError` (an ``AssertionError``) with the numbers.

    Args:
        description: the statement as the text makes it, a non-empty str.
        holds: whether the run supports it, a bool (numpy and 0-d torch bools too), e.g.
            ``acc_warmup > acc_plain``.
        detail: the numbers behind it, e.g. ``"test acc 0.871 vs 0.842"`` (default ``""``).

    Example:
        >>> claim("warmup is ahead after one epoch", 0.81 > 0.74, "test acc 0.810 vs 0.740")
        ✓ warmup is ahead after one epoch (test acc 0.810 vs 0.740)
    """
    if not isinstance(description, str):
        raise TypeError(f"description must be a non-empty str, got {description!r} "
                        f"of type {type(description).__name__}")
    if not description.strip():
        raise ValueError(f"description must be a non-empty str, got {description!r}")
    if not _is_bool(holds):
        raise TypeError(f"holds must be a bool (a comparison such as acc > 0.8), got {holds!r} "
                        f"of type {type(holds).__name__}")
    if not isinstance(detail, str):
        raise TypeError(f"detail must be a str (the numbers behind the claim), got {detail!r} "
                        f"of type {type(detail).__name__}")
    suffix = f" ({detail})" if detail else ""
    if not bool(holds):
        raise ClaimError(f"✗ {description}: does not hold{suffix}")
    print(f"✓ {description}{suffix}")
