"""lrcourse.schedules: the pure functions against torch's schedulers (the oracle), the
d2l chapter's classes (verbatim copies below are the oracle), composition and the
schedules beyond torch against formulas written out here."""
from __future__ import annotations

import doctest
import importlib
import math
import pickle
import re
import types

import numpy as np
import pytest
import torch
import torch.optim.lr_scheduler as T

from lrcourse import schedules as S
from lrcourse.schedules.cyclic import restart_position, triangle_wave

STEPS = 60


def torch_curve(build, steps=STEPS, stepper=None, key="lr"):
    """lr (or momentum) of torch's scheduler on a one-group SGD at lr 0.1, steps 0..steps-1."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    sched = build(opt)
    out = []
    for i in range(steps):
        out.append(opt.param_groups[0][key])
        opt.step()
        stepper(sched, i) if stepper else sched.step()
    return np.array(out)


# (id, pure schedule, torch builder, optional (times, stepper) for fractional steps, key)
TORCH_CASES = [
    ("constant", S.constant(0.1, factor=0.5, total_iters=10), lambda o: T.ConstantLR(o, 0.5, 10)),
    ("linear", S.linear(0.2, 0.9, 25, lr=0.1), lambda o: T.LinearLR(o, 0.2, 0.9, 25)),
    ("step", S.step(7, 0.5, lr=0.1), lambda o: T.StepLR(o, 7, 0.5)),
    ("multistep", S.multistep([30, 10, 10], 0.3, lr=0.1), lambda o: T.MultiStepLR(o, [30, 10, 10], 0.3)),
    ("exponential", S.exponential(0.93, lr=0.1), lambda o: T.ExponentialLR(o, 0.93)),
    ("cosine", S.cosine(25, lr=0.1, eta_min=0.002), lambda o: T.CosineAnnealingLR(o, 25, 0.002)),
    ("polynomial", S.polynomial(40, 1.7, lr=0.1), lambda o: T.PolynomialLR(o, 40, 1.7)),
    ("cyclic-triangular2", S.cyclic(0.01, 0.1, 5, 8, "triangular2"),
     lambda o: T.CyclicLR(o, 0.01, 0.1, 5, 8, "triangular2")),
    ("cyclic-exp-range", S.cyclic(0.01, 0.1, 6, mode="exp_range", gamma=0.98),
     lambda o: T.CyclicLR(o, 0.01, 0.1, 6, mode="exp_range", gamma=0.98)),
    ("one-cycle", S.one_cycle(STEPS, 0.1), lambda o: T.OneCycleLR(o, 0.1, total_steps=STEPS)),
    ("one-cycle-three-linear", S.one_cycle(STEPS, 0.1, 0.25, "linear", 10.0, 1e3, True),
     lambda o: T.OneCycleLR(o, 0.1, STEPS, pct_start=0.25, anneal_strategy="linear", div_factor=10.0,
                            final_div_factor=1e3, three_phase=True)),
    ("one-cycle-momentum", lambda t, s=S.one_cycle(STEPS, 0.1): s(t, (0.95, 0.85, 0.95)),
     lambda o: T.OneCycleLR(o, 0.1, total_steps=STEPS), None, "momentum"),
    ("linear-zero-iters", S.linear(0.5, 0.9, 0, lr=0.1), lambda o: T.LinearLR(o, 0.5, 0.9, 0)),
    ("polynomial-zero-iters", S.polynomial(0, 2.0, lr=0.1), lambda o: T.PolynomialLR(o, 0, 2.0)),
    ("cyclic-no-way-down", S.cyclic(0.01, 0.1, 4, 0), lambda o: T.CyclicLR(o, 0.01, 0.1, 4, 0)),
    ("one-cycle-pct-0", S.one_cycle(STEPS, 0.1, 0.0), lambda o: T.OneCycleLR(o, 0.1, total_steps=STEPS, pct_start=0.0)),
    ("cosine-restarts", S.cosine_restarts(4, 2, lr=0.1, eta_min=0.001),
     lambda o: T.CosineAnnealingWarmRestarts(o, 4, 2, 0.001)),
    ("cosine-restarts-fractional", S.cosine_restarts(3, 1, lr=0.1),
     lambda o: T.CosineAnnealingWarmRestarts(o, 3, 1), 0.29),
    ("cosine-restarts-fractional-mult", S.cosine_restarts(2, 2, lr=0.1, eta_min=0.01),
     lambda o: T.CosineAnnealingWarmRestarts(o, 2, 2, 0.01), 0.41),
]
TORCH_CASES = [c + (None,) * (5 - len(c)) for c in TORCH_CASES]


@pytest.mark.parametrize("schedule, build, frac, key", [pytest.param(*c[1:], id=c[0]) for c in TORCH_CASES])
def test_closed_forms_equal_torch(schedule, build, frac, key):
    key = key or "lr"
    if frac is None:
        times = list(range(STEPS))
        expected = torch_curve(build, key=key)
    else:  # torch's step(epoch) with fractional epochs: first value at 0, then epoch (i + 1) * frac
        times = [i * frac for i in range(STEPS)]
        expected = torch_curve(build, stepper=lambda s, i: s.step((i + 1) * frac))
    np.testing.assert_allclose([schedule(t) for t in times], expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("schedule", [c[1] for c in TORCH_CASES], ids=[c[0] for c in TORCH_CASES])
def test_pure(schedule):
    forward = [schedule(t) for t in range(STEPS)]
    backward = [schedule(t) for t in reversed(range(STEPS))][::-1]
    assert forward == backward == [schedule(t) for t in range(STEPS)]


# ------------------------------------------------------------------ one-cycle against torch's OneCycleLR, a grid
# pct_start: 0 and 1, below 1/n (three-phase ends go negative), 1/n and (n+1)/(2n) (zero-length phases), the middle.
ONE_CYCLE_GRID = [(n, pct, three, strategy, divs)
                  for n in (1, 2, 10, 37)
                  for pct in (0.0, 0.05, 0.1, 0.25, 0.3, 0.5, 0.55, 0.95, 1.0)
                  for three in (False, True)
                  for strategy in ("cos", "linear")
                  for divs in ((25.0, 1e4), (3.5, 1.0))]


def torch_one_cycle(n, pct, three, strategy, div, final_div):
    """torch's OneCycleLR lrs and momenta at steps 0..n (n = total_steps); None where torch divides by zero."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    lrs, momenta = [], []
    try:
        sched = T.OneCycleLR(opt, 0.1, total_steps=n, pct_start=pct, anneal_strategy=strategy, div_factor=div,
                             final_div_factor=final_div, three_phase=three)
        for _ in range(n + 1):
            lrs.append(opt.param_groups[0]["lr"])
            momenta.append(opt.param_groups[0]["momentum"])
            opt.step()
            if len(lrs) <= n:
                sched.step()
    except ZeroDivisionError:
        return None
    with pytest.raises(ValueError, match="Tried to step"):  # one past total_steps
        sched.step()
    return lrs, momenta


