"""atomic_write: the file is the old one or the new one, never half; nothing left beside it."""
from __future__ import annotations

import os
import stat

import pytest

from lrcourse.train.atomic import atomic_write


@pytest.mark.parametrize("mode, content", [("w", "new text\n"), ("wb", b"\x00new bytes")])
def test_replaces_the_file_when_the_block_ends(tmp_path, mode, content):
    path = tmp_path / "sub" / "f"  # the folder is created
    with atomic_write(path, mode) as f:
        f.write(content)
        assert not path.exists()  # nothing at the path until the block ends
    assert (path.read_text() if mode == "w" else path.read_bytes()) == content
    assert os.listdir(path.parent) == ["f"]


@pytest.mark.parametrize("exc", [OSError("disk full"), KeyboardInterrupt()])
def test_an_exception_in_the_block_keeps_the_old_file(tmp_path, exc):
    path = tmp_path / "f"
    path.write_text("old")
    with pytest.raises(type(exc)):
        with atomic_write(path) as f:
            f.write("half of the new")
            raise exc
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["f"]


def test_permissions_follow_the_umask_like_open(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "f") as f:
            f.write("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == 0o644  # mkstemp would give 0o600


def test_mode_is_checked():
    with pytest.raises(ValueError, match=r"mode must be 'w' or 'wb', got 'a'"):
        with atomic_write("x", "a"):
            pass
