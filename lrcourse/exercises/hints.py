r"""The fingerprints of known mistakes in optimizers: each mistake written out as a wrong update.

A check that finds a difference runs the wrong variants that apply to the reference and
its settings on the same problems; when the student's numbers equal a variant's at every
step, its hint says what went wrong. Nothing here reads the student's source: a mistake is
recognised by the numbers it produces.

The variants start from torch's equations (with every switch off, each update below equals
torch's, which ``tests/test_exercises.py`` checks), e.g. Adam:

.. math::
    m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad s_t = \beta_2 s_{t-1} + (1-\beta_2) g_t^2,\quad
    \theta_t = \theta_{t-1} - \eta\,\frac{m_t/(1-\beta_1^t)}{\sqrt{s_t/(1-\beta_2^t)} + \epsilon}
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np
import torch

from .result import close, lone_non_finite


def matches(got, variant) -> bool:
    """``got`` equals ``variant`` wherever the variant is defined; nan and inf only equal themselves.

    ``None`` in ``variant`` is a step it leaves open (a shifted schedule before its start):
    any finite value matches there.
    """
    got, variant = np.asarray(got, dtype=float), np.asarray(variant, dtype=object)
    if got.shape != variant.shape:
        return False
    care = np.not_equal(variant, None)
    if not np.isfinite(got[~care]).all():  # nan or inf where the variant says nothing: another mistake
        return False
    return bool(care.any()) and bool(close(got[care], variant[care].astype(float)).all())


def first_match(candidates, got):
    """The hint of the first ``(hint, values())`` whose values equal ``got``, or None.

    A variant that cannot run these settings (it raises) gives no hint.
    """
    it = iter(candidates)
    while True:
        try:
            hint, values = next(it)
            if matches(got, values()):
                return hint
        except StopIteration:
            return None
        except Exception:  # noqa: BLE001 - any failure of a wrong variant just means "not this mistake"
            continue


# ----------------------------------------------------------------------------- updates
def sgd(p, g, state, group, *, first_is_g=True, ema=False, velocity=False, decoupled=False):
    r"""SGD; switches: buffer starts at :math:`(1-\tau)g` (``first_is_g=False``), EMA momentum
    :math:`b = \mu b + (1-\mu) g`, Sutskever's velocity with :math:`\eta` inside, decoupled decay."""
    lr, mu, tau, wd = group["lr"], group["momentum"], group["dampening"], group["weight_decay"]
    g = -g if group["maximize"] else g
    if wd and decoupled:
        p.mul_(1 - lr * wd)
    elif wd:
        g = g + wd * p
    if mu == 0:
        p.sub_(lr * g)
        return
    if velocity:  # v = mu v - lr g; theta += v (Nesterov: theta += mu v - lr g)
        v = state["v"] = mu * state.get("v", 0) - lr * g
        p.add_(mu * v - lr * g if group["nesterov"] else v)
        return
    keep = 1 - mu if ema else 1 - tau
    if "b" not in state:
        state["b"] = g.clone() if first_is_g and not ema else keep * g
    else:
        state["b"] = mu * state["b"] + keep * g
    b = state["b"]
    p.sub_(lr * (g + mu * b if group["nesterov"] else b))


def adam(p, g, state, group, *, correct=(1, 2), eps_inside=False, flip_decay=False, decay_times_lr=True,
         first_t=1):
    r"""Adam/AdamW; ``correct=(i, j)`` divides :math:`m` by :math:`1-\beta_i^t` and :math:`s` by
    :math:`1-\beta_j^t` (0: not at all); :math:`\sqrt{\hat s+\epsilon}`; L2 <-> decoupled decay;
    ``first_t=0``: t counted from 0, so the first step divides by :math:`1-\beta^0 = 0` (nan)."""
    (b1, b2), lr, eps, wd = group["betas"], group["lr"], group["eps"], group["weight_decay"]
    state["t"] = state.get("t", 0) + 1
    t = state["t"] - 1 + first_t
    g = -g if group["maximize"] else g
    if wd and group["decoupled_weight_decay"] != flip_decay:
        p.mul_(1 - (lr if decay_times_lr else 1) * wd)
    elif wd:
        g = g + wd * p
    m = state["m"] = b1 * state.get("m", 0) + (1 - b1) * g
    s = state["s"] = b2 * state.get("s", 0) + (1 - b2) * g * g
    bias = {0: 1.0, 1: 1 - b1 ** t, 2: 1 - b2 ** t}
    m_hat, s_hat = m / bias[correct[0]], s / bias[correct[1]]
    p.sub_(lr * m_hat / ((s_hat + eps).sqrt() if eps_inside else s_hat.sqrt() + eps))


