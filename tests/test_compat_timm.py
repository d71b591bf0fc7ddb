"""lrcourse.compat.timm against timm 1.0.x (the oracle): every class over a grid of settings,
stepped through both libraries with step(epoch) and step_update(num_updates) over the whole
schedule and past its end, every param group's lr compared after every call; a resume from
the state dict mid-run (ours and timm's); noise; get_cycle_length; the errors timm raises."""
from __future__ import annotations

import copy
import doctest
import importlib
import math
import pickle
import types

import pytest
import timm.scheduler as ref
import torch

from lrcourse.compat import timm as ours

NAMES = ["CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler", "StepLRScheduler", "MultiStepLRScheduler",
         "WSDLRScheduler"]


def optimizer():
    """Three groups: plain, with timm's ``lr_scale``, and with an ``initial_lr`` already set."""
    return torch.optim.SGD([{"params": [torch.zeros(1)], "lr": 0.1},
                            {"params": [torch.zeros(1)], "lr": 0.03, "lr_scale": 0.5},
                            {"params": [torch.zeros(1)], "lr": 0.2, "initial_lr": 0.05}], lr=0.1)


def lrs(opt):
    return [g["lr"] for g in opt.param_groups]


def assert_same(mine, theirs, where):
    """Equal to rel 1e-12, or within 1e-15 of the group's base lr where the lr is (near) 0."""
    for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-16), f"{where}, group {i}: lrcourse {a!r}, timm {b!r}"


def run(name, kwargs, steps, resume_at=None, fresh=None, from_timm=False):
    """Step both libraries through t = 0..steps-1 as a training loop does (step_update, then
    step), comparing every group's lr after each call. At ``resume_at`` each library's scheduler
    is replaced by a fresh instance built with the settings ``fresh`` and loaded from its own
    state dict (ours from timm's with ``from_timm``)."""
    o_opt, r_opt = optimizer(), optimizer()
    mine, theirs = getattr(ours, name)(o_opt, **kwargs), getattr(ref, name)(r_opt, **kwargs)
    assert lrs(o_opt) == lrs(r_opt), "after construction"
    assert [g["initial_lr"] for g in o_opt.param_groups] == [g["initial_lr"] for g in r_opt.param_groups]
    moved = 0
    for t in range(steps):
        if t == resume_at:
            states = theirs.state_dict(), (theirs if from_timm else mine).state_dict()
            theirs, mine = getattr(ref, name)(r_opt, **fresh), getattr(ours, name)(o_opt, **fresh)
            assert lrs(o_opt) == lrs(r_opt), "after the fresh construction"
            theirs.load_state_dict(states[0])
            mine.load_state_dict(states[1])
        for call in ("step_update", "step"):
            before = lrs(r_opt)
            getattr(mine, call)(t)
            getattr(theirs, call)(t)
            assert_same(lrs(o_opt), lrs(r_opt), f"{call}({t})")
            moved += lrs(r_opt) != before
    assert moved, "the schedule never moved: the case tests nothing"
    if hasattr(theirs, "get_cycle_length"):
        for cycles in (0, 1, 3):
            assert mine.get_cycle_length(cycles) == theirs.get_cycle_length(cycles), cycles
    return mine, theirs


