"""The teaching problems' sliders: :data:`PROBLEM_SLIDERS`, problem -> setting -> :class:`Slider`.

A teaching problem is what an explorer runs optimizers on: the EMA's noisy series, the parabola
:math:`\\tfrac12\\lambda x^2`, a 2-D landscape, LeNet on Fashion-MNIST. Its settings (the
curvature, the noise, which function, how many epochs) have their one range here, and so has a
learning rate that several optimizers share on it: GD beside heavy ball on a landscape, one lr
for a menu of optimizers. An optimizer's own hyper-parameters, and an lr only it uses, are in its
entry's :class:`~lrcourse.catalog.entries.OptimizerUI`; a schedule's in its
:class:`~lrcourse.catalog.entries.ScheduleUI`.

>>> PROBLEM_SLIDERS["noisy series"]["beta"].high, PROBLEM_SLIDERS["LeNet"]["lr"].label
(0.99, 'peak lr')
"""
from __future__ import annotations

import math

from .optimizers import OPTIMIZERS
from .sliders import ETA, Slider, checkbox, choice, float_slider, int_slider, log_slider

_LENET_EXPONENTS = [math.log10(x) for e in OPTIMIZERS.values() for x in e.ui.lr_range]  # every optimizer's

PROBLEM_SLIDERS: dict[str, dict[str, Slider]] = {
    # notebook 01: an EMA of a noisy series
    "noisy series": {"beta": float_slider(0.9, 0.0, 0.99, 0.01, ".2f", "beta β (smoothing)", live=True),
                     "bias_correction": checkbox(True, "bias correction")},
    # notebook 02: gradient descent on ½λx²
    "parabola": {"lam": float_slider(2.0, 0.1, 20.0, 0.1, ".1f", "curvature λ", live=True)},
    # notebook 03: GD and heavy ball at one lr, per landscape (up to past its GD limit 2/λ_max)
    "ill-conditioned": {"lr": float_slider(0.4, 0.01, 1.0, 0.01, ".3f", ETA)},
    "banana": {"lr": float_slider(0.01, 0.001, 0.04, 0.001, ".3f", ETA)},
    # notebook 04: a menu of optimizers at one lr on a 2-D function
    "2-D functions": {"landscape": choice("ill-conditioned", ("ill-conditioned", "banana"), "function"),
                      "lr": log_slider(0.3, -3, math.log10(3), ETA, fmt=".3f", step=0.05)},
    # notebook 11: the problems of "More optimizers"
    "skewed mean": {"batch_size": int_slider(1, 1, 256, "batch size")},
    "noisy quadratic": {"noise": float_slider(1.0, 0.0, 3.0, 0.1, ".1f", "noise σ")},
    "evaluations": {"landscape": choice("rosenbrock", ("rosenbrock", "ill-conditioned"), "function")},
    "rare feature": {"period": int_slider(200, 10, 500, "period (steps)")},
    "spectrum": {"decay": float_slider(0.9, 0.5, 0.99, 0.01, ".2f", "spectrum decay")},
    # the dashboard: LeNet on Fashion-MNIST, the lr spanning every optimizer's lr_range
    "LeNet": {"lr": log_slider(10 ** -2.5, min(_LENET_EXPONENTS), max(_LENET_EXPONENTS), "peak lr", fmt=".3g",
                               step=0.25),
              "epochs": int_slider(1, 1, 10, "epochs"),
              "train_subset": int_slider(5000, 1000, 60000, "training images", step=1000)},
}
