"""Every class the catalog names has its counterpart's signature: the same argument names,
defaults (and their types), order and kinds. One table (the catalog), one rule.

Counterparts: torch's class for torch's twins (``torch.optim``, ``torch.optim.lr_scheduler``,
``SWALR`` from ``torch.optim.swa_utils``); the reference package for the schedule-free and
learning-rate-free optimizers; timm's and transformers' for their drop-ins in
:mod:`lrcourse.compat`. lrcourse's own (Yogi, InverseSqrtLR, WSDLR) and d2l's callable
schedules have none that installs. Besides the catalog's classes, the scheduler base class.

The documented differences:

* torch's kernel switches (``foreach``, ``fused``, ``capturable``, ``differentiable``; the
  reference packages' ``foreach``) are left out. Where a left-out switch is positional, every
  later positional argument becomes keyword-only, so no value lands where torch has the switch
  (ASGD's ``maximize``).
* Adam and AdamW leave out torch's ``decoupled_weight_decay``: AdamW is that class.
"""
from __future__ import annotations

import importlib
import inspect

import pytest

from lrcourse import catalog, lr_scheduler, optim

SWITCHES = {"foreach", "fused", "capturable", "differentiable"}
LEFT_OUT = {"Adam": SWITCHES | {"decoupled_weight_decay"}, "AdamW": SWITCHES | {"decoupled_weight_decay"}}
OWN = {"Yogi", "InverseSqrtLR", "WSDLR"}  # no counterpart
REFERENCES = {"SGDScheduleFree": "schedulefree", "AdamWScheduleFree": "schedulefree", "Prodigy": "prodigyopt",
              "DAdaptAdam": "dadaptation"}
# where a scheduler class lives -> where its counterpart lives (None: no counterpart installs)
SCHEDULER_HOMES = {"lrcourse.lr_scheduler": "torch.optim.lr_scheduler", "lrcourse.compat.timm": "timm.scheduler",
                   "lrcourse.compat.transformers": "transformers", "lrcourse.schedules": None}


def optimizer_counterpart(entry) -> str | None:
    if entry.name in OWN:
        return None
    if entry.torch_name:
        return f"torch.optim.{entry.torch_name}"
    return f"{REFERENCES[entry.name]}.{entry.name}"


def scheduler_counterpart(entry) -> str | None:
    cls = entry.cls
    if cls.__name__ in OWN:
        return None
    if cls.__name__ == "SWALR":
        return "torch.optim.swa_utils.SWALR"
    home = next(h for h in SCHEDULER_HOMES if cls.__module__.startswith(h))
    return SCHEDULER_HOMES[home] and f"{SCHEDULER_HOMES[home]}.{cls.__name__}"


def classes():
    """(lrcourse class, its counterpart's dotted path), once per class, from the catalog."""
    rows = {lr_scheduler.LRScheduler: "torch.optim.lr_scheduler.LRScheduler"}
    for entry in catalog.OPTIMIZERS.values():
        rows.setdefault(entry.cls, optimizer_counterpart(entry))
    for entry in catalog.SCHEDULES.values():
        rows.setdefault(entry.cls, scheduler_counterpart(entry))
    return [pytest.param(cls, path, id=cls.__name__) for cls, path in rows.items() if path]


def resolve(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def described(params) -> list[tuple]:
    return [(p.name, p.default, type(p.default), p.kind) for p in params]


def expected(theirs: list[inspect.Parameter], left_out: set[str]) -> list[tuple]:
    """``theirs`` less ``left_out``; positional arguments after a left-out positional one keyword-only."""
    out, keyword_only = [], False
    for p in theirs:
        if p.name in left_out:
            keyword_only |= p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
            continue
        if keyword_only and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            p = p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        out.append(p)
    return described(out)


CLASSES = classes()


def test_every_torch_class_lrcourse_has_is_in_the_table():
    """A twin left out of the catalog would escape the check; so would every class if the catalog broke."""
    paths = {param.values[1] for param in CLASSES}
    for torch_module, ours in (("torch.optim", optim), ("torch.optim.lr_scheduler", lr_scheduler)):
        for name in importlib.import_module(torch_module).__all__:
            if hasattr(ours, name) and isinstance(getattr(ours, name), type):
                assert f"{torch_module}.{name}" in paths, name
    for home in ("schedulefree.", "prodigyopt.", "dadaptation.", "timm.scheduler.", "transformers."):
        assert any(path.startswith(home) for path in paths), home


@pytest.mark.parametrize("cls, path", CLASSES)
def test_signature_is_the_counterparts(cls, path):
    theirs = list(inspect.signature(resolve(path)).parameters.values())
    left_out = LEFT_OUT.get(cls.__name__, SWITCHES)
    assert described(inspect.signature(cls).parameters.values()) == expected(theirs, left_out)


@pytest.mark.parametrize("cls, path", [p for p in CLASSES if p.values[1].startswith("torch.optim.lr_scheduler.")])
def test_schedulers_take_no_verbose(cls, path):
    """torch deprecated ``verbose``; lrcourse's schedulers never had it."""
    assert "verbose" not in inspect.signature(cls).parameters

