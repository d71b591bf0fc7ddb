"""The stepping protocol around the formulas (signatures: test_signatures.py): resuming with last_epoch,
warnings, OneCycleLR past its end, the d2l module check — each against torch."""
from __future__ import annotations

import doctest
import importlib
import warnings

import numpy as np
import pytest
import torch
import torch.optim.lr_scheduler as T
from torch.optim.swa_utils import SWALR

import lrcourse.lr_scheduler as L


def sgd(lrs=(0.1, 0.03), **extra):
    groups = [{"params": [torch.zeros(1, dtype=torch.float64, requires_grad=True)], "lr": lr, **extra} for lr in lrs]
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def torch_class(name):
    return SWALR if name == "SWALR" else getattr(T, name)


@pytest.mark.parametrize("name", [n for n in T.__all__ if n != "LRScheduler"] + ["SWALR"])
def test_written_from_scratch(name):
    cls = getattr(L, name)
    assert not issubclass(cls, T.LRScheduler) and cls is not torch_class(name)


@pytest.mark.parametrize("module", ["base", "simple", "composite", "cyclic", "plateau", "swa", "warmup"])
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"lrcourse.lr_scheduler.{module}")
    assert doctest.testmod(mod, optionflags=doctest.ELLIPSIS).failed == 0


# last_epoch=k on an optimizer whose groups carry initial_lr (and one-cycle's keys): both resume alike
RESUMED = [
    ("step-quirk", lambda M, o, k: M.StepLR(o, 4, 0.5, last_epoch=k), 7),   # torch applies gamma at k+1=8
    ("step", lambda M, o, k: M.StepLR(o, 4, 0.5, last_epoch=k), 5),
    ("multistep", lambda M, o, k: M.MultiStepLR(o, [6, 9, 9], 0.5, last_epoch=k), 5),
    ("constant", lambda M, o, k: M.ConstantLR(o, 0.5, 6, last_epoch=k), 5),
    ("linear", lambda M, o, k: M.LinearLR(o, 0.2, 1.0, 10, last_epoch=k), 3),
    ("exponential", lambda M, o, k: M.ExponentialLR(o, 0.9, last_epoch=k), 4),
    ("polynomial", lambda M, o, k: M.PolynomialLR(o, 20, 2.0, last_epoch=k), 6),
    ("cosine", lambda M, o, k: M.CosineAnnealingLR(o, 15, 0.001, last_epoch=k), 6),
    ("lambda", lambda M, o, k: M.LambdaLR(o, lambda t: 0.9 ** t, last_epoch=k), 6),
    ("multiplicative", lambda M, o, k: M.MultiplicativeLR(o, lambda t: 0.9, last_epoch=k), 6),
    ("cyclic", lambda M, o, k: M.CyclicLR(o, 0.01, 0.1, 4, last_epoch=k), 6),
    ("onecycle", lambda M, o, k: M.OneCycleLR(o, 0.5, total_steps=40, last_epoch=k), 6),
    ("sgdr", lambda M, o, k: M.CosineAnnealingWarmRestarts(o, 3, 2, last_epoch=k), 6),
]


@pytest.mark.parametrize("build, k", [pytest.param(b, k, id=i) for i, b, k in RESUMED])
def test_construct_with_last_epoch(build, k):
    def run(M):
        keys = dict(initial_lr=0.1, max_lr=0.5, min_lr=2e-6, max_momentum=0.95, base_momentum=0.85)
        opt = sgd(lrs=(0.05, 0.02), **keys)
        sched = build(M, opt, k)
        out = []
        for _ in range(30):
            out.append([g["lr"] for g in opt.param_groups] + [g["momentum"] for g in opt.param_groups])
            opt.step()
            sched.step()
        return np.array(out)

    np.testing.assert_allclose(run(L), run(T), rtol=1e-12, atol=1e-15)


def test_last_epoch_without_initial_lr_raises_like_torch():
    for M in (T, L):
        with pytest.raises(KeyError, match="initial_lr"):
            M.StepLR(sgd(), 3, last_epoch=4)


def record_warnings(M, order_ok: bool):
    opt = sgd()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sched = M.StepLR(opt, 2)
        for _ in range(3):
            if order_ok:
                opt.step()
            sched.step()
    return [str(w.message) for w in caught]


@pytest.mark.parametrize("order_ok", [True, False])
def test_order_warning_as_torch(order_ok):
    ours, theirs = record_warnings(L, order_ok), record_warnings(T, order_ok)
    assert len(ours) == len(theirs) == (0 if order_ok else 1)
    assert all("before `optimizer.step()`" in m for m in ours)


def test_get_lr_outside_step_warns_like_torch():
    for M in (T, L):
        sched = M.ExponentialLR(sgd(), 0.9)
        with pytest.warns(UserWarning, match="get_last_lr"):
            sched.get_lr()


def test_epoch_argument_uses_closed_form_and_warns():
    out = {}
    for M in (T, L):
        opt = sgd()
        sched = M.StepLR(opt, 3, 0.5)
        opt.step()
        with pytest.warns(UserWarning, match="epoch parameter"):
            sched.step(7)
        out[M] = [g["lr"] for g in opt.param_groups]
    assert out[T] == out[L] == [0.1 * 0.25, 0.03 * 0.25]


@pytest.mark.parametrize("kwargs", [dict(total_steps=10), dict(epochs=2, steps_per_epoch=5),
                                    dict(total_steps=12, three_phase=True)])
def test_onecycle_past_total_steps_raises_like_torch(kwargs):
    for M in (T, L):
        opt = sgd()
        sched = M.OneCycleLR(opt, 0.5, **kwargs)
        n = kwargs.get("total_steps") or kwargs["epochs"] * kwargs["steps_per_epoch"]
        for _ in range(n):  # stepping to last_epoch == total_steps is allowed
            opt.step()
            sched.step()
        with pytest.raises(ValueError, match=f"Tried to step {n + 1} times.*total steps is {n}") as err:
            sched.step()
        if M is L:
            assert "total_steps" in str(err.value)


def test_d2l_training_loop_recognises_the_module():
    """d2l tells built-in schedulers from its callables by ``__module__ == lr_scheduler.__name__``."""
    opt = sgd()
    for name in T.__all__:
        assert getattr(L, name).__module__ == L.__name__
    assert L.MultiStepLR(opt, [15, 30], 0.5).__module__ == L.__name__


def test_chained_and_sequential_refuse_plateau_like_torch():
    for M in (T, L):
        opt = sgd()
        plateau = M.ReduceLROnPlateau(opt)
        with pytest.raises(ValueError, match="ReduceLROnPlateau"):
            M.ChainedScheduler([M.StepLR(opt, 2), plateau])
        with pytest.raises(ValueError, match="ReduceLROnPlateau"):
            M.SequentialLR(opt, [M.StepLR(opt, 2), plateau], [3])


def test_works_with_tensor_lr():
    out = {}
    for M in (T, L):
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=torch.tensor(0.1), momentum=0.9)
        sched = M.CosineAnnealingLR(opt, 10)
        vals = []
        for _ in range(12):
            opt.step()
            sched.step()
            vals.append(float(opt.param_groups[0]["lr"]))
        assert isinstance(opt.param_groups[0]["lr"], torch.Tensor)
        out[M] = vals
    np.testing.assert_allclose(out[L], out[T], rtol=1e-6)
