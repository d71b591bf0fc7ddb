"""Every bad argument: one table, one checker. The message must name the argument, the
value and what is accepted; where torch raises too, it must be the same exception type."""
from __future__ import annotations

import pytest
import torch
import torch.optim.lr_scheduler as T

import lrcourse.lr_scheduler as L


def sgd(n=1):
    return torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)]} for _ in range(n)], lr=0.1, momentum=0.9)


def plain():  # an optimizer without momentum or betas
    return torch.optim.Adagrad([torch.zeros(1, requires_grad=True)], lr=0.1)


# (id, build(M), exception, words the message must contain)
CASES = [
    ("not-an-optimizer", lambda M: M.StepLR("sgd", 3), TypeError, ["str", "Optimizer"]),
    ("lambda-not-an-optimizer", lambda M: M.LambdaLR(None, lambda t: 1.0), TypeError, ["NoneType", "Optimizer"]),
    ("cyclic-not-an-optimizer", lambda M: M.CyclicLR([], 0.1, 1.0), TypeError, ["list", "Optimizer"]),
    ("plateau-not-an-optimizer", lambda M: M.ReduceLROnPlateau("sgd"), TypeError, ["str", "Optimizer"]),
    ("last-epoch-float", lambda M: M.StepLR(sgd(), 3, last_epoch=1.5), TypeError, ["last_epoch", "1.5", "int >= -1"]),
    ("last-epoch-below", lambda M: M.StepLR(sgd(), 3, last_epoch=-2), ValueError, ["last_epoch", "-2", "int >= -1"]),
    ("step-size-0", lambda M: M.StepLR(sgd(), 0), ValueError, ["step_size", "0", "int >= 1"]),
    ("step-size-float", lambda M: M.StepLR(sgd(), 2.5), TypeError, ["step_size", "2.5", "int >= 1"]),
    ("step-gamma-negative", lambda M: M.StepLR(sgd(), 3, gamma=-0.1), ValueError, ["gamma", "-0.1", "(0, inf)"]),
    ("step-gamma-string", lambda M: M.StepLR(sgd(), 3, gamma="0.1"), TypeError, ["gamma", "'0.1'", "number"]),
    ("multistep-negative", lambda M: M.MultiStepLR(sgd(), [3, -1]), ValueError, ["milestones[1]", "-1", "int >= 0"]),
    ("multistep-float", lambda M: M.MultiStepLR(sgd(), [3, 4.5]), TypeError, ["milestones[1]", "4.5", "int"]),
    ("multistep-not-list", lambda M: M.MultiStepLR(sgd(), 5), TypeError, ["milestones", "5", "list of ints"]),
    ("multistep-gamma-0", lambda M: M.MultiStepLR(sgd(), [3], gamma=0.0), ValueError, ["gamma", "0.0", "(0, inf)"]),
    ("constant-factor-big", lambda M: M.ConstantLR(sgd(), factor=1.5), ValueError, ["factor", "1.5", "(0, 1]"]),
    ("constant-factor-0", lambda M: M.ConstantLR(sgd(), factor=0.0), ValueError, ["factor", "0.0", "(0, 1]"]),
    ("constant-iters-negative", lambda M: M.ConstantLR(sgd(), total_iters=-1), ValueError, ["total_iters", "-1", "int >= 0"]),
    ("linear-start-0", lambda M: M.LinearLR(sgd(), start_factor=0.0), ValueError, ["start_factor", "0.0", "(0, 1]"]),
    ("linear-end-big", lambda M: M.LinearLR(sgd(), end_factor=2.0), ValueError, ["end_factor", "2.0", "[0, 1]"]),
    ("linear-iters-negative", lambda M: M.LinearLR(sgd(), total_iters=-2), ValueError, ["total_iters", "-2", "int >= 0"]),
    ("linear-iters-float", lambda M: M.LinearLR(sgd(), total_iters=2.5), TypeError, ["total_iters", "2.5", "int >= 0"]),
    ("exponential-gamma-0", lambda M: M.ExponentialLR(sgd(), 0.0), ValueError, ["gamma", "0.0", "(0, inf)"]),
    ("exponential-gamma-neg", lambda M: M.ExponentialLR(sgd(), -0.5), ValueError, ["gamma", "-0.5", "(0, inf)"]),
    ("cosine-tmax-0", lambda M: M.CosineAnnealingLR(sgd(), 0), ValueError, ["T_max", "0", "int >= 1"]),
    ("cosine-tmax-float", lambda M: M.CosineAnnealingLR(sgd(), 10.0), TypeError, ["T_max", "10.0", "int >= 1"]),
    ("cosine-eta-negative", lambda M: M.CosineAnnealingLR(sgd(), 10, eta_min=-1e-3), ValueError, ["eta_min", "-0.001", "[0, inf)"]),
    ("polynomial-iters-negative", lambda M: M.PolynomialLR(sgd(), total_iters=-1), ValueError, ["total_iters", "-1", "int >= 0"]),
    ("polynomial-power-neg", lambda M: M.PolynomialLR(sgd(), 10, power=-1.0), ValueError, ["power", "-1.0", "[0, inf)"]),
    ("lambda-count", lambda M: M.LambdaLR(sgd(2), [lambda t: 1.0]), ValueError, ["Expected 2 lr_lambdas", "got 1"]),
    ("lambda-not-callable", lambda M: M.LambdaLR(sgd(), 0.5), TypeError, ["lr_lambda", "float"]),
    ("multiplicative-not-callable", lambda M: M.MultiplicativeLR(sgd(), 0.5), TypeError, ["lr_lambda", "float"]),
    ("cyclic-mode", lambda M: M.CyclicLR(sgd(), 0.01, 0.1, mode="sine"), ValueError, ["mode", "'sine'", "triangular2"]),
    ("cyclic-step-0", lambda M: M.CyclicLR(sgd(), 0.01, 0.1, step_size_up=0), ValueError, ["step_size_up", "0", "(0, inf)"]),
    ("cyclic-no-momentum", lambda M: M.CyclicLR(plain(), 0.01, 0.1), ValueError, ["momentum", "cycle_momentum"]),
    ("cyclic-list-length", lambda M: M.CyclicLR(sgd(2), [0.01], 0.1), ValueError, ["base_lr", "1 values", "param_groups has 2"]),
    ("cyclic-negative-lr", lambda M: M.CyclicLR(sgd(), -0.01, 0.1), ValueError, ["base_lr", "-0.01", "[0, inf)"]),
    ("cyclic-momentum-big", lambda M: M.CyclicLR(sgd(), 0.01, 0.1, max_momentum=1.5), ValueError, ["max_momentum", "1.5", "[0, 1]"]),
    ("onecycle-nothing", lambda M: M.OneCycleLR(sgd(), 0.1), ValueError, ["total_steps", "epochs", "steps_per_epoch"]),
    ("onecycle-steps-0", lambda M: M.OneCycleLR(sgd(), 0.1, total_steps=0), ValueError, ["total_steps", "0", "int >= 1"]),
    ("onecycle-steps-float", lambda M: M.OneCycleLR(sgd(), 0.1, total_steps=10.0), ValueError, ["total_steps", "10.0", "int >= 1"]),
    ("onecycle-epochs-0", lambda M: M.OneCycleLR(sgd(), 0.1, epochs=0, steps_per_epoch=5), ValueError, ["epochs", "0", "int >= 1"]),
    ("onecycle-pct-big", lambda M: M.OneCycleLR(sgd(), 0.1, total_steps=10, pct_start=1.5), ValueError, ["pct_start", "1.5", "[0, 1]"]),
    ("onecycle-pct-int", lambda M: M.OneCycleLR(sgd(), 0.1, total_steps=10, pct_start=1), ValueError, ["pct_start", "1", "float"]),
    ("onecycle-pct-zero-phase", lambda M: M.OneCycleLR(sgd(), 0.1, total_steps=10, pct_start=0.1), ValueError,
     ["pct_start=0.1", "total_steps=10", "zero length"]),
    ("onecycle-anneal", lambda M: M.OneCycleLR(sgd(), 0.1, total_steps=10, anneal_strategy="exp"), ValueError,
     ["anneal_strategy", "'exp'", "'cos', 'linear'"]),
    ("onecycle-div-0", lambda M: M.OneCycleLR(sgd(), 0.1, total_steps=10, div_factor=0.0), ValueError, ["div_factor", "0.0", "(0, inf)"]),
    ("onecycle-no-momentum", lambda M: M.OneCycleLR(plain(), 0.1, total_steps=10), ValueError, ["momentum", "cycle_momentum"]),
    ("sgdr-t0-0", lambda M: M.CosineAnnealingWarmRestarts(sgd(), 0), ValueError, ["T_0", "0", "int >= 1"]),
    ("sgdr-t0-float", lambda M: M.CosineAnnealingWarmRestarts(sgd(), 2.5), ValueError, ["T_0", "2.5", "positive integer"]),
    ("sgdr-tmult-0", lambda M: M.CosineAnnealingWarmRestarts(sgd(), 5, T_mult=0), ValueError, ["T_mult", "0", ">= 1"]),
    ("sgdr-eta-string", lambda M: M.CosineAnnealingWarmRestarts(sgd(), 5, eta_min="0"), ValueError, ["eta_min", "'0'", "float or int"]),
    ("sgdr-eta-negative", lambda M: M.CosineAnnealingWarmRestarts(sgd(), 5, eta_min=-1), ValueError, ["eta_min", "-1", "[0, inf)"]),
    ("plateau-factor-1", lambda M: M.ReduceLROnPlateau(sgd(), factor=1.0), ValueError, ["actor", "1.0", "(0, 1)"]),
    ("plateau-factor-0", lambda M: M.ReduceLROnPlateau(sgd(), factor=0.0), ValueError, ["factor", "0.0", "(0, 1)"]),
    ("plateau-mode", lambda M: M.ReduceLROnPlateau(sgd(), mode="up"), ValueError, ["mode", "'up'", "'min' or 'max'"]),
    ("plateau-threshold-mode", lambda M: M.ReduceLROnPlateau(sgd(), threshold_mode="pct"), ValueError,
     ["threshold", "'pct'", "'rel' or 'abs'"]),
    ("plateau-patience-neg", lambda M: M.ReduceLROnPlateau(sgd(), patience=-1), ValueError, ["patience", "-1", "int >= 0"]),
    ("plateau-patience-float", lambda M: M.ReduceLROnPlateau(sgd(), patience=2.5), TypeError, ["patience", "2.5", "int >= 0"]),
    ("plateau-cooldown-neg", lambda M: M.ReduceLROnPlateau(sgd(), cooldown=-1), ValueError, ["cooldown", "-1", "int >= 0"]),
    ("plateau-min-lr-count", lambda M: M.ReduceLROnPlateau(sgd(2), min_lr=[0.1]), ValueError, ["min_lr", "expected 2", "got 1"]),
    ("plateau-min-lr-neg", lambda M: M.ReduceLROnPlateau(sgd(), min_lr=-1e-3), ValueError, ["min_lr", "-0.001", "[0, inf)"]),
    ("plateau-eps-neg", lambda M: M.ReduceLROnPlateau(sgd(), eps=-1.0), ValueError, ["eps", "-1.0", "[0, inf)"]),
    ("plateau-threshold-neg", lambda M: M.ReduceLROnPlateau(sgd(), threshold=-0.1), ValueError, ["threshold", "-0.1", "[0, inf)"]),
    ("sequential-empty", lambda M: M.SequentialLR(sgd(), [], []), ValueError, ["at least one scheduler"]),
    ("sequential-milestones-count", lambda M: (lambda o: M.SequentialLR(o, [M.StepLR(o, 2), M.StepLR(o, 3)], []))(sgd()),
     ValueError, ["number of schedulers 2", "milestones", "0"]),
    ("sequential-unsorted", lambda M: (lambda o: M.SequentialLR(o, [M.StepLR(o, 2)] * 3, [5, 3]))(sgd()),
     ValueError, ["milestones", "[5, 3]", "non-decreasing"]),
    ("sequential-negative", lambda M: (lambda o: M.SequentialLR(o, [M.StepLR(o, 2)] * 2, [-3]))(sgd()),
     ValueError, ["milestones[0]", "-3", "int >= 0"]),
    ("sequential-other-optimizer", lambda M: M.SequentialLR(sgd(), [M.StepLR(sgd(), 2)], []), ValueError, ["same optimizer"]),
    ("sequential-not-scheduler", lambda M: M.SequentialLR(sgd(), [3], []), TypeError, ["index 0", "optimizer"]),
    ("chained-empty", lambda M: M.ChainedScheduler([]), ValueError, ["at least one scheduler"]),
    ("chained-other-optimizer", lambda M: M.ChainedScheduler([M.StepLR(sgd(), 2), M.StepLR(sgd(), 2)]), ValueError,
     ["same optimizer", "index 1"]),
]
OURS_ONLY = [
    ("swalr-not-an-optimizer", lambda: L.SWALR("sgd", 0.05), TypeError, ["str", "Optimizer"]),
    ("inverse-sqrt-not-an-optimizer", lambda: L.InverseSqrtLR(3, 10), TypeError, ["int", "Optimizer"]),
    ("swalr-anneal-epochs", lambda: L.SWALR(sgd(), 0.05, anneal_epochs=-1), ValueError, ["anneal_epochs", "-1", "int >= 0"]),
    ("swalr-anneal-float", lambda: L.SWALR(sgd(), 0.05, anneal_epochs=2.5), ValueError, ["anneal_epochs", "2.5", "int >= 0"]),
    ("swalr-strategy", lambda: L.SWALR(sgd(), 0.05, anneal_strategy="exp"), ValueError, ["anneal_strategy", "'exp'", "'cos'"]),
    ("swalr-negative", lambda: L.SWALR(sgd(), -0.05), ValueError, ["swa_lr", "-0.05", "[0, inf)"]),
    ("swalr-tensor-negative", lambda: L.SWALR(sgd(), torch.tensor(-0.5)), ValueError, ["swa_lr", "-0.5", "[0, inf)"]),
    ("cyclic-tensor-not-0-dim", lambda: L.CyclicLR(sgd(), torch.tensor([0.01, 0.02]), 0.1), TypeError,
     ["base_lr", "0-dim", "(2,)"]),
    ("onecycle-tensor-complex", lambda: L.OneCycleLR(sgd(), torch.tensor(0.1j), total_steps=10), TypeError,
     ["max_lr", "0-dim real tensor", "complex"]),
    ("cyclic-momentum-tensor-big", lambda: L.CyclicLR(sgd(), 0.01, 0.1, max_momentum=torch.tensor(1.5)), ValueError,
     ["max_momentum", "1.5", "[0, 1]"]),
    ("plateau-metric", lambda: L.ReduceLROnPlateau(sgd()).step("low"), TypeError, ["metrics", "'low'", "number"]),
    ("warmup-not-scheduler", lambda: L.WarmupLR(sgd(), 5), TypeError, ["scheduler", "built"]),
    ("warmup-steps-negative", lambda: L.WarmupLR(L.StepLR(sgd(), 2), -1), ValueError, ["steps", "-1", "[0, inf)"]),
    ("warmup-kind", lambda: L.WarmupLR(L.StepLR(sgd(), 2), 5, kind="cubic"), ValueError, ["kind", "'cubic'", "'linear', 'exponential'"]),
    ("warmup-start", lambda: L.WarmupLR(L.StepLR(sgd(), 2), 5, start_factor=1.0), ValueError, ["start", "1.0", "[0, 1)"]),
    ("inverse-sqrt-0", lambda: L.InverseSqrtLR(sgd(), 0), ValueError, ["warmup_steps", "0", "int >= 1"]),
    ("wsd-too-long", lambda: L.WSDLR(sgd(), 10, 6, 6), ValueError, ["warmup_steps + decay_steps", "total_steps=10", "12"]),
    ("wsd-shape", lambda: L.WSDLR(sgd(), 10, 2, 3, shape="exp"), ValueError, ["shape", "'exp'", "'1-sqrt'"]),
    ("wsd-ratio", lambda: L.WSDLR(sgd(), 10, 2, 3, min_lr_ratio=2.0), ValueError, ["min_lr_ratio", "2.0", "[0, 1]"]),
    ("sgdr-step-negative", lambda: L.CosineAnnealingWarmRestarts(sgd(), 5).step(-1), ValueError, ["epoch", "-1", "[0, inf)"]),
]


def check(build, exc, words):
    with pytest.raises(exc) as err:
        build()
    for word in words:
        assert word in str(err.value), f"{word!r} not in message: {err.value}"


@pytest.mark.parametrize("build, exc, words", [pytest.param(b, e, w, id=i) for i, b, e, w in CASES])
def test_bad_argument(build, exc, words):
    check(lambda: build(L), exc, words)
    try:  # where torch refuses it too (rather than crash), it must be with the same exception type
        build(T)
    except (ValueError, TypeError) as theirs:
        assert isinstance(theirs, exc), f"torch raises {type(theirs).__name__}, lrcourse {exc.__name__}"
    except (ZeroDivisionError, KeyError, AttributeError):
        pass  # torch crashes on it later in its own code; lrcourse refuses it up front


@pytest.mark.parametrize("build, exc, words", [pytest.param(b, e, w, id=i) for i, b, e, w in OURS_ONLY])
def test_bad_argument_beyond_torch(build, exc, words):
    check(build, exc, words)
