"""Training LeNet (or any classifier) on Fashion-MNIST with any optimizer and any schedule.

``train(model, optimizer, data, epochs=..., scheduler=..., scheduler_interval=...)`` returns a
:class:`History`; see :mod:`lrcourse.train.trainer` and :mod:`lrcourse.train.stepping`.
"""
from .checkpoint import load_checkpoint, save_checkpoint
from .device import resolve_device, seed_everything
from .history import History, plot_histories
from .live import LivePlot
from .stepping import is_plateau
from .trainer import DivergenceError, evaluate, train

__all__ = ["DivergenceError", "History", "LivePlot", "evaluate", "is_plateau", "load_checkpoint",
           "plot_histories", "resolve_device", "save_checkpoint", "seed_everything", "train"]
