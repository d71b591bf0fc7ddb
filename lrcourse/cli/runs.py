"""A training run's folder and configuration: where ``lrcourse train`` writes, what it records,
and whether ``--resume`` continues the run it names.

* :func:`check_out`: ``--out`` can take the run (checked before any data is loaded), and a
  folder already holding one is refused unless ``--resume`` continues it or ``--overwrite``.
* :func:`default_out`: a folder name that differs for runs that differ in any setting.
* :func:`configuration`: the run's whole configuration as JSON values, kept in
  ``history.json``'s ``meta["cli"]`` and in the checkpoint.
* :func:`resume_mismatch`: the first way a command differs from the checkpoint's
  configuration, in words; a schedule sized to the run (cosine's ``T_max``, one-cycle's
  ``total_steps``, ...) may not be resumed past the length it was sized to unless that
  length is given with ``--param``.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from . import UsageError

CHECKPOINT = "checkpoint.pt"
RUN_FILES = ("history.json", "epochs.csv", "steps.csv", "history.png", CHECKPOINT)
# what configuration() records; settings compared one by one on --resume, with the flag that sets each
CONFIGURATION = ("optimizer", "optimizer_settings", "schedule", "schedule_settings", "params", "schedule_steps",
                 "scheduler_interval", "plateau_metric", "callable_convention", "epochs", "batch_size", "seed",
                 "train_subset", "test_subset", "validation", "ema", "clip_grad_norm")
# settings added after checkpoints were first written, with the value such a checkpoint trained with
ADDED = {"ema": None, "clip_grad_norm": None}
FLAGS = {"scheduler_interval": "--scheduler-interval", "plateau_metric": "--plateau-metric",
         "callable_convention": "--callable-convention", "batch_size": "--batch-size", "seed": "--seed",
         "train_subset": "--train-subset", "test_subset": "--test-subset", "validation": "--validation",
         "ema": "--ema", "clip_grad_norm": "--clip-grad-norm"}


# ---- where the run goes ----------------------------------------------------------------------
def default_out(choice: dict) -> Path:
    """``runs/<optimizer>-<schedule>-lr<lr>-e<epochs>-seed<seed>-<hash>``: the hash covers every
    setting in ``choice``, so runs that differ in any (a --param, the subsets, ...) differ here."""
    digest = hashlib.sha1(json.dumps(_jsonable(choice), sort_keys=True).encode()).hexdigest()[:8]
    return Path("runs") / (f"{choice['optimizer']}-{choice['schedule']}-lr{choice['lr']:g}-e{choice['epochs']}"
                           f"-seed{choice['seed']}-{digest}")


def check_out(out: Path, *, resume: str | None = None, overwrite: bool = False) -> list[str]:
    """UsageError unless ``out`` can take this run; returns the run files already in it.

    Refused: ``out`` is a file; a path below a file; a folder where no file can be created;
    a folder holding a run (any of :data:`RUN_FILES`) unless ``overwrite``, or ``resume``
    names the checkpoint in it (continuing that run). Creates nothing.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder: name a new folder (or one holding a run to --resume)")
    base = out
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        raise UsageError(f"--out {out} cannot be created: {base} is a file, not a folder")
    if not os.access(base, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: cannot create files in {base} (permission denied)")
    try:
        fd, probe = tempfile.mkstemp(prefix=".lrcourse-probe-", dir=base)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create files in {base} ({exc.strerror or exc})") from None
    held = [name for name in RUN_FILES if (out / name).exists()]
    continuing = resume is not None and Path(resume).resolve().parent == out.resolve()
    if held and not (overwrite or continuing):
        go_on = (f"continue it with --resume {out / CHECKPOINT}" if CHECKPOINT in held else
                 f"it has no {CHECKPOINT} to --resume from")
        raise UsageError(f"--out {out} already holds a run ({', '.join(held)}): {go_on}, replace it with "
                         "--overwrite, or pick another --out")
    return held


# ---- the configuration, and resuming it ------------------------------------------------------
def _jsonable(value):
    from ..train.history import jsonable

    return jsonable(value)


def configuration(args, *, optimizer_name: str, optimizer_settings: dict, schedule_name: str,
                  schedule_settings: dict, params: dict, steps: int, metric: str | None) -> dict:
    """Everything that makes the run what it is, as JSON values (``meta["cli"]``)."""
    none = schedule_name == "none"
    return _jsonable({
        "optimizer": optimizer_name, "optimizer_settings": optimizer_settings,
        "schedule": schedule_name, "schedule_settings": schedule_settings, "params": params,
        "schedule_steps": None if none else steps,
        "scheduler_interval": None if none else "epoch" if metric else args.scheduler_interval,
        "plateau_metric": metric, "callable_convention": args.callable_convention,
        "epochs": args.epochs, "batch_size": args.batch_size, "seed": args.seed,
        "train_subset": args.train_subset, "test_subset": args.test_subset, "validation": args.validation,
        "ema": args.ema, "clip_grad_norm": args.clip_grad_norm,
    })


def _show(settings: dict, keys) -> str:
    return ", ".join(f"{k}={settings.get(k, '(none)')}" for k in keys)


def resume_mismatch(saved: dict, now: dict, done: int) -> str | None:
    """The first way the command ``now`` differs from the checkpoint's ``saved`` configuration
    (after ``done`` completed epochs), in words; None when it continues that run."""
    a, b = saved["optimizer_settings"], now["optimizer_settings"]
    keys = ["lr"] if saved["optimizer"] != now["optimizer"] else [
        k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
    if keys:
        return (f"the checkpoint trained optimizer {saved['optimizer']} ({_show(a, keys)}), this command asks for "
                f"{now['optimizer']} ({_show(b, keys)})")
    if saved["schedule"] != now["schedule"]:
        return f"the checkpoint trained schedule {saved['schedule']}, this command asks for {now['schedule']}"
    for key, flag in FLAGS.items():
        if saved[key] != now[key]:
            shown = lambda v: "(not given)" if v is None else v  # noqa: E731
            return (f"the checkpoint was trained with {flag} {shown(saved[key])}, this command asks for "
                    f"{flag} {shown(now[key])}")
    if now["epochs"] <= done:
        return f"the checkpoint already holds {done} epochs; ask for more with --epochs N (N > {done})"
    return _schedule_mismatch(saved, now)


def _schedule_mismatch(saved: dict, now: dict) -> str | None:
    """Same schedule name: its settings must be the checkpoint's (the loaded scheduler keeps them)."""
    name, a, b = now["schedule"], saved["schedule_settings"], now["schedule_settings"]
    explicit = set(saved["params"]) | set(now["params"])
    resized = saved["schedule_steps"] != now["schedule_steps"]
    for key in dict.fromkeys([*a, *b]):
        if a.get(key) == b.get(key):
            continue
        if key not in a:
            return (f"this command sets --param {key}={param_value(b[key])}, which the checkpoint's {name} did "
                    "not have: leave it out to continue it as trained")
        if key in explicit or not resized:
            return (f"the checkpoint's {name} has {_show(a, [key])}, this command's has {_show(b, [key])}: "
                    f"pass --param {key}={param_value(a[key])} to continue it as trained")
        return _length_message(saved, now, key)
    if resized and name != "none" and _length_shapes_it(saved, now):
        return _length_message(saved, now, None)
    return None


def _length_shapes_it(saved: dict, now: dict) -> bool:
    """Whether a schedule built from a recipe (warmup-cosine, ...) takes its shape from the run's
    length beyond its settings: its first steps differ when sized to the other length."""
    from .. import catalog

    entry = catalog.schedule(now["schedule"])
    if entry.build is None or entry.metric:
        return False
    lr, settings = now["optimizer_settings"]["lr"], saved["schedule_settings"]
    old, new = saved["schedule_steps"], now["schedule_steps"]
    first = catalog.simulate(now["schedule"], old, lr=lr, **settings).lr
    second = catalog.simulate(now["schedule"], new, lr=lr, **settings).lr
    n = min(old, new)
    return bool((first[:n] != second[:n]).any())


def _length_message(saved: dict, now: dict, key: str | None) -> str:
    name, old, new = now["schedule"], saved["epochs"], now["epochs"]
    if key is None:
        return (f"{name} was sized to {old} epochs ({saved['schedule_steps']} steps); resuming to {new} epochs would "
                f"change its shape: resume with --epochs {old}, or start a new run with --epochs {new}")
    a, b = saved["schedule_settings"][key], now["schedule_settings"].get(key)
    sized = f"{name} was sized to {old} epochs ({key}={a})"
    if a == saved["schedule_steps"] and new > old:
        effect = f"resuming to {new} epochs would run past its end"
    else:
        effect = f"resuming to {new} epochs asks for {key}={b}, while the checkpoint's scheduler keeps {key}={a}"
    return (f"{sized}; {effect}: start a new run with --epochs {new}, or pass --param {key}={param_value(a)} "
            "to continue it as trained")


def param_value(value) -> str:
    """``value`` as one would type it after ``--param KEY=``: ``15,30``, ``true``, ``max``, ``0.5``."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(param_value(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value)


def read_resume(path: str) -> tuple[dict, dict]:
    """The checkpoint at ``path`` and the command-line configuration in it (one-line UsageErrors)."""
    from ..train.checkpoint import CheckpointError, load_checkpoint

    try:
        state = load_checkpoint(path)
    except FileNotFoundError:
        raise UsageError(f"--resume {path}: no such file") from None
    except CheckpointError as exc:
        raise UsageError(f"--resume {path}: not an lrcourse checkpoint ({exc.reason})") from None
    saved = state["history"].get("meta", {}).get("cli")
    if not isinstance(saved, dict):
        raise UsageError(f"--resume {path}: written by train() in Python, not by lrcourse train (it holds no "
                         "command-line settings to check this command against); resume it with train(..., resume=)")
    missing = [k for k in CONFIGURATION if k not in saved and k not in ADDED]
    if missing:
        raise UsageError(f"--resume {path}: written by another version of lrcourse train (its settings lack "
                         f"{', '.join(missing)}); start a new run")
    return state, {**ADDED, **saved}
