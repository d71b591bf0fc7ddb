"""lrcourse.exercises: a student's optimizer, schedule, EMA or plateau detector checked against torch.

Four tables run through one checker each: correct answers written differently from lrcourse's
must pass; classic wrong answers must fail *with their hint*; broken answers (the untouched
skeleton, an exception, a wrong return type) must fail in one line; bad arguments to the
checkers raise with a message naming them. The students below are written as a student would
write them (in place, loops, other but equal algebra), not taken from lrcourse or its hints.
"""
from __future__ import annotations

import math
import sys

import numpy as np
import pytest
import torch

from lrcourse import optim
from lrcourse.data import FashionMNIST
from lrcourse.exercises import (CheckResult, check_ema, check_optimizer, check_plateau, check_schedule,
                                check_schedule_free, train_within_budget)
from lrcourse.exercises import hints
from lrcourse.exercises.ema import SEQUENCES
from lrcourse.exercises.optimizers import START, loss
from lrcourse.exercises.result import expected_got, first_difference


# ----------------------------------------------------------------------------- students
class StudentSGD(torch.optim.Optimizer):
    """In place, buffer in state["buf"]; ``mistake`` switches on one classic slip."""

    mistake = None

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        self.lr = lr
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            lr = self.lr if self.mistake == "lr saved in __init__" else group["lr"]
            mu, tau, wd = group["momentum"], group["dampening"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                d = p.grad.clone()
                if wd and self.mistake == "decoupled":
                    p.mul_(1 - lr * wd)
                elif wd:
                    d.add_(p, alpha=wd)
                if mu:
                    st = self.state[p]
                    if self.mistake == "paper":  # Sutskever et al.: the lr inside the velocity
                        v = st.setdefault("v", torch.zeros_like(p)).mul_(mu).sub_(lr * d)
                        p.add_(mu * v - lr * d if group["nesterov"] else v)
                        continue
                    keep = 1 - mu if self.mistake == "ema" else 1 - tau
                    if "buf" not in st and self.mistake in ("zero buffer", "ema"):
                        st["buf"] = torch.zeros_like(p)
                    if "buf" not in st:
                        st["buf"] = d.clone().mul_(keep if self.mistake == "dampened first step" else 1)
                    else:
                        st["buf"].mul_(mu).add_(d, alpha=keep)
                    d = d.add(st["buf"], alpha=mu) if group["nesterov"] else st["buf"]
                p.add_(d, alpha=-lr)


class OutOfPlaceSGD(torch.optim.Optimizer):
    """Correct SGD written out of place, Nesterov expanded as θ − ηg − ημb."""

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov))

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in (q for q in g["params"] if q.grad is not None):
                grad = p.grad + g["weight_decay"] * p
                old = self.state[p].get("b")
                b = grad if old is None else g["momentum"] * old + (1 - g["dampening"]) * grad
                self.state[p]["b"] = b
                step = g["lr"] * grad + g["lr"] * g["momentum"] * b if g["nesterov"] else g["lr"] * b
                p.copy_(p - step if g["momentum"] else p - g["lr"] * grad)


class StudentAdam(torch.optim.Optimizer):
    """Adam in Kingma & Ba's "efficient" form: α_t = η√(1−β₂ᵗ)/(1−β₁ᵗ), ε̂ = ε√(1−β₂ᵗ) (equal to torch's).

    With t counted from 0 the efficient form divides Python floats by 1 − β₁⁰ = 0 (ZeroDivisionError);
    the textbook form m̂/(√ŝ + ε) ("t from 0") divides tensors by it: inf, then inf/inf = nan.
    """

    mistake = None
    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            (b1, b2), lr, eps, wd = group["betas"], group["lr"], group["eps"], group["weight_decay"]
            lr = self.defaults["lr"] if self.mistake == "defaults lr" else lr
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    dtype = torch.float32 if self.mistake == "float32" else p.dtype
                    st.update(t=0, m=torch.zeros(p.shape, dtype=dtype), v=torch.zeros(p.shape, dtype=dtype))
                st["t"] += 1
                t = st["t"] - (self.mistake in ("t from 0", "t from 0, efficient form"))
                g = p.grad
                if wd and self.decoupled:
                    p.mul_(1 - lr * wd)
                elif wd:
                    g = g + wd * p
                st["m"].mul_(b1).add_((1 - b1) * g)
                st["v"].mul_(b2).add_((1 - b2) * g * g)
                c1, c2 = {None: (1 - b1 ** t, 1 - b2 ** t), "no correction": (1, 1), "uncorrected v": (1 - b1 ** t, 1),
                          "swapped": (1 - b2 ** t, 1 - b1 ** t)}.get(self.mistake, (1 - b1 ** t, 1 - b2 ** t))
                if self.mistake == "eps inside":
                    p.sub_(lr * (st["m"] / c1) / ((st["v"] / c2 + eps).sqrt()))
                elif self.mistake == "t from 0":
                    p.sub_(lr * (st["m"] / c1) / ((st["v"] / c2).sqrt() + eps))
                else:
                    alpha = lr * math.sqrt(c2) / c1
                    p.sub_(alpha * st["m"] / (st["v"].sqrt() + eps * math.sqrt(c2)))


class StudentRMSprop(torch.optim.Optimizer):
    """RMSprop with L2 weight decay, the root taken as (s + 0) ** 0.5."""

    mistake = None

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            a = group["alpha"]
            for p in filter(lambda q: q.grad is not None, group["params"]):
                st = self.state[p]
                st["t"] = st.get("t", 0) + 1
                g = p.grad + group["weight_decay"] * p
                st["s"] = a * st.get("s", torch.zeros_like(p)) + (1 - a) * g ** 2
                s = st["s"] / (1 - a ** st["t"]) if self.mistake == "bias correction" else st["s"]
                eps = group["eps"]
                p -= group["lr"] * g / ((s + eps) ** 0.5 if self.mistake == "eps inside" else s ** 0.5 + eps)


