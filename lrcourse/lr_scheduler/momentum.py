r"""Where a param group keeps its momentum: one rule for the schedulers, the catalog and the trainer.

The rule is torch's (``CyclicLR``, ``OneCycleLR``), read from the optimizer's ``defaults``:

1. ``betas`` in the defaults (Adam, AdamW, NAdam, RAdam, Adamax, ...): the momentum is
   :math:`\beta_1` = ``betas[0]``;
2. else ``momentum`` in the defaults (SGD, RMSprop, Muon, ...): the momentum is ``momentum``
   (0 for plain SGD: it has one, set to 0);
3. else (Adagrad, Adadelta, Rprop, ...): the optimizer has none.

``betas`` wins when both are present. Every param group holds each default key (torch's
``add_param_group`` fills them in), so the key found in ``defaults`` is the key in every group.

>>> import torch
>>> p = [torch.zeros(1, requires_grad=True)]
>>> momentum_key(torch.optim.SGD(p, lr=0.1)), momentum_key(torch.optim.Adam(p)), momentum_key(torch.optim.Adagrad(p))
('momentum', 'betas', None)
>>> opt = torch.optim.Adam(p, betas=(0.9, 0.999))
>>> set_momentum(opt.param_groups[0], "betas", 0.8); read_momentum(opt), opt.param_groups[0]["betas"]
(0.8, (0.8, 0.999))
"""
from __future__ import annotations


def momentum_key(optimizer) -> str | None:
    """``"betas"``, ``"momentum"`` or None: the group key that holds ``optimizer``'s momentum (rule above)."""
    defaults = optimizer.defaults
    if "betas" in defaults:
        return "betas"
    if "momentum" in defaults:
        return "momentum"
    return None


def read_momentum(optimizer, group: int = 0) -> float | None:
    """The momentum param group ``group`` trains with (Adam family: :math:`\\beta_1`), or None when it has none."""
    key = momentum_key(optimizer)
    if key is None:
        return None
    value = optimizer.param_groups[group][key]
    return float(value[0] if key == "betas" else value)


def set_momentum(group: dict, key: str, value) -> None:
    """Set ``group``'s momentum under ``key`` (from :func:`momentum_key`): ``betas[0]`` or ``momentum``."""
    if key == "betas":
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value
