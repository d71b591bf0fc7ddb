r"""Averaged weights in the trainer: schedule-free optimizers' :math:`x`, and an EMA of the weights.

**Schedule-free optimizers** (:class:`lrcourse.optim.SGDScheduleFree`, ``AdamWScheduleFree``,
``schedulefree``'s own classes) keep the parameters at :math:`y` (where gradients are taken)
in train mode and at :math:`x` (the weighted average of the iterates, the point to evaluate)
in eval mode. :func:`set_mode` calls ``optimizer.train()`` / ``optimizer.eval()`` when the
optimizer has them, next to ``model.train()`` / ``model.eval()``; other optimizers are left alone.

**EMA of the weights**: after every optimizer step

.. math::
    \bar\theta_1 = \theta_1, \qquad \bar\theta_t = \beta\,\bar\theta_{t-1} + (1-\beta)\,\theta_t

kept by :class:`lrcourse.train.swa_utils.AveragedModel` with
:func:`~lrcourse.train.swa_utils.get_ema_multi_avg_fn` (:class:`WeightEMA`), as torch's
documentation builds it ("Putting it all together: EMA"). It averages the parameters as the
optimizer leaves them (:math:`y` for a schedule-free optimizer).

BatchNorm: the running statistics belong to the weights that produced them, not to their
average. The averaged copy's statistics are recomputed with :func:`lrcourse.train.swa_utils.update_bn`
over the training batches (in order, at the run's batch size) before each evaluation, as
torch's EMA example does (``update_bn(loader, ema_model)``) and its ``AveragedModel`` note
recommends ("updating the statistics in normalization layers increases accuracy"). The
alternative, ``use_buffers=True``, would average statistics measured at earlier raw weights,
never at the averaged ones. The recomputation costs one forward pass over the training
split per epoch, and only for a model with BatchNorm.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from .. import checks
from .swa_utils import AveragedModel, get_ema_multi_avg_fn, update_bn
from .loop import evaluate, to_layout


def has_modes(optimizer) -> bool:
    """Whether ``optimizer`` has ``train()`` and ``eval()`` (a schedule-free optimizer)."""
    return callable(getattr(optimizer, "train", None)) and callable(getattr(optimizer, "eval", None))


def set_mode(optimizer, training: bool) -> None:
    """``optimizer.train()`` (parameters at :math:`y`) or ``optimizer.eval()`` (at :math:`x`),
    when it has them; nothing otherwise."""
    if not has_modes(optimizer):
        return
    if training:
        optimizer.train()
    else:
        optimizer.eval()


def check_decay(ema) -> float | None:
    """``ema``: None (no EMA) or a decay in (0, 1)."""
    return None if ema is None else checks.real("ema", ema, low=0.0, high=1.0, low_open=True, high_open=True)


class WeightEMA:
    """An EMA of ``model``'s weights with decay ``decay``, evaluated beside the raw weights.

    ``update(model)`` after every optimizer step; ``evaluate(...)`` the averaged copy on the
    data's splits (its BatchNorm statistics recomputed first, see the module docstring);
    ``state_dict()`` / ``load_state_dict()`` (torch's ``AveragedModel`` keys) for checkpoints.
    """

    def __init__(self, model: nn.Module, decay: float):
        self.decay = check_decay(decay)
        self.averaged = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(self.decay))
        self.batch_norm = any(isinstance(m, _BatchNorm) for m in model.modules())

    def update(self, model: nn.Module) -> None:
        self.averaged.update_parameters(model)

    @torch.no_grad()
    def evaluate(self, data, splits, *, batch_size: int, eval_batch_size: int, loss_fn,
                 channels_last: bool) -> dict:
        """``{"ema_<split>_loss": ..., "ema_<split>_acc": ...}`` for each split."""
        if self.batch_norm:
            batches = data.batches("train", batch_size, shuffle=False)
            update_bn(((to_layout(x, channels_last), y) for x, y in batches), self.averaged)
        metrics = {}
        for split in splits:
            metrics[f"ema_{split}_loss"], metrics[f"ema_{split}_acc"] = evaluate(
                self.averaged, data, split, eval_batch_size, loss_fn, channels_last)
        return metrics

    def state_dict(self) -> dict:
        return self.averaged.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.averaged.load_state_dict(state)