class StudentScheduleFree(torch.optim.Optimizer):
    """Schedule-free SGD in place: x and z in state, y = lerp(z, x, β) written into p, counters per group
    in a list; ``mistake`` switches on one classic slip."""

    mistake = None

    def __init__(self, params, lr=1.0, momentum=0.9, weight_decay=0, warmup_steps=0, r=0.0, weight_lr_power=2):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay, warmup_steps=warmup_steps,
                                      r=r, weight_lr_power=weight_lr_power))
        self.counters = [dict(t=0, total=0.0, top=0.0) for _ in self.param_groups]

    def _at(self, p, group, point):
        st = self.state[p]
        return st["x"] if point == "x" else torch.lerp(st["z"], st["x"], group["momentum"])

    @torch.no_grad()
    def _put(self, point):
        for group in self.param_groups:
            for p in (q for q in group["params"] if self.state[q]):
                p.copy_(self._at(p, group, point))

    def train(self):
        self._put("x" if self.mistake in ("swapped", "at x") else "y")

    def eval(self):
        self._put({"swapped": "y", "eval is y": "y"}.get(self.mistake, "x"))

    @torch.no_grad()
    def step(self, closure=None):
        for group, n in zip(self.param_groups, self.counters):
            n["t"] += 1
            lr = self.defaults["lr"] if self.mistake == "defaults lr" else group["lr"]
            if group["warmup_steps"] and self.mistake != "no warmup":
                lr *= min(1.0, n["t"] / group["warmup_steps"])
            n["top"] = max(n["top"], lr)
            w = 1.0 if self.mistake == "uniform" else n["t"] ** group["r"] * n["top"] ** group["weight_lr_power"]
            n["total"] += w
            for p in (q for q in group["params"] if q.grad is not None):
                st = self.state[p]
                if not st:
                    st["z"], st["x"] = p.detach().clone(), p.detach().clone()
                st["z"].add_(p.grad + group["weight_decay"] * p, alpha=-lr)
                st["x"].lerp_(st["z"], w / n["total"] if n["total"] else 0.0)
                p.copy_(self._at(p, group, "x" if self.mistake in ("swapped", "at x") else "y"))


def schedule_free_hints_variant(**switches):
    """hints.ScheduleFreeSGD with schedulefree's defaults, as a class the check can build."""
    import schedulefree

    class Variant(hints.ScheduleFreeSGD):
        def __init__(self, params, **hyper):
            defaults = schedulefree.SGDScheduleFree([torch.zeros(1)], foreach=False, **hyper).defaults
            super().__init__(params, defaults, **switches)
    return Variant


def with_mistake(cls, mistake, **attrs):
    return type(f"{cls.__name__}_{mistake.replace(' ', '_')}", (cls,), {"mistake": mistake, **attrs})


def student_plateau(mistake=None):
    class StudentPlateau:
        """Counts bad epochs against the best; ``mistake`` as in the table."""

        def __init__(self, lr, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                     cooldown=0, min_lr=0.0, eps=1e-8):
            self.lr, self.mode, self.factor, self.patience, self.cooldown = lr, mode, factor, patience, cooldown
            self.thr = 0.0 if mistake == "threshold ignored" else threshold
            self.rel, self.min_lr, self.eps = threshold_mode == "rel", min_lr, eps
            self.best, self.bad, self.wait = None, 0, 0

        def improved(self, x):
            if self.best is None:
                return True
            sign = 1 if self.mode == "min" else -1
            bar = self.best * (1 - sign * self.thr) if self.rel else self.best - sign * self.thr
            return sign * x < sign * bar

        def step(self, x):
            self.bad = 0 if self.improved(x) else self.bad + 1
            self.best = x if self.bad == 0 else self.best
            if self.wait:
                self.wait, self.bad = self.wait - 1, 0
            if self.bad >= self.patience + (mistake != "patience >="):
                new = max(self.lr * self.factor, self.min_lr)
                self.lr = new if self.lr - new > self.eps else self.lr
                self.bad, self.wait = 0, 0 if mistake == "no cooldown" else self.cooldown
            return self.lr
    return StudentPlateau


def ema_loop(xs, beta, bias_correction=True, mistake=None):
    v, out = (xs[0], [xs[0]]) if mistake == "start at x1" else (0.0, [])
    for t, x in enumerate(xs[len(out):], start=len(out) + 1):
        v = (1 - beta) * v + beta * x if mistake == "swapped" else beta * v + (1 - beta) * x
        out.append(v / (1 - beta ** t) if bias_correction and mistake not in ("missing", "start at x1") else v)
    return out


def ema_from_t0(xs, beta):
    """Bias-corrected EMA, vectorised in torch, with t counted from 0: the first value is divided by 1 − β⁰ = 0."""
    v, out = 0.0, []
    for x in xs:
        v = beta * v + (1 - beta) * x
        out.append(v)
    return torch.tensor(out) / (1 - beta ** torch.arange(len(xs), dtype=torch.float64))


def ema_closed_form(xs, beta, bias_correction):
    """Σ_k (1−β)β^k x_{t−k} by explicit weights, not by the recursion."""
    xs = torch.as_tensor(xs)
    n = len(xs)
    k = torch.arange(n, dtype=torch.float64)
    out = torch.stack([((1 - beta) * beta ** k[:t].flip(0) * xs[:t]).sum() for t in range(1, n + 1)])
    return out / (1 - beta ** (k + 1)) if bias_correction else out


class NanAtCuts(student_plateau()):
    """A plateau detector that returns nan on each epoch it cuts the lr (as lr · 0 · inf would)."""

    def step(self, x):
        before = self.lr
        after = super().step(x)
        return after if after == before else math.nan


TF_WSD = dict(lr=1e-3, steps=40, num_warmup_steps=5, num_training_steps=30, num_decay_steps=8, decay_type="1-sqrt",
              min_lr_ratio=0.1)


def tf_wsd(t, first=0, W=5, T=30, D=8, r=0.1):
    """transformers' warmup_stable_decay by hand: r + (1 - r) t/W up (from ``first``), flat, r + (1 - r)(1 - sqrt(p)) down."""
    if t < W:
        return 1e-3 * (r + (1 - r) * (t + first) / W)
    p = min(1.0, max(0.0, (t - (T - D)) / D))
    return 1e-3 * (r + (1 - r) * (1 - math.sqrt(p)))


def d2l_warmup_cosine(t, floor=0.01, begin=0.06):
    if t < 5:
        return begin + (0.3 - begin) * t / 5
    return floor + (0.3 - floor) * (1 + math.cos(math.pi * (min(t, 20) - 5) / 15)) / 2


