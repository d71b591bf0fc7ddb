"""lrcourse.cli.runs: --out checked (creating nothing), default folder names that differ for every
setting, and resume_mismatch on configurations written by hand (the CLI wiring of both is in
test_cli_train.py)."""
from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest

from lrcourse.cli import UsageError
from lrcourse.cli import runs


def _old_run(p: Path) -> Path:
    p.mkdir()
    for name in ("history.json", "epochs.csv", "checkpoint.pt"):
        (p / name).write_text(f"the old run's {name}\n")
    return p


def test_check_out_refuses_a_folder_it_cannot_write(tmp_path, monkeypatch):
    """(chmod does not stop root: the check asks os.access, here answering as for a read-only folder.)"""
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(UsageError, match=rf"^--out {re.escape(str(tmp_path / 'a' / 'b'))}: cannot create files "
                                         rf"in {re.escape(str(tmp_path))} \(permission denied\)$"):
        runs.check_out(tmp_path / "a" / "b")
    assert list(tmp_path.iterdir()) == []  # nothing created


def test_check_out_accepts_a_new_folder_and_names_what_a_run_folder_holds(tmp_path):
    assert runs.check_out(tmp_path / "new" / "run") == [] and not (tmp_path / "new").exists()
    run = _old_run(tmp_path / "old")
    assert runs.check_out(run, overwrite=True) == ["history.json", "epochs.csv", "checkpoint.pt"]
    assert runs.check_out(run, resume=str(run / "checkpoint.pt")) == ["history.json", "epochs.csv", "checkpoint.pt"]


BASE = {"optimizer": "sgd", "lr": 0.1, "momentum": None, "weight_decay": None, "schedule": "cosine", "params": {},
        "scheduler_interval": "epoch", "plateau_metric": None, "callable_convention": "exact", "epochs": 10,
        "batch_size": 256, "seed": 0, "train_subset": None, "test_subset": None, "validation": None}


@pytest.mark.parametrize("changes", [{"params": {"T_max": 5}}, {"seed": 1}, {"epochs": 11}, {"train_subset": 512},
                                     {"test_subset": 500}, {"validation": 5000}, {"momentum": 0.9},
                                     {"weight_decay": 1e-4}, {"batch_size": 128}, {"scheduler_interval": "step"}])
def test_default_out_differs_for_every_setting(changes):
    base, other = runs.default_out(BASE), runs.default_out({**BASE, **changes})
    assert base == runs.default_out(dict(BASE)) and other != base
    assert base.parent == Path("runs") and base.name.startswith("sgd-cosine-lr0.1-e10-seed0-")


def config(schedule="cosine", epochs=3, steps=None, settings=None, params=None, **more):
    """A ``meta["cli"]`` written by hand: sgd at lr 0.3, ``schedule`` sized to ``steps``."""
    return {"optimizer": "sgd", "optimizer_settings": {"lr": 0.3, "momentum": 0.0}, "schedule": schedule,
            "schedule_settings": settings or {}, "params": params or {}, "schedule_steps": steps or epochs,
            "scheduler_interval": "epoch", "plateau_metric": None, "callable_convention": "exact",
            "epochs": epochs, "batch_size": 256, "seed": 0, "train_subset": None, "test_subset": None,
            "validation": None, "ema": None, "clip_grad_norm": None, **more}


