import gzip
import hashlib
import os
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import torch

from lrcourse import data as lrdata

matplotlib.use("Agg")
# Tiny tensors everywhere in the unit tests: one thread avoids OpenMP spin-waiting on a
# shared 2-core machine (measured ~10x slower LeNet steps with 2 threads under load).
torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """256 training and 100 test images: stratified subsets of the real Fashion-MNIST where it is
    installed, else random images (the trainer's semantics under test do not depend on the pixels)."""
    src = os.environ.get(lrdata.SOURCE_ENV) or lrdata.debian_source()
    if src is None:
        g = torch.Generator().manual_seed(0)
        img = lambda n: torch.randint(0, 256, (n, 1, 28, 28), generator=g, dtype=torch.uint8)  # noqa: E731
        return lrdata.FashionMNIST(img(256), torch.arange(256) % 10, img(100), torch.arange(100) % 10)
    root = lrdata.prepare(tmp_path_factory.getbasetemp() / "fashion-mnist", source=src, download=False)
    return lrdata.fashion_mnist(root, device="cpu", train_subset=256, test_subset=100)


@pytest.fixture(scope="module")
def tiny_val(tiny):
    """``tiny`` plus a 64-image validation split (held out of the training images)."""
    g = torch.Generator().manual_seed(1)
    val = torch.randperm(len(tiny.train_labels), generator=g)[:64]
    return lrdata.FashionMNIST(tiny.train_images, tiny.train_labels, tiny.test_images, tiny.test_labels,
                               val_images=tiny.train_images[val], val_labels=tiny.train_labels[val])


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Every test module starts on one thread, whatever an in-process CLI run (``--threads``) set
    before it: the CI machine's 2 cores are shared and OpenMP spinning costs 10x."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


# ---- Fashion-MNIST files: the real ones (Debian's package), or small synthetic idx files ----
def real_source() -> Path:
    src = os.environ.get(lrdata.SOURCE_ENV) or lrdata.debian_source()
    if src is None:
        reason = "Fashion-MNIST files not installed (apt-get install dataset-fashion-mnist)"
        if os.environ.get("LRCOURSE_REQUIRE_DATA") == "1":
            pytest.fail(f"LRCOURSE_REQUIRE_DATA=1 but {reason}")
        pytest.skip(reason)
    return Path(src)


@pytest.fixture(scope="session")
def real_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.getbasetemp() / "fashion-mnist"
    return lrdata.prepare(root, source=real_source(), download=False)


def idx_bytes(arr: np.ndarray) -> bytes:
    head = (0x0800 + arr.ndim).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    return head + arr.astype(np.uint8).tobytes()


def synthetic_files(per_class_train: int = 4, per_class_test: int = 2) -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    out = {}
    for prefix, k in (("train", per_class_train), ("t10k", per_class_test)):
        labels = np.repeat(np.arange(10), k)
        rng.shuffle(labels)
        out[f"{prefix}-images-idx3-ubyte"] = idx_bytes(rng.integers(0, 256, (len(labels), 28, 28)))
        out[f"{prefix}-labels-idx1-ubyte"] = idx_bytes(labels)
    return out


@pytest.fixture
def synthetic(monkeypatch, tmp_path):
    """A source directory of synthetic .gz files; KNOWN_FILES points at their digests; no Debian,
    no env source, and any download attempt fails."""
    import torchvision

    files = synthetic_files()
    monkeypatch.setattr(lrdata, "KNOWN_FILES",
                        {n: (len(b), hashlib.md5(b).hexdigest()) for n, b in files.items()})
    monkeypatch.setattr(lrdata, "debian_source", lambda: None)
    monkeypatch.delenv(lrdata.SOURCE_ENV, raising=False)
    monkeypatch.setattr(torchvision.datasets.FashionMNIST, "download", _no_network)
    src = tmp_path / "source"
    src.mkdir()
    for name, b in files.items():
        (src / f"{name}.gz").write_bytes(gzip.compress(b))
    return src, files


def _no_network(self):
    raise RuntimeError("Error downloading train-images-idx3-ubyte.gz: <urlopen error no network>")
