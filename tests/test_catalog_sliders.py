"""One slider vocabulary: every explorer's controls (all of :mod:`lrcourse.widgets`) have the catalog's range
for their setting, and are built from the catalog's :class:`Slider` specs, nowhere by hand."""
from __future__ import annotations

import ast
import importlib
import inspect
import math
import pkgutil
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

import lrcourse.widgets
from lrcourse import catalog
from lrcourse.catalog.sliders import Slider, choice, float_slider, int_range, int_slider
from lrcourse.widgets.base import control
from lrcourse.widgets.cyclic import cyclic_explorer, onecycle_explorer
from lrcourse.widgets.more_optimizers import BASELINES
from lrcourse.widgets.momentum import LANDSCAPES
from lrcourse.widgets.plateau import plateau_explorer
from lrcourse.widgets.schedules import chooser_kinds, schedule_explorer
from lrcourse.widgets.training import schedule_menu, training_panel


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


RANGE = ("description", "min", "max", "step", "options", "readout_format", "continuous_update", "base")


def same_range(widget, slider: Slider) -> None:
    """``widget`` is the control the catalog's ``slider`` makes: same class, label, ends, step, choices."""
    ours = control(slider)
    assert type(widget) is type(ours), (slider.label, type(widget).__name__, type(ours).__name__)
    for attr in RANGE:
        if hasattr(ours, attr):
            assert getattr(widget, attr) == getattr(ours, attr), (slider.label, attr)


def menu(options, label: str) -> Slider:
    """A dropdown of a menu the catalog makes (its start does not matter here)."""
    options = tuple(options)
    return choice(options[0], options, label)


def chooser_slider(name: str) -> Slider:
    if name == "kind":
        return menu(chooser_kinds(), "scheduler")
    kind, _, setting = name.partition(".")
    return chooser_kinds()[kind].ui.sliders[setting] if setting else catalog.SIMULATION_SLIDERS[name]


def topic_slider(schedule: str):
    ui = catalog.schedule(schedule).ui
    return lambda name: catalog.SIMULATION_SLIDERS[name] if name in catalog.SIMULATION_SLIDERS else ui.slider(name)


def specs(**where):
    """control key -> the catalog's spec: ``key=("optimizer name", "setting")`` for an optimizer's,
    ``key=("problem", "setting")`` for a teaching problem's, or a Slider (a catalog menu)."""
    def find(key: str) -> Slider:
        spec = where[key]
        if isinstance(spec, Slider):
            return spec
        owner, setting = spec
        if owner in catalog.PROBLEM_SLIDERS:
            return catalog.PROBLEM_SLIDERS[owner][setting]
        return catalog.optimizer(owner).ui.slider(setting)
    return find


def _momentum(landscape):
    return specs(lr=(landscape, "lr"), beta=("SGD + momentum", "momentum"), nesterov=("SGD + momentum", "nesterov"))