def one_cycle(t, peak_at=29.0, last=99.0, start=0.02, floor=2e-6):
    x = t / peak_at if t <= peak_at else (t - peak_at) / (last - peak_at)
    a, b = (start, 0.5) if t <= peak_at else (0.5, floor)
    return a + (b - a) * (1 - math.cos(math.pi * x)) / 2


ADAM = dict(lr=0.01, betas=(0.9, 0.99))
WARMUP = dict(lr=0.3, steps=30, max_update=20, warmup_steps=5, final_lr=0.01, warmup_begin_lr=0.06)
PLATEAU = dict(lr=0.1, patience=2, cooldown=1, threshold=0.01)
SF = dict(lr=0.1, warmup_steps=5, r=1.0)  # warmup and r > 0: a missing warmup or a uniform average shows


def variant(update):
    """hints' wrong-variant machinery with every switch off: the reference the mistakes are made from."""
    base = dict(maximize=False, weight_decay=0.0, momentum=0.0, dampening=0.0, nesterov=False, eps=1e-8,
                decoupled_weight_decay=False, betas=(0.9, 0.999), alpha=0.99)

    class Reference(hints.Variant):
        def __init__(self, params, **hyper):
            super().__init__(params, {**base, **hyper}, update)
    return Reference


# ----------------------------------------------------------------------------- correct answers
CORRECT = [
    pytest.param(lambda: check_optimizer(StudentSGD, "SGD", lr=0.3), id="GD"),
    pytest.param(lambda: check_optimizer(StudentSGD, "SGD", lr=0.05, momentum=0.9, dampening=0.5), id="SGD dampening"),
    pytest.param(lambda: check_optimizer(StudentSGD, "SGD", lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1),
                 id="SGD nesterov wd"),
    pytest.param(lambda: check_optimizer(OutOfPlaceSGD, "SGD", lr=0.05, momentum=0.8, nesterov=True),
                 id="SGD out of place"),
    pytest.param(lambda: check_optimizer(OutOfPlaceSGD, "SGD", lr=0.2, momentum=0.5, dampening=0.3, weight_decay=0.05),
                 id="SGD out of place dampening"),
    pytest.param(lambda: check_optimizer(StudentAdam, "Adam", **ADAM), id="Adam efficient form"),
    pytest.param(lambda: check_optimizer(StudentAdam, "Adam", lr=0.003, weight_decay=0.1), id="Adam L2"),
    pytest.param(lambda: check_optimizer(with_mistake(StudentAdam, "none", decoupled=True), "AdamW", lr=0.01,
                                         weight_decay=0.1), id="AdamW"),
    pytest.param(lambda: check_optimizer(StudentRMSprop, "RMSprop", lr=0.01, alpha=0.9, weight_decay=0.01),
                 id="RMSprop"),
    pytest.param(lambda: check_optimizer(optim.Adagrad, "Adagrad", lr=0.1), id="lrcourse Adagrad"),
    pytest.param(lambda: check_optimizer(optim.Adadelta, "Adadelta"), id="lrcourse Adadelta"),
    pytest.param(lambda: check_optimizer(optim.RMSprop, "RMSprop", momentum=0.5, centered=True), id="lrcourse RMSprop"),
    pytest.param(lambda: check_optimizer(variant(hints.sgd), "SGD", lr=0.05, momentum=0.9,
                                         dampening=0.2, weight_decay=0.1), id="hints.sgd is torch's"),
    pytest.param(lambda: check_optimizer(variant(hints.sgd), "SGD", lr=0.05, momentum=0.9,
                                         nesterov=True), id="hints.sgd nesterov is torch's"),
    pytest.param(lambda: check_optimizer(variant(hints.adam), "Adam", lr=0.01, weight_decay=0.1,
                                         betas=(0.8, 0.99)), id="hints.adam is torch's"),
    pytest.param(lambda: check_optimizer(variant(hints.rmsprop), "RMSprop", lr=0.01, alpha=0.9,
                                         momentum=0.5, weight_decay=0.1), id="hints.rmsprop is torch's"),
    pytest.param(lambda: check_schedule_free(StudentScheduleFree, **SF), id="schedule-free"),
    pytest.param(lambda: check_schedule_free(StudentScheduleFree, lr=0.3, momentum=0.5, weight_decay=0.01,
                                             warmup_steps=3, r=0.5, weight_lr_power=1.0), id="schedule-free, all set"),
    pytest.param(lambda: check_schedule_free(StudentScheduleFree), id="schedule-free, defaults"),
    pytest.param(lambda: check_schedule_free(optim.SGDScheduleFree, **SF), id="lrcourse SGDScheduleFree"),
    pytest.param(lambda: check_schedule_free(schedule_free_hints_variant(), lr=0.2, momentum=0.8, weight_decay=0.1,
                                             warmup_steps=4, r=2.0), id="hints.ScheduleFreeSGD is schedulefree's"),
    pytest.param(lambda: check_schedule(lambda t: 0.1 * 0.5 ** sum(1 for b in range(10, t + 1, 10)), "StepLR", lr=0.1,
                                        steps=40, step_size=10, gamma=0.5), id="StepLR by counting"),
    pytest.param(lambda: check_schedule(lambda t: 0.2 * 0.1 ** ((t >= 7) + (t >= 12)), "MultiStepLR", lr=0.2, steps=20,
                                        milestones=[7, 12]), id="MultiStepLR"),
    pytest.param(lambda: check_schedule(lambda t: 0.001 + 0.099 * math.cos(math.pi * t / 78) ** 2, "CosineAnnealingLR",
                                        lr=0.1, steps=40, T_max=39, eta_min=0.001), id="cosine as cos²"),
    pytest.param(lambda: check_schedule(lambda t: 0.4 * math.exp(t * math.log(0.9)), "ExponentialLR", lr=0.4,
                                        steps=30, gamma=0.9), id="ExponentialLR by exp/log"),
    pytest.param(lambda: check_schedule(lambda t: torch.tensor(0.1 * (1 / 3 + 2 / 3 * min(t, 5) / 5),
                                                               dtype=torch.float64), "LinearLR", lr=0.1, steps=10),
                 id="LinearLR as a 0-d tensor"),
    pytest.param(lambda: check_schedule(lambda t: 0.1 * (1 + math.cos(math.pi * (t % 10) / 10)) / 2,
                                        "CosineAnnealingWarmRestarts", lr=0.1, steps=35, T_0=10), id="warm restarts"),
    pytest.param(lambda: check_schedule(one_cycle, "OneCycleLR", lr=0.5, steps=100, max_lr=0.5, total_steps=100),
                 id="OneCycleLR"),
    pytest.param(lambda: check_schedule(d2l_warmup_cosine, "CosineScheduler", **WARMUP), id="d2l CosineScheduler"),
    pytest.param(lambda: check_schedule(lambda t: 0.5 * min((t + 1) / 4, math.sqrt(4 / max(t, 1))), "inverse_sqrt",
                                        lr=0.5, steps=20, warmup_steps=4), id="pure inverse_sqrt"),
    pytest.param(lambda: check_schedule(tf_wsd, "transformers:warmup_stable_decay", **TF_WSD), id="transformers WSD"),
    pytest.param(lambda: check_ema(lambda xs: ema_loop(xs, 0.9), 0.9, bias_correction=True), id="EMA loop"),
    pytest.param(lambda: check_ema(lambda xs: ema_closed_form(xs, 0.7, True), 0.7, bias_correction=True),
                 id="EMA closed form"),
    pytest.param(lambda: check_ema(lambda xs: ema_closed_form(xs, 0.5, False), 0.5, bias_correction=False),
                 id="EMA closed form, no correction"),
    pytest.param(lambda: check_ema(lambda xs: np.array(xs), 0.0, bias_correction=False), id="EMA beta 0"),
    pytest.param(lambda: check_plateau(student_plateau(), **PLATEAU), id="plateau"),
    pytest.param(lambda: check_plateau(student_plateau(), lr=0.1, mode="max", patience=3, threshold=0.05,
                                       threshold_mode="abs", min_lr=1e-3), id="plateau max abs"),
    pytest.param(lambda: check_plateau(student_plateau(), [3, 2, 2, 2, 2, 1, 1, 1, 1, 1], lr=1.0, patience=1,
                                       factor=0.5), id="plateau on given metrics"),
]