# ------------------------------------------------------------------ the grids: (settings, steps)
COSINE = [
    ({"t_initial": 10}, 25),
    ({"t_initial": 10, "lr_min": 1e-4}, 25),
    ({"t_initial": 7, "warmup_t": 3}, 20),
    ({"t_initial": 7, "warmup_t": 3, "warmup_lr_init": 1e-3}, 20),
    ({"t_initial": 7, "warmup_t": 3, "warmup_lr_init": 1e-3, "warmup_prefix": True}, 20),
    ({"t_initial": 7, "warmup_t": 10, "warmup_lr_init": 1e-3}, 20),  # warmup longer than the cosine
    ({"t_initial": 10, "cycle_limit": 3}, 40),
    ({"t_initial": 10, "cycle_limit": 3, "cycle_decay": 0.5, "lr_min": 1e-3}, 40),
    ({"t_initial": 10, "cycle_limit": 4, "cycle_mul": 2.0, "cycle_decay": 0.7}, 170),
    ({"t_initial": 10, "cycle_limit": 5, "cycle_mul": 1.5, "warmup_t": 4, "warmup_prefix": True}, 140),
    ({"t_initial": 16, "cycle_limit": 8, "cycle_mul": 1.5}, 230),  # t=211: timm's float log stays in cycle 4
    ({"t_initial": 1, "cycle_limit": 6, "cycle_mul": 3.0}, 130),   # t=121: likewise, cycle 5's start
    ({"t_initial": 10, "cycle_limit": 9, "cycle_mul": 0.5}, 20),   # shrinking cycles end at t=20
    ({"t_initial": 10, "cycle_limit": 0}, 12),
    ({"t_initial": 10, "k_decay": 2.0}, 15),
    ({"t_initial": 10, "k_decay": 0.5, "cycle_limit": 3, "cycle_mul": 2.0, "lr_min": 1e-3}, 80),
    ({"t_initial": 10, "warmup_t": 2, "warmup_lr_init": 1e-3, "cycle_limit": 2, "cycle_decay": 0.5,
      "cycle_mul": 2.0, "k_decay": 1.5, "lr_min": 1e-4}, 40),
    ({"t_initial": 2.5, "cycle_limit": 3}, 10),
]
TANH = [
    ({"t_initial": 10}, 25),
    ({"t_initial": 10, "lb": -3.0, "ub": 5.0, "lr_min": 1e-4}, 25),
    ({"t_initial": 10, "warmup_t": 3, "warmup_lr_init": 1e-3}, 20),  # warms up to the tanh's value at t=3
    ({"t_initial": 10, "warmup_t": 3, "warmup_lr_init": 1e-3, "warmup_prefix": True}, 20),
    ({"t_initial": 10, "warmup_t": 12, "warmup_lr_init": 1e-3, "cycle_limit": 2}, 30),  # up to cycle 2
    ({"t_initial": 10, "cycle_limit": 3, "cycle_decay": 0.5}, 40),
    ({"t_initial": 10, "cycle_limit": 4, "cycle_mul": 2.0, "cycle_decay": 0.8, "lr_min": 1e-3}, 170),
    ({"t_initial": 10, "cycle_limit": 0}, 12),
]
POLY = [
    ({"t_initial": 10}, 25),
    ({"t_initial": 10, "power": 1.0, "lr_min": 1e-4}, 25),
    ({"t_initial": 10, "power": 2.0, "k_decay": 2.0}, 25),
    ({"t_initial": 10, "power": 0.9, "k_decay": 0.5, "warmup_t": 3, "warmup_lr_init": 1e-3}, 25),
    ({"t_initial": 10, "warmup_t": 3, "warmup_prefix": True}, 25),
    ({"t_initial": 10, "cycle_limit": 3, "cycle_decay": 0.5}, 40),
    ({"t_initial": 10, "cycle_limit": 4, "cycle_mul": 2.0, "power": 1.5, "lr_min": 1e-3}, 170),
]
STEP = [
    ({"decay_t": 3, "decay_rate": 0.5}, 15),
    ({"decay_t": 2.5, "decay_rate": 0.1}, 15),
    ({"decay_t": 3, "decay_rate": 0.5, "warmup_t": 4, "warmup_lr_init": 1e-3}, 20),
    ({"decay_t": 3, "decay_rate": 0.5, "warmup_t": 4, "warmup_prefix": False}, 20),
]
MULTISTEP = [
    ({"decay_t": [5, 10, 15], "decay_rate": 0.1}, 20),
    ({"decay_t": [0, 1, 4, 4, 8], "decay_rate": 0.5}, 12),
    ({"decay_t": [], "decay_rate": 0.5, "warmup_t": 3}, 6),
    ({"decay_t": [3, 6], "decay_rate": 0.5, "warmup_t": 4, "warmup_lr_init": 1e-3}, 14),
    ({"decay_t": [3, 6], "decay_rate": 0.5, "warmup_t": 4, "warmup_prefix": False}, 14),
]
WSD = [
    ({"t_initial": 20, "decay_t": 5}, 30),
    ({"t_initial": 20, "decay_t": 20, "lr_min": 1e-3}, 30),
    ({"t_initial": 20, "decay_t": 1}, 25),
    ({"t_initial": 20, "decay_t": 5, "warmup_t": 4, "warmup_lr_init": 1e-3}, 30),
    ({"t_initial": 20, "decay_t": 7, "decay_fn": "linear", "lr_min": 1e-4}, 30),
    ({"t_initial": 20, "decay_t": 7, "decay_fn": "cosine"}, 30),
    ({"t_initial": 20, "decay_t": 7, "decay_fn": "power", "decay_power": 2.0}, 30),
    ({"t_initial": 20, "decay_t": 7, "decay_fn": "exp", "decay_ratio": 0.05, "lr_min": 1e-4}, 30),
    ({"t_initial": 20, "decay_t": 7, "decay_fn": lambda p: (1 - p) ** 3}, 30),
    ({"t_initial": 20, "decay_t": 7, "stable_fn": "rsqrt", "warmup_t": 4, "decay_fn": "linear"}, 30),
    ({"t_initial": 20, "decay_t": 7, "stable_fn": "rsqrt", "stable_timescale": 2.5}, 30),
    ({"t_initial": 20, "decay_t": 7, "stable_fn": "power", "stable_power": 0.3, "stable_timescale": 3}, 30),
    ({"t_initial": 40, "decay_t": 10, "stable_fn": "power", "stable_power": 1.0, "stable_timescale": 1,
      "lr_min": 0.01}, 50),  # the stable phase falls to lr_min and is held there
]
GRID = [(n, kw, steps) for n, cases in zip(NAMES, (COSINE, TANH, POLY, STEP, MULTISTEP, WSD)) for kw, steps in cases]


