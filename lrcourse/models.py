"""LeNet as in d2l's learning-rate-scheduling chapter (ReLU and max-pooling, PyTorch init).

.. math::
    28^2 \\xrightarrow{\\text{conv}_{5\\times5}^{6},\\ \\text{pad }2} 6\\cdot 28^2
    \\xrightarrow{\\text{pool}} 6\\cdot 14^2
    \\xrightarrow{\\text{conv}_{5\\times5}^{16}} 16\\cdot 10^2
    \\xrightarrow{\\text{pool}} 16\\cdot 5^2 = 400 \\to 120 \\to 84 \\to 10

Example:
    >>> import torch
    >>> LeNet()(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])

Reference: Y. LeCun et al., "Gradient-based learning applied to document recognition" (1998);
Dive into Deep Learning, section "Learning Rate Scheduling".
"""
from __future__ import annotations

from torch import nn

from . import checks


class LeNet(nn.Sequential):
    """The chapter's ``net_fn()``: same layers, same order, so state_dict keys match it (61,706
    parameters). Initialised by PyTorch's defaults (no Xavier), as in the chapter.

    Args:
        num_classes: outputs of the last layer (default 10).
    """

    def __init__(self, num_classes: int = 10):
        checks.integer("num_classes", num_classes, low=2, type_error=False)
        super().__init__(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )
