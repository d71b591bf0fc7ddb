"""A progress bar that is live while it runs and leaves a clean line (or nothing) when saved.

``tqdm.auto`` in a notebook shows an ipywidgets bar whose output also carries a ``text/plain``
fallback, frozen at the moment it was displayed: ``"0%|          | 0/N"``. nbconvert, nbval
and GitHub show that fallback, so every saved notebook kept a bar stuck at 0%. Here the widget
is shown under an IPython display id, and :meth:`ProgressBar.close` replaces that output with
the bar's final text line (``leave=True``) or with nothing (``leave=False``): the student
watches the widget, the saved notebook holds ``SGD: 100%|██████████| 40/40 [..., loss=0.512]``.
Outside a Jupyter kernel (scripts, the CLI, tests) it is tqdm's ordinary text bar on stderr.

Example:
    >>> with progress_bar(3, "demo", enabled=False) as bar:
    ...     bar.update(3)
"""
from __future__ import annotations

import importlib.util

from .live import in_notebook


class ProgressBar:
    """tqdm's bar, shown under a display id in a notebook; see the module docstring."""

    def __init__(self, total: int, desc: str, enabled: bool = True, initial: int = 0, leave: bool = True):
        self.leave, self.handle = leave, None
        if enabled and in_notebook() and _widgets_available():
            from IPython.display import display
            from tqdm.notebook import tqdm
            self.bar = tqdm(total=total, initial=initial, desc=desc, unit="step", leave=True, display=False)
            self.handle = display(self.bar.container, display_id=True)
        else:
            from tqdm.std import tqdm
            self.bar = tqdm(total=total, initial=initial, desc=desc, unit="step", leave=leave,
                            disable=not enabled)

    def update(self, n: int = 1) -> None:
        self.bar.update(n)

    def set_postfix(self, **values) -> None:
        self.bar.set_postfix(**values)

    def close(self) -> None:
        """Close the bar; in a notebook its output becomes the final text line, or nothing."""
        text = str(self.bar)
        self.bar.close()
        if self.handle is not None:
            self.handle.update({"text/plain": text if self.leave else ""}, raw=True)
            self.handle = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _widgets_available() -> bool:
    """ipywidgets is installed (the course extra installs it; tqdm's widget bar needs it)."""
    return importlib.util.find_spec("ipywidgets") is not None


def progress_bar(total: int, desc: str, enabled: bool = True, initial: int = 0,
                 leave: bool = True) -> ProgressBar:
    """A :class:`ProgressBar` over ``total`` steps (``update(n)``, ``set_postfix(...)``, ``close()``).

    Args:
        total: steps in all.
        desc: the label in front of the bar.
        enabled: show it (default True); False shows nothing.
        initial: steps already done, e.g. by a resumed run (default 0).
        leave: keep the final line when closed (default True) or remove the bar.
    """
    return ProgressBar(total, desc, enabled, initial, leave)
