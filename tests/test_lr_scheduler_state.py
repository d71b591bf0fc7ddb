"""A scheduler restores its schedule from its state; tensor hyper-parameters; warning texts.

STATES is one table with a row for every scheduler class: a state saved after K steps from
an instance built with some settings is loaded (through torch.save / torch.load) into an
instance built with *other* settings, which must continue as torch's does (every group's lr
and momentum / beta1 at every step, two param groups, SGD and Adam; with the optimizer's
state loaded too, or the scheduler's alone). torch's ``LRScheduler`` itself cannot step (no
``get_lr``), so it has no row. For lrcourse's own classes the oracle is the saved settings'
formula written out in tests/schedule_formulas.py (times torch's inner scheduler for
WarmupLR).
"""
from __future__ import annotations

import io
import types
import warnings

import numpy as np
import pytest
import torch
import torch.optim.lr_scheduler as torch_lr_scheduler
from torch.optim.swa_utils import SWALR as TorchSWALR

import lrcourse.lr_scheduler as L
from schedule_formulas import inv_sqrt, w_exponential, w_linear, wsd_factor

T = types.SimpleNamespace(**vars(torch_lr_scheduler), SWALR=TorchSWALR)
K, STEPS = 6, 20  # steps before saving, steps in all
LRS = (0.1, 0.03)
RTOL, ATOL = 1e-12, 1e-15


