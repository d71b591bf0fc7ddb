"""LeNet as in d2l's learning-rate-scheduling chapter (ReLU and max-pooling, PyTorch init).

.. math::
    28^2 \\xrightarrow{\\text{conv}_{5\\times5}^{6},\\ \\text{pad }2} 6\\cdot 28^2
    \\xrightarrow{\\text{pool}} 6\\cdot 14^2
    \\xrightarrow{\\text{conv}_{5\\times5}^{16}} 16\\cdot 10^2
    \\xrightarrow{\\text{pool}} 16\\cdot 5^2 = 400 \\to 120 \\to 84 \\to 10

``LeNet(batch_norm=True)`` is d2l's BN-LeNet (section "Batch Normalization") with this
LeNet's ReLU, padding and max-pooling: a BatchNorm after each convolution and after each
hidden linear layer, before its ReLU. Its running statistics are what the averaged weights
of schedule-free optimizers and EMAs get wrong unless recomputed (:mod:`lrcourse.train.swa_utils`).

Example:
    >>> import torch
    >>> LeNet()(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    >>> [type(m).__name__ for m in list(LeNet(batch_norm=True))[:3]]
    ['Conv2d', 'BatchNorm2d', 'ReLU']

Reference: Y. LeCun et al., "Gradient-based learning applied to document recognition" (1998);
Dive into Deep Learning, sections "Learning Rate Scheduling" and "Batch Normalization";
S. Ioffe, C. Szegedy, "Batch normalization" (2015).
"""
from __future__ import annotations

from torch import nn

from . import checks


class LeNet(nn.Sequential):
    """The chapter's ``net_fn()`` (by default): same layers, same order, so state_dict keys match
    it (61,706 parameters). Initialised by PyTorch's defaults (no Xavier), as in the chapter.

    Args:
        num_classes: outputs of the last layer (default 10).
        batch_norm: a BatchNorm before each ReLU (``BatchNorm2d`` after the convolutions,
            ``BatchNorm1d`` after the hidden linear layers), as d2l's BN-LeNet (default False:
            the chapter's net). The other layers draw the same initial weights either way.
    """

    def __init__(self, num_classes: int = 10, batch_norm: bool = False):
        checks.integer("num_classes", num_classes, low=2, type_error=False)
        checks.flag("batch_norm", batch_norm)

        def norm(layer):  # the layer, then its BatchNorm when asked (no random draws: ones and zeros)
            if not batch_norm:
                return [layer]
            if isinstance(layer, nn.Conv2d):
                return [layer, nn.BatchNorm2d(layer.out_channels)]
            return [layer, nn.BatchNorm1d(layer.out_features)]

        super().__init__(
            *norm(nn.Conv2d(1, 6, kernel_size=5, padding=2)), nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
            *norm(nn.Conv2d(6, 16, kernel_size=5)), nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            *norm(nn.Linear(16 * 5 * 5, 120)), nn.ReLU(),
            *norm(nn.Linear(120, 84)), nn.ReLU(),
            nn.Linear(84, num_classes),
        )