def rmsprop(p, g, state, group, *, bias_correction=False, eps_inside=False):
    r"""RMSprop (not centered); switches: :math:`s_t/(1-\alpha^t)`, :math:`\sqrt{s+\epsilon}`."""
    alpha, lr, eps, wd, mu = (group[k] for k in ("alpha", "lr", "eps", "weight_decay", "momentum"))
    t = state["t"] = state.get("t", 0) + 1
    g = -g if group["maximize"] else g
    if wd:
        g = g + wd * p
    s = state["s"] = alpha * state.get("s", 0) + (1 - alpha) * g * g
    s = s / (1 - alpha ** t) if bias_correction else s
    step = g / ((s + eps).sqrt() if eps_inside else s.sqrt() + eps)
    if mu > 0:
        step = state["b"] = mu * state.get("b", 0) + step
    p.sub_(lr * step)


class Variant(torch.optim.Optimizer):
    """``update(p, grad, state, group)`` for every parameter with a gradient."""

    def __init__(self, params, defaults: dict, update: Callable):
        super().__init__(params, defaults)
        self.update = update

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self.update(p, p.grad, self.state[p], group)


def ignoring_group_lr(torch_cls):
    """torch's optimizer stepping every group at ``defaults["lr"]``: an lr read once in ``__init__``."""
    class IgnoresGroupLR(torch_cls):
        def step(self, closure=None):
            kept = [group["lr"] for group in self.param_groups]
            for group in self.param_groups:
                group["lr"] = self.defaults["lr"]
            try:
                return super().step(closure)
            finally:
                for group, lr in zip(self.param_groups, kept):
                    group["lr"] = lr
    return IgnoresGroupLR