class Rate:
    """A callable object: its ``__dict__`` is saved in the state (functions are not)."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, t):
        return self.rate ** t


class Scale(Rate):
    """A scale_fn object that cannot be hashed (it defines ``__eq__``); its rate is in the state."""

    def __eq__(self, other):
        return isinstance(other, Scale) and other.rate == self.rate

    __hash__ = None


def metric(i):
    return [1.0, 0.9, 0.9, 0.9, 0.8][i % 5] - 0.001 * (i // 5)


def plateau_step(s, i):
    s.step(metric(i))


def epoch_step(s, i):  # step(epoch): torch's closed forms
    s.step(i + 1)


# (id, build with the saved settings, build with other settings, step(s, i) or None)
STATES = [
    ("StepLR", lambda M, o: M.StepLR(o, 3, 0.1), lambda M, o: M.StepLR(o, 1, 0.005)),
    ("StepLR-epoch", lambda M, o: M.StepLR(o, 3, 0.1), lambda M, o: M.StepLR(o, 1, 0.005), epoch_step),
    ("MultiStepLR", lambda M, o: M.MultiStepLR(o, [4, 9, 9, 15], 0.5), lambda M, o: M.MultiStepLR(o, [2], 0.9)),
    ("MultiStepLR-epoch", lambda M, o: M.MultiStepLR(o, [4, 9, 9, 15], 0.5), lambda M, o: M.MultiStepLR(o, [2], 0.9),
     epoch_step),
    ("ConstantLR", lambda M, o: M.ConstantLR(o, 0.5, 9), lambda M, o: M.ConstantLR(o, 0.25, 2)),
    ("ConstantLR-zero-iters", lambda M, o: M.ConstantLR(o, 0.5, 0), lambda M, o: M.ConstantLR(o, 0.9, 4)),
    ("ConstantLR-zero-iters-epoch", lambda M, o: M.ConstantLR(o, 0.5, 0), lambda M, o: M.ConstantLR(o, 0.9, 4), epoch_step),
    ("LinearLR", lambda M, o: M.LinearLR(o, total_iters=8), lambda M, o: M.LinearLR(o, total_iters=2)),
    ("LinearLR-down", lambda M, o: M.LinearLR(o, 1.0, 0.1, 12), lambda M, o: M.LinearLR(o, 0.5, 0.8, 0)),
    ("ExponentialLR", lambda M, o: M.ExponentialLR(o, 0.9), lambda M, o: M.ExponentialLR(o, 0.5)),
    ("PolynomialLR", lambda M, o: M.PolynomialLR(o, 16, 2.0), lambda M, o: M.PolynomialLR(o, 4, 0.5)),
    ("CosineAnnealingLR", lambda M, o: M.CosineAnnealingLR(o, 10), lambda M, o: M.CosineAnnealingLR(o, 5)),
    ("CosineAnnealingLR-epoch", lambda M, o: M.CosineAnnealingLR(o, 10), lambda M, o: M.CosineAnnealingLR(o, 5), epoch_step),
    ("CosineAnnealingLR-eta", lambda M, o: M.CosineAnnealingLR(o, 8, 0.001), lambda M, o: M.CosineAnnealingLR(o, 30, 0.02)),
    ("LambdaLR-object", lambda M, o: M.LambdaLR(o, Rate(0.97)), lambda M, o: M.LambdaLR(o, Rate(0.5))),
    # a function is not in the state (torch's convention): the rebuilt one's function runs on
    ("LambdaLR-function", lambda M, o: M.LambdaLR(o, lambda t: 0.9 ** t), lambda M, o: M.LambdaLR(o, lambda t: 1 / (1 + t))),
    ("MultiplicativeLR-object", lambda M, o: M.MultiplicativeLR(o, Rate(0.99)), lambda M, o: M.MultiplicativeLR(o, Rate(0.7))),
    ("SequentialLR", lambda M, o: M.SequentialLR(o, [M.LinearLR(o, 0.1, total_iters=5), M.CosineAnnealingLR(o, 30)], [5]),
     lambda M, o: M.SequentialLR(o, [M.LinearLR(o, 0.5, total_iters=3), M.CosineAnnealingLR(o, 8)], [3])),
    ("ChainedScheduler", lambda M, o: M.ChainedScheduler([M.ConstantLR(o, 0.5, 9), M.ExponentialLR(o, 0.9)]),
     lambda M, o: M.ChainedScheduler([M.ConstantLR(o, 0.2, 2), M.ExponentialLR(o, 0.5)])),
    ("ReduceLROnPlateau", lambda M, o: M.ReduceLROnPlateau(o, factor=0.5, patience=1),
     lambda M, o: M.ReduceLROnPlateau(o, "max", factor=0.1, patience=5, cooldown=3), plateau_step),
    ("CyclicLR", lambda M, o: M.CyclicLR(o, 0.01, 0.1, 2, 3, mode="triangular2"),
     lambda M, o: M.CyclicLR(o, 0.001, 0.5, 5, base_momentum=0.5, max_momentum=0.6)),
    ("CyclicLR-exp-range", lambda M, o: M.CyclicLR(o, 0.01, 0.1, 3, mode="exp_range", gamma=0.9),
     lambda M, o: M.CyclicLR(o, 0.01, 0.1, 3, mode="triangular", cycle_momentum=False)),
    ("CyclicLR-scale-object", lambda M, o: M.CyclicLR(o, 0.01, 0.1, 3, scale_fn=Scale(0.8), scale_mode="iterations"),
     lambda M, o: M.CyclicLR(o, 0.01, 0.1, 3, scale_fn=Scale(0.3), scale_mode="iterations")),
    ("CosineAnnealingWarmRestarts", lambda M, o: M.CosineAnnealingWarmRestarts(o, 5, 2, 0.001),
     lambda M, o: M.CosineAnnealingWarmRestarts(o, 3)),
    ("OneCycleLR", lambda M, o: M.OneCycleLR(o, 0.5, total_steps=20),
     lambda M, o: M.OneCycleLR(o, 0.1, total_steps=10, pct_start=0.5, anneal_strategy="linear")),
    ("OneCycleLR-three-phase", lambda M, o: M.OneCycleLR(o, 0.5, total_steps=25, three_phase=True, div_factor=5.0),
     lambda M, o: M.OneCycleLR(o, 0.5, epochs=2, steps_per_epoch=15, base_momentum=0.5)),
    ("SWALR", lambda M, o: M.SWALR(o, 0.05, anneal_epochs=9, anneal_strategy="linear"),
     lambda M, o: M.SWALR(o, 0.2, anneal_epochs=2)),
]
STATES = [c + (None,) * (4 - len(c)) for c in STATES]


def cosine30(t):
    """torch's CosineAnnealingLR(T_max=30) factor at step t, by stepping torch."""
    opt = torch.optim.SGD([torch.zeros(1)], lr=1.0)
    sched = T.CosineAnnealingLR(opt, 30)
    for _ in range(t):
        opt.step()
        sched.step()
    return opt.param_groups[0]["lr"]