#: every explorer in lrcourse.widgets: (builder, cheap arguments, where each of its controls' range is)
EXPLORERS = {
    "schedule_explorer": [({}, chooser_slider)],
    "cyclic_explorer": [({}, topic_slider("CyclicLR"))],
    "onecycle_explorer": [({}, topic_slider("OneCycleLR"))],
    "plateau_explorer": [({}, topic_slider("ReduceLROnPlateau"))],
    "warmup_explorer": [({}, topic_slider("CosineScheduler"))],
    "ema_explorer": [({}, specs(beta=("noisy series", "beta"), bias_correction=("noisy series", "bias_correction")))],
    "descent_explorer": [({}, specs(lr=("SGD", "lr"), lam=("parabola", "lam")))],
    "momentum_explorer": [({"landscape": name}, _momentum(name)) for name in LANDSCAPES],
    "adaptive_explorer": [({"steps": 2}, specs(optimizer=menu(catalog.DENSE_OPTIMIZERS, "optimizer"),
                                               lr=("2-D functions", "lr"), landscape=("2-D functions", "landscape")))],
    "schedule_free_explorer": [({"steps": 5}, specs(beta=("SGDScheduleFree", "momentum"), lr=("SGDScheduleFree", "lr"),
                                                    r=("SGDScheduleFree", "r")))],
    "rprop_explorer": [({"steps": 5}, specs(batch_size=("skewed mean", "batch_size"),
                                            min_step=("Rprop", "step_sizes")))],
    "asgd_explorer": [({}, specs(lr=("ASGD", "lr"), noise=("noisy quadratic", "noise"), t0=("ASGD", "t0")))],
    "lbfgs_explorer": [({"max_evals": 20}, specs(landscape=("evaluations", "landscape"),
                                                 history_size=("LBFGS", "history_size"),
                                                 line_search=("LBFGS", "line_search_fn")))],
    "adamax_explorer": [({"steps": 20}, specs(beta2=("Adamax", "betas"), period=("rare feature", "period")))],
    "radam_explorer": [({}, specs(beta2=("RAdam", "betas")))],
    "muon_explorer": [({}, specs(ns_steps=("Muon", "ns_steps"), decay=("spectrum", "decay")))],
    "training_panel": [({}, specs(optimizer=menu(catalog.DENSE_OPTIMIZERS, "optimizer"),
                                  schedule=menu(schedule_menu(), "schedule"), lr=("LeNet", "lr"),
                                  epochs=("LeNet", "epochs"), train_subset=("LeNet", "train_subset")))],
}
MODULES = [importlib.import_module(f"lrcourse.widgets.{m.name}")
           for m in pkgutil.iter_modules(lrcourse.widgets.__path__)]
BUILDERS = {name: fn for module in MODULES for name, fn in inspect.getmembers(module, inspect.isfunction)
            if fn.__module__ == module.__name__ and (name.endswith("_explorer") or name == "training_panel")}
CASES = [(name, kwargs, find) for name, rows in EXPLORERS.items() for kwargs, find in rows]


def test_the_table_names_every_explorer_of_every_widget_module():
    assert sorted(BUILDERS) == sorted(EXPLORERS)


@pytest.mark.parametrize("name, kwargs, find", CASES, ids=[n + (f"-{k['landscape']}" if "landscape" in k else "")
                                                      for n, k, _ in CASES])
def test_every_control_has_the_catalogs_range(name, kwargs, find):
    ex = BUILDERS[name](**kwargs)
    assert ex.controls
    for key, widget in ex.controls.items():
        same_range(widget, find(key))


WIDGET_CONSTRUCTORS = {"FloatSlider", "IntSlider", "FloatLogSlider", "IntRangeSlider", "FloatRangeSlider", "Dropdown",
                       "Checkbox", "ToggleButtons", "RadioButtons", "SelectionSlider", "BoundedFloatText",
                       "BoundedIntText", "FloatText", "IntText", "Select"}


def test_no_widget_module_builds_a_control_by_hand():
    """Only :func:`lrcourse.widgets.base.control` turns a spec into a control: a slider or menu built with
    ``widgets.FloatSlider(...)`` (say) elsewhere has a range of its own."""
    found = []
    for path in sorted(Path(lrcourse.widgets.__file__).parent.glob("*.py")):
        if path.name == "base.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            called = getattr(node, "func", None)
            name = getattr(called, "attr", None) or getattr(called, "id", None)
            if isinstance(node, ast.Call) and name in WIDGET_CONSTRUCTORS:  # widgets.FloatSlider() or FloatSlider()
                found.append(f"{path.name}:{node.lineno} {name}")
    assert not found, found


def test_every_optimizer_slider_names_one_of_its_hyperparameters():
    assert any(e.ui.sliders for e in catalog.OPTIMIZERS.values())
    for entry in catalog.OPTIMIZERS.values():
        for setting, slider in entry.ui.sliders.items():
            assert isinstance(slider, Slider) and entry.takes(setting), (entry.name, setting)


