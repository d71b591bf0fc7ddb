r"""The y / z / x bookkeeping every schedule-free optimizer shares, written once.

Schedule-free training (Defazio et al. 2024) keeps three sequences: the gradient is taken
at :math:`y`, the base optimizer steps :math:`z`, and :math:`x` is a weighted average of
the :math:`z`'s, the point to evaluate. :math:`y` interpolates the other two,
:math:`y = (1-\beta)\,z + \beta\,x`. Only :math:`z` is stored: the parameter tensor
itself holds :math:`y` in train mode and :math:`x` in eval mode, and
:meth:`ScheduleFree.train` / :meth:`ScheduleFree.eval` move it between the two
(``schedulefree``'s memory-efficient form).
"""
from __future__ import annotations

import torch
from torch.optim import Optimizer

from .. import checks
from ._loop import dense_grad, evaluate


def warmup_lr(lr, k, warmup_steps):
    r"""The learning rate of step :math:`t = k + 1`: :math:`\gamma_t = \eta \min(1, t / T_w)` (linear warmup)."""
    return lr * ((k + 1) / warmup_steps if k < warmup_steps else 1.0)


def average_weight(k, lr, lr_max, weight_sum, r, weight_lr_power):
    r"""The weight of step :math:`t = k + 1` in the average :math:`x`.

    :math:`w_t = t^r\,(\max_{i \le t} \gamma_i)^{p}` and :math:`c_t = w_t / \sum_{i \le t} w_i`.
    Returns ``(lr_max, weight_sum, c)`` for the group to keep; ``c = 0`` while every weight
    is 0 (``lr = 0``), as the reference's ``ZeroDivisionError`` branch.
    """
    lr_max = max(lr, lr_max)
    weight = ((k + 1) ** r) * (lr_max**weight_lr_power)
    weight_sum = weight_sum + weight
    return lr_max, weight_sum, weight / weight_sum if weight_sum != 0 else 0.0


def y_z_step(y, z, g, *, lr, beta, c):
    r"""Move :math:`y` and :math:`z` by one step of direction ``g``, in place, without forming :math:`x`.

    :math:`z_t = z_{t-1} - \gamma_t g_t` and :math:`x_t = (1-c_t)\,x_{t-1} + c_t z_t` give

    .. math::
        y_t = (1-c_t)\,y_{t-1} + c_t z_{t-1} + \gamma_t\,(\beta(1-c_t) - 1)\, g_t
    """
    y.lerp_(z, c)
    y.add_(g, alpha=lr * (beta * (1 - c) - 1))
    z.sub_(g, alpha=lr)


def to_x(p, z, beta):
    r""":math:`y \to x = (y - (1-\beta) z) / \beta`, in place: a lerp towards :math:`z`, weight :math:`1 - 1/\beta`."""
    p.lerp_(z, 1 - 1 / beta)


def to_y(p, z, beta):
    r""":math:`x \to y = \beta x + (1-\beta) z`, in place: a lerp towards :math:`z` of weight :math:`1 - \beta`."""
    p.lerp_(z, 1 - beta)


class ScheduleFree(Optimizer):
    """``train()``, ``eval()`` and the step loop; a subclass gives ``beta(group)``,
    ``init_state(state, p)`` and ``update(p, grad, state, group, lr, c)``.

    Each param group keeps its own counters, as ``schedulefree`` does: ``k`` (steps taken),
    ``train_mode``, ``weight_sum``, ``lr_max`` and ``scheduled_lr`` (the warmed-up lr of the
    last step, for logging). It also keeps ``foreach=False``, not an argument here, so a
    checkpoint loads into ``schedulefree``'s classes, which read it.
    """

    COUNTERS = dict(k=0, train_mode=False, weight_sum=0.0, lr_max=-1.0, scheduled_lr=0.0)

    @torch.no_grad()
    def eval(self):
        """Put every parameter at :math:`x`, the average, to evaluate or to save a checkpoint."""
        for group in self.param_groups:
            if group["train_mode"]:
                for p in group["params"]:
                    if "z" in self.state[p]:
                        to_x(p, self.state[p]["z"], self.beta(group))
                group["train_mode"] = False

    @torch.no_grad()
    def train(self):
        """Put every parameter at :math:`y`, where gradients are taken; call before training."""
        for group in self.param_groups:
            if not group["train_mode"]:
                for p in group["params"]:
                    if "z" in self.state[p]:
                        to_y(p, self.state[p]["z"], self.beta(group))
                group["train_mode"] = True

    @torch.no_grad()
    def step(self, closure=None):
        """One step for every parameter that has a gradient; return ``closure()``'s loss.

        Raises ``RuntimeError`` outside train mode (as the reference, whose check reads the
        first param group): the parameters hold :math:`x` then, not :math:`y`.
        """
        if not self.param_groups[0]["train_mode"]:
            raise RuntimeError(f"{type(self).__name__}.step() called in eval mode; call optimizer.train() "
                               "before training steps and optimizer.eval() before evaluating or saving")
        loss = evaluate(closure)
        for group in self.param_groups:
            k = group["k"]
            lr = group["scheduled_lr"] = warmup_lr(group["lr"], k, group["warmup_steps"])
            group["lr_max"], group["weight_sum"], c = average_weight(
                k, lr, group["lr_max"], group["weight_sum"], group["r"], group["weight_lr_power"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "z" not in state:
                    self.init_state(state, p)
                self.update(p, dense_grad(p, type(self).__name__), state, group, lr, c)
            group["k"] = k + 1
        return loss


def schedule_free_defaults(lr, weight_decay, warmup_steps, r, weight_lr_power, **own) -> dict:
    """The param-group defaults of a schedule-free optimizer: the shared settings, checked here,
    its ``own`` (checked by the caller), the :attr:`ScheduleFree.COUNTERS` and ``foreach=False``."""
    return dict(
        lr=checks.lr(lr),
        **own,
        r=checks.nonnegative("r", r),
        **ScheduleFree.COUNTERS,
        warmup_steps=checks.integer("warmup_steps", warmup_steps, type_error=False),
        weight_lr_power=checks.nonnegative("weight_lr_power", weight_lr_power),
        weight_decay=checks.nonnegative("weight_decay", weight_decay),
        foreach=False,
    )
