r"""The d2l chapter's callable schedulers, same signatures, made pure.

The chapter ("Learning Rate Scheduling", Dive into Deep Learning §12.11) calls
``scheduler(t)`` for t = 0, 1, 2, ... and sets the optimizer's lr to the result. These
give the chapter's numbers for that call sequence, but as functions of ``t`` alone:
calling twice at one ``t`` gives one value. The chapter's code runs with only its import
changed::

    from lrcourse.schedules import SquareRootScheduler, FactorScheduler, CosineScheduler
    scheduler = SquareRootScheduler(lr=0.1)
    lrs = [scheduler(t) for t in range(30)]

Where the chapter's version is stateful (``FactorScheduler`` decays on every call;
``CosineScheduler`` past ``max_update`` repeats its last computed value) the pure version
returns what the chapter returns on its (t+1)-th call when called at 0, 1, 2, ...
Each is evaluated from its current attributes, as the chapter's are: the pure schedule is kept
with the settings it was built from (:class:`_Rebuilt`) and rebuilt when the chapter's code
changes one (``scheduler.base_lr = ...``).

>>> s = CosineScheduler(max_update=20, base_lr=0.3, final_lr=0.01, warmup_steps=5)
>>> round(s(0), 6), round(s(5), 6), round(s(20), 6), round(s(50), 6)
(0.0, 0.3, 0.01, 0.01)
"""
from __future__ import annotations

from .. import checks
from .basic import KeepsBuilt, exponential
from .join import anneal, join
from .shapes import rsqrt


class SquareRootScheduler:
    r"""$\eta_t = \eta\,(t + 1)^{-1/2}$.

    Args:
        lr: value at t = 0 (default 0.1).
    """

    def __init__(self, lr=0.1):
        self.lr = checks.nonnegative("lr", lr)

    def __call__(self, num_update):
        checks.step(num_update)
        return self.lr * rsqrt(num_update + 1.0)


class _Rebuilt(KeepsBuilt):
    """A callable evaluated through the pure schedule ``_factory(*self._settings())``, rebuilt when one
    of the settings changes (:class:`~lrcourse.schedules.basic.KeepsBuilt`)."""

    def _schedule(self):
        settings = self._settings()
        return self._built(settings, lambda: self._factory(*settings))


class FactorScheduler(_Rebuilt):
    r"""$\eta_t = \max(\eta_{stop}, \eta_0 f^{t+1})$: the chapter's multiply-by-``factor``-per-call,
    as a function of t (the chapter's first call already returns $\eta_0 f$).

    Args:
        factor: f, in (0, 1] (default 1: constant).
        stop_factor_lr: floor, >= 0 (default 1e-7).
        base_lr: $\eta_0$ (default 0.1).
    """

    _factory = staticmethod(exponential)

    def __init__(self, factor=1, stop_factor_lr=1e-7, base_lr=0.1):
        self.factor = checks.real("factor", factor, low=0.0, high=1.0, low_open=True)
        self.stop_factor_lr = checks.nonnegative("stop_factor_lr", stop_factor_lr)
        self.base_lr = checks.nonnegative("base_lr", base_lr)

    def _settings(self):
        return self.factor, self.base_lr

    def __call__(self, num_update):
        checks.step(num_update)
        return max(self.stop_factor_lr, self._schedule()(num_update + 1))


def _warmup_cosine(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr):
    return join([anneal(warmup_begin_lr, base_lr, warmup_steps, "linear"),
                 anneal(base_lr, final_lr, max_update - warmup_steps, "cos")], [warmup_steps])


class CosineScheduler(_Rebuilt):
    r"""Linear warmup from ``warmup_begin_lr`` over ``warmup_steps``, then
    $\eta_T + (\eta_0 - \eta_T)\frac{1 + \cos(\pi (t - W)/(T - W))}{2}$ up to ``max_update``,
    then ``final_lr``: a linear anneal joined to a cosine one.

    Args:
        max_update: T, the step at which ``final_lr`` is reached, int >= 1.
        base_lr: peak $\eta_0$ (default 0.01).
        final_lr: $\eta_T$ (default 0).
        warmup_steps: W, int in [0, max_update) (default 0).
        warmup_begin_lr: value at t = 0 when warming up (default 0).
    """

    _factory = staticmethod(_warmup_cosine)

    def __init__(self, max_update, base_lr=0.01, final_lr=0, warmup_steps=0, warmup_begin_lr=0):
        self.max_update = checks.integer("max_update", max_update, low=1)
        self.base_lr_orig = checks.nonnegative("base_lr", base_lr)
        self.final_lr = checks.nonnegative("final_lr", final_lr)
        self.warmup_steps = checks.integer("warmup_steps", warmup_steps)
        if self.warmup_steps >= self.max_update:
            raise ValueError(f"warmup_steps must be an int in [0, max_update={self.max_update}), "
                             f"got {warmup_steps!r}")
        self.warmup_begin_lr = checks.nonnegative("warmup_begin_lr", warmup_begin_lr)

    def _settings(self):
        return self.max_update, self.base_lr_orig, self.final_lr, self.warmup_steps, self.warmup_begin_lr

    def __call__(self, epoch):
        checks.step(epoch)
        return self._schedule()(epoch)
