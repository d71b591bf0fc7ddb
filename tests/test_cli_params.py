"""``--param KEY=VALUE`` (lrcourse.cli.params): typed by the scheduler's signature; one-line errors
from both ``lrcourse schedule`` and ``lrcourse train``, which share the parser."""
from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from lrcourse.catalog import simulate
from lrcourse.cli import main, parse_params


# (scheduler, --param item, the value it must become); expected values written by hand.
@pytest.mark.parametrize("scheduler, item, expected", [
    ("onecycle", "three_phase=false", False),
    ("onecycle", "three_phase=False", False),
    ("onecycle", "three_phase=NO", False),
    ("onecycle", "three_phase=off", False),
    ("onecycle", "three_phase=0", False),
    ("onecycle", "three_phase=true", True),
    ("onecycle", "three_phase=Yes", True),
    ("onecycle", "three_phase=ON", True),
    ("onecycle", "three_phase=1", True),
    ("cyclic", "cycle_momentum=no", False),
    ("cosine", "T_max=50", 50),
    ("cosine", "eta_min=0", 0.0),  # a float setting: 0 becomes 0.0
    ("step", "gamma=1", 1.0),
    ("plateau", "min_lr=1e-4", 1e-4),  # its default is the int 0, its values are lrs
    ("plateau", "patience=3", 3),
    ("plateau", "mode=max", "max"),
    ("onecycle", "anneal_strategy=linear", "linear"),
    ("onecycle", "anneal_strategy='linear'", "linear"),
    ("multistep", "milestones=15,30", [15, 30]),
    ("multistep", "milestones=[15, 30]", [15, 30]),
    ("multistep", "milestones=(15,)", [15]),
    ("multistep", "milestones=15", [15]),
    ("onecycle", "max_lr=0.1,0.2", [0.1, 0.2]),  # one per param group
    ("onecycle", "epochs=none", None),
    ("cyclic", "step_size_down=None", None),
    ("cyclic", "step_size_down=40", 40),
    ("d2l-cosine", "final_lr=0.01", 0.01),
    ("d2l-factor", "factor=0.9", 0.9),
    ("lambda", "decay=0.5", 0.5),  # a recipe's own setting
    ("warmup-cosine", "warmup=5", 5),
    ("exponential", "gamma=inf", math.inf),
])
def test_values_are_typed_by_the_signature(scheduler, item, expected):
    key = item.partition("=")[0]
    out = parse_params([item], scheduler)
    assert out == {key: expected} and type(out[key]) is type(expected)


def test_no_items_and_no_scheduler():
    assert parse_params([], "cosine") == {} and parse_params([], "none") == {} and parse_params([], None) == {}


def test_false_reaches_the_scheduler(tmp_path, capsys):
    """``three_phase=false`` used to be the truthy string 'false': the curve would be three-phase."""
    out = tmp_path / "c.csv"
    assert main(["schedule", "onecycle", "--steps", "40", "--param", "three_phase=false", "--out", str(out)]) == 0
    lr = [float(r[1]) for r in list(csv.reader(out.open()))[1:]]
    np.testing.assert_array_equal(lr, simulate("onecycle", 40, three_phase=False).lr)
    assert not np.array_equal(lr, simulate("onecycle", 40, three_phase=True).lr)
    assert "three_phase=False" in capsys.readouterr().out


@pytest.mark.parametrize("flag, cycled", [("no", False), ("off", False), ("yes", True)])
def test_cycle_momentum_flag(flag, cycled, capsys):
    assert main(["schedule", "cyclic", "--steps", "20", "--param", f"cycle_momentum={flag}"]) == 0
    header = capsys.readouterr().out.splitlines()[1]
    assert ("momentum" in header) == cycled


