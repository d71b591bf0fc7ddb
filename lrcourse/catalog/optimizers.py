"""Every optimizer by name: :data:`OPTIMIZERS`, one :class:`OptimizerEntry` each.

Adding an optimizer is one entry here (after its class in :mod:`lrcourse.optim`):
``lrcourse train --optimizer``, the training panel and the adaptive-optimizer view offer it.
``lr`` is a learning rate that trains LeNet on Fashion-MNIST reasonably in a few epochs;
``lr_range`` is where a learning-rate slider for it should reach.

The last four train without a schedule (no torch twin; each equals its reference package in
the tests): schedule-free SGD and AdamW at their ``schedulefree`` defaults, evaluated at their
average :math:`x` (``optimizer.eval()``; the trainer switches them), and Prodigy and
DAdaptAdam, whose lr multiplies a step size :math:`d` they estimate, at the references' lr 1.0.
DAdaptAdam also uses bias correction: with ``dadaptation``'s default (none) its first steps
on LeNet overshoot and the run stays at chance (seed 0, 5,000 training images, batch 128,
3 epochs, 1,000 test images: test accuracy 0.10; with bias correction 0.78; at lr 0.1
without it 0.74).
"""
from __future__ import annotations

from .. import optim
from .entries import OptimizerEntry

_ENTRIES = [
    OptimizerEntry("SGD", optim.SGD, "SGD", ("sgd",), lr=0.1, lr_range=(1e-3, 1.0)),
    OptimizerEntry("SGD + momentum", optim.SGD, "SGD", ("sgd-momentum", "momentum"), lr=0.05,
                   lr_range=(1e-3, 0.5), settings={"momentum": 0.9}),
    OptimizerEntry("Adagrad", optim.Adagrad, "Adagrad", ("adagrad",), lr=0.01, lr_range=(1e-3, 1.0)),
    OptimizerEntry("RMSprop", optim.RMSprop, "RMSprop", ("rmsprop",), lr=1e-3, lr_range=(1e-4, 0.1)),
    OptimizerEntry("Adadelta", optim.Adadelta, "Adadelta", ("adadelta",), lr=1.0, lr_range=(1e-2, 1.0)),
    OptimizerEntry("Adam", optim.Adam, "Adam", ("adam",), lr=1e-3, lr_range=(1e-4, 0.1)),
    OptimizerEntry("AdamW", optim.AdamW, "AdamW", ("adamw",), lr=1e-3, lr_range=(1e-4, 0.1)),
    OptimizerEntry("Yogi", optim.Yogi, None, ("yogi",), lr=0.01, lr_range=(1e-4, 0.1)),
    OptimizerEntry("Adamax", optim.Adamax, "Adamax", ("adamax",), lr=2e-3, lr_range=(1e-4, 0.1)),
    OptimizerEntry("NAdam", optim.NAdam, "NAdam", ("nadam",), lr=2e-3, lr_range=(1e-4, 0.1)),
    OptimizerEntry("RAdam", optim.RAdam, "RAdam", ("radam",), lr=1e-3, lr_range=(1e-4, 0.1)),
    OptimizerEntry("ASGD", optim.ASGD, "ASGD", ("asgd",), lr=0.1, lr_range=(1e-3, 1.0)),
    OptimizerEntry("Rprop", optim.Rprop, "Rprop", ("rprop",), lr=1e-3, lr_range=(1e-5, 0.1)),
    OptimizerEntry("Adafactor", optim.Adafactor, "Adafactor", ("adafactor",), lr=1e-2, lr_range=(1e-4, 0.1)),
    OptimizerEntry("LBFGS", optim.LBFGS, "LBFGS", ("lbfgs",), lr=1.0, lr_range=(1e-2, 1.0), closure=True),
    OptimizerEntry("Muon", optim.Muon, "Muon", ("muon",), lr=0.02, lr_range=(1e-3, 0.1), params="matrices"),
    OptimizerEntry("SparseAdam", optim.SparseAdam, "SparseAdam", ("sparse-adam", "sparseadam"), lr=1e-3,
                   lr_range=(1e-4, 0.1), params="sparse"),
    OptimizerEntry("SGDScheduleFree", optim.SGDScheduleFree, None, ("sgd-schedulefree", "sgd-sf"), lr=1.0,
                   lr_range=(1e-2, 3.0)),
    OptimizerEntry("AdamWScheduleFree", optim.AdamWScheduleFree, None, ("adamw-schedulefree", "adamw-sf"),
                   lr=0.0025, lr_range=(1e-4, 0.1)),
    OptimizerEntry("Prodigy", optim.Prodigy, None, ("prodigy",), lr=1.0, lr_range=(0.1, 3.0)),
    OptimizerEntry("DAdaptAdam", optim.DAdaptAdam, None, ("dadapt-adam",), lr=1.0, lr_range=(0.1, 3.0),
                   settings={"use_bias_correction": True}),
]

OPTIMIZERS: dict[str, OptimizerEntry] = {e.name: e for e in _ENTRIES}