@pytest.mark.parametrize("check", CORRECT)
def test_correct_answers_pass(check):
    result = check()
    assert result and result.kind == "match", str(result)
    assert str(result).startswith("✓ ") and "\n" not in str(result) and result.hint is None


# ----------------------------------------------------------------------------- classic wrong answers
WRONG = [
    ("Adam without bias correction", lambda: check_optimizer(with_mistake(StudentAdam, "no correction"), "Adam",
                                                             **ADAM), "bias correction is missing"),
    ("Adam, second moment not corrected", lambda: check_optimizer(with_mistake(StudentAdam, "uncorrected v"), "Adam",
                                                                  **ADAM), "second moment is not bias-corrected"),
    ("Adam, corrections swapped", lambda: check_optimizer(with_mistake(StudentAdam, "swapped"), "Adam", **ADAM),
     "swapped between the moments"),
    ("Adam, eps inside the root", lambda: check_optimizer(with_mistake(StudentAdam, "eps inside"), "Adam", **ADAM),
     "outside the square root"),
    ("RMSprop, eps inside the root", lambda: check_optimizer(with_mistake(StudentRMSprop, "eps inside"), "RMSprop",
                                                             lr=0.01), "outside the square root"),
    ("RMSprop with bias correction", lambda: check_optimizer(with_mistake(StudentRMSprop, "bias correction"),
                                                             "RMSprop", lr=0.01), "no bias correction"),
    ("momentum buffer started at 0", lambda: check_optimizer(with_mistake(StudentSGD, "zero buffer"), "SGD", lr=0.05,
                                                             momentum=0.9, dampening=0.5), "b₁ = g₁"),
    ("dampening on the first step", lambda: check_optimizer(with_mistake(StudentSGD, "dampened first step"), "SGD",
                                                            lr=0.05, momentum=0.9, dampening=0.5), "b₁ = g₁"),
    ("momentum as an average", lambda: check_optimizer(with_mistake(StudentSGD, "ema"), "SGD", lr=0.05, momentum=0.9),
     "momentum is an average"),
    ("Nesterov in the paper's form", lambda: check_optimizer(with_mistake(StudentSGD, "paper"), "SGD", lr=0.05,
                                                             momentum=0.9, nesterov=True), "paper's form"),
    ("momentum with the lr in the velocity", lambda: check_optimizer(with_mistake(StudentSGD, "paper"), "SGD", lr=0.05,
                                                                     momentum=0.9), "Sutskever et al.'s form"),
    ("SGD with decoupled decay", lambda: check_optimizer(with_mistake(StudentSGD, "decoupled"), "SGD", lr=0.05,
                                                         momentum=0.9, weight_decay=0.1), "adds the L2 term"),
    ("Adam with decoupled decay", lambda: check_optimizer(with_mistake(StudentAdam, "none", decoupled=True), "Adam",
                                                          lr=0.01, weight_decay=0.1), "decoupled (AdamW"),
    ("AdamW with L2", lambda: check_optimizer(StudentAdam, "AdamW", lr=0.01, weight_decay=0.1), "is L2"),
    ("AdamW with one lr for all groups", lambda: check_optimizer(
        with_mistake(StudentAdam, "defaults lr", decoupled=True), "AdamW", lr=0.01, weight_decay=0.01), "group['lr']"),
    ("lr saved in __init__", lambda: check_optimizer(with_mistake(StudentSGD, "lr saved in __init__"), "SGD", lr=0.2,
                                                     weight_decay=0.05), "group['lr']"),
    ("float32 state", lambda: check_optimizer(with_mistake(StudentAdam, "float32"), "Adam", **ADAM), "float32"),
    ("schedule-free, x and y swapped", lambda: check_schedule_free(with_mistake(StudentScheduleFree, "swapped"), **SF),
     "x and y are swapped"),
    ("schedule-free, gradient at x", lambda: check_schedule_free(with_mistake(StudentScheduleFree, "at x"), **SF),
     "the gradient is taken at x"),
    ("schedule-free, uniform average", lambda: check_schedule_free(with_mistake(StudentScheduleFree, "uniform"), **SF),
     "c_t = 1/t"),
    ("schedule-free without warmup", lambda: check_schedule_free(with_mistake(StudentScheduleFree, "no warmup"), **SF),
     "warmup is left out"),
    ("schedule-free with one lr for all groups", lambda: check_schedule_free(
        with_mistake(StudentScheduleFree, "defaults lr"), **SF), "group['lr']"),
    ("schedule in float32", lambda: check_schedule(lambda t: torch.tensor(0.1 * 0.9 ** t), "ExponentialLR", lr=0.1,
                                                   steps=10, gamma=0.9), "float32"),
    ("cosine shifted by one step", lambda: check_schedule(lambda t: 0.1 * (1 + math.cos(math.pi * (t + 1) / 39)) / 2,
                                                          "CosineAnnealingLR", lr=0.1, steps=40, T_max=39),
     "one step early"),
    ("exponential decay one step late", lambda: check_schedule(lambda t: 0.4 * 0.9 ** (t - 1), "ExponentialLR",
                                                               lr=0.4, steps=30, gamma=0.9), "one step late"),
    ("StepLR decays at the start of a period", lambda: check_schedule(lambda t: 0.1 * 0.5 ** math.ceil(t / 10),
                                                                      "StepLR", lr=0.1, steps=40, step_size=10,
                                                                      gamma=0.5), "wrong boundary"),
    ("StepLR counted from 1", lambda: check_schedule(lambda t: 0.1 * 0.5 ** ((t + 1) // 10), "StepLR", lr=0.1,
                                                     steps=40, step_size=10, gamma=0.5), "wrong boundary"),
    ("MultiStepLR with t > m", lambda: check_schedule(lambda t: 0.2 * 0.1 ** ((t > 7) + (t > 12)), "MultiStepLR",
                                                      lr=0.2, steps=20, milestones=[7, 12]), "t ≥ m (not t > m)"),
    ("StepLR without the floor division", lambda: check_schedule(lambda t: 0.1 * 0.5 ** (t / 10), "StepLR", lr=0.1,
                                                                 steps=40, step_size=10, gamma=0.5), "t // step_size"),
    ("cosine without eta_min", lambda: check_schedule(lambda t: 0.1 * (1 + math.cos(math.pi * t / 39)) / 2,
                                                      "CosineAnnealingLR", lr=0.1, steps=40, T_max=39, eta_min=0.001),
     "floor is left out"),
    ("d2l cosine without final_lr", lambda: check_schedule(lambda t: d2l_warmup_cosine(t, floor=0), "CosineScheduler",
                                                           **WARMUP), "floor is left out"),
    ("warmup from 0 (d2l)", lambda: check_schedule(lambda t: d2l_warmup_cosine(t, begin=0), "CosineScheduler",
                                                   **WARMUP), "warmup starts at 0"),
    ("warmup from 0 (LinearLR)", lambda: check_schedule(lambda t: 0.1 * min(t, 5) / 5, "LinearLR", lr=0.1, steps=10,
                                                        start_factor=0.2), "warmup starts at 0"),
    ("one-cycle from 0", lambda: check_schedule(lambda t: one_cycle(t, start=0.0), "OneCycleLR", lr=0.5, steps=100,
                                                max_lr=0.5, total_steps=100), "warmup starts at 0"),
    ("one-cycle peak at pct_start·T", lambda: check_schedule(lambda t: one_cycle(t, peak_at=30.0, last=100.0),
                                                             "OneCycleLR", lr=0.5, steps=100, max_lr=0.5,
                                                             total_steps=100), "pct_start·total_steps − 1"),
    ("EMA without bias correction", lambda: check_ema(lambda xs: ema_loop(xs, 0.9, mistake="missing"), 0.9,
                                                      bias_correction=True), "bias correction is missing"),
    ("EMA corrected when not asked", lambda: check_ema(lambda xs: ema_loop(xs, 0.9), 0.9, bias_correction=False),
     "bias_correction=False"),
    ("EMA started at x1", lambda: check_ema(lambda xs: ema_loop(xs, 0.9, mistake="start at x1"), 0.9,
                                            bias_correction=True), "v₁ = x₁"),
    ("EMA with beta swapped", lambda: check_ema(lambda xs: ema_loop(xs, 0.9, mistake="swapped"), 0.9,
                                                bias_correction=True), "swapped"),
    ("transformers WSD warmup from 1", lambda: check_schedule(lambda t: tf_wsd(t, first=1),
                                                              "transformers:warmup_stable_decay", **TF_WSD),
     "warmup is counted from 1"),
    ("plateau cuts at patience", lambda: check_plateau(student_plateau("patience >="), **PLATEAU), "bad > patience"),
    ("plateau without cooldown", lambda: check_plateau(student_plateau("no cooldown"), **PLATEAU), "cooldown"),
    ("plateau without threshold", lambda: check_plateau(student_plateau("threshold ignored"), **PLATEAU),
     "beat the best by the threshold"),
]


def adam_first_step_w00(lr=0.01, eps=1e-8):
    """weight[0, 0] after Adam's first step, by hand: m̂₁ = g, ŝ₁ = g², so θ₁ = θ₀ − η g/(|g| + ε)."""
    params = {n: torch.tensor(START[n], dtype=torch.float64, requires_grad=True) for n in ("weight", "bias", "scale")}
    loss(params, 0).backward()
    g = params["weight"].grad[0, 0].item()
    return START["weight"][0][0] - lr * g / (abs(g) + eps)


NON_FINITE = [  # (id, check, words in the hint, words in the message): nan or inf is a difference, never rounding
    ("Adam with t from 0", lambda: check_optimizer(with_mistake(StudentAdam, "t from 0"), "Adam", **ADAM),
     "nan from the first step, as when t starts at 0",
     f"at step 1 of problem 'one group', parameter weight[0, 0]: expected {adam_first_step_w00():.10g}, got nan"),
    ("AdamW with t from 0", lambda: check_optimizer(with_mistake(StudentAdam, "t from 0", decoupled=True), "AdamW",
                                                    lr=0.01, weight_decay=0.1), "nan from the first step", "got nan"),
    ("1/√t at t = 0", lambda: check_schedule(lambda t: 0.1 * torch.tensor(t, dtype=torch.float64).rsqrt(),
                                             "SquareRootScheduler", lr=0.1, steps=20),
     "a division by t at t = 0", "at t=0: expected 0.1, got inf"),
    ("float32, then nan", lambda: check_schedule(lambda t: torch.tensor(0.1 * 0.9 ** t) if t < 7 else math.nan,
                                                 "ExponentialLR", lr=0.1, steps=10, gamma=0.9),
     "nan or inf where torch's lr is finite", f"at t=7: expected {0.1 * 0.9 ** 7:.10g}, got nan"),
    ("EMA corrected by 1 − β⁰", lambda: check_ema(lambda xs: ema_from_t0(xs, 0.9), 0.9, bias_correction=True),
     "t starts at 0: the first value is divided by 1 − β⁰ = 0",
     f"'noisy' sequence at t=1: expected {SEQUENCES['noisy'][0]:.10g}, got inf"),  # v̂₁ = x₁
    ("plateau returning nan", lambda: check_plateau(NanAtCuts, **PLATEAU), "nan or inf where torch's lr is finite",
     "expected lr 0.01, got nan"),
]
WRONG += [(i, c, hint) for i, c, hint, _ in NON_FINITE]


@pytest.mark.parametrize("check, hint, message", [pytest.param(c, h, m, id=i) for i, c, h, m in NON_FINITE])
def test_nan_or_inf_is_reported_as_such_never_as_rounding(check, hint, message):
    result = check()
    assert not result and result.kind == "differs", str(result)
    assert f"{message} (not a finite number)" in result.message, str(result)
    assert hint in result.hint and "rounding" not in result.hint and "float32" not in result.hint, str(result)


def test_rounding_is_never_claimed_across_nan_or_inf():
    assert hints.rounding_hint([1.0, 2.0 + 1e-9], [1.0, 2.0]) == hints.ROUNDING_HINT
    for got, expected in [([1.0, math.nan], [1.0, 2.0]), ([1.0, math.inf], [1.0, 2.0]),
                          ([1.0, 2.0], [1.0, math.inf]), ([math.nan], [math.inf])]:
        assert hints.rounding_hint(got, expected) is None, (got, expected)
    # torch's value not finite, the student's finite: said in the message, no hint invented
    assert hints.numeric_hint([1.0, 2.0], [1.0, math.inf], "nan hint") is None
    assert hints.numeric_hint([1.0, math.inf], [1.0, 2.0], "nan hint") == "nan hint"
    assert expected_got(math.inf, 2.0) == "expected inf (not a finite number), got 2"
    assert expected_got(math.nan, math.nan) == "expected nan, got nan"


@pytest.mark.parametrize("got, expected, first", [
    ([1.0, 2.5, math.nan], [1.0, 2.0, 3.0], (2,)),   # the nan before the earlier finite difference
    ([1.0, 2.5, 3.0], [1.0, 2.0, math.inf], (2,)),
    ([1.0, 2.5, 3.0], [1.0, 2.0, 3.0], (1,)),
    ([math.nan, 2.0], [math.nan, 2.0], None),        # nan where torch's is nan too: equal
])
def test_first_difference_puts_nan_or_inf_first(got, expected, first):
    assert first_difference(got, expected) == first


@pytest.mark.parametrize("variant, got, same", [
    ([None, 0.2, 0.3], [0.1, 0.2, 0.3], True),            # an open step matches any finite value
    ([None, 0.2, 0.3], [math.inf, 0.2, 0.3], False),      # ... but not inf or nan: that is another mistake
    ([math.nan, 0.2], [math.nan, 0.2], True),             # a variant's nan is a value: only nan equals it
    ([math.nan, 0.2], [0.1, 0.2], False),
    ([math.nan, math.nan], [0.1, 0.2], False),
    ([None, None], [0.1, 0.2], False),                     # nothing to compare: no match
])
def test_a_variant_matches_nan_only_with_nan(variant, got, same):
    assert hints.matches(got, variant) is same


@pytest.mark.parametrize("check", [
    lambda: check_optimizer(with_mistake(StudentAdam, "t from 0, efficient form"), "Adam", **ADAM),
    lambda: check_schedule(lambda t: 0.1 / math.sqrt(t), "SquareRootScheduler", lr=0.1, steps=5),
    lambda: check_ema(lambda xs: [float(v) / (1 - 0.9 ** t) for t, v in enumerate(ema_loop(xs, 0.9, False))],
                      0.9, bias_correction=True),
], ids=["Adam efficient form", "1/sqrt(t)", "EMA"])
def test_a_division_by_zero_hints_at_a_counter_from_0(check):
    result = check()
    assert result.kind == "error" and "raised ZeroDivisionError" in result.message, str(result)
    assert "starts at 0" in result.hint and "\n" not in str(result)


@pytest.mark.parametrize("check, words", [pytest.param(c, w, id=i) for i, c, w in WRONG])
def test_classic_wrong_answers_fail_with_their_hint(check, words):
    result = check()
    assert not result and result.kind == "differs", str(result)
    assert result.hint is not None and words in result.hint, str(result)
    line = str(result)
    assert line.startswith("✗ ") and "\n" not in line and "expected" in line and "got" in line
    assert f"Hint: {result.hint}" in line


def test_a_difference_names_step_parameter_and_values():
    result = check_optimizer(with_mistake(StudentSGD, "ema"), "SGD", lr=0.05, momentum=0.9)
    assert "at step 1 of problem 'one group', parameter weight[0, 0]" in result.message
    params = {n: torch.tensor(START[n], dtype=torch.float64, requires_grad=True) for n in ("weight", "bias", "scale")}
    opt = torch.optim.SGD(params.values(), lr=0.05, momentum=0.9)  # torch's first step, computed here
    loss(params, 0).backward()
    opt.step()
    assert f"expected {params['weight'][0, 0].item():.10g}, got " in result.message


def test_schedule_free_is_compared_in_eval_mode_too():
    """Would pass if only train mode were read: this student's y is right, its eval() leaves y in place
    (step 1 cannot tell: c_1 = 1 makes x_1 = y_1 = z_1)."""
    result = check_schedule_free(with_mistake(StudentScheduleFree, "eval is y"), **SF)
    assert not result and "at step 2 of problem 'one group' in eval mode (x)" in result.message, str(result)
    assert result.hint is None  # not one of the known mistakes


def test_schedule_free_reference_is_schedulefree_without_foreach(monkeypatch):
    import schedulefree

    made = []

    class Spy(schedulefree.SGDScheduleFree):
        def __init__(self, params, **hyper):
            made.append(hyper)
            super().__init__(params, **hyper)
    monkeypatch.setattr(schedulefree, "SGDScheduleFree", Spy)
    assert check_schedule_free(StudentScheduleFree, **SF).message.startswith(
        "StudentScheduleFree matches schedulefree.SGDScheduleFree(lr=0.1, warmup_steps=5, r=1.0) over 4 problems")
    assert made and all(h == {**SF, "foreach": False} for h in made)


def test_schedule_free_falls_back_to_lrcourse_without_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "schedulefree", None)  # import schedulefree now raises ImportError
    ok = check_schedule_free(StudentScheduleFree, **SF)
    assert ok and "matches lrcourse.optim.SGDScheduleFree(lr=0.1" in ok.message, str(ok)
    wrong = check_schedule_free(with_mistake(StudentScheduleFree, "uniform"), **SF)
    assert not wrong and "c_t = 1/t" in wrong.hint and "lrcourse.optim.SGDScheduleFree" in wrong.message


