"""A live loss/accuracy/lr figure in a notebook, redrawn in place once per epoch.

It uses an IPython display handle: each update replaces the previous image, so the saved
notebook (and nbval/nbconvert output) holds one ordinary static figure. Outside a Jupyter
kernel (scripts, the CLI) nothing is drawn.
"""
from __future__ import annotations


def in_notebook() -> bool:
    """True inside a Jupyter kernel."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    ip = get_ipython()
    return ip is not None and hasattr(ip, "kernel")


class LivePlot:
    """``update(history)`` after each epoch; ``close(history)`` leaves the final static figure.

    Args:
        enabled: "auto" (only inside a Jupyter kernel), True or False.
        title: figure title.
    """

    def __init__(self, enabled="auto", title: str | None = None):
        if enabled not in ("auto", True, False):
            raise ValueError(f"live must be 'auto', True or False, got {enabled!r}")
        self.enabled = in_notebook() if enabled == "auto" else bool(enabled)
        self.title = title
        self.fig = None
        self.handle = None

    def update(self, history) -> None:
        if not self.enabled:
            return
        from IPython.display import display
        from matplotlib.figure import Figure

        if self.fig is None:  # not registered with pyplot: the inline backend won't show it again
            self.fig = Figure(figsize=(11, 3.3))
        history.plot(fig=self.fig, title=self.title)
        if self.handle is None:
            self.handle = display(self.fig, display_id=True)
        else:
            self.handle.update(self.fig)

    def close(self, history) -> None:
        """Draw once more when the run stopped mid-epoch (divergence): the figure then shows it."""
        if self.enabled and history.diverged and history.loss:
            self.update(history)