# ----------------------------------------------------------------------------- mistakes
@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: where it applies, what to tell the student, the wrong update."""

    references: tuple
    applies: Callable[[dict], bool]
    hint: str
    update: Callable


_FIRST = ("the first momentum step differs: torch starts the buffer at b₁ = g₁ (not at 0, and without "
          "dampening on the first step), then b_t = μ b_{t-1} + (1 − τ) g_t")
_VELOCITY = ("{} keeps the lr inside the velocity; torch's form keeps it outside: b ← μb + g, θ ← θ − η{}. "
             "Equal at a constant lr, different once the lr changes")
_ADAM_CORRECTION = "m̂ = m_t/(1 − β₁ᵗ) and ŝ = s_t/(1 − β₂ᵗ)"
_EPS = "ε goes outside the square root: divide by √{0} + ε, not √({0} + ε)"
_T_FROM_0 = ("nan from the first step, as when t starts at 0: bias correction then divides by 1 − β⁰ = 0. "
             "Count t from 1 (add 1 before the update): " + _ADAM_CORRECTION)
OPTIMIZER_MISTAKES = (
    Mistake(("SGD",), lambda h: h["momentum"] and h["dampening"], _FIRST, partial(sgd, first_is_g=False)),
    Mistake(("SGD",), lambda h: h["momentum"], "your momentum is an average, b ← μb + (1 − μ)g; torch sums the "
            "gradients, b ← μb + g (times 1 − τ with dampening τ), so its steps are 1/(1 − μ) times larger",
            partial(sgd, ema=True)),
    Mistake(("SGD",), lambda h: h["momentum"] and not h["nesterov"], _VELOCITY.format(
        "momentum in Sutskever et al.'s form (v ← μv − ηg, θ ← θ + v)", "b"), partial(sgd, velocity=True)),
    Mistake(("SGD",), lambda h: h["nesterov"], _VELOCITY.format(
        "Nesterov in the paper's form (v ← μv − ηg, θ ← θ + μv − ηg)", "(g + μb)"), partial(sgd, velocity=True)),
    Mistake(("SGD",), lambda h: h["weight_decay"], "your weight decay is decoupled (θ ← θ(1 − ηλ)); torch's SGD adds "
            "the L2 term to the gradient first, g ← g + λθ, so it goes through the momentum buffer",
            partial(sgd, decoupled=True)),
    Mistake(("Adam", "AdamW"), lambda h: True, "bias correction is missing: use " + _ADAM_CORRECTION,
            partial(adam, correct=(0, 0))),
    Mistake(("Adam", "AdamW"), lambda h: True, "the second moment is not bias-corrected: use " + _ADAM_CORRECTION,
            partial(adam, correct=(1, 0))),
    Mistake(("Adam", "AdamW"), lambda h: True, "the first moment is not bias-corrected: use " + _ADAM_CORRECTION,
            partial(adam, correct=(0, 2))),
    Mistake(("Adam", "AdamW"), lambda h: True, "bias corrections swapped between the moments: " + _ADAM_CORRECTION,
            partial(adam, correct=(2, 1))),
    Mistake(("Adam", "AdamW"), lambda h: True, _T_FROM_0, partial(adam, first_t=0)),
    Mistake(("Adam", "AdamW"), lambda h: True, _EPS.format("ŝ_t"), partial(adam, eps_inside=True)),
    Mistake(("Adam",), lambda h: h["weight_decay"], "your weight decay is decoupled (AdamW's θ ← θ(1 − ηλ)); "
            "torch.optim.Adam uses L2: g ← g + λθ before the moments", partial(adam, flip_decay=True)),
    Mistake(("AdamW",), lambda h: h["weight_decay"], "your weight decay is L2 (g ← g + λθ, Adam's); AdamW decays "
            "the weights directly, θ ← θ(1 − ηλ), before the Adam step on the raw gradient",
            partial(adam, flip_decay=True)),
    Mistake(("AdamW",), lambda h: h["weight_decay"], "torch multiplies the decoupled decay by the lr: "
            "θ ← θ(1 − ηλ), not θ(1 − λ)", partial(adam, decay_times_lr=False)),
    Mistake(("RMSprop",), lambda h: not h["centered"], "torch's RMSprop has no bias correction: divide by "
            "√s_t + ε with s_t started at 0 (only Adam divides by 1 − βᵗ)", partial(rmsprop, bias_correction=True)),
    Mistake(("RMSprop",), lambda h: not h["centered"], _EPS.format("s_t"), partial(rmsprop, eps_inside=True)),
)
GROUP_LR_HINT = ("your optimizer ignores each param group's lr (an lr saved in __init__, or self.defaults): read "
                 "group['lr'] inside step(); param groups and schedulers set it there")
ROUNDING_HINT = ("the numbers agree to about 7 digits: float32 rounding? Keep float64: Python floats, "
                 "torch.zeros_like(p) for state, no float32 tensors")
NON_FINITE_HINT = ("nan or inf where torch's values are finite. Usual causes: a step counter t that starts at 0 "
                   "(bias correction then divides by 1 − β⁰ = 0: count t from 1), a division by zero, "
                   "the square root of a negative number")


def rounding_hint(got, expected):
    """:data:`ROUNDING_HINT` when ``got`` misses ``expected`` only by float32-sized relative errors.

    A nan or inf on one side only is never rounding (None).
    """
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    finite = np.isfinite(got) & np.isfinite(expected)
    if not close(got[~finite], expected[~finite]).all():
        return None
    rel = np.abs(got[finite] - expected[finite]) / np.maximum(np.abs(expected[finite]), 1e-12)
    return ROUNDING_HINT if rel.max(initial=0.0) < 1e-5 else None


def numeric_hint(got, expected, non_finite: str):
    """The hint for a difference no known mistake reproduces: ``non_finite`` when ``got`` is nan or
    inf where ``expected`` is finite, :data:`ROUNDING_HINT` for float32-sized errors, else None."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if (lone_non_finite(got, expected) & np.isfinite(expected)).any():
        return non_finite
    return rounding_hint(got, expected)


def optimizer_variants(reference: str, hyper: dict):
    """``(hint, make(groups) -> optimizer)`` for every mistake that applies to ``reference(**hyper)``.

    ``hyper`` holds every constructor argument (torch's defaults filled in).
    """
    torch_cls = getattr(torch.optim, reference)
    args = {k: v for k, v in hyper.items() if k in inspect.signature(torch_cls).parameters}  # not AdamW's flag
    yield GROUP_LR_HINT, lambda groups: ignoring_group_lr(torch_cls)(groups, **args)
    if hyper.get("amsgrad"):  # not written out below
        return
    for m in OPTIMIZER_MISTAKES:
        if reference in m.references and m.applies(hyper):
            yield m.hint, partial(Variant, defaults=hyper, update=m.update)