# (checkpoint's configuration, the command's, completed epochs, the words; None: it continues)
MISMATCHES = [
    (config(), config(), 2, None),
    (config(), config(optimizer="adam", optimizer_settings={"lr": 0.001, "betas": [0.9, 0.999]}), 2,
     "the checkpoint trained optimizer sgd (lr=0.3), this command asks for adam (lr=0.001)"),
    (config(), config(optimizer_settings={"lr": 0.3, "momentum": 0.9}), 2,
     "the checkpoint trained optimizer sgd (momentum=0.0), this command asks for sgd (momentum=0.9)"),
    (config("d2l-sqrt"), config("d2l-cosine"), 2,
     "the checkpoint trained schedule d2l-sqrt, this command asks for d2l-cosine"),  # one callable for another
    (config(), config(seed=1), 2, "the checkpoint was trained with --seed 0, this command asks for --seed 1"),
    (config(), config(train_subset=512), 2, "the checkpoint was trained with --train-subset (not given), "
                                            "this command asks for --train-subset 512"),
    (config(), config(ema=0.99), 2,
     "the checkpoint was trained with --ema (not given), this command asks for --ema 0.99"),
    (config(ema=0.99), config(ema=0.9), 2,
     "the checkpoint was trained with --ema 0.99, this command asks for --ema 0.9"),
    (config(clip_grad_norm=1.0), config(), 2,
     "the checkpoint was trained with --clip-grad-norm 1.0, this command asks for --clip-grad-norm (not given)"),
    (config(), config(scheduler_interval="step"), 2,
     "the checkpoint was trained with --scheduler-interval epoch, this command asks for --scheduler-interval step"),
    (config(epochs=3), config(epochs=3), 3, "the checkpoint already holds 3 epochs"),
    (config(settings={"T_max": 3}), config(epochs=6, settings={"T_max": 6}), 3,
     "cosine was sized to 3 epochs (T_max=3); resuming to 6 epochs would run past its end: start a new run "
     "with --epochs 6, or pass --param T_max=3 to continue it as trained"),
    (config(settings={"T_max": 3}), config(epochs=6, settings={"T_max": 3}, params={"T_max": 3}), 3, None),
    (config("onecycle", steps=30, settings={"max_lr": 0.3, "total_steps": 30}),
     config("onecycle", epochs=6, steps=60, settings={"max_lr": 0.3, "total_steps": 60}), 3,
     "onecycle was sized to 3 epochs (total_steps=30); resuming to 6 epochs would run past its end"),
    (config("polynomial", settings={"total_iters": 3}), config("polynomial", epochs=6, settings={"total_iters": 6}),
     3, "polynomial was sized to 3 epochs (total_iters=3); resuming to 6 epochs would run past its end"),
    (config("step", epochs=9, settings={"step_size": 3}), config("step", epochs=12, settings={"step_size": 4}), 9,
     "step was sized to 9 epochs (step_size=3); resuming to 12 epochs asks for step_size=4, while the "
     "checkpoint's scheduler keeps step_size=3: start a new run with --epochs 12, or pass --param step_size=3"),
    (config(settings={"T_max": 3}, params={"T_max": 3}), config(epochs=6, settings={"T_max": 6}), 3,
     "the checkpoint's cosine has T_max=3, this command's has T_max=6: pass --param T_max=3 to continue it"),
    (config("warmup-cosine", settings={"warmup": 1, "start_factor": 0.5}),  # same settings, longer cosine inside
     config("warmup-cosine", epochs=6, settings={"warmup": 1, "start_factor": 0.5}), 3,
     "warmup-cosine was sized to 3 epochs (3 steps); resuming to 6 epochs would change its shape"),
    (config("lambda", settings={}), config("lambda", epochs=6, settings={}), 3, None),  # no length in it
    (config("exponential", settings={"gamma": 0.95}), config("exponential", epochs=6, settings={"gamma": 0.95}),
     3, None),
    (config("none", schedule_steps=None), config("none", epochs=6, schedule_steps=None), 3, None),
    (config(settings={"T_max": 3}), config(settings={"T_max": 3, "eta_min": 0.01}, params={"eta_min": 0.01}), 2,
     "this command sets --param eta_min=0.01, which the checkpoint's cosine did not have: leave it out"),
    (config("multistep", epochs=4, settings={"milestones": [2, 3]}),
     config("multistep", epochs=8, settings={"milestones": [4, 6]}), 4,
     "multistep was sized to 4 epochs (milestones=[2, 3]); resuming to 8 epochs asks for milestones=[4, 6], while "
     "the checkpoint's scheduler keeps milestones=[2, 3]: start a new run with --epochs 8, or pass "
     "--param milestones=2,3 to continue it as trained"),
]


@pytest.mark.parametrize("saved, now, done, words", MISMATCHES)
def test_resume_mismatch(saved, now, done, words):
    found = runs.resume_mismatch(saved, now, done)
    if words is None:
        assert found is None
    else:
        assert found is not None and found.startswith(words), found


@pytest.mark.parametrize("value, typed", [([15, 30], "15,30"), (True, "true"), (False, "false"), ("max", "max"),
                                          (0.5, "0.5"), (3, "3"), (None, "null")])
def test_param_value_is_what_one_types(value, typed):
    assert runs.param_value(value) == typed


def test_configuration_records_every_compared_key():
    args = argparse.Namespace(scheduler_interval="step", callable_convention="exact", epochs=2, batch_size=64,
                              seed=0, train_subset=None, test_subset=None, validation=10, ema=0.99,
                              clip_grad_norm=2.5)
    cfg = runs.configuration(args, optimizer_name="adam", optimizer_settings={"betas": (0.9, 0.999)},
                             schedule_name="onecycle", schedule_settings={"total_steps": 8}, params={}, steps=8,
                             metric=None)
    assert tuple(cfg) == runs.CONFIGURATION and set(runs.FLAGS) <= set(cfg)
    assert cfg["optimizer_settings"] == {"betas": [0.9, 0.999]} and cfg["scheduler_interval"] == "step"
    assert cfg["ema"] == 0.99 and cfg["clip_grad_norm"] == 2.5