def test_schedule_free_docstring_example_runs():
    import doctest

    from lrcourse.exercises import schedule_free

    result = doctest.testmod(schedule_free, optionflags=doctest.ELLIPSIS)
    assert result.attempted and not result.failed


def test_an_unknown_difference_has_no_hint():
    result = check_schedule(lambda t: 0.1 + t * 1e-3, "StepLR", lr=0.1, steps=20, step_size=5)
    assert not result and result.hint is None and str(result).endswith("got 0.101")


# ----------------------------------------------------------------------------- broken answers
class Skeleton(torch.optim.Optimizer):
    def __init__(self, params, lr=0.1):
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                ...


class Raises(Skeleton):
    error = NotImplementedError

    def step(self, closure=None):
        raise self.error("your update here")


class NoneGrad(Skeleton):
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                p.data.add_(p.grad, alpha=-group["lr"])


class SkeletonScheduleFree(Skeleton):
    def train(self):
        raise NotImplementedError

    eval = train


class NoPlateau:
    def __init__(self, lr, **settings):
        self.lr = lr

    def step(self, metric):
        ...


def bad_schedule(t):
    return 0.1 if t < 5 else None


BROKEN = [
    ("optimizer skeleton", lambda: check_optimizer(Skeleton, "SGD", lr=0.1), "not implemented",
     "not implemented yet: Skeleton.step() left every parameter unchanged"),
    ("NotImplementedError", lambda: check_optimizer(Raises, "SGD", lr=0.1), "not implemented",
     "not implemented yet: Raises.step() at step 1 (problem 'one group') raised NotImplementedError"),
    ("exception in step", lambda: check_optimizer(type("Oops", (Raises,), {"error": ZeroDivisionError}), "SGD", lr=0.1),
     "error", "Oops.step() at step 1 (problem 'one group') raised ZeroDivisionError: your update here (line"),
    ("grad None", lambda: check_optimizer(NoneGrad, "SGD", lr=0.1), "error",
     "problem 'a parameter without gradient') raised TypeError"),
    ("unknown keyword", lambda: check_optimizer(Skeleton, "SGD", lr=0.1, momentum=0.9), "error",
     "Skeleton(params, ...) (problem 'one group') raised TypeError"),
    ("not a class", lambda: check_optimizer(lambda params: None, "SGD"), "wrong type",
     "expected a torch.optim.Optimizer subclass"),
    ("schedule-free skeleton", lambda: check_schedule_free(SkeletonScheduleFree, lr=0.1), "not implemented",
     "not implemented yet: SkeletonScheduleFree.train() (problem 'one group') raised NotImplementedError"),
    ("schedule-free without train()", lambda: check_schedule_free(Skeleton, lr=0.1), "error",
     "Skeleton.train() (problem 'one group') raised AttributeError"),
    ("schedule-free, step left out", lambda: check_schedule_free(type("NoStep", (SkeletonScheduleFree,), {
        "train": lambda self: None, "eval": lambda self: None}), lr=0.1), "not implemented",
     "not implemented yet: NoStep.step() left every parameter unchanged"),
    ("schedule skeleton", lambda: check_schedule(lambda t: None, "StepLR", lr=0.1, steps=5, step_size=2),
     "not implemented", "not implemented yet: fn(0) returned None"),
    ("schedule returns text", lambda: check_schedule(lambda t: "0.1", "StepLR", lr=0.1, steps=5, step_size=2),
     "wrong type", "fn(0) returned '0.1' of type str; expected a number"),
    ("schedule misses a return", lambda: check_schedule(bad_schedule, "StepLR", lr=0.1, steps=9, step_size=20),
     "wrong type", "bad_schedule(5) returned None: a branch without a return?"),
    ("schedule raises", lambda: check_schedule(lambda t: math.log(-t), "StepLR", lr=0.1, steps=5, step_size=2),
     "error", "fn(0) raised ValueError: math domain error (line"),
    ("schedule not callable", lambda: check_schedule(0.1, "StepLR", lr=0.1, steps=5, step_size=2), "wrong type",
     "expected a function t -> lr"),
    ("EMA skeleton", lambda: check_ema(lambda xs: ..., 0.9, bias_correction=True), "not implemented",
     "not implemented yet: fn(xs) returned Ellipsis"),
    ("EMA too short", lambda: check_ema(lambda xs: xs[:-1], 0.9, bias_correction=True), "wrong type",
     "returned shape (29,) for 30 values"),
    ("EMA of text", lambda: check_ema(lambda xs: ["a"] * len(xs), 0.9, bias_correction=True), "wrong type",
     "expected 30 numbers"),
    ("plateau skeleton", lambda: check_plateau(NoPlateau, **PLATEAU), "not implemented",
     "not implemented yet: NoPlateau.step("),
    ("plateau instance", lambda: check_plateau(NoPlateau(0.1), **PLATEAU), "wrong type",
     "expected a class with step(metric) -> lr"),
]


