"""lrcourse.data: real files, offline sources, missing / corrupted / interrupted, subsets, batches.

Error paths use small synthetic idx files (with ``KNOWN_FILES`` pointed at their digests: the
``synthetic`` fixture in conftest.py) so they run in milliseconds; the real-data tests use the Debian package's files and skip with a
reason when it is absent, unless ``LRCOURSE_REQUIRE_DATA=1`` (CI) makes that a failure.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision

from lrcourse import data

REMEDY_APT = "apt-get install dataset-fashion-mnist"


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]


# ---- where the data directory is ------------------------------------------------------------
@pytest.mark.parametrize("arg, env, xdg, expected", [
    ("/a", "/b", "/c", "/a"),
    (None, "/b", "/c", "/b"),
    (None, None, "/c", "/c/lrcourse"),
    (None, None, None, "~/.cache/lrcourse"),
])
def test_data_dir_precedence(monkeypatch, arg, env, xdg, expected):
    for var, value in ((data.DATA_ENV, env), ("XDG_CACHE_HOME", xdg)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)
    assert data.data_dir(arg) == Path(expected).expanduser()


# ---- offline sources ------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["argument", "env", "decompressed"])
def test_source_directory_is_installed_and_loaded(synthetic, tmp_path, monkeypatch, how):
    src, files = synthetic
    if how == "decompressed":
        for name, b in files.items():
            (src / f"{name}.gz").unlink()
            (src / name).write_bytes(b)
    if how == "env":
        monkeypatch.setenv(data.SOURCE_ENV, str(src))
    root = data.prepare(tmp_path / "root", source=None if how == "env" else src, download=False)
    raw = root / "FashionMNIST" / "raw"
    assert {p.name for p in raw.iterdir()} == set(files)
    for name, b in files.items():
        assert (raw / name).read_bytes() == b
    ds = data.fashion_mnist(root, device="cpu")
    assert ds.train_images.shape == (40, 1, 28, 28) and ds.train_images.dtype == torch.uint8
    labels = np.frombuffer(files["t10k-labels-idx1-ubyte"][8:], dtype=np.uint8)
    assert ds.test_labels.tolist() == labels.tolist()


def rows(images: torch.Tensor) -> list[bytes]:
    return [bytes(im.flatten().tolist()) for im in images]


# (validation, train_subset, seed): one line per case; 40 synthetic training images, 4 per class
VALIDATION_CASES = [(10, None, 0), (10, None, 1), (20, 10, 0), (3, 37, 2), (39, None, 0)]


@pytest.mark.parametrize("validation, train_subset, seed", VALIDATION_CASES)
def test_validation_is_held_out_of_training_stratified_and_seeded(synthetic, tmp_path, validation,
                                                                  train_subset, seed):
    src, files = synthetic
    root = data.prepare(tmp_path / "root", source=src, download=False)
    full = data.fashion_mnist(root, device="cpu")
    ds = data.fashion_mnist(root, device="cpu", validation=validation, train_subset=train_subset, seed=seed)
    assert ds.splits == ("train", "test", "val") and full.splits == ("train", "test")
    assert ds.num_examples("val") == validation and ds.num_examples("train") == (train_subset or 40 - validation)
    val, train, every = rows(ds.val_images), rows(ds.train_images), rows(full.train_images)
    assert not set(val) & set(train) and set(val) | set(train) <= set(every)
    label_of = dict(zip(every, full.train_labels.tolist()))
    assert [label_of[r] for r in val] == ds.val_labels.tolist()
    assert [label_of[r] for r in train] == ds.train_labels.tolist()
    counts = ds.val_labels.bincount(minlength=10)
    assert counts.max() - counts.min() <= 1  # stratified: 4 per class, so validation/10 each
    assert torch.equal(ds.test_images, full.test_images) and torch.equal(ds.test_labels, full.test_labels)
    again = data.fashion_mnist(root, device="cpu", validation=validation, train_subset=train_subset, seed=seed)
    assert torch.equal(again.val_images, ds.val_images) and torch.equal(again.train_images, ds.train_images)
    other = data.fashion_mnist(root, device="cpu", validation=validation, seed=seed + 5)
    assert rows(other.val_images) != val
    moved = ds.to("cpu")
    assert moved.splits == ds.splits and torch.equal(moved.val_labels, ds.val_labels)
    assert sum(len(y) for _, y in ds.batches("val", 4, shuffle=False)) == validation


def test_source_directory_missing_a_file(synthetic, tmp_path):
    src, _ = synthetic
    (src / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(data.DataUnavailableError, match=r"t10k-labels-idx1-ubyte") as exc:
        data.prepare(tmp_path / "root", source=src)
    assert str(src) in str(exc.value)


def test_no_network_and_no_copy_names_dir_and_both_remedies(synthetic, tmp_path):
    root = tmp_path / "root"
    with pytest.raises(data.DataUnavailableError) as exc:
        data.prepare(root)
    msg = str(exc.value)
    assert str(root / "FashionMNIST" / "raw") in msg and REMEDY_APT in msg and "copy them into" in msg
    assert files_under(root) == []


def test_download_false_names_dir_and_remedies(synthetic, tmp_path):
    with pytest.raises(data.DataUnavailableError, match="download=False") as exc:
        data.prepare(tmp_path / "root", download=False)
    assert REMEDY_APT in str(exc.value) and str(tmp_path / "root") in str(exc.value)


@pytest.mark.parametrize("interruption", [RuntimeError("connection reset"), KeyboardInterrupt()])
def test_interrupted_download_leaves_no_file(synthetic, tmp_path, monkeypatch, interruption):
    def partial_download(self):
        os.makedirs(self.raw_folder, exist_ok=True)
        Path(self.raw_folder, "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b half")
        Path(self.raw_folder, "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03 half")
        raise interruption

    monkeypatch.setattr(torchvision.datasets.FashionMNIST, "download", partial_download)
    root = tmp_path / "root"
    expected = data.DataUnavailableError if isinstance(interruption, Exception) else KeyboardInterrupt
    with pytest.raises(expected):
        data.prepare(root)
    assert files_under(root) == []


def test_download_is_verified_and_moved_into_place(synthetic, tmp_path, monkeypatch):
    _, files = synthetic

    def fake_download(self):
        os.makedirs(self.raw_folder, exist_ok=True)
        for name, b in files.items():
            Path(self.raw_folder, name).write_bytes(b)

    monkeypatch.setattr(torchvision.datasets.FashionMNIST, "download", fake_download)
    root = data.prepare(tmp_path / "root")
    assert sorted(p.name for p in files_under(root)) == sorted(files)


# ---- truncated and corrupted files ----------------------------------------------------------
def _truncate_gz(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-40])


def _truncate_content(path: Path) -> None:
    b = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(b[:-100]))


def _flip_byte(path: Path) -> None:
    b = bytearray(gzip.decompress(path.read_bytes()))
    b[-1] ^= 0xFF
    path.write_bytes(gzip.compress(bytes(b)))


@pytest.mark.parametrize("damage, message", [
    (_truncate_gz, "cannot be read"),
    (_truncate_content, "truncated"),
    (_flip_byte, "differ from the original"),
])
def test_corrupted_source_file_is_named(synthetic, tmp_path, damage, message):
    src, _ = synthetic
    bad = src / "train-images-idx3-ubyte.gz"
    damage(bad)
    root = tmp_path / "root"
    with pytest.raises(data.DataCorruptError, match=message) as exc:
        data.prepare(root, source=src)
    assert str(bad) in str(exc.value)
    assert not (root / "FashionMNIST" / "raw" / "train-images-idx3-ubyte").exists()
    assert not [p for p in files_under(root) if p.name.endswith(".part")]


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[:-100], "truncated"),
    (lambda b: b[:10], "header"),
    (lambda b: b[:-1] + bytes([b[-1] ^ 0xFF]), "differ from the original"),
])
def test_corrupted_file_in_data_dir_is_named(synthetic, tmp_path, damage, message):
    src, files = synthetic
    root = data.prepare(tmp_path / "root", source=src)
    bad = root / "FashionMNIST" / "raw" / "t10k-images-idx3-ubyte"
    bad.write_bytes(damage(files[bad.name]))
    with pytest.raises(data.DataCorruptError, match=message) as exc:
        data.fashion_mnist(root, device="cpu")
    assert str(bad) in str(exc.value)


# ---- the real files -------------------------------------------------------------------------
def test_real_files_match_known_digests_and_torchvision(real_root):
    raw = real_root / "FashionMNIST" / "raw"
    for name, (size, md5) in data.KNOWN_FILES.items():
        assert (raw / name).stat().st_size == size
        assert hashlib.md5((raw / name).read_bytes()).hexdigest() == md5
    ds = data.fashion_mnist(real_root, device="cpu")
    assert ds.train_images.shape == (60000, 1, 28, 28) and ds.test_images.shape == (10000, 1, 28, 28)
    assert ds.train_labels.bincount().tolist() == [6000] * 10
    assert ds.classes == tuple(torchvision.datasets.FashionMNIST.classes)
    tv = torchvision.datasets.FashionMNIST(real_root, train=False)
    assert torch.equal(ds.test_images[:, 0], tv.data) and torch.equal(ds.test_labels, tv.targets)


@pytest.mark.parametrize("split", ["train", "test"])
def test_batches_equal_torchvision_to_tensor(real_root, split):
    ds = data.fashion_mnist(real_root, device="cpu")
    tv = torchvision.datasets.FashionMNIST(real_root, train=split == "train",
                                           transform=torchvision.transforms.ToTensor())
    x, y = next(ds.batches(split, 300, shuffle=False))
    expected = torch.stack([tv[i][0] for i in range(300)])
    assert x.dtype == expected.dtype == torch.float32
    assert torch.equal(x, expected)
    assert y.tolist() == [tv[i][1] for i in range(300)]


# ---- subsets and batches (synthetic labels: fast) -------------------------------------------
def labels_like_fmnist(per_class=(600, 500, 700, 600, 600, 600, 600, 600, 600, 600)) -> torch.Tensor:
    labels = torch.cat([torch.full((k,), c) for c, k in enumerate(per_class)])
    return labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(1))]


@pytest.mark.parametrize("n", [10, 37, 512, 1000, 5999, 6000])
def test_stratified_subset_is_proportional_and_seeded(n):
    labels = labels_like_fmnist()
    idx = data.stratified_subset(labels, n, seed=3)
    assert len(idx) == n == len(set(idx.tolist()))
    counts = labels[idx].bincount(minlength=10).double()
    expected = labels.bincount().double() * n / len(labels)
    assert (counts - expected).abs().max() < 1
    assert torch.equal(idx, data.stratified_subset(labels, n, seed=3))
    if n < len(labels):
        assert not torch.equal(idx, data.stratified_subset(labels, n, seed=4))


def make_dataset(n_train=1000, n_test=300) -> data.FashionMNIST:
    g = torch.Generator().manual_seed(0)
    img = lambda n: torch.randint(0, 256, (n, 1, 28, 28), generator=g, dtype=torch.uint8)  # noqa: E731
    return data.FashionMNIST(img(n_train), torch.arange(n_train) % 10, img(n_test), torch.arange(n_test) % 10)


def test_batches_cover_each_example_once_reproducibly():
    ds = make_dataset()
    ds.train_images[:, 0, 0, 0] = torch.arange(1000) % 256  # each image carries its index
    ds.train_images[:, 0, 0, 1] = torch.arange(1000) // 256

    def run(seed, epoch):
        return [torch.round(x[:, 0, 0, 0] * 255).long() + 256 * torch.round(x[:, 0, 0, 1] * 255).long()
                for x, _ in ds.batches("train", 256, seed=seed, epoch=epoch)]

    a = run(0, 0)
    assert [len(i) for i in a] == [256, 256, 256, 232]
    assert sorted(torch.cat(a).tolist()) == list(range(1000))
    assert torch.cat(a).tolist() != list(range(1000))
    assert all(torch.equal(p, q) for p, q in zip(a, run(0, 0)))
    assert not torch.equal(torch.cat(a), torch.cat(run(0, 1)))
    assert not torch.equal(torch.cat(a), torch.cat(run(1, 0)))
    x, y = next(ds.batches("train", 256, seed=0, epoch=0))
    assert torch.equal(y, ds.train_labels[a[0]])
    assert torch.equal(x, ds.train_images[a[0]].float() / 255)
    assert torch.equal(torch.cat([y for _, y in ds.batches("test", 128, shuffle=False)]), ds.test_labels)


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda ds: next(ds.batches("train", 0)), ValueError, r"batch_size must be an int >= 1, got 0"),
    (lambda ds: next(ds.batches("train", 2.5)), ValueError, r"batch_size .* got 2.5"),
    (lambda ds: next(ds.batches("valid", 8)), ValueError, r"split must be one of 'train', 'val', 'test', got 'valid'"),
    (lambda ds: next(ds.batches("val", 8)), ValueError, r"split='val' needs a validation split.*validation=N"),
    (lambda ds: data.load_split("valid"), ValueError, r"split must be one of 'train', 'test', got 'valid'"),
    (lambda ds: data.fashion_mnist(train_subset=0), ValueError, r"train_subset must be between 1 and 60000.*got 0"),
    (lambda ds: data.fashion_mnist(test_subset=10001), ValueError, r"test_subset must be between 1 and 10000"),
    (lambda ds: data.fashion_mnist(train_subset=1.5), TypeError, r"train_subset must be an int or None, got 1.5"),
    (lambda ds: data.fashion_mnist(train_subset=True), TypeError, r"train_subset must be an int"),
    (lambda ds: data.fashion_mnist(device="tpu"), ValueError, r"device must be 'cpu'.*got 'tpu'"),
    (lambda ds: data.fashion_mnist(validation=0), ValueError, r"validation must be between 1 and 59999.*got 0"),
    (lambda ds: data.fashion_mnist(validation=2.5), TypeError, r"validation must be an int or None, got 2.5"),
    (lambda ds: data.fashion_mnist(validation=10000, train_subset=50001), ValueError,
     r"train_subset must be between 1 and 50000 .*got 50001"),
])
def test_bad_arguments(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(make_dataset(20, 10))


def test_corrupted_download_is_named_and_leaves_no_file(synthetic, tmp_path, monkeypatch):
    _, files = synthetic

    def bad_download(self):
        os.makedirs(self.raw_folder, exist_ok=True)
        for name, b in files.items():
            Path(self.raw_folder, name).write_bytes(b[:-1] + bytes([b[-1] ^ 1]))

    monkeypatch.setattr(torchvision.datasets.FashionMNIST, "download", bad_download)
    root = tmp_path / "root"
    with pytest.raises(data.DataCorruptError, match=r"downloaded train-images-idx3-ubyte: contents differ"):
        data.prepare(root)
    assert files_under(root) == []


def test_docstring_examples_run(real_root, monkeypatch):
    import doctest

    monkeypatch.setenv(data.DATA_ENV, str(real_root))
    result = doctest.testmod(data)
    assert result.failed == 0 and result.attempted >= 2


@pytest.mark.parametrize("root, env, pattern", [
    ("FILE", None, r"data directory FILE is a file, not a folder; give another folder as root="),
    ("FILE/sub", None, r"data directory FILE/sub cannot be made: FILE is a file"),
    (None, "FILE", r"data directory FILE is a file, not a folder; point \$LRCOURSE_DATA at a folder"),
])
def test_data_directory_that_is_a_file_is_named(tmp_path, monkeypatch, root, env, pattern):
    file = tmp_path / "a-file"
    file.write_text("mine")
    fill = lambda s: None if s is None else s.replace("FILE", str(file))  # noqa: E731
    if env is None:
        monkeypatch.delenv(data.DATA_ENV, raising=False)
    else:
        monkeypatch.setenv(data.DATA_ENV, fill(env))
    with pytest.raises(data.DataUnavailableError, match=pattern.replace("FILE", re.escape(str(file)))):
        data.prepare(fill(root), download=False)
    assert file.read_text() == "mine" and files_under(tmp_path) == [file]