# (arguments, fragments of the one-line error). Each command run in-process.
SCHEDULE, TRAIN = ["schedule"], ["train", "--device", "cpu", "--epochs", "1", "--scheduler"]
ERRORS = [
    (SCHEDULE + ["onecycle", "--param", "three_phase=maybe"],
     ["three_phase=maybe", "boolean", "true/false", "yes/no", "on/off", "1/0"]),
    (SCHEDULE + ["cyclic", "--param", "cycle_momentum=2"], ["cycle_momentum=2", "boolean"]),
    (SCHEDULE + ["cosine", "--param", "T_max=abc"], ["T_max=abc", "a number"]),
    (SCHEDULE + ["cosine", "--param", "T_max=2.5"], ["T_max", "2.5", "int >= 1"]),  # the class's own check
    (SCHEDULE + ["step", "--param", "gamma=0.1,0.2"], ["gamma=0.1,0.2", "a number"]),
    (SCHEDULE + ["onecycle", "--param", "max_lr=fast"], ["max_lr=fast", "a number", "list of numbers"]),
    (SCHEDULE + ["onecycle", "--param", "epochs=many"], ["epochs=many", "a number", "none"]),
    (SCHEDULE + ["multistep", "--param", "milestones=a,b"], ["milestones=a,b", "list of numbers", "15,30"]),
    (SCHEDULE + ["cosine", "--param", "T_maxx=3"], ["T_maxx", "CosineAnnealingLR", "takes T_max, eta_min"]),
    (SCHEDULE + ["lambda", "--param", "lr_lambda=1"],
     ["lr_lambda", "LambdaLR", "function", "cannot come from the command line", "takes decay"]),
    (SCHEDULE + ["multiplicative", "--param", "lr_lambda=1"],
     ["lr_lambda", "MultiplicativeLR", "function", "cannot come from the command line", "takes factor"]),
    (SCHEDULE + ["cyclic", "--param", "scale_fn=1"], ["scale_fn", "CyclicLR", "function", "command line"]),
    (SCHEDULE + ["warmup-cosine", "--param", "schedulers=1"], ["schedulers", "scheduler objects", "command line"]),
    (SCHEDULE + ["cosine", "--param", "last_epoch=5"], ["last_epoch=5", "resuming", "Python", "step 0"]),
    (SCHEDULE + ["plateau", "--param", "last_epoch=5"], ["last_epoch=5", "resuming"]),
    (SCHEDULE + ["cosine", "--param", "optimizer=adam"], ["optimizer=adam", "--optimizer"]),
    (SCHEDULE + ["d2l-sqrt", "--param", "lr=3"], ["lr=3", "--lr"]),
    (SCHEDULE + ["cosine", "--param", "T_max=5", "--param", "T_max=6"], ["T_max", "twice"]),
    (SCHEDULE + ["cosine", "--param", "=5"], ["KEY=VALUE", "'=5'"]),
    (TRAIN + ["onecycle", "--param", "three_phase=maybe"], ["three_phase=maybe", "boolean"]),
    (TRAIN + ["lambda", "--param", "lr_lambda=1"], ["lr_lambda", "cannot come from the command line"]),
    (TRAIN + ["cosine", "--param", "last_epoch=5"], ["last_epoch=5", "resuming", "--resume"]),
    (TRAIN + ["cosine", "--param", "optimizer=adam"], ["optimizer=adam", "--optimizer"]),
    (TRAIN + ["cosine", "--param", "T_maxx=3"], ["T_maxx", "takes T_max, eta_min"]),
    (TRAIN + ["none", "--param", "T_max=3"], ["--param needs a --schedule"]),
]


@pytest.mark.parametrize("argv, words", ERRORS)
def test_errors_are_one_line(argv, words, capsys, tmp_path):
    if argv[0] == "train":
        argv = argv + ["--out", str(tmp_path / "run")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"lrcourse {argv[0]}: error:") and err.count("\n") == 1 and "Traceback" not in err
    for word in words:
        assert word in err
    assert not (tmp_path / "run").exists()
