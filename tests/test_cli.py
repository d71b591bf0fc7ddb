"""``lrcourse`` as a whole (lrcourse.cli): no command, help texts, one-line errors from ``main``."""
from __future__ import annotations

import pytest

from lrcourse.cli import main, one_line


def test_no_command_prints_help_to_stderr(capsys):
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("usage: lrcourse") and "schedule" in captured.err


def option_helps(argv: list[str], capsys) -> dict[str, str]:
    """``{option: its help text}`` from ``lrcourse ... --help``."""
    with pytest.raises(SystemExit) as done:
        main(argv + ["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    section = text.split("options:\n", 1)[1].split("\n\n", 1)[0]
    entries: dict[str, str] = {}
    for line in section.splitlines():
        if line.startswith("  -"):
            option = line.split()[0].rstrip(",")
            entries[option] = line.strip()[len(option):]
        else:
            entries[option] += " " + line.strip()
    return entries


@pytest.mark.parametrize("command, options", [
    ("schedule", ["--list", "--steps", "--lr", "--param", "--optimizer", "--groups", "--out", "--overwrite", "--log"]),
    ("data", ["--root", "--source", "--no-download"]),
])
def test_every_option_has_help_with_its_default_once(command, options, capsys):
    helps = option_helps([command], capsys)
    assert sorted(helps) == sorted(["-h"] + options)
    for option in options:
        words = helps[option].split()
        assert len(words) > 3, option  # more than the metavar
        assert helps[option].lower().count("default") <= 1, helps[option]
    for option, default in (("--steps", "100"), ("--lr", "0.1"), ("--optimizer", "sgd"), ("--groups", "1")):
        if command == "schedule":
            assert f"(default: {default})" in helps[option]


# (exception, what its one line must say): an OSError names its path, nothing spans two lines.
@pytest.mark.parametrize("exc, expected", [
    (NotADirectoryError(20, "Not a directory", "/data/file/sub"), "/data/file/sub: Not a directory"),
    (PermissionError(13, "Permission denied", "/root/x.png"), "/root/x.png: Permission denied"),
    (IsADirectoryError(21, "Is a directory", "/tmp/out"), "/tmp/out: Is a directory"),
    (OSError(18, "Invalid cross-device link", "/a", None, "/b"), "/a: Invalid cross-device link (and /b)"),
    (OSError(28, "No space left on device"), "[Errno 28] No space left on device"),
    (ValueError("first line\n  second line\n"), "first line second line"),
    (RuntimeError(), "RuntimeError"),
])
def test_one_line(exc, expected):
    assert one_line(exc) == expected