@pytest.mark.parametrize("n, pct, three, strategy, divs", ONE_CYCLE_GRID,
                         ids=[f"n{c[0]}-pct{c[1]}-{'three' if c[2] else 'two'}-{c[3]}-div{c[4][0]:g}"
                              for c in ONE_CYCLE_GRID])
def test_one_cycle_equals_torch(n, pct, three, strategy, divs):
    expected = torch_one_cycle(n, pct, three, strategy, *divs)
    settings = dict(pct_start=pct, anneal_strategy=strategy, div_factor=divs[0], final_div_factor=divs[1],
                    three_phase=three)
    if expected is None:  # torch divides by zero in a phase of zero length: lrcourse refuses it up front
        with pytest.raises(ValueError, match="zero length"):
            S.one_cycle(n, 0.1, **settings)
        return
    s = S.one_cycle(n, 0.1, **settings)
    lrs, momenta = expected
    np.testing.assert_allclose([s(t) for t in range(n + 1)], lrs, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose([s(t, (0.95, 0.85, 0.95)) for t in range(n + 1)], momenta, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="Tried to step"):
        s(n + 1)


def test_one_cycle_takes_tensor_levels():
    """torch's OneCycleLR keeps 0-dim tensor lrs as tensors; the same levels give the same tensors."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = T.OneCycleLR(opt, torch.tensor(0.5, dtype=torch.float64), total_steps=20, cycle_momentum=False)
    g = opt.param_groups[0]
    levels = (g["initial_lr"], g["max_lr"], g["min_lr"])
    s = S.one_cycle(20)
    for t in range(20):
        got = s(t, levels)
        assert isinstance(got, torch.Tensor) and torch.equal(got, torch.as_tensor(g["lr"], dtype=got.dtype)), t
        opt.step()
        sched.step()


def test_restart_boundaries_exact_where_a_float_log_rounds_down():
    """math.log(1000, 10) < 3: cycle starts of T_0=1, T_mult=10 must still restart."""
    s = S.cosine_restarts(1, 10)
    assert s(111) == 1.0 and s(11) == 1.0 and s(1) == 1.0
    assert restart_position(110.5, 1, 10) == (2, 99.5, 100)


# ------------------------------------------------------------------ composition, beyond torch
def test_join_restarts_the_step_count():
    a, b, c = S.linear(0.1, 1.0, 4), S.cosine(10), S.constant(0.5)
    s = S.join([a, b, c], [4, 14])
    assert [s(t) for t in range(4)] == [a(t) for t in range(4)]
    assert [s(t) for t in range(4, 14)] == [b(t) for t in range(10)]
    assert s(14) == s(100) == 0.5


def test_join_skips_a_piece_of_zero_length():
    a, b, c = S.constant(0.1), S.constant(0.2), S.cosine(10)
    s = S.join([a, b, c], [4, 4])
    assert [s(t) for t in range(8)] == [0.1] * 4 + [c(t) for t in range(4)]
    assert S.join([b, c], [0])(3) == c(3)


FRACTION = {"cos": lambda p: (1 - math.cos(math.pi * p)) / 2, "linear": lambda p: p, "1-sqrt": math.sqrt}


@pytest.mark.parametrize("shape", sorted(FRACTION))
@pytest.mark.parametrize("start, end, n", [(1.0, 0.1, 10), (0.0, 1.0, 7), (0.3, 0.3, 4), (0.2, 0.9, 0)])
def test_anneal(start, end, n, shape):
    s = S.anneal(start, end, n, shape)
    for t in range(20):
        p = min(1.0, t / n) if n else 1.0
        assert s(t) == pytest.approx(start + (end - start) * FRACTION[shape](p), rel=1e-13, abs=1e-16), t


@pytest.mark.parametrize("kind, W, start", [("linear", 5, 0.0), ("linear", 10, 0.3), ("exponential", 4, 0.0),
                                            ("exponential", 8, 0.1), ("linear", 0, 0.5), ("exponential", 0, 0.0)])
def test_warmup_multiplies_any_schedule(kind, W, start):
    inner = S.cosine(40, lr=0.1)
    s = S.warmup(inner, W, kind, start)
    for t in range(60):
        if W == 0:  # no warmup
            ramp = 1.0
        else:
            ramp = min(1.0, (t + 1) / W) if kind == "linear" else 1 - math.exp(-(t + 1) / W)
        assert s(t) == pytest.approx((start + (1 - start) * ramp) * inner(t), rel=1e-13)


def test_adam_warmup_steps():
    assert S.adam_warmup_steps(0.999) == 2000 and S.adam_warmup_steps(0.99) == 200


def test_inverse_sqrt():
    s = S.inverse_sqrt(16, lr=2.0)
    assert [s(t) for t in (0, 7, 15, 16)] == [2.0 / 16, 1.0, 2.0, 2.0]
    assert s(64) == pytest.approx(1.0) and s(144) == pytest.approx(2.0 / 3)


@pytest.mark.parametrize("shape, g", [("linear", lambda p: 1 - p), ("cosine", lambda p: (1 + math.cos(math.pi * p)) / 2),
                                      ("1-sqrt", lambda p: 1 - math.sqrt(p))])
@pytest.mark.parametrize("W, D", [(10, 20), (0, 30), (10, 90), (0, 100), (10, 0), (0, 0), (100, 0)])
def test_wsd(shape, g, W, D):
    s = S.wsd(100, W, D, lr=0.5, min_lr_ratio=0.1, shape=shape)
    for t in range(130):
        if t < W:
            expected = 0.5 * (t + 1) / W
        elif t < 100 - D:
            expected = 0.5
        else:
            expected = 0.5 * (0.1 + 0.9 * g(min(1.0, (t - (100 - D)) / D) if D else 1.0))
        assert s(t) == pytest.approx(expected, rel=1e-13), t


@pytest.mark.parametrize("mul, decay, limit", [(1.0, 1.0, 1), (2.0, 0.5, 3), (1.5, 0.8, 10)])
def test_cosine_cycles_like_timm(mul, decay, limit):
    """timm's CosineLRScheduler._get_lr, written out."""
    t0, lr, lr_min = 10, 1.0, 0.01
    s = S.cosine_cycles(t0, lr, lr_min, mul, decay, limit)
    for t in range(150):
        if mul != 1:
            i = math.floor(math.log(1 - t / t0 * (1 - mul), mul))
            t_i, t_curr = mul ** i * t0, t - (1 - mul ** i) / (1 - mul) * t0
        else:
            i, t_i = t // t0, t0
            t_curr = t - t0 * i
        expected = lr_min if i >= limit else lr_min + 0.5 * (lr * decay ** i - lr_min) * (1 + math.cos(math.pi * t_curr / t_i))
        assert s(t) == pytest.approx(expected, rel=1e-9, abs=1e-12), t


# ------------------------------------------------------------------ the d2l chapter, verbatim (the oracle)
class D2LSquareRootScheduler:
    def __init__(self, lr=0.1):
        self.lr = lr

    def __call__(self, num_update):
        return self.lr * pow(num_update + 1.0, -0.5)


class D2LFactorScheduler:
    def __init__(self, factor=1, stop_factor_lr=1e-7, base_lr=0.1):
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.base_lr = base_lr

    def __call__(self, num_update):
        self.base_lr = max(self.stop_factor_lr, self.base_lr * self.factor)
        return self.base_lr


class D2LCosineScheduler:
    def __init__(self, max_update, base_lr=0.01, final_lr=0,
                 warmup_steps=0, warmup_begin_lr=0):
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.warmup_steps = warmup_steps
        self.warmup_begin_lr = warmup_begin_lr
        self.max_steps = self.max_update - self.warmup_steps

    def get_warmup_lr(self, epoch):
        increase = (self.base_lr_orig - self.warmup_begin_lr) \
            * float(epoch) / float(self.warmup_steps)
        return self.warmup_begin_lr + increase

    def __call__(self, epoch):
        if epoch < self.warmup_steps:
            return self.get_warmup_lr(epoch)
        if epoch <= self.max_update:
            self.base_lr = self.final_lr + (
                self.base_lr_orig - self.final_lr) * (1 + math.cos(
                    math.pi * (epoch - self.warmup_steps) / self.max_steps)) / 2
        return self.base_lr


D2L_CASES = [  # the chapter's own calls, and a few more
    ("sqrt", "SquareRootScheduler", dict(lr=0.1)),
    ("sqrt-default", "SquareRootScheduler", dict()),
    ("factor", "FactorScheduler", dict(factor=0.9, stop_factor_lr=1e-2, base_lr=2.0)),
    ("factor-default", "FactorScheduler", dict()),
    ("factor-floor", "FactorScheduler", dict(factor=0.5, stop_factor_lr=1e-3, base_lr=0.3)),
    ("cosine", "CosineScheduler", dict(max_update=20, base_lr=0.3, final_lr=0.01)),
    ("cosine-warmup", "CosineScheduler", dict(max_update=20, warmup_steps=5, base_lr=0.3, final_lr=0.01)),
    ("cosine-warmup-begin", "CosineScheduler", dict(max_update=30, base_lr=0.5, warmup_steps=7, warmup_begin_lr=0.05)),
]


@pytest.mark.parametrize("name, kwargs", [pytest.param(n, k, id=i) for i, n, k in D2L_CASES])
def test_d2l_values_and_purity(name, kwargs):
    theirs = globals()[f"D2L{name}"](**kwargs)
    ours = getattr(S, name)(**kwargs)
    expected = [theirs(t) for t in range(60)]
    np.testing.assert_allclose([ours(t) for t in range(60)], expected, rtol=1e-12, atol=0)
    again = [ours(t) for t in (5, 5, 3)]  # pure: any order, any number of calls
    assert again[0] == again[1] == ours(5) and again[2] == ours(3)
    assert again == pytest.approx([expected[5], expected[5], expected[3]], rel=1e-12)


D2L_CHANGES = [  # (class, settings, attribute changed between calls, its new value, the same setting as an argument)
    ("FactorScheduler", dict(factor=0.9, stop_factor_lr=1e-2, base_lr=2.0), "base_lr", 0.5, {"base_lr": 0.5}),
    ("FactorScheduler", dict(factor=0.9, stop_factor_lr=1e-2, base_lr=2.0), "factor", 0.5, {"factor": 0.5}),
    ("CosineScheduler", dict(max_update=20, base_lr=0.3, final_lr=0.01), "base_lr_orig", 0.6, {"base_lr": 0.6}),
    ("CosineScheduler", dict(max_update=20, warmup_steps=5, base_lr=0.3), "max_update", 10, {"max_update": 10}),
]


@pytest.mark.parametrize("name, kwargs, attribute, value, argument", D2L_CHANGES,
                         ids=[f"{c[0]}-{c[2]}" for c in D2L_CHANGES])
def test_d2l_attribute_changed_between_calls_takes_effect(name, kwargs, attribute, value, argument):
    """The chapter's code may set an attribute between calls; the next call follows it, as one
    built with that setting does. The built schedule is not in ``vars`` (nor in a pickle)."""
    cls = getattr(S, name)
    ours = cls(**kwargs)
    before = [ours(t) for t in range(30)]
    setattr(ours, attribute, value)
    expected = [cls(**{**kwargs, **argument})(t) for t in range(30)]
    assert [ours(t) for t in range(30)] == expected != before
    assert set(vars(ours)) == set(vars(cls(**kwargs)))
    assert [pickle.loads(pickle.dumps(ours))(t) for t in range(30)] == expected


def test_d2l_snippets_run_with_only_the_import_changed():
    import matplotlib

    matplotlib.use("Agg")
    from d2l import torch as d2l

    from lrcourse import lr_scheduler
    from lrcourse.schedules import CosineScheduler, FactorScheduler, SquareRootScheduler

    num_epochs = 30
    scheduler = SquareRootScheduler(lr=0.1)
    d2l.plot(torch.arange(num_epochs), [scheduler(t) for t in range(num_epochs)])
    scheduler = FactorScheduler(factor=0.9, stop_factor_lr=1e-2, base_lr=2.0)
    d2l.plot(torch.arange(50), [scheduler(t) for t in range(50)])
    scheduler = CosineScheduler(max_update=20, base_lr=0.3, final_lr=0.01)
    d2l.plot(torch.arange(num_epochs), [scheduler(t) for t in range(num_epochs)])
    scheduler = CosineScheduler(20, warmup_steps=5, base_lr=0.3, final_lr=0.01)
    d2l.plot(torch.arange(num_epochs), [scheduler(t) for t in range(num_epochs)])

    net = torch.nn.Linear(2, 1)
    trainer = torch.optim.SGD(net.parameters(), lr=0.5)
    scheduler = lr_scheduler.MultiStepLR(trainer, milestones=[15, 30], gamma=0.5)

    def get_lr(trainer, scheduler):
        lr = scheduler.get_last_lr()[0]
        trainer.step()
        scheduler.step()
        return lr

    lrs = [get_lr(trainer, scheduler) for t in range(num_epochs)]
    d2l.plot(torch.arange(num_epochs), lrs)
    assert lrs == [0.5] * 15 + [0.25] * 15
    assert scheduler.__module__ == lr_scheduler.__name__  # the chapter's train() takes the built-in branch
    matplotlib.pyplot.close("all")


@pytest.mark.parametrize("module", ["shapes", "basic", "cyclic", "join", "llm", "d2l"])
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"lrcourse.schedules.{module}")
    assert doctest.testmod(mod).failed == 0