def case_id(case):
    name, kw, _ = case
    return name.replace("LRScheduler", "") + "-" + ",".join(f"{k}={getattr(v, '__name__', v)}" for k, v in kw.items())


@pytest.mark.parametrize("t_in_epochs", [True, False], ids=["step", "step_update"])
@pytest.mark.parametrize("case", GRID, ids=[case_id(c) for c in GRID])
def test_equal_to_timm_at_every_step(case, t_in_epochs):
    name, kwargs, steps = case
    run(name, {**kwargs, "t_in_epochs": t_in_epochs}, steps)


# Settings a fresh instance is built with before the state dict overwrites them (all differ from the grid's).
FRESH = {"CosineLRScheduler": {"t_initial": 3}, "TanhLRScheduler": {"t_initial": 3}, "PolyLRScheduler": {"t_initial": 3},
         "StepLRScheduler": {"decay_t": 1}, "MultiStepLRScheduler": {"decay_t": [1]},
         "WSDLRScheduler": {"t_initial": 3, "decay_t": 1}}
RESUME = [("CosineLRScheduler", *COSINE[8]), ("CosineLRScheduler", *COSINE[16]), ("TanhLRScheduler", *TANH[2]),
          ("PolyLRScheduler", *POLY[6]), ("StepLRScheduler", *STEP[3]), ("MultiStepLRScheduler", *MULTISTEP[4]),
          ("WSDLRScheduler", *WSD[7]), ("WSDLRScheduler", *WSD[9])]


@pytest.mark.parametrize("from_timm", [False, True], ids=["ours", "timms"])
@pytest.mark.parametrize("t_in_epochs", [True, False], ids=["step", "step_update"])
@pytest.mark.parametrize("case", RESUME, ids=[case_id(c) for c in RESUME])
def test_resume_from_state_dict_mid_run(case, t_in_epochs, from_timm):
    name, kwargs, steps = case
    run(name, {**kwargs, "t_in_epochs": t_in_epochs}, steps, resume_at=steps // 2,
        fresh={**FRESH[name], "t_in_epochs": not t_in_epochs}, from_timm=from_timm)


@pytest.mark.parametrize("name, kwargs", [(n, cases[-1][0]) for n, cases in
                                          zip(NAMES, (COSINE, TANH, POLY, STEP, MULTISTEP, WSD))])
def test_state_dict_holds_timms_keys(name, kwargs):
    """Every entry of timm's state dict but its derived ``warmup_steps``, and nothing else."""
    mine, theirs = getattr(ours, name)(optimizer(), **kwargs), getattr(ref, name)(optimizer(), **kwargs)
    assert set(theirs.state_dict()) - set(mine.state_dict()) == {"warmup_steps"}
    assert set(mine.state_dict()) <= set(theirs.state_dict())


def state(scheduler):
    return {key: value for key, value in vars(scheduler).items() if key != "optimizer"}