def test_the_explorers_data_and_their_menus_name_the_same_things():
    """The L-BFGS baselines and the momentum view's landscapes are keyed as the catalog's menus and problems."""
    assert set(BASELINES) == set(catalog.PROBLEM_SLIDERS["evaluations"]["landscape"].options)
    assert all("lr" in catalog.PROBLEM_SLIDERS[name] for name in LANDSCAPES)


def test_a_setting_has_one_range_in_the_chooser_and_its_topic_explorer():
    """The ranges the issue found apart: one-cycle's pct_start (0.05-0.45 vs 0.05-0.5), CyclicLR's gamma."""
    chooser, onecycle, cyclic = schedule_explorer().controls, onecycle_explorer().controls, cyclic_explorer().controls
    assert (onecycle["pct_start"].min, onecycle["pct_start"].max) == (chooser["OneCycleLR.pct_start"].min,
                                                                      chooser["OneCycleLR.pct_start"].max)
    for setting in ("gamma", "base_lr", "mode", "step_size_up"):
        for attr in ("min", "max", "step", "options"):
            assert getattr(cyclic[setting], attr, None) == getattr(chooser[f"CyclicLR.{setting}"], attr, None)


def test_explorers_start_at_their_arguments_inside_the_range():
    ex = onecycle_explorer(pct_start=0.2, three_phase=True, optimizer="adam")
    assert ex.values()["pct_start"] == 0.2 and ex.values()["three_phase"] is True
    assert ex.values()["optimizer"] == "adam"
    assert plateau_explorer(threshold=1e-3).values()["threshold"] == pytest.approx(1e-3)


def test_training_panel_menus_and_lr_range_come_from_the_catalog():
    controls = training_panel().controls
    assert tuple(controls["schedule"].options) == tuple(schedule_menu())
    ends = [x for e in catalog.OPTIMIZERS.values() for x in e.ui.lr_range]
    assert (controls["lr"].min, controls["lr"].max) == (math.log10(min(ends)), math.log10(max(ends)))


def test_every_range_of_an_entry_is_a_slider_of_one_setting():
    for name, entry in catalog.SCHEDULES.items():
        assert not set(entry.ui.sliders) & set(entry.ui.more), name
        for setting in [*entry.ui.sliders, *entry.ui.more]:
            assert isinstance(entry.ui.slider(setting), Slider)


def test_slider_at_keeps_the_range():
    s = float_slider(0.3, 0.05, 0.45, 0.01, ".2f", "pct_start")
    moved = s.at(0.2)
    assert moved.default == 0.2 and (moved.low, moved.high, moved.step, moved.label) == (0.05, 0.45, 0.01, "pct_start")
    assert int_range((30, 80), 1, 300, "milestones").at([10, 20]).default == (10, 20)


ERRORS = [
    (lambda: Slider("dial", 1, "x"), ValueError, ["kind", "'dial'", "int", "log"]),
    (lambda: catalog.schedule("OneCycleLR").ui.slider("T_max"), KeyError, ["T_max", "pct_start", "max_lr"]),
    (lambda: catalog.ScheduleUI(sliders={"a": int_slider(1, 0, 2, "a")}, more={"a": int_slider(1, 0, 2, "a")}),
     ValueError, ["'a'", "one range"]),
    (lambda: catalog.optimizer("Adam").ui.slider("momentum"), KeyError, ["'momentum'", "none"]),
    (lambda: catalog.optimizer("LBFGS").ui.slider("lr"), KeyError, ["'lr'", "history_size", "line_search_fn"]),
    (lambda: catalog.OptimizerEntry(name="SGD", cls=catalog.optimizer("SGD").cls, torch_name="SGD",
                                    ui=catalog.OptimizerUI(sliders={"beta": int_slider(1, 0, 2, "β")})),
     ValueError, ["ui.sliders", "SGD", "'beta'"]),
]


@pytest.mark.parametrize("call, exc, words", ERRORS)
def test_errors_name_the_argument_and_what_is_accepted(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    assert all(w in str(info.value) for w in words), str(info.value)
