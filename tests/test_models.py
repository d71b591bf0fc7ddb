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


def test_batch_norm_lenet_is_d2ls_bn_lenet_with_relu():
    """A BatchNorm after each convolution and each hidden linear layer, before its ReLU (d2l's
    "Batch Normalization" chapter); the other layers are LeNet's, drawing the same initial weights."""
    torch.manual_seed(0)
    plain = LeNet()
    torch.manual_seed(0)
    bn = LeNet(batch_norm=True)
    kinds = [type(m).__name__ for m in bn]
    assert kinds == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d",
                     "Flatten", "Linear", "BatchNorm1d", "ReLU", "Linear", "BatchNorm1d", "ReLU", "Linear"]
    assert [m.num_features for m in bn if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))] == [6, 16, 120, 84]
    assert [type(m) for m in bn if not isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))] == [type(m) for m in plain]
    weights = [p for m in bn if isinstance(m, (nn.Conv2d, nn.Linear)) for p in m.parameters()]
    assert all(torch.equal(a, b) for a, b in zip(weights, plain.parameters(), strict=True))
    assert sum(p.numel() for p in bn.parameters()) == 61706 + 2 * (6 + 16 + 120 + 84)
    x = torch.rand(5, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    assert bn(x).shape == (5, 10) and bn.eval()(x[:1]).shape == (1, 10)  # eval: one image is a batch


def test_default_lenet_is_unchanged():
    net = LeNet(batch_norm=False)
    assert list(net.state_dict()) == list(chapter_net_fn().state_dict()) == list(LeNet().state_dict())
    assert not any("running" in name for name in net.state_dict())
    with pytest.raises(TypeError, match=r"batch_norm must be True or False, got 1 of type int"):
        LeNet(batch_norm=1)
