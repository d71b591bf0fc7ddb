"""lrcourse.lr_scheduler.plateau.is_plateau: the one test for "stepped with a metric", used by the
composites, the trainer (``lrcourse.train.is_plateau``), the catalog's ``entry.metric`` and
``catalog.simulate``; timm's protocol (``step(epoch, metric=None)``) is not fed a metric first."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from lrcourse import catalog, train
from lrcourse import lr_scheduler as L
from lrcourse.compat import timm as compat_timm
from lrcourse.lr_scheduler.plateau import is_plateau


def sgd():
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)


class TorchSubclass(torch.optim.lr_scheduler.ReduceLROnPlateau):
    pass


class Renamed(L.ReduceLROnPlateau):  # not called ReduceLROnPlateau: found by its class, not its name
    pass


class MetricStepped:
    def __init__(self, optimizer):
        self.optimizer = optimizer

    def step(self, metrics):
        pass


class ReduceLROnPlateau:  # the name alone is not a plateau scheduler
    def __init__(self, optimizer):
        self.optimizer = optimizer

    def step(self):
        pass


# (id, scheduler class, whether it is stepped with a metric)
CASES = [
    ("lrcourse", L.ReduceLROnPlateau, True),
    ("torch", torch.optim.lr_scheduler.ReduceLROnPlateau, True),
    ("torch-subclass", TorchSubclass, True),
    ("renamed-subclass", Renamed, True),
    ("step(metrics)", MetricStepped, True),
    ("same-name-step()", ReduceLROnPlateau, False),
    ("StepLR", lambda o: L.StepLR(o, 3), False),
    ("torch-CyclicLR", lambda o: torch.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1), False),
    ("WarmupLR", lambda o: L.WarmupLR(L.CosineAnnealingLR(o, 10), 2), False),
    # timm's protocol: step(epoch, metric=None) takes the count first, beside step_update
    ("timm-protocol", lambda o: compat_timm.CosineLRScheduler(o, t_initial=10), False),
]


@pytest.mark.parametrize("make, expected", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_is_plateau_instances_and_classes(make, expected):
    assert is_plateau(make(sgd())) is expected
    assert train.is_plateau(make(sgd())) is expected  # the trainer's is this one
    if isinstance(make, type):
        assert is_plateau(make) is expected


@pytest.mark.parametrize("cls", [torch.optim.lr_scheduler.ReduceLROnPlateau, Renamed, MetricStepped])
@pytest.mark.parametrize("composite", ["SequentialLR", "ChainedScheduler"])
def test_composites_refuse_every_metric_stepped_scheduler(cls, composite):
    opt = sgd()
    members = [L.StepLR(opt, 3), cls(opt)]
    with pytest.raises(ValueError, match="ReduceLROnPlateau.*index 1"):
        if composite == "SequentialLR":
            L.SequentialLR(opt, members, milestones=[2])
        else:
            L.ChainedScheduler(members)


@pytest.mark.parametrize("cls", [torch.optim.lr_scheduler.ReduceLROnPlateau, Renamed])
def test_simulate_feeds_a_metric_to_a_plateau_class(cls):
    """A class the catalog does not know by name is fed the scripted metric, as its own entry is."""
    metrics = catalog.scripted_metric(60)
    trace = catalog.simulate(cls, 60, lr=0.1, factor=0.5, patience=2, metrics=None)
    opt = sgd()
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2)
    expected = []
    for i in range(60):
        expected.append(opt.param_groups[0]["lr"])
        opt.step()
        if i < 59:
            sched.step(metrics[i])
    np.testing.assert_allclose(trace.lr, expected, rtol=1e-12)
    assert trace.lr.min() < 0.1  # the metric did reach it: the lr was reduced


def test_timms_protocol_is_not_fed_a_metric_first():
    """timm's ``step(epoch, metric=None)`` requires its first argument, the count: lrcourse's
    classes and timm's own are not plateau schedulers."""
    ref = pytest.importorskip("timm.scheduler")
    classes = [*compat_timm.SCHEDULERS.values(), *(getattr(ref, c.__name__) for c in compat_timm.SCHEDULERS.values())]
    assert [c.__name__ for c in classes if is_plateau(c)] == []
    assert not is_plateau(ref.CosineLRScheduler(sgd(), t_initial=10))


def test_the_catalog_asks_is_plateau():
    """ReduceLROnPlateau is the catalog's one schedule stepped with a metric (timm's, stepped
    ``step(epoch)``, are not), and what each entry builds agrees with its class."""
    assert [name for name, entry in catalog.SCHEDULES.items() if entry.metric] == ["ReduceLROnPlateau"]
    for name, entry in catalog.SCHEDULES.items():
        assert is_plateau(catalog.build_scheduler(name, sgd(), 20)) is entry.metric, name
