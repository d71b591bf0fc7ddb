"""What the trainer tests share: the batch size and epochs of their tiny runs, a fresh seeded
LeNet with its optimizer, and the train() options that keep a test quiet. The data fixtures
(``tiny``, ``tiny_val``) are in conftest.py."""
from __future__ import annotations

import torch

from lrcourse.models import LeNet

BATCH, EPOCHS = 64, 3
STEPS_PER_EPOCH = 4  # 256 training images / 64


def fresh(opt="sgd", lr=0.1, seed=0, **kw):
    """A LeNet seeded with ``seed`` and torch's ``opt`` ("sgd" or "adam") over its parameters."""
    torch.manual_seed(seed)
    model = LeNet()
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[opt]
    return model, cls(model.parameters(), lr=lr, **kw)


def quiet(**kw):
    """train()'s options for a test: no progress bar, no live plot, batches of ``BATCH``."""
    return dict(progress=False, live=False, batch_size=BATCH, **kw)
