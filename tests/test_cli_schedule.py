"""``lrcourse schedule``: table, PNG/CSV output, --list, and one-line errors."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lrcourse.cli import main
from lrcourse.catalog import simulate


def test_table_and_csv(tmp_path, capsys):
    out = tmp_path / "ms.csv"
    assert main(["schedule", "MultiStepLR", "--steps", "30", "--lr", "0.5",
                 "--param", "milestones=15,30", "--param", "gamma=0.5", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "MultiStepLR(milestones=[15, 30], gamma=0.5)" in text and "min lr 0.25 at step 15" in text
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["step", "lr"]
    np.testing.assert_array_equal([float(r[1]) for r in rows[1:]], [0.5] * 15 + [0.25] * 15)


@pytest.mark.parametrize("name", ["onecycle", "ONE-CYCLE", "OneCycleLR", "1cycle"])
def test_names_case_insensitive_with_aliases(name, capsys):
    assert main(["schedule", name, "--steps", "20", "--optimizer", "adam"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("OneCycleLR(") and "momentum" in text


def test_png_and_prefix(tmp_path, capsys):
    assert main(["schedule", "wsd", "--steps", "50", "--out", str(tmp_path / "w.png"), "--log"]) == 0
    assert (tmp_path / "w.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["schedule", "inverse-sqrt", "--steps", "50", "--out", str(tmp_path / "both")]) == 0
    assert (tmp_path / "both.png").exists() and (tmp_path / "both.csv").exists()
    rows = list(csv.reader((tmp_path / "both.csv").open()))
    np.testing.assert_array_equal([float(r[1]) for r in rows[1:]], simulate("inverse-sqrt", 50).lr)


def test_d2l_callable(capsys):
    assert main(["schedule", "d2l-cosine", "--steps", "20", "--lr", "0.3", "--param", "warmup_steps=5"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("CosineScheduler(max_update=20, base_lr=0.3, warmup_steps=5): 20 steps")
    assert "max lr 0.3 at step 5" in text  # the chapter's ramp from 0 reaches base_lr at t = warmup_steps


def test_list(capsys):
    assert main(["schedule", "--list"]) == 0
    text = capsys.readouterr().out
    for name in ("CosineAnnealingLR", "OneCycleLR", "WSDLR", "InverseSqrtLR", "T_max", "max_lr", "cosine",
                 "CosineScheduler [d2l-cosine]", "SequentialLR [warmup-cosine, sequential]", "WarmupLR"):
        assert name in text


@pytest.mark.parametrize("argv, words", [
    (["schedule"], ["NAME", "--list"]),
    (["schedule", "cosinus"], ["unknown scheduler 'cosinus'", "CosineAnnealingLR"]),
    (["schedule", "cosine", "--param", "T_max=0"], ["T_max", "0", "int >= 1"]),
    (["schedule", "cosine", "--param", "T_max"], ["--param", "KEY=VALUE", "'T_max'"]),
    (["schedule", "step", "--param", "gamma=-1"], ["gamma", "-1", "(0, inf)"]),
    (["schedule", "cosine", "--steps", "0"], ["steps", "0", "int >= 1"]),
    (["schedule", "cosine", "--out", "/no/such/dir/c.png"], ["--out", "/no/such/dir"]),
    (["schedule", "cosine", "--optimizer", "rmsprop"], ["optimizer", "'sgd'", "'adam'", "'rmsprop'"]),
])
def test_errors_are_one_line(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("lrcourse schedule: error:") and err.count("\n") == 1 and "Traceback" not in err
    for word in words:
        assert word in err


def test_console_script(tmp_path):
    script = Path(sys.executable).with_name("lrcourse")
    done = subprocess.run([str(script), "schedule", "cosine", "--steps", "10", "--out", str(tmp_path / "c.csv")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "CosineAnnealingLR(T_max=10)" in done.stdout and (tmp_path / "c.csv").exists()