@pytest.mark.parametrize("check, kind, words", [pytest.param(c, k, w, id=i) for i, c, k, w in BROKEN])
def test_broken_answers_fail_in_one_line(check, kind, words):
    result = check()
    assert not result and result.kind == kind
    assert words in str(result) and "\n" not in str(result) and "Traceback" not in str(result), str(result)


def test_a_crash_on_a_missing_gradient_hints_at_it():
    assert "skip parameters whose .grad is None" in check_optimizer(NoneGrad, "SGD", lr=0.1).hint


# ----------------------------------------------------------------------------- the result object
def test_result_prints_one_line_and_renders_a_block():
    ok = check_schedule(lambda t: 0.1, "ConstantLR", lr=0.1, steps=3, factor=1.0)
    assert str(ok) == repr(ok) == ("✓ fn matches torch.optim.lr_scheduler.ConstantLR(factor=1.0) with lr=0.1 "
                                   "over 3 steps")
    bad = check_ema(lambda xs: ema_loop(xs, 0.9, mistake="missing"), 0.9, bias_correction=True)
    html, md = bad._repr_html_(), bad._repr_markdown_()
    assert html.startswith("<div") and "✗" in html and "<table>" in html and "bias correction is missing" in html
    assert "expected" in html and "&#x27;noisy&#x27;" in html  # escaped
    assert md.startswith("**✗ fn differs") and "- *hint*: bias correction is missing" in md
    plain = CheckResult("match", "x < y")._repr_html_()
    assert "<table>" not in plain and "x &lt; y" in plain