@pytest.mark.parametrize("case", RESUME, ids=[case_id(c) for c in RESUME])
def test_load_leaves_dict_equal_to_the_source(case):
    """torch's ``_check_scheduler_state_dict`` for timm's protocol: an instance built with other
    settings (FRESH) loads a stepped one's state dict, through a pickle as a checkpoint does; then
    every ``__dict__`` key but the optimizer equals the source's (the built schedules are not
    among them), and both go on alike, past the end of the schedule."""
    name, kwargs, steps = case
    source_opt, loaded_opt = optimizer(), optimizer()
    source = getattr(ours, name)(source_opt, **kwargs)
    for t in range(steps // 4):
        source.step(t)
    loaded = getattr(ours, name)(loaded_opt, **FRESH[name])
    assert state(loaded) != state(source)
    loaded.load_state_dict(pickle.loads(pickle.dumps(source.state_dict())))
    loaded_opt.load_state_dict(source_opt.state_dict())
    assert state(loaded) == state(source)
    moved = 0
    for t in range(steps // 4, steps + 5):
        before = lrs(source_opt)
        source.step(t)
        loaded.step(t)
        assert lrs(loaded_opt) == lrs(source_opt), f"step({t})"
        moved += lrs(source_opt) != before
    assert moved, "the schedule never moved after the load: the case tests nothing"


# A setting changed by hand between steps: timm reads its attributes at every step, so must lrcourse.
CHANGES = [
    ("MultiStepLRScheduler", {"decay_t": [5, 10], "decay_rate": 0.5}, lambda s: s.decay_t.append(12)),  # in place
    ("StepLRScheduler", {"decay_t": 3, "decay_rate": 0.5}, lambda s: setattr(s, "decay_rate", 0.2)),
    ("CosineLRScheduler", {"t_initial": 10}, lambda s: setattr(s, "lr_min", 0.01)),
    ("WSDLRScheduler", {"t_initial": 20, "decay_t": 4}, lambda s: s.base_values.__setitem__(0, 0.5)),
]


@pytest.mark.parametrize("name, kwargs, change", CHANGES, ids=[f"{n}-{kw}" for n, kw, _ in CHANGES])
def test_a_setting_changed_between_steps_takes_effect_as_in_timm(name, kwargs, change):
    o_opt, r_opt = optimizer(), optimizer()
    mine, theirs = getattr(ours, name)(o_opt, **copy.deepcopy(kwargs)), getattr(ref, name)(r_opt, **copy.deepcopy(kwargs))
    for t in range(12):
        if t == 4:
            change(mine)
            change(theirs)
        mine.step(t)
        theirs.step(t)
        assert_same(lrs(o_opt), lrs(r_opt), f"step({t})")
    unchanged = getattr(ours, name)(optimizer(), **copy.deepcopy(kwargs))
    unchanged.step(11)
    assert lrs(unchanged.optimizer) != lrs(o_opt), "the change made no difference: the case tests nothing"


NOISE = [
    ("CosineLRScheduler", {"t_initial": 20, "noise_range_t": 5}, "normal"),
    ("CosineLRScheduler", {"t_initial": 20, "noise_range_t": [3, 12], "noise_pct": 0.1, "noise_std": 0.5,
                           "noise_seed": 7, "warmup_t": 2}, "normal"),
    ("CosineLRScheduler", {"t_initial": 20, "noise_range_t": [3, 12], "noise_pct": 0.2}, "uniform"),
    ("StepLRScheduler", {"decay_t": 4, "decay_rate": 0.5, "noise_range_t": 2.5, "noise_pct": 0.3}, "normal"),
    ("WSDLRScheduler", {"t_initial": 20, "decay_t": 5, "noise_range_t": [0, 30], "noise_seed": 0}, "uniform"),
]


@pytest.mark.parametrize("t_in_epochs", [True, False], ids=["step", "step_update"])
@pytest.mark.parametrize("name, kwargs, kind", NOISE, ids=[f"{n}-{k}-{kw['noise_range_t']}" for n, kw, k in NOISE])
def test_noise_is_timms(name, kwargs, kind, t_in_epochs):
    """The noisy lr at every step, the same draw from the same seeded generator; ``noise_type``
    only reaches the subclasses as an attribute (their constructors do not take it)."""
    o_opt, r_opt = optimizer(), optimizer()
    kwargs = {**kwargs, "t_in_epochs": t_in_epochs}
    mine, theirs = getattr(ours, name)(o_opt, **kwargs), getattr(ref, name)(r_opt, **kwargs)
    mine.noise_type = theirs.noise_type = kind
    noisy = 0
    for t in range(25):
        for call in ("step_update", "step"):
            getattr(mine, call)(t)
            getattr(theirs, call)(t)
            assert_same(lrs(o_opt), lrs(r_opt), f"{call}({t})")
        noisy += theirs._is_apply_noise(t) and theirs._calculate_noise(t) != 0
    assert noisy >= 5


def test_noise_pct_0_is_accepted_without_a_range():
    o_opt, r_opt = optimizer(), optimizer()
    mine = ours.CosineLRScheduler(o_opt, t_initial=10, noise_pct=0.0)
    theirs = ref.CosineLRScheduler(r_opt, t_initial=10, noise_pct=0.0)
    mine.step(3)
    theirs.step(3)
    assert_same(lrs(o_opt), lrs(r_opt), "step(3)")


# ------------------------------------------------------------------ errors: (class, settings, what timm raises)
TIMM_REFUSES = [
    ("CosineLRScheduler", {"t_initial": 0}, AssertionError, ["t_initial", "0"]),
    ("CosineLRScheduler", {"t_initial": 10, "lr_min": -0.1}, AssertionError, ["lr_min", "-0.1"]),
    ("PolyLRScheduler", {"t_initial": -1}, AssertionError, ["t_initial", "-1"]),
    ("PolyLRScheduler", {"t_initial": 10, "lr_min": -1.0}, AssertionError, ["lr_min", "-1.0"]),
    ("TanhLRScheduler", {"t_initial": 0}, AssertionError, ["t_initial", "0"]),
    ("TanhLRScheduler", {"t_initial": 10, "lr_min": -0.1}, AssertionError, ["lr_min", "-0.1"]),
    ("TanhLRScheduler", {"t_initial": 10, "lb": 3.0, "ub": 3.0}, AssertionError, ["lb", "ub", "3.0"]),
    ("TanhLRScheduler", {"t_initial": 10, "cycle_limit": -1}, AssertionError, ["cycle_limit", "-1"]),
    ("TanhLRScheduler", {"t_initial": 10, "warmup_t": -2}, AssertionError, ["warmup_t", "-2"]),
    ("TanhLRScheduler", {"t_initial": 10, "warmup_lr_init": -0.5}, AssertionError, ["warmup_lr_init", "-0.5"]),
    ("WSDLRScheduler", {"t_initial": 0, "decay_t": 1}, ValueError, ["t_initial", "0"]),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 0}, ValueError, ["decay_t", "0", "(0, 10]"]),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 11}, ValueError, ["decay_t", "11", "(0, 10]"]),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 5, "lr_min": -1e-3}, ValueError, ["lr_min", "-0.001"]),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 5, "stable_fn": "cosine"}, ValueError, ["stable_fn", "'cosine'"]),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 5, "decay_fn": "rsqrt"}, ValueError, ["decay_fn", "'rsqrt'"]),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 5, "decay_ratio": 1.0}, ValueError, ["decay_ratio", "1.0"]),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 5, "decay_ratio": 0.0}, ValueError, ["decay_ratio", "0.0"]),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 5, "decay_power": 0.0}, ValueError, ["decay_power", "0.0"]),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 5, "stable_power": -1.0}, ValueError, ["stable_power", "-1.0"]),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 5, "stable_fn": "rsqrt"}, ValueError,
     ["stable_timescale", "warmup_t", "0"]),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 5, "stable_fn": "power", "stable_timescale": -2.0}, ValueError,
     ["stable_timescale", "-2.0"]),
]


