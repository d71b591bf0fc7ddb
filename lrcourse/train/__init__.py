"""Training LeNet (or any classifier) on Fashion-MNIST with any optimizer and any schedule.

``train(model, optimizer, data, epochs=..., scheduler=..., scheduler_interval=...)`` returns a
:class:`History`; see :mod:`lrcourse.train.trainer` (the run), :mod:`lrcourse.train.loop` (one
batch, one evaluation), :mod:`lrcourse.train.stepping` (when a schedule is applied) and
:mod:`lrcourse.train.progress` (a progress bar that leaves one clean line in a saved notebook).
Checkpoints (:mod:`lrcourse.train.checkpoint`), histories and figures are written atomically
(:func:`atomic_write`); Ctrl-C or an error while training re-raises with ``exc.history``.
Schedule-free optimizers are trained at y and evaluated at x, and ``train(..., ema=DECAY)``
evaluates an EMA of the weights beside them: :mod:`lrcourse.train.averaging`.

Beside the trainer, the other pieces that train and measure: :mod:`lrcourse.train.lr_finder` (the LR
range test), :mod:`lrcourse.train.swa_utils` (``torch.optim.swa_utils``: averaged weights, ``update_bn``)
and :mod:`lrcourse.train.clip_grad` (``torch.nn.utils.clip_grad_norm_``).
"""
from ..device import resolve_device, seed_everything
from .atomic import atomic_write
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .history import History, plot_histories
from .live import LivePlot
from .loop import batch_step, evaluate
from .progress import progress_bar
from .stepping import is_plateau
from .trainer import DivergenceError, train

__all__ = ["CheckpointError", "DivergenceError", "History", "LivePlot", "atomic_write", "batch_step", "evaluate",
           "is_plateau", "load_checkpoint", "plot_histories", "progress_bar", "resolve_device", "save_checkpoint",
           "seed_everything", "train"]
