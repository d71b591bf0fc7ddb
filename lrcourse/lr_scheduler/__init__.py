"""Every ``torch.optim.lr_scheduler`` class from first principles, same names and
signatures (thin adapters over :mod:`lrcourse.schedules`), and torch's ``SWALR``; plus
what torch lacks:
:class:`WarmupLR` (warmup in front of any scheduler), :class:`InverseSqrtLR`,
:class:`WSDLR`. To see any schedule's curve without building an optimizer, use
:func:`lrcourse.catalog.simulate` / :func:`lrcourse.catalog.plot_schedule`.

Swap ``from torch.optim import lr_scheduler`` for ``from lrcourse import lr_scheduler``
and get the same learning rates (the test grid compares them step by step, and torch's own
``test_lrscheduler.py`` runs against these classes: tests/torch_suite).

Two facts every layer above asks: where a param group keeps its momentum
(:mod:`~lrcourse.lr_scheduler.momentum`) and whether a scheduler is stepped with a metric
(:func:`~lrcourse.lr_scheduler.plateau.is_plateau`).
"""
from .base import LRScheduler
from .composite import ChainedScheduler, SequentialLR
from .cyclic import CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from .plateau import ReduceLROnPlateau
from .simple import (ConstantLR, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, MultiplicativeLR,
                     MultiStepLR, PolynomialLR, StepLR)
from .swa import SWALR
from .warmup import InverseSqrtLR, WarmupLR, WSDLR

TORCH_NAMES = [
    "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR",
    "SequentialLR", "CosineAnnealingLR", "ChainedScheduler", "ReduceLROnPlateau", "CyclicLR",
    "CosineAnnealingWarmRestarts", "OneCycleLR", "PolynomialLR", "LRScheduler",
]
__all__ = TORCH_NAMES + ["SWALR", "WarmupLR", "InverseSqrtLR", "WSDLR"]


# d2l's training loop tells torch's schedulers from its own callables by
# ``scheduler.__module__ == lr_scheduler.__name__``; make that hold for this module too.
for _name in TORCH_NAMES + ["SWALR", "WarmupLR", "InverseSqrtLR", "WSDLR"]:
    globals()[_name].__module__ = __name__
del _name