# ------------------------------------------------------------------ bad arguments: one table
ERRORS = [
    ("step-size", lambda: S.step(0), ValueError, ["step_size", "0", "int >= 1"]),
    ("gamma", lambda: S.exponential(-1.0), ValueError, ["gamma", "-1.0", "(0, inf)"]),
    ("cosine-tmax", lambda: S.cosine(2.5), TypeError, ["T_max", "2.5", "int >= 1"]),
    ("lr-negative", lambda: S.cosine(10, lr=-0.1), ValueError, ["lr", "-0.1", "[0, inf)"]),
    ("milestones", lambda: S.multistep([1, -2]), ValueError, ["milestones[1]", "-2", "int >= 0"]),
    ("cyclic-mode", lambda: S.cyclic(0.1, 1.0, mode="saw"), ValueError, ["mode", "'saw'", "'triangular'"]),
    ("cyclic-scale-fn", lambda: S.cyclic(0.1, 1.0, scale_fn=3), TypeError, ["scale_fn", "3", "callable"]),
    ("one-cycle-steps", lambda: S.one_cycle(0), ValueError, ["total_steps", "0", "int >= 1"]),
    ("one-cycle-past-end", lambda: S.one_cycle(10)(11), ValueError, ["Tried to step 11", "total_steps", "10"]),
    ("join-boundaries", lambda: S.join([S.constant(), S.constant()], [-1]), ValueError, ["boundaries[0]", "-1", "int >= 0"]),
    ("join-order", lambda: S.join([S.constant()] * 3, [5, 2]), ValueError, ["boundaries", "[5, 2]", "non-decreasing"]),
    ("join-count", lambda: S.join([S.constant()], [5]), ValueError, ["boundaries", "0 entries", "got 1"]),
    ("join-not-callable", lambda: S.join([1.0], []), TypeError, ["schedules", "callables"]),
    ("anneal-shape", lambda: S.anneal(1.0, 0.1, 10, "exp"), ValueError, ["shape", "'exp'", "'cos'", "'1-sqrt'"]),
    ("anneal-steps", lambda: S.anneal(1.0, 0.1, -1), ValueError, ["steps", "-1", "int >= 0"]),
    ("anneal-end", lambda: S.anneal(1.0, -0.1, 5), ValueError, ["end", "-0.1", "[0, inf)"]),
    ("wave-ratio", lambda: triangle_wave(10, 0.0), ValueError, ["step_ratio", "0.0", "(0, 1]"]),
    ("wave-size", lambda: triangle_wave(0, 0.5), ValueError, ["total_size", "0", "(0, inf)"]),
    ("one-cycle-strategy", lambda: S.one_cycle(10, anneal_strategy="cosine"), ValueError,
     ["anneal_strategy", "'cosine'", "'cos', 'linear'"]),
    ("one-cycle-zero-phase", lambda: S.one_cycle(10, pct_start=0.1), ValueError, ["pct_start=0.1", "zero length"]),
    ("one-cycle-zero-phase-three", lambda: S.one_cycle(10, pct_start=0.55, three_phase=True), ValueError,
     ["pct_start=0.55", "zero length"]),  # the last two phases both end at step 9: torch divides by zero
    ("one-cycle-pct-int", lambda: S.one_cycle(10, pct_start=0), ValueError, ["pct_start", "float in [0, 1]", "0"]),
    ("one-cycle-pct-range", lambda: S.one_cycle(10, pct_start=1.5), ValueError, ["pct_start", "1.5", "[0, 1]"]),
    ("one-cycle-div", lambda: S.one_cycle(10, div_factor=0.0), ValueError, ["div_factor", "0.0", "(0, inf)"]),
    ("one-cycle-negative-step", lambda: S.one_cycle(10)(-1), ValueError, ["step", "-1", ">= 0"]),
    ("warmup-steps", lambda: S.warmup_factor(-1), ValueError, ["steps", "-1", "[0, inf)"]),
    ("wsd-decay-negative", lambda: S.wsd(100, 10, -1), ValueError, ["decay_steps", "-1", "int >= 0"]),
    ("warmup-kind", lambda: S.warmup(S.constant(), 5, kind="cubic"), ValueError, ["kind", "'cubic'", "'linear'"]),
    ("warmup-not-callable", lambda: S.warmup(0.1, 5), TypeError, ["schedule", "0.1", "callable"]),
    ("adam-beta2", lambda: S.adam_warmup_steps(1.0), ValueError, ["beta2", "1.0", "[0, 1)"]),
    ("wsd-shape", lambda: S.wsd(100, 10, 10, shape="exp"), ValueError, ["shape", "'exp'", "'cosine'"]),
    ("cycles-decay", lambda: S.cosine_cycles(10, cycle_decay=0.0), ValueError, ["cycle_decay", "0.0", "(0, 1]"]),
    ("cycles-mul", lambda: S.cosine_cycles(10, cycle_mul=0.5), ValueError, ["cycle_mul", "0.5", "[1, inf)"]),
    ("negative-step", lambda: S.cosine(10)(-1), ValueError, ["step", "-1", ">= 0"]),
    ("d2l-factor", lambda: S.FactorScheduler(factor=1.5), ValueError, ["factor", "1.5", "(0, 1]"]),
    ("d2l-warmup", lambda: S.CosineScheduler(10, warmup_steps=10), ValueError, ["warmup_steps", "10", "max_update=10"]),
    ("d2l-max-update", lambda: S.CosineScheduler(0), ValueError, ["max_update", "0", "int >= 1"]),
]


