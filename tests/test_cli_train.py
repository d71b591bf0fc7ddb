"""`lrcourse train` and `lrcourse data`: outputs, schedules by name, resume (and what it refuses),
--out (checked before the data, never overwritten unasked), Ctrl-C / errors keeping what was
recorded, help text, and one clear stderr line (no traceback) for every bad value."""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from lrcourse.cli import build_parser, main
from lrcourse.train import History

TINY = ["--train-subset", "256", "--test-subset", "100", "--batch-size", "64", "--no-progress",
        "--threads", "1", "--device", "cpu"]


def train_cli(root, out, *extra):
    return main(["train", "--data-root", str(root), "--out", str(out), *TINY, *extra])


def digests(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def epoch_column(folder: Path) -> list[int]:
    with open(folder / "epochs.csv") as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


def test_train_writes_metrics_and_plots(real_root, tmp_path, capsys):
    out = tmp_path / "run"
    assert train_cli(real_root, out, "--epochs", "2", "--lr", "0.3", "--schedule", "cosine") == 0
    assert sorted(p.name for p in out.iterdir()) == ["epochs.csv", "history.json", "history.png", "steps.csv"]
    h = History.from_json(out / "history.json")
    assert h.epochs == 2 and h.meta["optimizer"] == "SGD"
    t_max = 2  # sized to the run: 2 epochs
    assert h.epoch_lr == pytest.approx([0.3 * (1 + math.cos(math.pi * e / t_max)) / 2 for e in range(2)], rel=1e-12)
    assert (out / "history.png").read_bytes()[:4] == b"\x89PNG"
    assert epoch_column(out) == [1, 2]  # counted from 1, like the plot's x axis
    stdout = capsys.readouterr().out
    assert "2 epochs: train loss" in stdout and str(out / "history.json") in stdout


def test_meta_records_the_whole_configuration(real_root, tmp_path):
    out = tmp_path / "run"
    assert train_cli(real_root, out, "--epochs", "1", "--optimizer", "adam", "--lr", "0.002", "--schedule",
                     "step", "--param", "gamma=0.5", "--validation", "64", "--seed", "3") == 0
    meta = json.loads((out / "history.json").read_text())["meta"]
    cli = meta["cli"]
    assert (cli["optimizer"], cli["schedule"], cli["scheduler_interval"]) == ("adam", "step", "epoch")
    assert cli["optimizer_settings"]["lr"] == 0.002 and cli["optimizer_settings"]["betas"] == [0.9, 0.999]
    assert cli["schedule_settings"] == {"step_size": 1, "gamma": 0.5}  # 1 epoch // 3, at least 1
    assert cli["params"] == {"gamma": 0.5}
    assert (cli["epochs"], cli["batch_size"], cli["seed"]) == (1, 64, 3)
    assert (cli["train_subset"], cli["test_subset"], cli["validation"]) == (256, 100, 64)
    assert meta["examples"] == {"train": 256, "test": 100, "val": 64}
    assert meta["versions"]["torch"] == torch.__version__ and meta["versions"]["python"] == \
        ".".join(map(str, sys.version_info[:3]))


@pytest.mark.parametrize("extra, check", [
    (["--schedule", "onecycle", "--scheduler-interval", "step", "--momentum", "0.9"],
     lambda h: h.lr[0] == pytest.approx(0.1 / 25) and len(set(h.momentum)) > 1),
    (["--schedule", "multistep", "--param", "milestones=[1]", "--param", "gamma=0.5"],
     lambda h: h.epoch_lr == [0.1, 0.05]),
    (["--schedule", "d2l-cosine", "--param", "warmup_steps=1", "--callable-convention", "d2l"],
     lambda h: h.epoch_lr == [0.1, 0.0]),  # the chapter's loop: epoch 1 at scheduler(0) = 0
    (["--scheduler", "d2l-sqrt"],  # --scheduler: the old spelling of --schedule
     lambda h: h.epoch_lr == pytest.approx([0.1, 0.1 / math.sqrt(2)], rel=1e-12)),
    (["--schedule", "plateau", "--plateau-metric", "test_acc", "--param", "patience=0",  # mode='max' implied
      "--param", "threshold=0.9", "--epochs", "3"], lambda h: h.epoch_lr == pytest.approx([0.1, 0.1, 0.01])),
    (["--optimizer", "adam", "--lr", "0.001", "--weight-decay", "0.01"],
     lambda h: h.meta["optimizer"] == "Adam" and h.momentum[0] == 0.9),
    (["--optimizer", "adam"], lambda h: h.lr[0] == 1e-3),  # the catalog's lr for Adam
    (["--optimizer", "sgd-momentum", "--schedule", "warmup-cosine"],
     lambda h: h.momentum[0] == 0.9 and h.epoch_lr == pytest.approx([0.05 / 2, 0.05])),
    (["--optimizer", "adagrad", "--schedule", "onecycle", "--scheduler-interval", "step"],
     lambda h: h.lr[0] == pytest.approx(0.01 / 25)),  # nothing to cycle: cycle_momentum=False
    (["--channels-last"], lambda h: h.meta["channels_last"] is True),
    (["--no-channels-last"], lambda h: h.meta["channels_last"] is False),
    ([], lambda h: h.meta["channels_last"] is True),  # the CPU default
])
def test_train_schedules_and_optimizers_by_name(real_root, tmp_path, extra, check):
    out = tmp_path / "run"
    assert train_cli(real_root, out, "--epochs", "2", *extra) == 0
    assert check(History.from_json(out / "history.json"))


# The optimizers that train without a schedule, by their CLI names: each trains LeNet from the command
# line, above chance (0.1) by a margin. The bound is 0.1 below the lowest test accuracy of seeds 0-4
# with this command (measured: adamw-sf 0.672, sgd-sf 0.428, prodigy 0.540, dadapt-adam 0.348; this
# test runs seed 0). Three epochs at batch 16 (96 steps): DAdaptAdam's d grows from 1e-6 by ~1.2x a
# step and the run stays at chance for the first ~60 (one epoch of 512 images at batch 16: 0.10 for
# seeds 0-2).
WITHOUT_A_SCHEDULE = [  # (name typed, the name meta records, class, bound)
    ("adamw-sf", "adamw-schedulefree", "AdamWScheduleFree", 0.57),
    ("sgd-sf", "sgd-schedulefree", "SGDScheduleFree", 0.33),
    ("prodigy", "prodigy", "Prodigy", 0.44),
    ("dadapt-adam", "dadapt-adam", "DAdaptAdam", 0.25),
]


@pytest.mark.parametrize("name, cli, cls, bound", WITHOUT_A_SCHEDULE)
def test_train_without_a_schedule(real_root, tmp_path, capsys, name, cli, cls, bound):
    out = tmp_path / "run"
    assert train_cli(real_root, out, "--optimizer", name, "--epochs", "3", "--train-subset", "512",
                     "--test-subset", "500", "--batch-size", "16") == 0
    assert sorted(p.name for p in out.iterdir()) == ["epochs.csv", "history.json", "history.png", "steps.csv"]
    h = History.from_json(out / "history.json")
    assert h.meta["optimizer"] == cls and h.meta["cli"]["optimizer"] == cli and h.epochs == 3
    assert h.test_acc[-1] > bound, h.test_acc
    assert "3 epochs: train loss" in capsys.readouterr().out


def test_ema_is_evaluated_written_and_resumed(real_root, tmp_path, capsys):
    """--ema 0.9: its columns in epochs.csv and its line in the summary; 2 epochs resumed to 3
    are the 3-epoch run, EMA included; meta records the decay."""
    args = ["--ema", "0.9", "--momentum", "0.9"]
    assert train_cli(real_root, tmp_path / "full", "--epochs", "3", *args) == 0
    assert "EMA test acc" in capsys.readouterr().out
    assert train_cli(real_root, tmp_path / "part", "--epochs", "2", "--checkpoint-every", "1", *args) == 0
    assert train_cli(real_root, tmp_path / "resumed", "--epochs", "3", *args,
                     "--resume", str(tmp_path / "part" / "checkpoint.pt")) == 0
    full, resumed = (History.from_json(tmp_path / d / "history.json") for d in ("full", "resumed"))
    assert full.meta["cli"]["ema"] == full.meta["ema"] == 0.9 and len(full.ema_test_acc) == 3
    assert (full.loss, full.test_acc, full.ema_test_loss, full.ema_test_acc) == \
        (resumed.loss, resumed.test_acc, resumed.ema_test_loss, resumed.ema_test_acc)
    with open(tmp_path / "full" / "epochs.csv") as f:
        assert [float(row["ema_test_acc"]) for row in csv.DictReader(f)] == full.ema_test_acc


def test_clip_grad_norm_is_recorded_written_and_resumed(real_root, tmp_path, capsys):
    """--clip-grad-norm 0.3: the pre-clip norm per step in steps.csv, the fraction of steps where
    clipping bit per epoch in epochs.csv, how often it bit in the summary; 2 epochs resumed to 3
    are the 3-epoch run; meta records C."""
    args = ["--clip-grad-norm", "0.3", "--momentum", "0.9", "--lr", "0.5"]
    assert train_cli(real_root, tmp_path / "full", "--epochs", "3", *args) == 0
    full = History.from_json(tmp_path / "full" / "history.json")
    bit = sum(n > 0.3 for n in full.grad_norm) / len(full.grad_norm)
    assert 0 < bit < 1 and f"clipping (gradient norm > 0.3) bit in {bit:.0%} of steps" in capsys.readouterr().out
    assert train_cli(real_root, tmp_path / "part", "--epochs", "2", "--checkpoint-every", "1", *args) == 0
    assert train_cli(real_root, tmp_path / "resumed", "--epochs", "3", *args,
                     "--resume", str(tmp_path / "part" / "checkpoint.pt")) == 0
    resumed = History.from_json(tmp_path / "resumed" / "history.json")
    assert full.meta["cli"]["clip_grad_norm"] == full.meta["clip_grad_norm"] == 0.3 and len(full.grad_norm) == 12
    assert (full.loss, full.grad_norm, full.clip_fraction) == (resumed.loss, resumed.grad_norm, resumed.clip_fraction)
    with open(tmp_path / "full" / "steps.csv") as f:
        assert [float(row["grad_norm"]) for row in csv.DictReader(f)] == full.grad_norm
    with open(tmp_path / "full" / "epochs.csv") as f:
        assert [float(row["clip_fraction"]) for row in csv.DictReader(f)] == full.clip_fraction


@pytest.mark.parametrize("extra, metric, warned", [
    (["--validation", "64"], "val_loss", False),  # the default with a validation split
    (["--validation", "64", "--plateau-metric", "val_acc"], "val_acc", False),
    ([], "test_loss", True),  # still trains, with one line saying what the fix is
])
def test_plateau_is_fed_the_validation_split(real_root, tmp_path, capsys, extra, metric, warned):
    out = tmp_path / "run"
    assert train_cli(real_root, out, "--epochs", "2", "--schedule", "plateau", *extra) == 0
    h = History.from_json(out / "history.json")
    assert h.meta["plateau_metric"] == metric and h.meta["cli"]["plateau_metric"] == metric
    assert len(h.val_loss) == (2 if extra else 0)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == int(warned)
    if warned:
        assert "warning" in err[0] and "test set" in err[0] and "--validation N" in err[0]


def test_train_checkpoint_and_resume_via_cli(real_root, tmp_path):
    """step_size given: 2 epochs resumed to 3 are the 3-epoch run, step by step."""
    args = ["--schedule", "step", "--param", "step_size=1", "--momentum", "0.9"]
    assert train_cli(real_root, tmp_path / "full", "--epochs", "3", *args) == 0
    assert train_cli(real_root, tmp_path / "part", "--epochs", "2", "--checkpoint-every", "1", *args) == 0
    ckpt = tmp_path / "part" / "checkpoint.pt"
    assert torch.load(ckpt, weights_only=False)["history"]["meta"]["cli"]["schedule"] == "step"
    assert train_cli(real_root, tmp_path / "resumed", "--epochs", "3", "--resume", str(ckpt), *args) == 0
    full, resumed = (History.from_json(tmp_path / d / "history.json") for d in ("full", "resumed"))
    assert full.loss == resumed.loss and full.test_acc == resumed.test_acc
    assert epoch_column(tmp_path / "resumed") == [1, 2, 3]


def test_train_divergence_exits_1_and_keeps_outputs(real_root, tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.warns(RuntimeWarning):
        assert train_cli(real_root, out, "--epochs", "2", "--lr", "10000") == 1
    (err,) = capsys.readouterr().err.strip().splitlines()
    assert err.startswith("lrcourse train: training diverged at step") and "Lower the learning rate" in err
    assert err.endswith(f"; kept what was recorded in {out}: history.json, epochs.csv, steps.csv, history.png")
    assert History.from_json(out / "history.json").diverged


def test_an_error_while_training_keeps_what_was_recorded(real_root, tmp_path, capsys, monkeypatch):
    """An error in epoch 2 with --checkpoint-every 2: epoch 1 is saved, its checkpoint too."""
    import lrcourse.train.trainer as trainer

    calls, real = [], trainer.evaluate

    def failing_evaluate(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the disk went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(trainer, "evaluate", failing_evaluate)
    out = tmp_path / "run"
    assert train_cli(real_root, out, "--epochs", "3", "--checkpoint-every", "2") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[1] == "lrcourse train: error: the disk went away"
    assert err[0].startswith("lrcourse train: stopped by an error (RuntimeError in epoch 2, after 1 completed "
                             f"epoch); kept what was recorded in {out}: history.json, epochs.csv")
    assert err[0].endswith("checkpoint.pt (epoch 1)")
    assert epoch_column(out) == [1]
    assert len(History.from_json(out / "history.json").loss) == 2 * 4  # both epochs' steps: 256 / 64
    assert torch.load(out / "checkpoint.pt", weights_only=False)["epoch"] == 1


def test_ctrl_c_keeps_what_was_recorded_and_exits_130(real_root, tmp_path):
    """A real SIGINT to a real `python -m lrcourse train` once its first epoch is on disk."""
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "lrcourse", "train", "--data-root", str(real_root), "--out", str(out),
           *TINY, "--train-subset", "512", "--test-subset", "256", "--epochs", "1000", "--checkpoint-every", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while not (out / "checkpoint.pt").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no checkpoint after 180 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    (line,) = stderr.strip().splitlines()
    assert line.startswith("lrcourse train: interrupted (KeyboardInterrupt in epoch ") and str(out) in line
    done = epoch_column(out)
    assert done == list(range(1, len(done) + 1)) and 1 <= len(done) < 1000
    h = History.from_json(out / "history.json")
    assert h.epochs == len(done) and len(h.loss) >= 8 * len(done) and len(h.lr) == len(h.loss)
    assert torch.load(out / "checkpoint.pt", weights_only=False)["epoch"] == len(done)
    assert (out / "history.png").read_bytes()[:4] == b"\x89PNG" and "Traceback" not in stderr


# ---- --out: checked before the data is loaded; a run already there is never overwritten unasked ----
def _file(p: Path) -> Path:
    p.write_text("a regular file\n")
    return p


def _old_run(p: Path, checkpoint: bool = True) -> Path:
    p.mkdir()
    for name in ("history.json", "epochs.csv") + (("checkpoint.pt",) if checkpoint else ()):
        (p / name).write_text(f"the old run's {name}\n")
    (p / "notes.txt").write_text("mine\n")
    return p


# (make --out under tmp_path, extra argv, the message); the data root is a file, so an error about
# --out proves --out was checked first
OUT = [
    (lambda t: _file(t / "f") / "run", [], "--out {out} cannot be created: {tmp}/f is a file, not a folder"),
    (lambda t: _file(t / "f"), [], "--out {out} is a file, not a folder"),
    (lambda t: Path("/proc/lrcourse-test/run"), [], "--out {out}: cannot create files in /proc"),
    (lambda t: _old_run(t / "old"), [],
     "--out {out} already holds a run (history.json, epochs.csv, checkpoint.pt): continue it with --resume "
     "{out}/checkpoint.pt, replace it with --overwrite, or pick another --out"),
    (lambda t: _old_run(t / "old", checkpoint=False), [],
     "--out {out} already holds a run (history.json, epochs.csv): it has no checkpoint.pt to --resume from, "
     "replace it with --overwrite"),
    (lambda t: _old_run(t / "old"), ["--resume", "{tmp}/elsewhere/checkpoint.pt"],
     "--out {out} already holds a run"),  # resuming another run does not make this one yours to replace
]


@pytest.mark.parametrize("make, extra, message", OUT)
def test_out_is_checked_first_and_never_overwritten(tmp_path, capsys, make, extra, message):
    out = make(tmp_path)
    before = digests(out) if out.is_dir() else None
    t0 = time.monotonic()
    argv = ["train", "--data-root", str(_file(tmp_path / "not-data")), "--out", str(out), "--no-progress"]
    assert main(argv + [a.format(tmp=tmp_path) for a in extra]) == 2
    err = capsys.readouterr().err.strip()
    expected = "lrcourse train: error: " + message.format(out=out, tmp=tmp_path)
    assert len(err.splitlines()) == 1 and err.startswith(expected), err
    assert time.monotonic() - t0 < 30
    if before is not None:
        assert digests(out) == before


@pytest.fixture(scope="module")
def trained(real_root, tmp_path_factory):
    """A 2-epoch cosine run at lr 0.3 with a checkpoint per epoch: (its folder, its command)."""
    out = tmp_path_factory.mktemp("trained") / "run"
    command = ["--epochs", "2", "--lr", "0.3", "--schedule", "cosine", "--checkpoint-every", "1"]
    assert train_cli(real_root, out, *command) == 0
    return out, command


def test_rerun_into_a_run_is_refused_and_leaves_it_byte_identical(real_root, trained, capsys):
    out, command = trained
    before = digests(out)
    assert train_cli(real_root, out, *command) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"--out {out} already holds a run" in err
    assert "--resume" in err and "--overwrite" in err
    assert digests(out) == before


def test_overwrite_replaces_the_whole_run(real_root, trained, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(trained[0], out)
    (out / "notes.txt").write_text("mine\n")
    assert train_cli(real_root, out, "--epochs", "1", "--overwrite") == 0
    # the old checkpoint.pt is gone (this run writes none), and what is not a run file stays
    assert sorted(p.name for p in out.iterdir()) == ["epochs.csv", "history.json", "history.png", "notes.txt",
                                                     "steps.csv"]
    assert History.from_json(out / "history.json").meta["cli"]["schedule"] == "none"


def test_resume_continues_in_the_checkpoints_folder(real_root, trained, tmp_path):
    """--param T_max=2 keeps the cosine as trained: it goes on past its end, as asked."""
    folder = tmp_path / "copy"
    shutil.copytree(trained[0], folder)
    ckpt = folder / "checkpoint.pt"
    assert main(["train", "--data-root", str(real_root), *TINY, "--epochs", "4", "--lr", "0.3", "--schedule",
                 "cosine", "--param", "T_max=2", "--checkpoint-every", "1", "--resume", str(ckpt)]) == 0
    h = History.from_json(folder / "history.json")  # no --out: the checkpoint's folder
    assert h.epoch_lr == pytest.approx([0.3 * (1 + math.cos(math.pi * e / 2)) / 2 for e in range(4)], abs=1e-12)
    assert epoch_column(folder) == [1, 2, 3, 4] and torch.load(ckpt, weights_only=False)["epoch"] == 4


# (changes to the trained run's command, the one-line refusal); each refused before training
RESUME_REFUSED = [
    ({"--optimizer": "adam", "--lr": "0.001"},
     "--resume: the checkpoint trained optimizer sgd (lr=0.3), this command asks for adam (lr=0.001)"),
    ({"--momentum": "0.9"},
     "--resume: the checkpoint trained optimizer sgd (momentum=0.0), this command asks for sgd (momentum=0.9)"),
    ({"--schedule": "d2l-cosine"},
     "--resume: the checkpoint trained schedule cosine, this command asks for d2l-cosine"),
    ({"--validation": "64"},
     "--resume: the checkpoint was trained with --validation (not given), this command asks for --validation 64"),
    ({"--batch-size": "32"},
     "--resume: the checkpoint was trained with --batch-size 64, this command asks for --batch-size 32"),
    ({"--epochs": "4"}, "--resume: cosine was sized to 2 epochs (T_max=2); resuming to 4 epochs would run past "
                        "its end: start a new run with --epochs 4, or pass --param T_max=2 to continue it as trained"),
    ({"--epochs": "4", "--param": "T_max=4"},
     "--resume: the checkpoint's cosine has T_max=2, this command's has T_max=4: pass --param T_max=2 to "
     "continue it as trained"),
    ({"--epochs": "2"}, "--resume: the checkpoint already holds 2 epochs; ask for more with --epochs N (N > 2)"),
    ({"--ema": "0.9"}, "--resume: the checkpoint was trained with --ema (not given), this command asks for --ema 0.9"),
    ({"--clip-grad-norm": "1"},
     "--resume: the checkpoint was trained with --clip-grad-norm (not given), this command asks for --clip-grad-norm 1.0"),
]


@pytest.mark.parametrize("changes, message", RESUME_REFUSED)
def test_resume_refuses_a_different_command(real_root, trained, tmp_path, capsys, changes, message):
    out, command = trained
    options = dict(zip(command[::2], command[1::2]))
    argv = [a for k, v in {**options, **changes}.items() for a in (k, v)]
    before = digests(out)
    assert main(["train", "--data-root", str(real_root), *TINY, "--out", str(tmp_path / "new"), *argv,
                 "--resume", str(out / "checkpoint.pt")]) == 2
    assert capsys.readouterr().err.strip() == "lrcourse train: error: " + message
    assert not (tmp_path / "new").exists() and digests(out) == before


def _truncated(ckpt: Path, p: Path) -> None:
    data = ckpt.read_bytes()
    p.write_bytes(data[: len(data) // 2])


def _python_checkpoint(ckpt: Path, p: Path) -> None:
    state = torch.load(ckpt, weights_only=False)
    del state["history"]["meta"]["cli"]
    torch.save(state, p)


def test_resume_of_a_checkpoint_from_before_ema(real_root, trained, tmp_path):
    """A checkpoint written before --ema existed records no ema: it trained without one, and goes on."""
    out, command = trained
    old = tmp_path / "old.pt"
    state = torch.load(out / "checkpoint.pt", weights_only=False)
    del state["history"]["meta"]["cli"]["ema"], state["config"]["ema"], state["ema"]
    torch.save(state, old)
    assert main(["train", "--data-root", str(real_root), *TINY, "--out", str(tmp_path / "new"), *command,
                 "--param", "T_max=2", "--epochs", "3", "--resume", str(old)]) == 0
    assert History.from_json(tmp_path / "new" / "history.json").epochs == 3


def _older_checkpoint(ckpt: Path, p: Path) -> None:
    state = torch.load(ckpt, weights_only=False)
    del state["history"]["meta"]["cli"]["schedule_steps"]
    torch.save(state, p)


# (write a bad checkpoint from the real one, the reason in the one line)
BAD_CHECKPOINTS = [
    (_truncated, "not an lrcourse checkpoint (RuntimeError: PytorchStreamReader failed"),
    (lambda ckpt, p: p.write_bytes(random.Random(0).randbytes(4096)), "not an lrcourse checkpoint (UnpicklingError"),
    (lambda ckpt, p: torch.save({"weights": torch.zeros(3)}, p),
     "not an lrcourse checkpoint (no epoch, config, model, optimizer, rng, history in it)"),
    (lambda ckpt, p: torch.save(torch.zeros(3), p), "not an lrcourse checkpoint (it holds a Tensor, not a dict)"),
    (_python_checkpoint, "written by train() in Python, not by lrcourse train"),
    (_older_checkpoint, "written by another version of lrcourse train (its settings lack schedule_steps)"),
]


@pytest.mark.parametrize("write, reason", BAD_CHECKPOINTS)
def test_resume_from_a_bad_checkpoint_is_one_line_naming_it(real_root, trained, tmp_path, capsys, write, reason):
    out, command = trained
    bad = tmp_path / "bad.pt"
    write(out / "checkpoint.pt", bad)
    assert main(["train", "--data-root", str(real_root), *TINY, "--out", str(tmp_path / "new"), *command,
                 "--resume", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"lrcourse train: error: --resume {bad}: " + reason), err
    assert "miniz" not in err and "high likelihood" not in err, err  # the reason, not torch's advice


BAD = [  # (argv after "train", message in the one stderr line)
    (["--optimizer", "lion"], "unknown optimizer 'lion'; known: SGD (sgd), SGD + momentum (sgd-momentum)"),
    (["--lr", "-1"], "--lr must be a positive number, got -1.0"),
    (["--lr", "nan"], "--lr must be a positive number, got nan"),
    (["--optimizer", "adam", "--momentum", "0.9"], "--momentum applies to sgd, sgd-momentum, rmsprop"),
    (["--schedule", "cosine", "--param", "T_max"], "--param expects KEY=VALUE"),
    (["--param", "T_max=3"], "--param needs a --schedule"),
    (["--schedule", "cosinus"], "unknown scheduler 'cosinus'"),
    (["--schedule", "cosine", "--param", "T_maxx=3"], "T_maxx"),
    (["--schedule", "step", "--param", "step_size=0"], "step_size"),
    (["--epochs", "0"], "--epochs must be >= 1, got 0"),
    (["--batch-size", "0"], "--batch-size must be >= 1, got 0"),
    (["--threads", "0"], "--threads must be >= 1, got 0"),
    (["--checkpoint-every", "0"], "--checkpoint-every must be >= 1, got 0"),
    (["--validation", "0"], "--validation must be >= 1, got 0"),
    (["--ema", "1"], "--ema must be a decay in (0, 1), e.g. 0.99, got 1.0"),
    (["--ema", "0"], "--ema must be a decay in (0, 1), e.g. 0.99, got 0.0"),
    (["--ema", "-0.5"], "--ema must be a decay in (0, 1), e.g. 0.99, got -0.5"),
    (["--ema", "nan"], "--ema must be a decay in (0, 1), e.g. 0.99, got nan"),
    (["--clip-grad-norm", "0"], "--clip-grad-norm must be a norm > 0, e.g. 1.0 (inf: record the norms, clip nothing), "
                                "got 0.0"),
    (["--clip-grad-norm", "-1"], "--clip-grad-norm must be a norm > 0, e.g. 1.0 (inf: record the norms, clip "
                                 "nothing), got -1.0"),
    (["--clip-grad-norm", "nan"], "--clip-grad-norm must be a norm > 0, e.g. 1.0 (inf: record the norms, clip "
                                  "nothing), got nan"),
    (["--train-subset", "0"], "train_subset must be between 1 and 60000"),
    (["--device", "tpu"], "device must be 'cpu', 'cuda', 'cuda:N', 'mps' or None, got 'tpu'"),
    (["--resume", "/nonexistent/ckpt.pt"], "--resume /nonexistent/ckpt.pt: no such file"),
    (["--schedule", "plateau", "--plateau-metric", "val_loss"],
     "--plateau-metric val_loss needs a validation split: add --validation N"),
    (["--schedule", "cosine", "--plateau-metric", "test_acc"],
     "--plateau-metric test_acc applies to --schedule plateau only, not 'cosine'"),
]


@pytest.mark.parametrize("argv, message", BAD)
def test_train_bad_values_one_line(real_root, tmp_path, capsys, argv, message):
    argv = ["train", "--data-root", str(real_root), "--out", str(tmp_path / "o"), "--no-progress"] + argv
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("lrcourse train: error: ") and message in err


def test_train_list(capsys):
    assert main(["train", "--list"]) == 0
    out = capsys.readouterr().out
    assert "  sgd-momentum [SGD + momentum, momentum]: SGD(lr=0.05, momentum=0.9)" in out
    assert "lrcourse schedule --list" in out


def _train_parser() -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["train"]


def test_help_has_every_option_once_with_its_default_once_and_an_example():
    parser = _train_parser()
    text = parser.format_help()
    options = text.split("options:\n")[1].split("\nexample:")[0]
    blocks = re.split(r"\n(?=  -)", options)  # one block per option: "  --name ..." and its wrapped help
    for action in parser._actions:
        (block,) = [b for b in blocks if re.match(re.escape(action.option_strings[0]) + r"[\s,]", b.lstrip() + " ")]
        words = " ".join(block.split())
        assert action.help and words.count("(default") <= 1, words
        if action.default not in (None, False, [], argparse.SUPPRESS) and action.option_strings[0] != "--param":
            assert f"(default: {action.default})" in words, words  # a value default: shown, once
    assert "  lrcourse train --optimizer sgd --lr 0.3 --schedule cosine" in text.split("example:")[1]
    assert parser.parse_args(["--scheduler", "cosine"]).schedule == "cosine"  # the old spelling, same setting


@pytest.mark.parametrize("argv", [["train", "--scheduler-interval", "batch"], ["train", "--epochs", "x"],
                                  ["data", "--bogus"]])
def test_argparse_errors_are_usage_not_traceback(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


# ---- lrcourse data --------------------------------------------------------------------------
def test_data_prepares_from_source_and_prints_where(synthetic, tmp_path, capsys):
    src, files = synthetic
    assert main(["data", "--root", str(tmp_path / "d"), "--source", str(src)]) == 0
    out = capsys.readouterr().out
    assert f"Fashion-MNIST ready in {tmp_path / 'd'} (40 train, 20 test images)" in out
    assert all(name in out for name in files)


def test_data_without_any_copy_is_one_line(synthetic, tmp_path, capsys):
    assert main(["data", "--root", str(tmp_path / "d"), "--no-download"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(tmp_path / "d") in err and "apt-get install dataset-fashion-mnist" in err


def test_data_corrupted_file_is_one_line_naming_it(synthetic, tmp_path, capsys):
    src, _ = synthetic
    (src / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip")
    assert main(["data", "--root", str(tmp_path / "d"), "--source", str(src)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(src / "t10k-labels-idx1-ubyte.gz") in err


def test_console_script_help():
    exe = Path(sys.executable).with_name("lrcourse")
    for cmd in (["train", "--help"], ["data", "--help"]):
        res = subprocess.run([str(exe), *cmd], capture_output=True, text=True, timeout=120)
        assert res.returncode == 0 and "usage: lrcourse " + cmd[0] in res.stdout
        assert "--scheduler-interval" in res.stdout if cmd[0] == "train" else "--source" in res.stdout
