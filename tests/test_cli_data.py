"""``lrcourse data`` (and ``train``'s --data-root): a data or source folder that is a file is one
line naming the path and where it came from, never a traceback; nothing is created."""
from __future__ import annotations

import pytest

from lrcourse import data
from lrcourse.cli import main

# (command line with FILE standing for a regular file, environment, words the one line must hold)
CASES = [
    (["data", "--root", "FILE", "--no-download"], {}, ["FILE", "is a file, not a folder", "--root"]),
    (["data", "--root", "FILE/sub", "--no-download"], {}, ["FILE/sub", "cannot be made", "FILE is a file", "--root"]),
    (["data", "--no-download"], {data.DATA_ENV: "FILE"}, ["FILE", "is a file", "$LRCOURSE_DATA"]),
    (["data", "--root", "DIR", "--source", "FILE", "--no-download"], {},
     ["source directory FILE", "not a folder", "a file", "--source"]),
    (["data", "--root", "DIR", "--source", "DIR/none", "--no-download"], {},
     ["source directory DIR/none", "does not exist", "--source"]),
    (["data", "--root", "DIR", "--no-download"], {data.SOURCE_ENV: "FILE"},
     ["source directory FILE", "not a folder", "$LRCOURSE_FASHION_MNIST_SOURCE"]),
    (["train", "--device", "cpu", "--epochs", "1", "--out", "DIR/run", "--data-root", "FILE"], {},
     ["FILE", "is a file, not a folder", "--data-root"]),
    (["train", "--device", "cpu", "--epochs", "1", "--out", "DIR/run"], {data.DATA_ENV: "FILE"},
     ["FILE", "is a file, not a folder", "$LRCOURSE_DATA"]),
]


@pytest.mark.parametrize("argv, env, words", CASES)
def test_data_folder_that_is_a_file(argv, env, words, tmp_path, monkeypatch, capsys):
    file, folder = tmp_path / "a-file", tmp_path / "root"
    file.write_text("not a folder")
    folder.mkdir()
    fill = lambda s: s.replace("FILE", str(file)).replace("DIR", str(folder))  # noqa: E731
    monkeypatch.delenv(data.SOURCE_ENV, raising=False)
    monkeypatch.setattr(data, "debian_source", lambda: None)
    for name, value in env.items():
        monkeypatch.setenv(name, fill(value))
    assert main([fill(a) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"lrcourse {argv[0]}: error:") and err.count("\n") == 1 and "Traceback" not in err
    for word in words:
        assert fill(word) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "root"] and file.read_text() == "not a folder"
    assert list(folder.rglob("*.part")) == [] and not (folder / "run").exists()