# ----------------------------------------------------------------------------- schedule-free SGD
class ScheduleFreeSGD(torch.optim.Optimizer):
    r"""Schedule-free SGD from the paper's equations, :math:`z` and :math:`x` stored; ``defaults`` as the reference's.

    .. math::
        \gamma_t = \eta\min(1, t/T_w),\quad z_t = z_{t-1} - \gamma_t(\nabla f(y_{t-1}) + \lambda y_{t-1}),\quad
        x_t = (1-c_t)x_{t-1} + c_t z_t,\quad c_t = \frac{w_t}{\sum_{i\le t} w_i},\quad
        w_t = t^r(\max_{i\le t}\gamma_i)^p,\quad y_t = (1-\beta)z_t + \beta x_t

    With every switch off it equals ``schedulefree.SGDScheduleFree`` (``tests/test_exercises.py``
    checks it). Switches: ``at_x``, the parameters hold :math:`x` in train mode too (the gradient
    is taken at :math:`x`); ``swapped``, train mode holds :math:`x` and eval mode :math:`y`;
    ``uniform``, :math:`c_t = 1/t`; ``warmup=False``, :math:`\gamma_t = \eta`.
    """

    def __init__(self, params, defaults: dict, *, at_x=False, swapped=False, uniform=False, warmup=True):
        super().__init__(params, defaults)
        self.at_x, self.swapped, self.uniform, self.warmup = at_x, swapped, uniform, warmup

    def _put(self, point: str):
        for group in self.param_groups:
            for p in group["params"]:
                if self.state[p]:
                    p.copy_(self.state[p][point])

    @torch.no_grad()
    def train(self):
        self._put("x" if self.at_x or self.swapped else "y")

    @torch.no_grad()
    def eval(self):
        self._put("y" if self.swapped else "x")

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            t = group["t"] = group.get("t", 0) + 1
            warm = self.warmup and t < group["warmup_steps"]
            lr = group["lr"] * (t / group["warmup_steps"] if warm else 1.0)
            top = group["top"] = max(lr, group.get("top", 0.0))
            w = 1.0 if self.uniform else t ** group["r"] * top ** group["weight_lr_power"]
            total = group["total"] = group.get("total", 0.0) + w
            c, beta = w / total if total else 0.0, group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st.update(z=p.clone(), x=p.clone())
                st["z"] = st["z"] - lr * (p.grad + group["weight_decay"] * p)
                st["x"] = (1 - c) * st["x"] + c * st["z"]
                st["y"] = (1 - beta) * st["z"] + beta * st["x"]
                p.copy_(st["x"] if self.at_x or self.swapped else st["y"])


_Y = "y = (1 − β)z + βx"
SCHEDULE_FREE_MISTAKES = (  # (applies to the settings, hint, switch)
    (lambda h: True, f"x and y are swapped: train() puts the parameters at {_Y}, where the gradient is taken, "
     "and eval() at x, the average; yours hold x while training and y in eval mode", dict(swapped=True)),
    (lambda h: True, f"the gradient is taken at x, the average: in train mode the parameters hold {_Y} "
     "(after each step and after train()); x is only for eval()", dict(at_x=True)),
    (lambda h: h["r"] or (h["warmup_steps"] and h["weight_lr_power"]), "your average is uniform, c_t = 1/t; "
     "schedule-free weights step t by w_t = t^r·(largest lr so far)^weight_lr_power: c_t = w_t / Σ_{i≤t} w_i",
     dict(uniform=True)),
    (lambda h: h["warmup_steps"] > 1, "warmup is left out: step t (counted from 1) uses γ_t = lr·min(1, "
     "t/warmup_steps), in the step of z and in the weight w_t", dict(warmup=False)),
)


def schedule_free_variants(reference_cls, args: dict, hyper: dict):
    """``(hint, make(groups))`` for every schedule-free SGD mistake that applies to ``hyper`` (the
    reference's defaults, every argument filled in); ``reference_cls(groups, **args)`` is the reference."""
    yield GROUP_LR_HINT, lambda groups: ignoring_group_lr(reference_cls)(groups, **args)
    for applies, hint, switch in SCHEDULE_FREE_MISTAKES:
        if applies(hyper):
            yield hint, partial(ScheduleFreeSGD, defaults=hyper, **switch)
