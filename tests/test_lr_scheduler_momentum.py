"""lrcourse.lr_scheduler.momentum: one rule for where a param group keeps its momentum.

The oracle is torch's OneCycleLR: whether it accepts ``cycle_momentum=True`` on an optimizer
(else ValueError) and which key it then cycles (``use_beta1``: ``betas[0]``, else ``momentum``).
The same answer must come from lrcourse's cyclic schedulers, the catalog, :func:`simulate` and
the trainer's reading.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import lrcourse.optim
from lrcourse import catalog
from lrcourse import lr_scheduler as L
from lrcourse.lr_scheduler.momentum import momentum_key, read_momentum, set_momentum

# (id, optimizer on params) : SGD with and without momentum, the Adam family, RMSprop, none at all
OPTIMIZERS = [
    ("SGD-momentum", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    ("SGD-plain", lambda p: torch.optim.SGD(p, lr=0.1)),
    ("Adam", lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.8, 0.99))),
    ("AdamW", lambda p: torch.optim.AdamW(p, lr=0.1)),
    ("NAdam", lambda p: torch.optim.NAdam(p, lr=0.1)),
    ("RAdam", lambda p: torch.optim.RAdam(p, lr=0.1)),
    ("Adamax", lambda p: torch.optim.Adamax(p, lr=0.1)),
    ("RMSprop-momentum", lambda p: torch.optim.RMSprop(p, lr=0.1, momentum=0.5)),
    ("lrcourse-SGD", lambda p: lrcourse.optim.SGD(p, lr=0.1, momentum=0.9)),
    ("lrcourse-Adam", lambda p: lrcourse.optim.Adam(p, lr=0.1)),
    ("Adagrad", lambda p: torch.optim.Adagrad(p, lr=0.1)),
    ("Adadelta", lambda p: torch.optim.Adadelta(p, lr=0.1)),
    ("Rprop", lambda p: torch.optim.Rprop(p, lr=0.1)),
]
IDS = [c[0] for c in OPTIMIZERS]
STEPS = 12


def params():
    return [{"params": [torch.zeros(2, requires_grad=True)]}, {"params": [torch.zeros(2, requires_grad=True)]}]


def torch_key(make):
    """The key torch's OneCycleLR cycles on this optimizer, or None when it refuses it."""
    try:
        sched = torch.optim.lr_scheduler.OneCycleLR(make(params()), max_lr=0.1, total_steps=STEPS)
    except ValueError:
        return None
    return "betas" if sched.use_beta1 else "momentum"


def torch_value(group, key):
    return float(group["betas"][0] if key == "betas" else group[key])


@pytest.mark.parametrize("make", [c[1] for c in OPTIMIZERS], ids=IDS)
def test_the_key_is_the_one_torch_cycles(make):
    assert momentum_key(make(params())) == torch_key(make)


@pytest.mark.parametrize("make", [c[1] for c in OPTIMIZERS], ids=IDS)
def test_read_momentum_is_the_groups_value_or_none(make):
    opt, key = make(params()), torch_key(make)
    opt.param_groups[1].update({"betas": (0.7, 0.9)} if key == "betas" else {"momentum": 0.3} if key else {})
    expected = [None if key is None else torch_value(g, key) for g in opt.param_groups]
    assert [read_momentum(opt, i) for i in range(2)] == expected
    assert read_momentum(opt) == expected[0]


def test_set_momentum_keeps_the_other_beta():
    group = {"betas": (0.9, 0.999)}
    set_momentum(group, "betas", 0.5)
    assert group == {"betas": (0.5, 0.999)}
    group = {"momentum": 0.9}
    set_momentum(group, "momentum", 0.5)
    assert group == {"momentum": 0.5}


CYCLIC = [
    ("OneCycleLR", lambda M, o: M.OneCycleLR(o, max_lr=0.1, total_steps=STEPS, three_phase=True)),
    ("CyclicLR", lambda M, o: M.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, base_momentum=0.7,
                                          max_momentum=0.95)),
]


@pytest.mark.parametrize("build", [c[1] for c in CYCLIC], ids=[c[0] for c in CYCLIC])
@pytest.mark.parametrize("make", [c[1] for c in OPTIMIZERS], ids=IDS)
def test_cyclic_schedulers_cycle_what_torchs_cycle(make, build):
    key = torch_key(make)
    if key is None:
        with pytest.raises(ValueError, match="cycle_momentum"):
            build(L, make(params()))
        return
    runs = []
    for M in (L, torch.optim.lr_scheduler):
        opt = make(params())
        sched, trace = build(M, opt), []
        for _ in range(STEPS - 1):
            trace.append([(float(g["lr"]), torch_value(g, key)) for g in opt.param_groups])
            assert read_momentum(opt) == trace[-1][0][1]
            opt.step()
            sched.step()
        runs.append(trace)
    np.testing.assert_allclose(np.array(runs[0]), np.array(runs[1]), rtol=1e-12, atol=0)


@pytest.mark.parametrize("make", [c[1] for c in OPTIMIZERS], ids=IDS)
def test_the_catalog_cycles_the_momentum_only_where_there_is_one(make):
    opt = make(params())
    sched = catalog.build_scheduler("onecycle", opt, STEPS)
    assert sched.cycle_momentum == (torch_key(make) is not None)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_simulate_reads_the_same_momentum(optimizer):
    trace = catalog.simulate("onecycle", STEPS, optimizer=optimizer, momentum=0.9)
    make = dict(OPTIMIZERS)["SGD-momentum" if optimizer == "sgd" else "Adam"]
    opt = make([{"params": [torch.zeros(1, requires_grad=True)]}])
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, **{k: v for k, v in trace.kwargs.items()})
    expected = []
    for _ in range(STEPS):
        expected.append(torch_value(opt.param_groups[0], torch_key(make)))
        opt.step()
        if len(expected) < STEPS:
            sched.step()
    assert trace.momentum.tolist() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", ["SGD-momentum", "Adam", "RMSprop-momentum", "Adagrad"])
def test_the_trainer_records_the_same_momentum(tiny, name):
    """history.momentum: what torch's OneCycleLR sets before each step, or None without a momentum."""
    from lrcourse.models import LeNet
    from lrcourse.train import train

    make = dict(OPTIMIZERS)[name]
    key = torch_key(make)
    torch.manual_seed(0)
    model = LeNet()
    opt = make(model.parameters())
    sched = None if key is None else L.OneCycleLR(opt, max_lr=0.1, total_steps=4)
    h = train(model, opt, tiny, epochs=1, scheduler=sched, scheduler_interval=sched and "step",
              progress=False, live=False, batch_size=64)
    ref = make(params())
    ref_sched = None if key is None else torch.optim.lr_scheduler.OneCycleLR(ref, max_lr=0.1, total_steps=4)
    expected = []
    for _ in h.momentum:
        expected.append(None if key is None else torch_value(ref.param_groups[0], key))
        ref.step()
        if ref_sched is not None and len(expected) < 4:
            ref_sched.step()
    assert h.momentum == expected and len(expected) == 4
