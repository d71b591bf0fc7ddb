"""Scheduler names for :func:`lrcourse.lr_scheduler.simulate` and ``lrcourse schedule``.

Names are case-insensitive and ignore ``-`` and ``_``: ``CosineAnnealingLR``, ``cosine``,
``one-cycle``, ``wsd``, ``inverse-sqrt`` ... :func:`default_kwargs` fills the arguments a
class requires from the run length, so ``simulate("cosine", 100)`` needs nothing else.
"""
from __future__ import annotations

import inspect

ALIASES = {
    "constant": "ConstantLR", "linear": "LinearLR", "step": "StepLR", "multistep": "MultiStepLR",
    "exponential": "ExponentialLR", "exp": "ExponentialLR", "cosine": "CosineAnnealingLR",
    "cos": "CosineAnnealingLR", "polynomial": "PolynomialLR", "poly": "PolynomialLR",
    "cyclic": "CyclicLR", "clr": "CyclicLR", "onecycle": "OneCycleLR", "1cycle": "OneCycleLR",
    "sgdr": "CosineAnnealingWarmRestarts", "cosinerestarts": "CosineAnnealingWarmRestarts",
    "warmrestarts": "CosineAnnealingWarmRestarts", "plateau": "ReduceLROnPlateau",
    "lambda": "LambdaLR", "multiplicative": "MultiplicativeLR", "inversesqrt": "InverseSqrtLR",
    "invsqrt": "InverseSqrtLR", "rsqrt": "InverseSqrtLR", "wsd": "WSDLR",
    "warmupstabledecay": "WSDLR", "swa": "SWALR",
}
# Built from other schedulers or from a callable: not reachable by name alone.
NEEDS_PYTHON = ("SequentialLR", "ChainedScheduler", "LambdaLR", "MultiplicativeLR", "WarmupLR", "LRScheduler")


def _key(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "").replace(" ", "")


def names() -> list[str]:
    """The scheduler class names reachable by name (``lrcourse schedule --list``)."""
    from . import __all__ as everything, __dict__ as ns  # noqa: F401
    return [n for n in everything if isinstance(ns.get(n), type) and n not in NEEDS_PYTHON
            and n not in ("Trace",)]


def resolve(name: str) -> type:
    """The lrcourse scheduler class called ``name`` (or one of its aliases)."""
    from . import __dict__ as ns

    if not isinstance(name, str):
        raise TypeError(f"scheduler must be a class or a name, got {name!r}")
    by_key = {_key(n): n for n in names() + list(NEEDS_PYTHON)}
    by_key.update(ALIASES)
    k = _key(name)
    if k not in by_key:
        raise ValueError(f"unknown scheduler {name!r}; known: {', '.join(names())} "
                         f"(aliases: {', '.join(sorted(ALIASES))})")
    return ns[by_key[k]]


def default_kwargs(cls_name: str, steps: int, lr: float) -> dict:
    """Arguments a scheduler needs, sized to a run of ``steps`` steps at learning rate ``lr``."""
    quarter = max(1, steps // 4)
    return {
        "StepLR": {"step_size": max(1, steps // 3)},
        "MultiStepLR": {"milestones": [max(1, steps // 2), max(1, 3 * steps // 4)]},
        "ExponentialLR": {"gamma": 0.95},
        "CosineAnnealingLR": {"T_max": max(1, steps)},
        "PolynomialLR": {"total_iters": max(1, steps)},
        "CyclicLR": {"base_lr": lr / 10, "max_lr": lr, "step_size_up": quarter},
        "OneCycleLR": {"max_lr": lr, "total_steps": max(1, steps)},
        "CosineAnnealingWarmRestarts": {"T_0": quarter},
        "InverseSqrtLR": {"warmup_steps": max(1, steps // 10)},
        "WSDLR": {"total_steps": max(1, steps), "warmup_steps": steps // 10, "decay_steps": max(1, steps // 5)},
        "ReduceLROnPlateau": {"patience": max(1, steps // 20)},
        "SWALR": {"swa_lr": lr / 10, "anneal_epochs": max(1, steps // 4)},
    }.get(cls_name, {})


def parameters(cls: type) -> str:
    """``name=default`` list of a class's constructor arguments (optimizer left out)."""
    out = []
    for p in list(inspect.signature(cls).parameters.values())[1:]:
        out.append(p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}")
    return ", ".join(out)
