"""One call at the top of every notebook: ``from lrcourse.notebook import setup; setup()``."""
from __future__ import annotations

import numpy as np

from .config import fast_mode


def setup(seed: int = 0, dpi: int = 72, *, quiet: bool = False) -> bool:
    """Seed every RNG, size figures for review-friendly outputs, print which run this is
    (``full run`` or ``fast run (LRCOURSE_FAST=1)``; nothing with ``quiet=True``, for a page
    served by Voila); returns ``fast_mode()``.

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
    if not quiet:
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


#: what :func:`compare` can be asked to confirm about side A against side B
VERDICTS = ("ahead", "behind", "tie", "not behind", "not ahead")


def compare(a, b, *, names=("A", "B"), metric: str = "test acc", higher_is_better: bool = True,
            expect: str, fast_expect: str | None = None, digits: int = 3) -> dict:
    r"""The course's one rule for "A beats / ties / does not help B", checked as a :func:`claim`.

    ``a`` and ``b`` hold one final number per seed (≥ 3 each; the seed moves both the initial
    weights and the data order). The printed line gives each side's mean and range and the rule
    that decided:

    * **ahead** (A better than B): every seed of A beats every seed of B (a mean gap of more
      than twice the larger seed spread, spread = max − min over one side's seeds, always implies
      this, so it is the one test);
    * **tie**: the mean gap is within the larger *measured* seed spread (never a borrowed number);
    * **behind**: ahead with A and B swapped; ``not behind`` = ahead or tie; ``not ahead`` = behind
      or tie.

    A comparison that is neither separated nor within the spread is ``unclear`` and confirms
    nothing. In fast mode (``LRCOURSE_FAST=1``) ``fast_expect`` (default: ``expect``) is checked
    instead: the one place a notebook states the weaker form its small run supports.

    Returns the numbers (means, ranges, spread, gap, verdict) as a dict.

    Example:
        >>> r = compare([0.90, 0.91, 0.905], [0.88, 0.885, 0.87], names=("one-cycle", "constant"),
        ...             expect="ahead")  # doctest: +ELLIPSIS
        ✓ one-cycle ahead of constant (test acc: one-cycle 0.905 [0.900, 0.910], constant 0.878 [0.870, 0.885]; ...)
    """
    from .config import fast_mode

    a, b = (np.asarray(v, dtype=float).ravel() for v in (a, b))
    for name, v in zip(names, (a, b)):
        if v.size < 3:
            raise ValueError(f"compare needs >= 3 seeds per side; {name!r} has {v.size}")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"compare: {name!r} has a value that is not finite: {v.tolist()}")
    for label, value in (("expect", expect), ("fast_expect", fast_expect)):
        if value is not None and value not in VERDICTS:
            raise ValueError(f"{label} must be one of {', '.join(map(repr, VERDICTS))}; got {value!r}")
    sign = 1.0 if higher_is_better else -1.0
    sa, sb = sign * a, sign * b  # larger is better on both
    gap = sa.mean() - sb.mean()  # > 0: A better
    spread = max(np.ptp(a), np.ptp(b))
    if sa.min() > sb.max():
        verdict, rule = "ahead", f"every seed of {names[0]} beats every seed of {names[1]}"
    elif sb.min() > sa.max():
        verdict, rule = "behind", f"every seed of {names[1]} beats every seed of {names[0]}"
    elif abs(gap) <= spread:
        verdict, rule = "tie", f"mean gap {abs(gap):.{digits}f} ≤ seed spread {spread:.{digits}f}"
    else:
        verdict = "unclear"
        rule = f"seeds overlap and the mean gap {abs(gap):.{digits}f} > seed spread {spread:.{digits}f}"
    wanted = fast_expect if (fast_mode() and fast_expect is not None) else expect
    holds = {"ahead": verdict == "ahead", "behind": verdict == "behind", "tie": verdict == "tie",
             "not behind": verdict in ("ahead", "tie"), "not ahead": verdict in ("behind", "tie")}[wanted]

    def side(name, v):
        return f"{name} {v.mean():.{digits}f} [{v.min():.{digits}f}, {v.max():.{digits}f}]"

    better = "" if higher_is_better else ", lower is better"
    detail = (f"{metric}{better}: {side(names[0], a)}, {side(names[1], b)}; {a.size}+{b.size} seeds; "
              f"{verdict} by the rule: {rule}")
    statement = {"ahead": "ahead of", "behind": "behind", "tie": "ties with",
                 "not behind": "not behind", "not ahead": "not ahead of"}[wanted]
    claim(f"{names[0]} {statement} {names[1]}", holds, detail)
    return dict(mean_a=float(a.mean()), mean_b=float(b.mean()), range_a=(float(a.min()), float(a.max())),
                range_b=(float(b.min()), float(b.max())), spread=float(spread), gap=float(gap),
                verdict=verdict)
