"""The catalog: names to entries, each entry built equal to torch's, and every consumer (CLI,
schedule chooser, training panel, adaptive view) offering every entry."""
from __future__ import annotations

import math
import subprocess
import sys
import types

import dadaptation
import numpy as np
import prodigyopt
import pytest
import schedulefree
import torch
import torch.optim.lr_scheduler as torch_lr_scheduler
from torch.optim.swa_utils import SWALR as TorchSWALR

from lrcourse import catalog
from lrcourse import lr_scheduler as L
from lrcourse.catalog.sliders import int_slider
from lrcourse.cli import main

TORCH = types.SimpleNamespace(**vars(torch_lr_scheduler), SWALR=TorchSWALR)  # torch's, with swa_utils.SWALR
STEPS = 60

# ------------------------------------------------------------------ names

LOOKUPS = [  # (lookup, what a user types, the entry it names)
    ("schedule", "cosine", "CosineAnnealingLR"),
    ("schedule", "COS", "CosineAnnealingLR"),
    ("schedule", "cosine_annealing_lr", "CosineAnnealingLR"),
    ("schedule", "one-cycle", "OneCycleLR"),
    ("schedule", "1cycle", "OneCycleLR"),
    ("schedule", "inverse-sqrt", "InverseSqrtLR"),
    ("schedule", "Warmup Stable Decay", "WSDLR"),
    ("schedule", "sgdr", "CosineAnnealingWarmRestarts"),
    ("schedule", "plateau", "ReduceLROnPlateau"),
    ("schedule", "warmup-cosine", "SequentialLR"),
    ("schedule", "d2l-cosine", "CosineScheduler"),
    ("schedule", "swa", "SWALR"),
    ("optimizer", "sgd", "SGD"),
    ("optimizer", "SGD + momentum", "SGD + momentum"),
    ("optimizer", "sgd_momentum", "SGD + momentum"),
    ("optimizer", "ADAMW", "AdamW"),
    ("optimizer", "yogi", "Yogi"),
    ("optimizer", "sgd-sf", "SGDScheduleFree"),
    ("optimizer", "sgd_schedulefree", "SGDScheduleFree"),
    ("optimizer", "adamw-sf", "AdamWScheduleFree"),
    ("optimizer", "AdamW schedule-free", "AdamWScheduleFree"),
    ("optimizer", "prodigy", "Prodigy"),
    ("optimizer", "dadapt-adam", "DAdaptAdam"),
]


@pytest.mark.parametrize("lookup, typed, expected", LOOKUPS)
def test_lookup(lookup, typed, expected):
    entry = getattr(catalog, lookup)(typed)
    assert entry is {"schedule": catalog.SCHEDULES, "optimizer": catalog.OPTIMIZERS}[lookup][expected]


@pytest.mark.parametrize("table", [catalog.SCHEDULES, catalog.OPTIMIZERS], ids=["schedules", "optimizers"])
def test_every_name_and_alias_names_one_entry(table):
    keys = [k for name, e in table.items() for k in {catalog.key(n) for n in (name, *e.aliases)}]
    assert len(keys) == len(set(keys))
    find = catalog.schedule if table is catalog.SCHEDULES else catalog.optimizer
    for name, entry in table.items():
        assert all(find(n) is entry for n in (name, name.upper(), *entry.aliases))


ERRORS = [  # (call, exception, words in the message)
    (lambda: catalog.schedule("cosinus"), ValueError, ["unknown scheduler 'cosinus'", "CosineAnnealingLR (cosine)"]),
    (lambda: catalog.optimizer("lion"), ValueError, ["unknown optimizer 'lion'", "SGD (sgd)", "Adam (adam)"]),
    (lambda: catalog.schedule(3), TypeError, ["scheduler", "3", "int"]),
    (lambda: catalog.optimizer(None), TypeError, ["optimizer", "None"]),
    (lambda: catalog.build_scheduler("cosine", _sgd(), 0), ValueError, ["steps", "int >= 1", "0"]),
    (lambda: catalog.build_scheduler("swa", _sgd(), 10, module=torch_lr_scheduler), ValueError,
     ["torch.optim.lr_scheduler has no SWALR"]),
    (lambda: catalog.build_optimizer("sgd", [torch.zeros(1)], lr=-1.0), ValueError, ["lr", "-1"]),
]