@pytest.mark.parametrize("name, kwargs, timm_raises, words", TIMM_REFUSES,
                         ids=[f"{n}-{','.join(kw)}" for n, kw, _, _ in TIMM_REFUSES])
def test_refuses_what_timm_refuses(name, kwargs, timm_raises, words):
    with pytest.raises(timm_raises):
        getattr(ref, name)(optimizer(), **kwargs)
    with pytest.raises(ValueError) as info:
        getattr(ours, name)(optimizer(), **kwargs)
    message = str(info.value)
    assert "\n" not in message and all(w in message for w in words), message


@pytest.mark.parametrize("name, kwargs", [("CosineLRScheduler", {"t_initial": 10}), ("WSDLRScheduler", {"t_initial": 10, "decay_t": 2})])
def test_missing_group_fields_are_key_errors_as_timms(name, kwargs):
    for module in (ref, ours):
        with pytest.raises(KeyError, match=r"lr missing from param_groups\[0\]"):
            getattr(module, name)(types.SimpleNamespace(param_groups=[{"params": []}]), **kwargs)
        with pytest.raises(KeyError, match=r"initial_lr missing from param_groups\[0\]"):
            getattr(module, name)(optimizer(), initialize=False, **kwargs)


def test_initialize_false_reads_initial_lr():
    o_opt, r_opt = optimizer(), optimizer()
    for opt in (o_opt, r_opt):
        for g, v in zip(opt.param_groups, (0.4, 0.3, 0.2)):
            g["initial_lr"] = v
    mine = ours.CosineLRScheduler(o_opt, t_initial=10, initialize=False)
    theirs = ref.CosineLRScheduler(r_opt, t_initial=10, initialize=False)
    assert mine.base_values == theirs.base_values == [0.4, 0.3, 0.2]
    mine.step(4)
    theirs.step(4)
    assert_same(lrs(o_opt), lrs(r_opt), "step(4)")


