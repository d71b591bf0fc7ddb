"""`lrcourse train` and `lrcourse data`: outputs, schedules by name, resume, divergence, and one
clear stderr line (no traceback) for every bad value."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lrcourse import data as lrdata
from lrcourse.cli import main
from lrcourse.train import History
from test_data import real_root, synthetic  # noqa: F401  (fixtures)
from test_train import one_thread  # noqa: F401

TINY = ["--train-subset", "256", "--test-subset", "100", "--batch-size", "64", "--no-progress",
        "--threads", "1", "--device", "cpu"]


def train_cli(root, out, *extra):
    return main(["train", "--data-root", str(root), "--out", str(out), *TINY, *extra])


def test_train_writes_metrics_and_plots(real_root, tmp_path, capsys):
    out = tmp_path / "run"
    assert train_cli(real_root, out, "--epochs", "2", "--lr", "0.3", "--scheduler", "cosine") == 0
    assert sorted(p.name for p in out.iterdir()) == ["epochs.csv", "history.json", "history.png", "steps.csv"]
    h = History.from_json(out / "history.json")
    assert h.epochs == 2 and h.meta["optimizer"] == "SGD"
    t_max = 2  # sized to the run: 2 epochs
    assert h.epoch_lr == pytest.approx([0.3 * (1 + math.cos(math.pi * e / t_max)) / 2 for e in range(2)], rel=1e-12)
    assert (out / "history.png").read_bytes()[:4] == b"\x89PNG"
    stdout = capsys.readouterr().out
    assert "2 epochs: train loss" in stdout and str(out / "history.json") in stdout


@pytest.mark.parametrize("extra, check", [
    (["--scheduler", "onecycle", "--scheduler-interval", "step", "--momentum", "0.9"],
     lambda h: h.lr[0] == pytest.approx(0.1 / 25) and len(set(h.momentum)) > 1),
    (["--scheduler", "multistep", "--param", "milestones=[1]", "--param", "gamma=0.5"],
     lambda h: h.epoch_lr == [0.1, 0.05]),
    (["--scheduler", "d2l-cosine", "--param", "warmup_steps=1", "--callable-convention", "d2l"],
     lambda h: h.epoch_lr == [0.1, 0.0]),  # the chapter's loop: epoch 1 at scheduler(0) = 0
    (["--scheduler", "d2l-sqrt"], lambda h: h.epoch_lr == pytest.approx([0.1, 0.1 / math.sqrt(2)], rel=1e-12)),
    (["--scheduler", "plateau", "--plateau-metric", "test_acc", "--param", "patience=0",  # mode='max' implied
      "--param", "threshold=0.9", "--epochs", "3"], lambda h: h.epoch_lr == pytest.approx([0.1, 0.1, 0.01])),
    (["--optimizer", "adam", "--lr", "0.001", "--weight-decay", "0.01"],
     lambda h: h.meta["optimizer"] == "Adam" and h.momentum[0] == 0.9),
    (["--optimizer", "adam"], lambda h: h.lr[0] == 1e-3),  # the catalog's lr for Adam
    (["--optimizer", "sgd-momentum", "--scheduler", "warmup-cosine"],
     lambda h: h.momentum[0] == 0.9 and h.epoch_lr == pytest.approx([0.05 / 2, 0.05])),
    (["--optimizer", "adagrad", "--scheduler", "onecycle", "--scheduler-interval", "step"],
     lambda h: h.lr[0] == pytest.approx(0.01 / 25)),  # nothing to cycle: cycle_momentum=False
    (["--channels-last"], lambda h: h.meta["channels_last"] is True),
    (["--no-channels-last"], lambda h: h.meta["channels_last"] is False),
    ([], lambda h: h.meta["channels_last"] is True),  # the CPU default
])
def test_train_schedules_and_optimizers_by_name(real_root, tmp_path, extra, check):
    out = tmp_path / "run"
    assert train_cli(real_root, out, "--epochs", "2", *extra) == 0
    assert check(History.from_json(out / "history.json"))


def test_train_checkpoint_and_resume_via_cli(real_root, tmp_path):
    args = ["--scheduler", "step", "--param", "step_size=1", "--momentum", "0.9"]
    assert train_cli(real_root, tmp_path / "full", "--epochs", "3", *args) == 0
    assert train_cli(real_root, tmp_path / "part", "--epochs", "2", "--checkpoint-every", "1", *args) == 0
    ckpt = tmp_path / "part" / "checkpoint.pt"
    assert train_cli(real_root, tmp_path / "resumed", "--epochs", "3", "--resume", str(ckpt), *args) == 0
    full, resumed = (History.from_json(tmp_path / d / "history.json") for d in ("full", "resumed"))
    assert full.loss == resumed.loss and full.test_acc == resumed.test_acc


def test_train_divergence_exits_1_and_keeps_outputs(real_root, tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.warns(RuntimeWarning):
        assert train_cli(real_root, out, "--epochs", "2", "--lr", "10000") == 1
    err = capsys.readouterr().err
    assert "lrcourse train: training diverged at step" in err and "Lower the learning rate" in err
    assert History.from_json(out / "history.json").diverged


BAD = [  # (argv after "train", message in the one stderr line)
    (["--optimizer", "lion"], "unknown optimizer 'lion'; known: SGD (sgd), SGD + momentum (sgd-momentum)"),
    (["--lr", "-1"], "--lr must be a positive number, got -1.0"),
    (["--lr", "nan"], "--lr must be a positive number, got nan"),
    (["--optimizer", "adam", "--momentum", "0.9"], "--momentum applies to sgd, sgd-momentum, rmsprop"),
    (["--scheduler", "cosine", "--param", "T_max"], "--param expects KEY=VALUE with KEY an argument name, got 'T_max'"),
    (["--param", "T_max=3"], "--param needs a --scheduler"),
    (["--scheduler", "cosinus"], "unknown scheduler 'cosinus'"),
    (["--scheduler", "cosine", "--param", "T_maxx=3"], "T_maxx"),
    (["--scheduler", "step", "--param", "step_size=0"], "step_size"),
    (["--epochs", "0"], "--epochs must be >= 1, got 0"),
    (["--batch-size", "0"], "--batch-size must be >= 1, got 0"),
    (["--threads", "0"], "--threads must be >= 1, got 0"),
    (["--checkpoint-every", "0"], "--checkpoint-every must be >= 1, got 0"),
    (["--train-subset", "0"], "train_subset must be between 1 and 60000"),
    (["--device", "tpu"], "device must be 'cpu', 'cuda', 'cuda:N', 'mps' or None, got 'tpu'"),
    (["--resume", "/nonexistent/ckpt.pt"], "resume: no checkpoint at /nonexistent/ckpt.pt"),
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