def test_results_are_truthy_exactly_when_they_match():
    assert [bool(CheckResult(k, "m")) for k in ("match", "differs", "not implemented", "error", "wrong type")] == [
        True, False, False, False, False]


# ----------------------------------------------------------------------------- the capstone's budget
@pytest.fixture(scope="module")
def tiny_data():
    g = torch.Generator().manual_seed(0)
    img = lambda n: torch.randint(0, 256, (n, 1, 28, 28), generator=g, dtype=torch.uint8)  # noqa: E731
    return FashionMNIST(img(64), torch.arange(64) % 10, img(32), torch.arange(32) % 10)


def test_budget_trains_both_runs_from_the_same_weights(tiny_data):
    def choose(model, epochs, steps):
        opt = torch.optim.SGD(model.parameters(), lr=0.3)
        return opt, None, None
    runs = train_within_budget(choose, tiny_data, epochs=1, batch_size=32)
    assert runs["yours"].loss == runs["baseline"].loss and len(runs["yours"].loss) == 2


@pytest.mark.parametrize("choose, words", [
    (lambda model, epochs, steps: ..., "✗ not implemented yet: fn(model, 1, 2) returned Ellipsis"),
    (lambda model, epochs, steps: torch.optim.SGD(model.parameters(), lr=0.1), "returned SGD ("),
    (lambda model, epochs, steps: (torch.optim.SGD(model.parameters(), lr=0.1), None, "batch"),
     "✗ train(...) with fn's choice raised ValueError"),
])
def test_budget_prints_one_line_when_the_choice_is_missing_or_wrong(tiny_data, capsys, choose, words):
    assert train_within_budget(choose, tiny_data, epochs=1, batch_size=32) == {}
    out = capsys.readouterr().out
    assert words in out and out.count("\n") == 1