# Settings timm accepts but cannot compute or mean: lrcourse refuses them at once, in one line.
LRCOURSE_ALSO_REFUSES = [
    ("CosineLRScheduler", {"t_initial": 10, "warmup_t": -1}, ValueError, ["warmup_t", "-1"]),
    ("CosineLRScheduler", {"t_initial": 10, "warmup_t": 2.5}, TypeError, ["warmup_t", "2.5"]),
    ("CosineLRScheduler", {"t_initial": 10, "warmup_lr_init": -1e-3}, ValueError, ["warmup_lr_init", "-0.001"]),
    ("CosineLRScheduler", {"t_initial": 10, "cycle_mul": 0.0}, ValueError, ["cycle_mul", "0.0"]),
    ("CosineLRScheduler", {"t_initial": 10, "cycle_decay": -0.5}, ValueError, ["cycle_decay", "-0.5"]),
    ("CosineLRScheduler", {"t_initial": 10, "k_decay": -1.0}, ValueError, ["k_decay", "-1.0"]),
    ("CosineLRScheduler", {"t_initial": 10, "noise_range_t": 3, "noise_pct": 0.0}, ValueError, ["noise_pct", "0.0"]),
    ("CosineLRScheduler", {"t_initial": 10, "noise_range_t": [3]}, ValueError, ["noise_range_t", "[3]"]),
    ("CosineLRScheduler", {"t_initial": 10, "t_in_epochs": "False"}, TypeError, ["t_in_epochs", "'False'"]),
    ("StepLRScheduler", {"decay_t": 0}, ValueError, ["decay_t", "0"]),
    ("StepLRScheduler", {"decay_t": 2, "decay_rate": 0.0}, ValueError, ["decay_rate", "0.0"]),
    ("MultiStepLRScheduler", {"decay_t": [6, 3]}, ValueError, ["decay_t", "[6, 3]", "non-decreasing"]),
    ("MultiStepLRScheduler", {"decay_t": [2.5]}, TypeError, ["decay_t[0]", "2.5"]),
]


@pytest.mark.parametrize("name, kwargs, error, words", LRCOURSE_ALSO_REFUSES,
                         ids=[f"{n}-{kw}" for n, kw, _, _ in LRCOURSE_ALSO_REFUSES])
def test_refuses_what_timm_cannot_mean(name, kwargs, error, words):
    with pytest.raises(error) as info:
        getattr(ours, name)(optimizer(), **kwargs)
    message = str(info.value)
    assert "\n" not in message and all(w in message for w in words), message


def test_refuses_a_negative_step_and_the_end_of_shrinking_cycles():
    """timm would put lr on the warmup line's extension (t < 0) or fail in math.log (t >= 20)."""
    mine = ours.CosineLRScheduler(optimizer(), t_initial=10, cycle_mul=0.5, cycle_limit=9)
    with pytest.raises(ValueError, match=r"^epoch must be a number in \[0, inf\), got -1$"):
        mine.step(-1)
    mine.t_in_epochs = False
    with pytest.raises(ValueError, match=r"^step must be < 20, where cycles shrinking by cycle_mul=0.5 end, got 20$"):
        mine.step_update(20)
    with pytest.raises(ValueError):
        ref.CosineLRScheduler(optimizer(), t_initial=10, cycle_mul=0.5, cycle_limit=9, t_in_epochs=False).step_update(20)


def test_schedulers_by_timms_names():
    assert {n: c.__name__ for n, c in ours.SCHEDULERS.items()} == {
        "cosine": "CosineLRScheduler", "tanh": "TanhLRScheduler", "poly": "PolyLRScheduler",
        "step": "StepLRScheduler", "multistep": "MultiStepLRScheduler", "wsd": "WSDLRScheduler"}
    assert set(NAMES) <= set(dir(ref))


@pytest.mark.parametrize("module", ["lrcourse.schedules.timm", "lrcourse.compat.timm"])
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted and not result.failed
