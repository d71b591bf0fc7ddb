"""Every optimizer by name: :data:`OPTIMIZERS`, one :class:`OptimizerEntry` each.

Adding an optimizer is one entry here (after its class in :mod:`lrcourse.optim`):
``lrcourse train --optimizer``, the training panel and the adaptive-optimizer view offer it.
``lr`` is a learning rate that trains LeNet on Fashion-MNIST reasonably in a few epochs;
its UI record's ``lr_range`` is where a learning-rate slider for it should reach, and its
``sliders`` the range of each hyper-parameter an explorer of that optimizer alone puts under a
slider (notebooks 02, 03, 11 and 12). :data:`DENSE_OPTIMIZERS` are the menus' optimizers.

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

import math

from .. import optim
from .entries import OptimizerEntry, OptimizerUI
from .sliders import ETA, checkbox, choice, float_slider, int_slider, log_slider


def _ui(low: float, high: float, **sliders) -> OptimizerUI:
    return OptimizerUI(lr_range=(low, high), sliders=sliders)


_ENTRIES = [
    OptimizerEntry(name="SGD", cls=optim.SGD, torch_name="SGD", aliases=("sgd",), lr=0.1,  # its slider: on ½λx²
                   ui=_ui(1e-3, 1.0, lr=float_slider(0.2, 0.01, 1.2, 0.01, ".2f", ETA, live=True))),
    OptimizerEntry(name="SGD + momentum", cls=optim.SGD, torch_name="SGD", aliases=("sgd-momentum", "momentum"),
                   lr=0.05, settings={"momentum": 0.9},
                   ui=_ui(1e-3, 0.5, momentum=float_slider(0.5, 0.0, 0.99, 0.01, ".2f", "momentum β"),
                          nesterov=checkbox(False, "Nesterov"))),
    OptimizerEntry(name="Adagrad", cls=optim.Adagrad, torch_name="Adagrad", aliases=("adagrad",), lr=0.01,
                   ui=_ui(1e-3, 1.0)),
    OptimizerEntry(name="RMSprop", cls=optim.RMSprop, torch_name="RMSprop", aliases=("rmsprop",), lr=1e-3,
                   ui=_ui(1e-4, 0.1)),
    OptimizerEntry(name="Adadelta", cls=optim.Adadelta, torch_name="Adadelta", aliases=("adadelta",), lr=1.0,
                   ui=_ui(1e-2, 1.0)),
    OptimizerEntry(name="Adam", cls=optim.Adam, torch_name="Adam", aliases=("adam",), lr=1e-3, ui=_ui(1e-4, 0.1)),
    OptimizerEntry(name="AdamW", cls=optim.AdamW, torch_name="AdamW", aliases=("adamw",), lr=1e-3,
                   ui=_ui(1e-4, 0.1)),
    OptimizerEntry(name="Yogi", cls=optim.Yogi, torch_name=None, aliases=("yogi",), lr=0.01, ui=_ui(1e-4, 0.1)),
    OptimizerEntry(name="Adamax", cls=optim.Adamax, torch_name="Adamax", aliases=("adamax",), lr=2e-3,
                   ui=_ui(1e-4, 0.1, betas=choice(0.999, (0.9, 0.99, 0.999, 0.9999), "β2"))),
    OptimizerEntry(name="NAdam", cls=optim.NAdam, torch_name="NAdam", aliases=("nadam",), lr=2e-3,
                   ui=_ui(1e-4, 0.1)),
    OptimizerEntry(name="RAdam", cls=optim.RAdam, torch_name="RAdam", aliases=("radam",), lr=1e-3,
                   ui=_ui(1e-4, 0.1, betas=choice(0.999, (0.95, 0.98, 0.99, 0.995, 0.999, 0.9995), "β2"))),
    OptimizerEntry(name="ASGD", cls=optim.ASGD, torch_name="ASGD", aliases=("asgd",), lr=0.1,
                   ui=_ui(1e-3, 1.0, lr=float_slider(0.1, 0.01, 0.45, 0.01, ".2f", ETA),
                          t0=int_slider(100, 0, 900, "t0 (averaging starts)"))),  # of a 1,000-step run
    OptimizerEntry(name="Rprop", cls=optim.Rprop, torch_name="Rprop", aliases=("rprop",), lr=1e-3,
                   ui=_ui(1e-5, 0.1, step_sizes=log_slider(1e-6, -6, -2, "Δmin (step_sizes[0])", fmt=".0e"))),
    OptimizerEntry(name="Adafactor", cls=optim.Adafactor, torch_name="Adafactor", aliases=("adafactor",), lr=1e-2,
                   ui=_ui(1e-4, 0.1)),
    OptimizerEntry(name="LBFGS", cls=optim.LBFGS, torch_name="LBFGS", aliases=("lbfgs",), lr=1.0, closure=True,
                   ui=_ui(1e-2, 1.0, history_size=int_slider(10, 1, 20, "history_size m"),
                          line_search_fn=checkbox(True, "strong Wolfe line search"))),
    OptimizerEntry(name="Muon", cls=optim.Muon, torch_name="Muon", aliases=("muon",), lr=0.02, params="matrices",
                   ui=_ui(1e-3, 0.1, ns_steps=int_slider(5, 0, 10, "Newton–Schulz steps"))),
    OptimizerEntry(name="SparseAdam", cls=optim.SparseAdam, torch_name="SparseAdam",
                   aliases=("sparse-adam", "sparseadam"), lr=1e-3, params="sparse", ui=_ui(1e-4, 0.1)),
    OptimizerEntry(name="SGDScheduleFree", cls=optim.SGDScheduleFree, torch_name=None,
                   aliases=("sgd-schedulefree", "sgd-sf"), lr=1.0,
                   ui=_ui(1e-2, 3.0, lr=log_slider(0.3, -2, math.log10(3), ETA, fmt=".3f", step=0.05),
                          momentum=float_slider(0.9, 0.0, 0.99, 0.01, ".2f", "β (momentum)"),
                          r=float_slider(0.0, 0.0, 4.0, 0.1, ".1f", "weighting power r"))),
    OptimizerEntry(name="AdamWScheduleFree", cls=optim.AdamWScheduleFree, torch_name=None,
                   aliases=("adamw-schedulefree", "adamw-sf"), lr=0.0025, ui=_ui(1e-4, 0.1)),
    OptimizerEntry(name="Prodigy", cls=optim.Prodigy, torch_name=None, aliases=("prodigy",), lr=1.0,
                   ui=_ui(0.1, 3.0)),
    OptimizerEntry(name="DAdaptAdam", cls=optim.DAdaptAdam, torch_name=None, aliases=("dadapt-adam",), lr=1.0,
                   settings={"use_bias_correction": True}, ui=_ui(0.1, 3.0)),
]

OPTIMIZERS: dict[str, OptimizerEntry] = {e.name: e for e in _ENTRIES}
#: the menus' optimizers: every one that takes any dense parameter (LeNet's, a landscape's point), in catalog order
DENSE_OPTIMIZERS: tuple[str, ...] = tuple(name for name, e in OPTIMIZERS.items() if e.dense)