# lrcourse's own classes: (id, saved settings, other settings, the saved settings' factor at t)
OURS = [
    ("WarmupLR", lambda o: L.WarmupLR(L.CosineAnnealingLR(o, 30), 8),
     lambda o: L.WarmupLR(L.CosineAnnealingLR(o, 5), 3, "exponential", 0.5), lambda t: w_linear(t, 8, 0.0) * cosine30(t)),
    ("WarmupLR-exponential", lambda o: L.WarmupLR(L.CosineAnnealingLR(o, 30), 5, "exponential", 0.2),
     lambda o: L.WarmupLR(L.CosineAnnealingLR(o, 30), 0), lambda t: w_exponential(t, 5, 0.2) * cosine30(t)),
    ("InverseSqrtLR", lambda o: L.InverseSqrtLR(o, 4), lambda o: L.InverseSqrtLR(o, 10), lambda t: inv_sqrt(t, 4)),
    ("WSDLR", lambda o: L.WSDLR(o, 20, 4, 6, 0.1, "linear"), lambda o: L.WSDLR(o, 40, 0, 20, 0.0, "cosine"),
     lambda t: wsd_factor(t, 20, 4, 6, 0.1, "linear")),
    ("WSDLR-zero-decay", lambda o: L.WSDLR(o, 16, 0, 0), lambda o: L.WSDLR(o, 30, 10, 10, 0.5),
     lambda t: 1.0 if t < 16 else 0.0),
]


def make_optimizer(kind, lrs=LRS):
    groups = [{"params": [torch.zeros(2, dtype=torch.float64, requires_grad=True)], "lr": lr} for lr in lrs]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=0.1, momentum=0.9)
    return torch.optim.Adam(groups, lr=0.1, betas=(0.9, 0.999))


def snapshot(opt):
    return [(float(g["lr"]), float(g["betas"][0] if "betas" in g else g["momentum"])) for g in opt.param_groups]


def through_torch_save(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=False)


def resumed(build, rebuild, stepper, kind, load_optimizer):
    """Step ``build``'s scheduler K times, save, load into ``rebuild``'s, step on; lr/momentum at every step."""
    stepper = stepper or (lambda s, i: s.step())
    opt = make_optimizer(kind)
    sched = build(opt)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(STEPS):
            if i == K:
                saved = through_torch_save({"opt": opt.state_dict(), "sched": sched.state_dict()})
                opt = make_optimizer(kind, lrs=(0.7, 0.9))
                sched = rebuild(opt)
                if load_optimizer:
                    opt.load_state_dict(saved["opt"])
                sched.load_state_dict(saved["sched"])
            out.append(snapshot(opt))
            opt.step()
            stepper(sched, i)
    return np.array(out)


SETUPS = [("sgd", True), ("adam", True), ("sgd", False)]  # optimizer, whether its state is loaded too


@pytest.mark.parametrize("kind, load_optimizer", SETUPS, ids=[f"{k}-{'both' if b else 'scheduler-only'}" for k, b in SETUPS])
@pytest.mark.parametrize("build, rebuild, stepper", [pytest.param(*c[1:], id=c[0]) for c in STATES])
def test_loaded_state_is_what_gets_stepped(build, rebuild, stepper, kind, load_optimizer):
    ours = resumed(lambda o: build(L, o), lambda o: rebuild(L, o), stepper, kind, load_optimizer)
    theirs = resumed(lambda o: build(T, o), lambda o: rebuild(T, o), stepper, kind, load_optimizer)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("build, rebuild, factor", [pytest.param(*c[1:], id=c[0]) for c in OURS])
def test_loaded_state_is_what_gets_stepped_beyond_torch(build, rebuild, factor, kind):
    lrs = resumed(build, rebuild, None, kind, True)[:, :, 0]
    expected = np.array([[base * factor(t) for base in LRS] for t in range(STEPS)])
    np.testing.assert_allclose(lrs, expected, rtol=RTOL, atol=ATOL)


