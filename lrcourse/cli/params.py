"""``--param KEY=VALUE``: scheduler settings from the command line, each typed by the scheduler's signature.

The type of a setting is the type of the value a run would use without it: the default in the
signature of the catalog's class (or recipe), else the value sized to the run
(:meth:`lrcourse.catalog.ScheduleEntry.settings`). So ``three_phase=false`` is ``False``
(OneCycleLR's ``three_phase=False`` is a bool), ``milestones=15,30`` is ``[15, 30]`` and
``mode=max`` is ``"max"``; ranges are checked by the scheduler itself.

>>> parse_params(["T_max=50", "eta_min=0"], "cosine")
{'T_max': 50, 'eta_min': 0.0}
>>> parse_params(["three_phase=no", "anneal_strategy=linear"], "onecycle")
{'three_phase': False, 'anneal_strategy': 'linear'}
"""
from __future__ import annotations

import ast
import numbers

from . import UsageError

BOOLEANS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}
BOOLEAN_WORDS = "true/false, yes/no, on/off or 1/0"
# Settings torch lets be one value per param group (a list) as well as a single number.
PER_GROUP = frozenset({"base_lr", "max_lr", "min_lr", "base_momentum", "max_momentum", "swa_lr"})
# Arguments of the torch classes that are Python objects, not values one can type.
OBJECTS = {"lr_lambda": "a function of the step", "scale_fn": "a function of the cycle",
           "schedulers": "a list of scheduler objects"}
REFUSED = {
    "optimizer": "the optimizer is chosen with --optimizer, not --param",
    "lr": "the learning rate is set with --lr, not --param",
    "last_epoch": "last_epoch is for resuming a scheduler in Python (its optimizer's groups must hold "
                  "initial_lr); the command line starts every schedule at step 0 "
                  "(to continue a training run: lrcourse train --resume)",
}


def parse_params(items: list[str], scheduler: str | None) -> dict:
    """``--param`` values to keyword arguments of the scheduler named ``scheduler``.

    ``scheduler`` None or ``"none"``: no scheduler, so any ``--param`` is an error.
    Raises UsageError (one line naming the setting, the value and what is accepted) for a
    malformed item, a setting the scheduler does not take, a value of the wrong kind, a setting
    given twice, and the settings that cannot come from the command line (functions,
    ``last_epoch``, ``optimizer``, ``lr``).
    """
    if not items:
        return {}
    if scheduler is None or scheduler.strip().lower() == "none":
        raise UsageError("--param needs a --schedule")
    from .. import catalog

    entry = catalog.schedule(scheduler)
    examples = entry.settings(steps=100, lr=0.1)
    names = [p.name for p in entry.signature()]
    typable = ", ".join(n for n in names if n not in OBJECTS) or "no settings"
    out: dict = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or not key.isidentifier():
            raise UsageError(f"--param expects KEY=VALUE with KEY an argument name, got {item!r}")
        if key in out:
            raise UsageError(f"--param {key} is given twice ({out[key]!r}, then {raw!r}); give it once")
        if key in REFUSED:
            raise UsageError(f"--param {key}={raw}: {REFUSED[key]}")
        if key in OBJECTS and (key in names or entry.takes(key)):
            raise UsageError(f"--param {key}={raw}: {entry.name}'s {key} is {OBJECTS[key]} and cannot come from "
                             f"the command line; `{entry.cli}` takes {typable}; "
                             f"pass your own {key} in Python")
        if key not in names:
            raise UsageError(f"--param {key}={raw}: {entry.name} (`{entry.cli}`) takes {typable}; not {key!r}")
        per_group = key in PER_GROUP and entry.build is None and not entry.callable_
        out[key] = typed(key, raw, examples.get(key), per_group)
    return out


def typed(key: str, raw: str, example, per_group: bool = False):
    """``raw`` as the kind of value ``example`` is (bool, number, list of numbers, str; None: a
    number or ``none``); ``per_group``: a list of numbers is accepted too."""
    shown = f"--param {key}={raw}"
    if isinstance(example, bool):
        if raw.lower() not in BOOLEANS:
            raise UsageError(f"{shown}: {key} is a boolean: {BOOLEAN_WORDS}")
        return BOOLEANS[raw.lower()]
    if isinstance(example, str):
        value = _literal(raw)
        return value if isinstance(value, str) else raw
    if isinstance(example, (list, tuple)):
        values = _numbers(raw)
        if values is None:
            raise UsageError(f"{shown}: {key} is a list of numbers, e.g. {key}=15,30 or {key}=[15,30]")
        return values
    if example is None or isinstance(example, numbers.Real):
        if example is None and raw.lower() == "none":
            return None
        value = _number(raw)
        if value is None and per_group:
            value = _numbers(raw)
        if value is None:
            accepted = "a number" + (" or a list of numbers, one per param group" if per_group else "")
            raise UsageError(f"{shown}: {key} is {accepted}" + (" (or none)" if example is None else ""))
        return float(value) if isinstance(example, float) and isinstance(value, numbers.Real) else value
    value = _literal(raw)  # a kind no default tells: a Python literal, else the string
    return list(value) if isinstance(value, tuple) else value


def _literal(raw: str):
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return raw


def _number(raw: str):
    """An int or float (``inf`` and ``nan`` too), or None; bools are not numbers here."""
    value = _literal(raw)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _numbers(raw: str) -> list | None:
    """``15,30``, ``[15, 30]``, ``(15, 30)`` or ``15`` as a list of numbers, or None."""
    inner = raw[1:-1] if raw[:1] + raw[-1:] in ("[]", "()") else raw
    parts = [p.strip() for p in inner.split(",")]
    if parts and parts[-1] == "" and len(parts) > 1:
        parts = parts[:-1]  # a trailing comma, as in (15,)
    values = [_number(p) for p in parts]
    return None if not parts or any(v is None for v in values) else values
