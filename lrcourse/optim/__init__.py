"""Optimizers written from their update equations, each equal to torch.optim's (checked in tests).

Every class is a ``torch.optim.Optimizer``: it works with ``model.parameters()``, param
groups, ``state_dict()`` and torch's learning-rate schedulers. The update itself is a
small function next to each class (``sgd_update``, ``adam_update``, ...) that reads like
the equation in its docstring. ``Yogi`` goes beyond torch (d2l's variant).

As in torch, ``lr`` (and Adam's ``betas``) may be a 1-element Tensor: stored as given (Adam's
betas squeezed to 0-dim, as torch stores them) and used as torch's for-loop path uses it, so
the steps equal torch's (``tests/test_optim_tensor_lr.py`` runs torch's own configurations).

Example:
    >>> import torch
    >>> from lrcourse.optim import Adam
    >>> model = torch.nn.Linear(3, 1)
    >>> opt = Adam(model.parameters(), lr=1e-2)
"""
from .adadelta import Adadelta, adadelta_update
from .adafactor import Adafactor, adafactor_update
from .adagrad import Adagrad, adagrad_update
from .adam import Adam, AdamW, adam_update
from .adamax import Adamax, adamax_update
from .adamw_schedule_free import AdamWScheduleFree, adamw_schedule_free_update
from .asgd import ASGD, asgd_update
from .dadapt_adam import DAdaptAdam, dadapt_adam_d
from .lbfgs import LBFGS, lbfgs_direction
from .line_search import strong_wolfe
from .muon import Muon, muon_update, newton_schulz
from .nadam import NAdam, nadam_update
from .prodigy import Prodigy, prodigy_d
from .radam import RAdam, radam_update
from .rmsprop import RMSprop, rmsprop_update
from .rprop import Rprop, rprop_update
from .sgd import SGD, sgd_update
from .sgd_schedule_free import SGDScheduleFree, sgd_schedule_free_update
from .sparse_adam import SparseAdam, sparse_adam_update
from .state import state_bytes
from .yogi import Yogi, yogi_update

__all__ = [
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adadelta",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "RAdam",
    "ASGD",
    "Rprop",
    "SparseAdam",
    "LBFGS",
    "Yogi",
    "Adafactor",
    "Muon",
    "SGDScheduleFree",
    "AdamWScheduleFree",
    "Prodigy",
    "DAdaptAdam",
    "sgd_update",
    "adagrad_update",
    "rmsprop_update",
    "adadelta_update",
    "adam_update",
    "adamax_update",
    "nadam_update",
    "radam_update",
    "asgd_update",
    "rprop_update",
    "sparse_adam_update",
    "lbfgs_direction",
    "strong_wolfe",
    "yogi_update",
    "adafactor_update",
    "muon_update",
    "sgd_schedule_free_update",
    "adamw_schedule_free_update",
    "prodigy_d",
    "dadapt_adam_d",
    "newton_schulz",
    "state_bytes",
]