# ------------------------------------------------------------------ tensor hyper-parameters
# torch's _format_param takes 0-dim tensors for these (and stores tensors in the param groups).
# (id, build(M, optimizer, v) with v making the hyper-parameters, whether torch aliases them)
# torch's CyclicLR given a tensor base_lr and a float lr in the optimizer puts base_lrs' very
# tensor in the param group, so each lr it writes there overwrites base_lrs (the lr then never
# comes back down): there lrcourse keeps them apart and is compared with torch given the numbers.
TENSORS = [
    ("CyclicLR-lrs", lambda M, o, v: M.CyclicLR(o, v(0.01), v(0.1), 3), True),
    ("CyclicLR-momenta", lambda M, o, v: M.CyclicLR(o, 0.01, 0.1, 3, base_momentum=v(0.8), max_momentum=v(0.9)), False),
    ("OneCycleLR-max-lr", lambda M, o, v: M.OneCycleLR(o, v(0.1), total_steps=STEPS), False),
    ("OneCycleLR-per-group", lambda M, o, v: M.OneCycleLR(o, [v(0.1), v(0.4)], total_steps=STEPS, three_phase=True), False),
    ("OneCycleLR-momenta", lambda M, o, v: M.OneCycleLR(o, 0.1, total_steps=STEPS, base_momentum=v(0.8),
                                                      max_momentum=v(0.9)), False),
    ("SWALR", lambda M, o, v: M.SWALR(o, swa_lr=v(0.05), anneal_epochs=5), False),
    ("SWALR-per-group", lambda M, o, v: M.SWALR(o, swa_lr=[v(0.05), 0.2], anneal_epochs=4, anneal_strategy="linear"), False),
]


def tensor_run(M, build, value, kind, tensor_lr):
    lrs = [torch.tensor(lr, dtype=torch.float64) if tensor_lr else lr for lr in LRS]
    opt = make_optimizer(kind, lrs=lrs)
    sched = build(M, opt, value)
    values, kinds = [], []
    for _ in range(STEPS):
        values.append(snapshot(opt))
        kinds.append([(type(g["lr"]), type(g["betas"][0] if "betas" in g else g["momentum"])) for g in opt.param_groups])
        opt.step()
        sched.step()
    return np.array(values), kinds


@pytest.mark.parametrize("dtype, rtol", [(torch.float64, RTOL), (torch.float32, 1e-6)], ids=["float64", "float32"])
@pytest.mark.parametrize("kind, tensor_lr", [("sgd", False), ("sgd", True), ("adam", False)],
                         ids=["sgd", "sgd-tensor-lr", "adam"])
@pytest.mark.parametrize("build, aliased", [pytest.param(b, a, id=i) for i, b, a in TENSORS])
def test_tensor_hyperparameters_as_torch(build, aliased, kind, tensor_lr, dtype, rtol):
    """torch's lrs and momenta, and the same types in the param groups as torch's."""
    ours, our_kinds = tensor_run(L, build, lambda x: torch.tensor(x, dtype=dtype), kind, tensor_lr)
    theirs, their_kinds = tensor_run(T, build, lambda x: torch.tensor(x, dtype=dtype), kind, tensor_lr)
    if aliased and not tensor_lr:
        theirs, _ = tensor_run(T, build, float, kind, tensor_lr)
    assert our_kinds == their_kinds
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=ATOL)


# ------------------------------------------------------------------ warning texts
def order(M):
    opt = make_optimizer("sgd")
    sched = M.StepLR(opt, 2)
    sched.step()


def overridden(M):
    opt = make_optimizer("sgd")
    sched = M.StepLR(opt, 2)
    opt.step = types.MethodType(torch.optim.SGD.step, opt)  # a step the scheduler did not wrap
    opt.step()
    sched.step()


def epoch_argument(M):
    opt = make_optimizer("sgd")
    sched = M.CosineAnnealingLR(opt, 10)
    opt.step()
    sched.step(3)