def _sgd(lr=0.1, cls=torch.optim.SGD, **kw):
    return cls([torch.zeros(1, requires_grad=True)], lr=lr, **kw)


@pytest.mark.parametrize("call, exc, words", ERRORS)
def test_errors(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    assert all(w in str(info.value) for w in words), str(info.value)


# ------------------------------------------------------------------ optimizers equal torch's

# the reference package each optimizer without a torch twin equals (proven step by step in its own tests)
REFERENCES = {
    "SGDScheduleFree": lambda params, **kw: schedulefree.SGDScheduleFree(params, foreach=False, **kw),
    "AdamWScheduleFree": lambda params, **kw: schedulefree.AdamWScheduleFree(params, foreach=False, **kw),
    "Prodigy": prodigyopt.Prodigy,
    "DAdaptAdam": dadaptation.DAdaptAdam,
}


@pytest.mark.parametrize("name", list(catalog.OPTIMIZERS))
def test_optimizer_entry_equals_torch(name):
    """Each entry builds its class with its settings, equal to torch's twin (or, where torch has
    none, to its reference package) on a parameter of the kind it takes (a matrix for Muon,
    sparse gradients for SparseAdam), stepped with a closure (LBFGS needs one; the others
    evaluate it once); a schedule-free one in train mode, compared at x (eval mode)."""
    entry = catalog.OPTIMIZERS[name]
    if entry.torch_name is None:  # only where torch truly has no such class
        assert not hasattr(torch.optim, entry.cls.__name__)
        if name not in REFERENCES:  # Yogi: d2l's, in no package
            return
    twin = REFERENCES[name] if entry.torch_name is None else getattr(torch.optim, entry.torch_name)
    shape = (4, 3) if entry.params == "matrices" else (5,)
    start = torch.randn(shape, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    paths = []
    for make in (lambda p: catalog.build_optimizer(name, [p]), lambda p: twin([p], lr=entry.lr, **entry.settings)):
        p = start.clone().requires_grad_(True)
        opt = make(p)
        if hasattr(opt, "train"):
            opt.train()

        def closure():
            opt.zero_grad()
            loss = (p ** 4).sum()
            loss.backward()
            if entry.params == "sparse":
                p.grad = p.grad.to_sparse()
            return loss

        for _ in range(5):
            opt.step(closure)
        if hasattr(opt, "eval"):
            opt.eval()
        paths.append(p.detach().clone())
    assert entry.cls.__name__ == (entry.torch_name or name)
    assert not torch.equal(paths[0], start)  # it moved
    torch.testing.assert_close(paths[0], paths[1], rtol=1e-9, atol=1e-12)


def test_menus_offer_the_dense_optimizers_and_the_cli_explains_the_others():
    """Muon (matrices only) and SparseAdam (sparse only) cannot train LeNet or walk a landscape:
    not in the panel's or the path view's menu; the CLI says why in one line."""
    from lrcourse.widgets import adaptive, training

    dense = [n for n, e in catalog.OPTIMIZERS.items() if e.params == "any"]
    menus = [training.training_panel().controls["optimizer"], adaptive.adaptive_explorer(steps=2).controls["optimizer"]]
    assert [list(m.options) for m in menus] == [dense, dense]
    assert {"Muon", "SparseAdam"} <= set(catalog.OPTIMIZERS) - set(dense)
    from lrcourse.cli import UsageError
    from lrcourse.cli.train import build_optimizer

    with pytest.raises(UsageError, match="Muon takes only matrices parameters"):
        build_optimizer("muon", [torch.zeros(2, 2, requires_grad=True)], None, None, None)
    with pytest.raises(UsageError, match="--weight-decay applies to .*not 'lbfgs'"):
        build_optimizer("lbfgs", [torch.zeros(2, requires_grad=True)], None, None, 0.1)


def test_build_optimizer_overrides():
    opt = catalog.build_optimizer("sgd-momentum", [torch.zeros(1, requires_grad=True)], lr=0.3, nesterov=True)
    assert type(opt).__name__ == "SGD" and opt.defaults["lr"] == 0.3
    assert opt.defaults["momentum"] == 0.9 and opt.defaults["nesterov"] is True


# ------------------------------------------------------------------ schedules equal torch's

def _closed_form(name, t, n, lr):
    """The d2l callables at their sized defaults, from the chapter's text."""
    return {"SquareRootScheduler": lr * (t + 1) ** -0.5,
            "CosineScheduler": lr * (1 + math.cos(math.pi * min(t, n) / n)) / 2,
            "FactorScheduler": lr}[name]


@pytest.mark.parametrize("name", list(catalog.SCHEDULES))
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_schedule_entry_by_name_equals_torch(name, optimizer):
    """By name with the sized defaults: torch's class with the same settings gives the same curve
    (d2l callables: the chapter's formulas)."""
    entry = catalog.SCHEDULES[name]
    ours = catalog.simulate(entry.cli, STEPS, lr=0.1, optimizer=optimizer)
    if entry.callable_:
        np.testing.assert_allclose(ours.lr, [_closed_form(name, t, STEPS, 0.1) for t in range(STEPS)], rtol=1e-12)
        return
    theirs = catalog.simulate(lambda o: catalog.build_scheduler(name, o, STEPS, module=TORCH), STEPS, lr=0.1,
                              optimizer=optimizer, metrics=catalog.scripted_metric(STEPS) if entry.metric else None)
    np.testing.assert_allclose(ours.lr, theirs.lr, rtol=1e-12, atol=1e-15)
    assert (ours.momentum is None) == (theirs.momentum is None)
    if ours.momentum is not None:
        np.testing.assert_allclose(ours.momentum, theirs.momentum, rtol=1e-12)
    assert ours.name.startswith(name + "(") and np.all(np.isfinite(ours.lr))


def test_sized_defaults_follow_the_run():
    """The sizes, written out: cosine over the whole run, one-cycle peaking at lr, ..."""
    opt = _sgd(0.3)
    sched = catalog.build_scheduler("cosine", opt, 40)
    assert sched.T_max == 40
    assert catalog.build_scheduler("onecycle", _sgd(0.3), 40).total_steps == 40
    cyc = catalog.build_scheduler("cyclic", _sgd(0.3), 40, step_size_up=3)
    assert cyc.max_lrs == [0.3] and cyc.base_lrs == [pytest.approx(0.03)]
    assert catalog.build_scheduler("multistep", _sgd(), 40).milestones == {20: 1, 30: 1}



@pytest.mark.parametrize("name", list(catalog.SCHEDULES))
def test_settings_are_what_the_run_uses(name):
    """``entry.settings`` (what ``schedule --list`` prints): every sized value is the one simulate ran
    with, every other one the signature's default, and nothing the run needs is missing."""
    entry = catalog.SCHEDULES[name]
    settings = entry.settings(60, 0.3)
    ran = catalog.simulate(name, 60, lr=0.3).kwargs
    assert {k: settings[k] for k in ran} == ran
    defaults = {p.name: p.default for p in entry.signature()}
    assert all(settings[k] == defaults[k] for k in settings if k not in ran)
    explicit = {k: v for k, v in settings.items() if k != "lr"}  # d2l-sqrt's lr is simulate's lr
    assert "last_epoch" not in settings and catalog.simulate(name, 60, lr=0.3, **explicit).lr.tolist() == \
        catalog.simulate(name, 60, lr=0.3).lr.tolist()


def test_plateau_settings_are_sized_not_the_class_default():
    """ReduceLROnPlateau's signature says patience=10; a run of n steps waits n // 20 (written by hand)."""
    assert L.ReduceLROnPlateau(_sgd()).patience == 10
    for steps, patience in ((100, 5), (400, 20), (10, 1)):
        assert catalog.SCHEDULES["ReduceLROnPlateau"].settings(steps, 0.1)["patience"] == patience
        assert catalog.build_scheduler("plateau", _sgd(), steps).patience == patience

def test_one_cycle_on_an_optimizer_without_momentum():
    """Adagrad has no momentum to cycle: cycle_momentum defaults to False, as torch needs."""
    ours, theirs = _sgd(0.1, torch.optim.Adagrad), _sgd(0.1, torch.optim.Adagrad)
    a = catalog.build_scheduler("onecycle", ours, 20)
    b = torch_lr_scheduler.OneCycleLR(theirs, 0.1, total_steps=20, cycle_momentum=False)
    for _ in range(19):
        ours.step(), theirs.step(), a.step(), b.step()
        assert ours.param_groups[0]["lr"] == pytest.approx(theirs.param_groups[0]["lr"], rel=1e-12)


# ------------------------------------------------------------------ every consumer offers every entry

def test_every_optimizer_is_offered(capsys):
    from lrcourse.cli.train import build_optimizer
    from lrcourse.widgets import adaptive, training

    assert main(["train", "--list"]) == 0
    listed = capsys.readouterr().out
    for name, entry in catalog.OPTIMIZERS.items():
        assert f"  {entry.cli} [" in listed
        if entry.dense:
            assert type(build_optimizer(entry.cli, [torch.zeros(1, requires_grad=True)], None, None, None)) is entry.cls
    menus = [training.training_panel().controls["optimizer"], adaptive.adaptive_explorer(steps=2).controls["optimizer"]]
    assert [tuple(m.options) for m in menus] == [tuple(n for n, e in catalog.OPTIMIZERS.items() if e.dense)] * 2


def test_every_schedule_is_offered(capsys):
    from lrcourse.widgets import schedules, training

    assert main(["schedule", "--list"]) == 0
    listed = capsys.readouterr().out
    for name, entry in catalog.SCHEDULES.items():
        assert f"  {name} [{', '.join(entry.aliases)}]" in listed
        assert main(["schedule", entry.cli, "--steps", "12"]) == 0
        assert capsys.readouterr().out.startswith(name + "(")
    assert list(schedules.chooser_kinds()) == [n for n, e in catalog.SCHEDULES.items() if e.ui.sliders]
    panels = (e.ui.panel for e in catalog.SCHEDULES.values() if e.ui.panel)
    assert tuple(training.schedule_menu()) == ("constant", *panels)


class HalvingLR(L.StepLR):
    """A schedule the catalog lacks: the lr halves every ``step_size`` steps."""

    def __init__(self, optimizer, step_size, last_epoch=-1):
        super().__init__(optimizer, step_size, 0.5, last_epoch)


def halving(step_size):
    """HalvingLR's pure schedule (torch's LambdaLR over it is the chooser's oracle)."""
    return lambda t: 0.5 ** (t // step_size)


#: HalvingLR over 10 steps at lr 0.4 with step_size 5, the size of a 10-step run (written out)
HALVING_10 = [0.4] * 5 + [0.2] * 5


@pytest.fixture
def halving_entry(monkeypatch):
    """Adding a schedule: its class, and this one catalog entry, registered nowhere else."""
    entry = catalog.ScheduleEntry(
        cls=HalvingLR, aliases=("halving",), factory=halving, sized=lambda n, lr: {"step_size": max(1, n // 2)},
        ui=catalog.ScheduleUI(sliders={"step_size": int_slider(5, 1, 50, "step_size")}, panel="halving"))
    monkeypatch.setitem(catalog.SCHEDULES, "HalvingLR", entry)
    return entry


def test_a_new_schedule_is_in_the_cli(halving_entry, capsys):
    from lrcourse.cli import parse_params
    from lrcourse.cli.train import build_scheduler

    assert main(["schedule", "--list", "--steps", "10"]) == 0
    assert "  HalvingLR [halving]\n      step_size=5*" in capsys.readouterr().out
    assert main(["schedule", "halving", "--steps", "10", "--lr", "0.4"]) == 0
    assert "HalvingLR(step_size=5): 10 steps" in capsys.readouterr().out
    assert parse_params(["step_size=3"], "halving") == {"step_size": 3}  # typed from the class's signature
    sched = build_scheduler("halving", _sgd(0.4), {}, 10, 0.4)  # what `lrcourse train --schedule halving` steps
    assert type(sched) is HalvingLR and sched.step_size == 5


def test_a_new_schedule_is_in_simulate_the_chooser_and_the_panel(halving_entry):
    from lrcourse.widgets import schedules, training

    np.testing.assert_allclose(catalog.simulate("halving", 10, lr=0.4).lr, HALVING_10)
    assert list(schedules.chooser_kinds())[-1] == "HalvingLR"
    ex = schedules.schedule_explorer("HalvingLR", steps=10, lr=0.4)
    assert ex.controls["kind"].options[-1] == "HalvingLR" and ex.controls["HalvingLR.step_size"].value == 5
    traces = schedules.kind_traces("HalvingLR", 10, 0.4)
    np.testing.assert_allclose(traces["lrcourse"], HALVING_10)
    np.testing.assert_allclose(traces["torch"], HALVING_10)  # torch's LambdaLR over the pure schedule
    assert "halving" in training.schedule_menu()
    assert training.training_panel(schedule="halving").controls["schedule"].value == "halving"
    np.testing.assert_allclose(training.schedule_lrs("halving", 0.4, 10), HALVING_10)


def test_a_new_optimizer_needs_nothing_else(monkeypatch, capsys):
    monkeypatch.setitem(catalog.OPTIMIZERS, "Heavy ball", catalog.OptimizerEntry(
        name="Heavy ball", cls=catalog.OPTIMIZERS["SGD"].cls, torch_name="SGD", aliases=("heavy-ball",), lr=0.2,
        settings={"momentum": 0.99}))
    assert main(["train", "--list"]) == 0 and "  heavy-ball [Heavy ball]" in capsys.readouterr().out
    assert catalog.build_optimizer("heavy ball", [torch.zeros(1)]).defaults["momentum"] == 0.99


def test_entries_are_keyword_only():
    with pytest.raises(TypeError, match="positional"):
        catalog.ScheduleEntry(HalvingLR, ("halving",))
    with pytest.raises(TypeError, match="positional"):
        catalog.OptimizerEntry("Heavy ball", L.StepLR, None)


def test_sliders_start_inside_their_ranges():
    for name, entry in catalog.SCHEDULES.items():
        for setting, s in {**entry.ui.sliders, **entry.ui.more}.items():
            low, high = (10 ** s.low, 10 ** s.high) if s.kind == "log" else (s.low, s.high)
            values = s.default if s.kind == "int-range" else (s.default,)
            if s.kind == "choice":
                assert s.default in s.options, (name, setting)
            elif s.kind != "check":
                assert all(low <= v <= high for v in values), (name, setting)


def test_layers_the_catalog_sits_above_optim_and_lr_scheduler():
    code = ("import sys, lrcourse.optim, lrcourse.schedules, lrcourse.lr_scheduler as L; "
            "assert not [m for m in sys.modules if m.startswith('lrcourse.catalog')]; "
            "assert not hasattr(L, 'simulate')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