# ----------------------------------------------------------------------------- bad arguments
ERRORS = [
    (lambda: check_optimizer(StudentSGD, "Adamm"), ValueError, ["reference", "'Adamm'", "SGD", "Adam"]),
    (lambda: check_optimizer(StudentSGD, 3), TypeError, ["reference", "3", "str"]),
    (lambda: check_optimizer(StudentSGD, "LBFGS"), ValueError, ["reference", "'LBFGS'", "needs a closure"]),
    (lambda: check_optimizer(StudentSGD, "SGD", lr=-1.0), ValueError, ["hyper", "'lr': -1.0", "torch.optim.SGD"]),
    (lambda: check_schedule_free(StudentScheduleFree, momentum=1.0), ValueError,
     ["hyper", "'momentum': 1.0", "schedulefree.SGDScheduleFree", "between 0 and 1"]),
    (lambda: check_schedule_free(StudentScheduleFree, foreach=True), ValueError, ["foreach=True", "foreach=False"]),
    (lambda: check_schedule(abs, "Foo", lr=0.1, steps=3), ValueError,
     ["reference", "'Foo'", "StepLR", "CosineScheduler"]),
    (lambda: check_schedule(abs, "ReduceLROnPlateau", lr=0.1, steps=3), ValueError, ["reference", "check_plateau"]),
    (lambda: check_schedule(abs, None, lr=0.1, steps=3), TypeError, ["reference", "None"]),
    (lambda: check_schedule(abs, "StepLR", lr=0, steps=3, step_size=1), ValueError, ["lr", "(0, inf)", "got 0"]),
    (lambda: check_schedule(abs, "StepLR", lr="a", steps=3, step_size=1), TypeError, ["lr", "'a'", "str"]),
    (lambda: check_schedule(abs, "StepLR", lr=0.1, steps=0, step_size=1), ValueError, ["steps", ">= 1", "got 0"]),
    (lambda: check_schedule(abs, "StepLR", lr=0.1, steps=2.5, step_size=1), TypeError, ["steps", "int", "2.5"]),
    (lambda: check_schedule(abs, "StepLR", lr=0.1, steps=3), ValueError, ["settings {}", "StepLR", "step_size"]),
    (lambda: check_schedule(abs, "CosineScheduler", lr=0.1, steps=3, max_update=5, base_lr=0.2), ValueError,
     ["settings", "base_lr=0.2", "lr=..."]),
    (lambda: check_ema(abs, 1.0, bias_correction=True), ValueError, ["beta", "[0, 1)", "got 1.0"]),
    (lambda: check_ema(abs, "x", bias_correction=True), TypeError, ["beta", "'x'"]),
    (lambda: check_ema(abs, 0.9, bias_correction=1), TypeError, ["bias_correction", "True or False", "1"]),
    (lambda: check_plateau(NoPlateau, lr=0), ValueError, ["lr", "got 0"]),
    (lambda: check_plateau(NoPlateau, [], lr=0.1), ValueError, ["metrics", "non-empty"]),
    (lambda: check_plateau(NoPlateau, "abc", lr=0.1), TypeError, ["metrics", "numbers", "'abc'"]),
    (lambda: check_plateau(NoPlateau, factor=2.0), ValueError, ["settings", "'factor': 2.0", "ReduceLROnPlateau"]),
    (lambda: train_within_budget(abs, None, epochs=0), ValueError, ["epochs", ">= 1", "got 0"]),
    (lambda: train_within_budget(abs, None, epochs=1, baseline_lr=-1), ValueError, ["baseline_lr", "got -1"]),
]


@pytest.mark.parametrize("call, exc, words", ERRORS)
def test_bad_arguments_name_themselves(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value), str(info.value)
