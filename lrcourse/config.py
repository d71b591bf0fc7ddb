"""Course-wide switches read from the environment.

``LRCOURSE_FAST=1`` makes every notebook run its small version (fewer epochs, subsets of
Fashion-MNIST) so CI can execute all of them in minutes; unset, a notebook does the full
run a student reads about.
"""
from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")


def fast_mode() -> bool:
    """True when ``LRCOURSE_FAST`` is set to 1/true/yes."""
    return os.environ.get("LRCOURSE_FAST", "").strip().lower() in {"1", "true", "yes", "on"}


def pick(full: T, fast: T) -> T:
    """``full`` for a student's run, ``fast`` under ``LRCOURSE_FAST=1`` (CI)."""
    return fast if fast_mode() else full