def plateau_epoch(M):
    M.ReduceLROnPlateau(make_optimizer("sgd")).step(1.0, epoch=3)


def get_lr_outside_step(M):
    opt = make_optimizer("sgd")
    for sched in (M.StepLR(opt, 2), M.CyclicLR(opt, 0.01, 0.1), M.OneCycleLR(opt, 0.1, 10), M.SWALR(opt, 0.05),
                  M.CosineAnnealingWarmRestarts(opt, 3), M.LambdaLR(opt, lambda t: 1.0)):
        sched.get_lr()


@pytest.mark.parametrize("trigger", [order, overridden, epoch_argument, plateau_epoch, get_lr_outside_step])
def test_warning_texts_are_torchs(trigger):
    messages = []
    for M in (L, T):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            trigger(M)
        messages.append([(w.category, str(w.message)) for w in caught])
    ours, theirs = messages
    assert ours == theirs and ours


def test_deprecation_text_is_torchs_constant():
    from lrcourse.lr_scheduler.base import EPOCH_DEPRECATION_WARNING

    assert EPOCH_DEPRECATION_WARNING == torch_lr_scheduler.EPOCH_DEPRECATION_WARNING


# ------------------------------------------------------- a load leaves __dict__ equal to the source's
# torch's own test_lrscheduler.py (_check_scheduler_state_dict) compares every __dict__ key of a
# scheduler built with other settings, after it loaded a stepped one's state_dict: for every row
# above, and lrcourse's own classes. Plain functions are not in a state (torch's convention), and
# schedulers inside a composite are compared the same way, key by key.
def assert_same_state(ours, source, where="scheduler"):
    if isinstance(source, types.FunctionType):
        return
    if isinstance(source, torch.Tensor):
        assert isinstance(ours, torch.Tensor) and torch.equal(ours, source), where
    elif isinstance(source, (list, tuple)):
        assert type(ours) is type(source) and len(ours) == len(source), where
        for i, (a, b) in enumerate(zip(ours, source)):
            assert_same_state(a, b, f"{where}[{i}]")
    elif hasattr(source, "state_dict") or (hasattr(source, "__dict__") and not source == ours):
        assert type(ours) is type(source), where
        keys = [k for k in vars(source) if k != "optimizer"]
        assert sorted(k for k in vars(ours) if k != "optimizer") == sorted(keys), where
        for k in keys:
            assert_same_state(vars(ours)[k], vars(source)[k], f"{where}.{k}")
    else:
        assert ours == source and type(ours) is type(source), f"{where}: {ours!r} != {source!r}"


LOADS = [pytest.param(lambda o, b=c[1]: b(L, o), lambda o, b=c[2]: b(L, o), c[3] if len(c) > 3 else None, id=c[0])
         for c in STATES] + [pytest.param(c[1], c[2], None, id=c[0]) for c in OURS]


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("build, rebuild, stepper", LOADS)
def test_load_leaves_dict_equal_to_the_source(build, rebuild, stepper, kind):
    stepper = stepper or (lambda s, i: s.step())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = make_optimizer(kind)
        source = build(opt)
        for i in range(K):
            opt.step()
            stepper(source, i)
        copy = make_optimizer(kind, lrs=(0.7, 0.9))
        loaded = rebuild(copy)
        copy.load_state_dict(opt.state_dict())
        loaded.load_state_dict(through_torch_save(source.state_dict()))
        assert_same_state(loaded, source)
        assert loaded.get_last_lr() == source.get_last_lr()
        if any(isinstance(fn, types.FunctionType) for fn in getattr(source, "lr_lambdas", ())):
            return  # each keeps its own lr_lambda function: torch's convention, they step apart
        for i in range(K, STEPS):  # and both go on alike
            for o, s in ((opt, source), (copy, loaded)):
                o.step()
                stepper(s, i)
            assert snapshot(copy) == snapshot(opt), f"step {i}"


def test_every_scheduler_class_has_a_load_row():
    """The check above would miss a class added to lrcourse.lr_scheduler without a row."""
    rows = {c[0].split("-")[0] for c in STATES + OURS}
    assert rows == set(L.__all__) - {"LRScheduler"}
