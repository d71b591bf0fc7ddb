import os

import matplotlib
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
