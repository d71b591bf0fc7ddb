"""Teaching helpers: the small problems and measurements the notebooks and widgets draw on.

- :mod:`~lrcourse.teaching.landscapes`: 2-D test functions (quadratics, Rosenbrock, ...) and optimizer paths on them.
- :mod:`~lrcourse.teaching.momentum_theory`: heavy-ball convergence rates on a quadratic (Goh 2017).
- :mod:`~lrcourse.teaching.probes`: controlled gradient streams (noise, mini-batches, rare features).
- :mod:`~lrcourse.teaching.quasi_newton`: L-BFGS's evaluations counted on Rosenbrock's function.
- :mod:`~lrcourse.teaching.orthogonalize`: Muon's Newton–Schulz iteration and its spectrum map.
- :mod:`~lrcourse.teaching.sharpness`: full-batch gradient descent with its sharpness (edge of stability).

They sit with the trainer in the library's layers: they use the optimizers, the catalog and the
checks, and only the widgets, exercises and notebooks use them.
"""
