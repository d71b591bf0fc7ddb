"""``lrcourse schedule``: table, PNG/CSV output (atomic, never over a file unasked), --list, help,
and one-line errors. ``--param`` typing: test_cli_params.py."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lrcourse.catalog import Trace, simulate
from lrcourse.cli import main


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


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("out", ["new/", "new/deeper/", "existing", "existing/"])
def test_png_and_folder(tmp_path, capsys, out):
    """A folder (existing, or a path ending in '/', created) gets NAME.png and NAME.csv inside it."""
    assert main(["schedule", "wsd", "--steps", "50", "--out", str(tmp_path / "w.png"), "--log"]) == 0
    assert (tmp_path / "w.png").read_bytes()[:8] == PNG_MAGIC
    (tmp_path / "existing").mkdir()
    folder = tmp_path / out
    assert main(["schedule", "InverseSqrtLR", "--steps", "50", "--out", str(tmp_path) + "/" + out]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["inverse-sqrt.csv", "inverse-sqrt.png"]
    assert (folder / "inverse-sqrt.png").read_bytes()[:8] == PNG_MAGIC
    rows = list(csv.reader((folder / "inverse-sqrt.csv").open()))
    np.testing.assert_array_equal([float(r[1]) for r in rows[1:]], simulate("inverse-sqrt", 50).lr)
    assert f"wrote {folder / 'inverse-sqrt.png'}" in capsys.readouterr().out


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
    (["schedule", "cosine", "--groups", "100000"], ["--groups", "100000", "between 1 and 64"]),
    (["schedule", "cosine", "--groups", "0"], ["--groups", "0", "between 1 and 64"]),
    (["schedule", "cosine", "--steps", "10000000"], ["--steps", "10000000", "at most 100,000"]),
    (["schedule", "--list", "--steps", "10000000"], ["--steps", "10000000", "at most 100,000"]),
    (["schedule", "cosine", "--out", "curve.txt"], ["--out", "curve.txt", ".png or .csv", "folder", "cosine.png"]),
    (["schedule", "cosine", "--out", "curve"], ["--out", "'curve'", ".png or .csv", "ending in '/'"]),
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


def one_error_line(capsys, command: str = "schedule") -> str:
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith(f"lrcourse {command}: error:") and err.count("\n") == 1 and "Traceback" not in err
    return err


def test_existing_file_is_kept_unless_overwrite(tmp_path, capsys):
    out = tmp_path / "c.csv"
    out.write_text("my notes\n")
    assert main(["schedule", "cosine", "--steps", "10", "--out", str(out)]) == 2
    assert capsys.readouterr().out == ""  # refused before anything is computed or printed
    assert main(["schedule", "cosine", "--steps", "10", "--out", str(out)]) == 2
    err = one_error_line(capsys)
    assert str(out) in err and "--overwrite" in err and out.read_text() == "my notes\n"
    assert main(["schedule", "cosine", "--steps", "10", "--out", str(out), "--overwrite"]) == 0
    assert len(list(csv.reader(out.open()))) == 1 + 10  # header + one row per step


def test_folder_with_one_existing_file_writes_neither(tmp_path, capsys):
    (tmp_path / "cosine.png").write_bytes(b"mine")
    assert main(["schedule", "cos", "--steps", "10", "--out", str(tmp_path)]) == 2
    assert "cosine.png" in one_error_line(capsys) and [p.name for p in tmp_path.iterdir()] == ["cosine.png"]
    assert main(["schedule", "cos", "--steps", "10", "--out", str(tmp_path), "--overwrite"]) == 0
    assert (tmp_path / "cosine.png").read_bytes()[:8] == PNG_MAGIC and (tmp_path / "cosine.csv").exists()


@pytest.mark.parametrize("existing", [None, "my notes\n"])
def test_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path, capsys, monkeypatch, existing):
    def half_then_fail(self, f):  # into the temporary file atomic_write hands it
        f.write("step,lr\n0,")
        f.flush()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Trace, "to_csv", half_then_fail)
    out = tmp_path / "c.csv"
    if existing is not None:
        out.write_text(existing)
    argv = ["schedule", "cosine", "--steps", "10", "--out", str(out)] + (["--overwrite"] if existing else [])
    assert main(argv) == 2
    assert "No space left on device" in one_error_line(capsys)
    assert [p.name for p in tmp_path.iterdir()] == ([] if existing is None else ["c.csv"])  # no .part left
    assert existing is None or out.read_text() == existing


def test_os_errors_are_one_line_naming_the_path(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(["schedule", "cosine", "--steps", "5", "--out", f"{blocker}/sub/"]) == 2  # mkdir under a file
    assert f"{blocker}/sub" in one_error_line(capsys)
    assert main(["schedule", "cosine", "--steps", "5", "--out", f"{blocker}/"]) == 2
    err = one_error_line(capsys)
    assert str(blocker) in err and "is a file" in err


def test_list_shows_the_settings_the_run_uses(capsys):
    """ReduceLROnPlateau's signature says patience=10; a run of n steps is sized to n // 20."""
    for steps, patience in (("100", 5), ("400", 20)):
        assert main(["schedule", "--list", "--steps", steps]) == 0
        lines = capsys.readouterr().out.splitlines()
        plateau = lines[lines.index("  ReduceLROnPlateau [plateau]") + 1]
        assert f"patience={patience}*" in plateau and "patience=10" not in plateau
        assert main(["schedule", "plateau", "--steps", steps]) == 0
        assert f"patience={patience}" in capsys.readouterr().out.splitlines()[0]