# every schedule the package builds refuses a step < 0 with checks.step's message
NEGATIVE_STEP = [c[:2] for c in TORCH_CASES] + [
    ("join", S.join([S.constant(), S.cosine(10)], [5])),
    ("anneal", S.anneal(1.0, 0.1, 10)),
    ("warmup", S.warmup(S.cosine(10), 3)),
    ("warmup-factor-exponential", S.warmup_factor(3, "exponential")),
    ("inverse-sqrt", S.inverse_sqrt(4)),
    ("wsd", S.wsd(100, 10, 20)),
    ("cosine-cycles", S.cosine_cycles(10)),
    ("d2l-sqrt", S.SquareRootScheduler()),
    ("d2l-factor", S.FactorScheduler(0.9)),
    ("d2l-cosine", S.CosineScheduler(20)),
]


@pytest.mark.parametrize("schedule", [c[1] for c in NEGATIVE_STEP], ids=[c[0] for c in NEGATIVE_STEP])
def test_negative_step_refused(schedule):
    with pytest.raises(ValueError, match=r"^step must be a number >= 0, got -1$"):
        schedule(-1)


# ------------------------------------------------------------------ the public surface
SURFACE = ["constant", "linear", "step", "multistep", "exponential", "cosine", "polynomial", "cyclic", "one_cycle",
           "cosine_restarts", "join", "anneal", "warmup", "warmup_factor", "adam_warmup_steps",
           "inverse_sqrt", "wsd", "cosine_cycles", "SquareRootScheduler", "FactorScheduler", "CosineScheduler"]


def test_public_surface_is_the_documented_list():
    """What ``lrcourse.schedules`` exports is what a user calls, each named in the package docstring;
    the pieces they are built from stay in their submodules."""
    assert sorted(S.__all__) == sorted(SURFACE)
    public = {n for n, v in vars(S).items() if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert public == set(SURFACE)
    assert set(re.findall(r":(?:func|class):`(\w+)`", S.__doc__)) == set(SURFACE)
    assert all(callable(getattr(S, name)) for name in SURFACE)


@pytest.mark.parametrize("build, exc, words", [pytest.param(b, e, w, id=i) for i, b, e, w in ERRORS])
def test_bad_argument(build, exc, words):
    with pytest.raises(exc) as err:
        build()
    for word in words:
        assert word in str(err.value), f"{word!r} not in {err.value}"
