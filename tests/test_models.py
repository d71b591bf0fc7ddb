"""lrcourse.models.LeNet against a verbatim copy of the d2l chapter's ``net_fn``."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from lrcourse.models import LeNet


def chapter_net_fn():  # d2l, "Learning Rate Scheduling" (PyTorch tab), verbatim
    model = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))
    return model


@pytest.mark.parametrize("seed", [0, 1, 123])
def test_lenet_equals_chapter_net_same_seed(seed):
    torch.manual_seed(seed)
    ours = LeNet()
    torch.manual_seed(seed)
    theirs = chapter_net_fn()
    assert [type(m) for m in ours] == [type(m) for m in theirs]
    assert [repr(m) for m in ours] == [repr(m) for m in theirs]
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b)
    assert all(torch.equal(a[k], b[k]) for k in a)  # PyTorch default init, same RNG draws
    x = torch.rand(5, 1, 28, 28, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(ours(x), theirs(x))


def test_lenet_shape_and_size():
    net = LeNet()
    assert net(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert sum(p.numel() for p in net.parameters()) == 61706
    assert LeNet(num_classes=7)(torch.zeros(1, 1, 28, 28)).shape == (1, 7)


@pytest.mark.parametrize("bad", [0, 1, 2.5, True, "10"])
def test_lenet_bad_num_classes(bad):
    with pytest.raises(ValueError, match=rf"num_classes must be an int >= 2, got {bad!r}"):
        LeNet(num_classes=bad)
