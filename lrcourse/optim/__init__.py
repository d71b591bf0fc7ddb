"""Optimizers written from their update equations, each equal to torch.optim's (checked in tests).

Every class is a ``torch.optim.Optimizer``: it works with ``model.parameters()``, param
groups, ``state_dict()`` and torch's learning-rate schedulers. The update itself is a
small function next to each class (``sgd_update``, ``adam_update``, ...) that reads like
the equation in its docstring. ``Yogi`` goes beyond torch (d2l's variant).

Example:
    >>> import torch
    >>> from lrcourse.optim import Adam
    >>> model = torch.nn.Linear(3, 1)
    >>> opt = Adam(model.parameters(), lr=1e-2)
"""
from .adadelta import Adadelta, adadelta_update
from .adagrad import Adagrad, adagrad_update
from .adam import Adam, AdamW, adam_update
from .rmsprop import RMSprop, rmsprop_update
from .sgd import SGD, sgd_update
from .yogi import Yogi, yogi_update

__all__ = [
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adadelta",
    "Adam",
    "AdamW",
    "Yogi",
    "sgd_update",
    "adagrad_update",
    "rmsprop_update",
    "adadelta_update",
    "adam_update",
    "yogi_update",
]
