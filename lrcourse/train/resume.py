"""Starting a run: seeding a fresh one, or continuing the run a checkpoint holds.

:func:`start_run` loads the checkpoint into the model, the optimizer (a schedule-free one was
saved in eval mode, its parameters at :math:`x`), the scheduler, the EMA of the weights and
the RNGs, after checking that the run asks for what the checkpoint was trained with:
:func:`check_optimizer` (same class, same settings, groups that hold what it reads) and the
training options (batch size, seed, data sizes, schedule, ``ema``, ``clip_grad_norm``, ...),
each mismatch a one-line ValueError naming it.
"""
from __future__ import annotations

from ..device import seed_everything, set_rng_state
from .checkpoint import load_checkpoint
from .history import History


def start_run(run, resume, config: dict, history: History, epochs: int, meta: dict) -> tuple[History, int]:
    """Seed every RNG for a fresh run, or load the checkpoint ``resume``: (history, first epoch).

    ``run`` is the trainer's run (its model, optimizer, stepper, seed and EMA); ``config`` the
    settings the checkpoint must have been written with; ``history`` the fresh run's, whose
    ``meta`` a resumed run's history takes over (``meta`` and the new ``epochs``)."""
    if resume is None:
        seed_everything(run.seed)
        return history, 0
    state = load_checkpoint(resume)
    check_optimizer(resume, state, run.optimizer, config)
    saved = {"ema": None, "clip_grad_norm": None, **state["config"]}  # older checkpoints: neither existed
    for key, value in config.items():
        if key in saved and saved[key] != value:
            raise ValueError(f"resume: {resume} was written with {key}={saved[key]!r}, "
                             f"this run has {key}={value!r}")
    run.model.load_state_dict(state["model"])
    run.optimizer.load_state_dict(state["optimizer"])  # written in eval mode: the model holds x
    if run.ema is not None:
        run.ema.load_state_dict(state["ema"])
    if state["scheduler"] is not None and hasattr(run.stepper.scheduler, "load_state_dict"):
        run.stepper.scheduler.load_state_dict(state["scheduler"])
    set_rng_state(state["rng"])
    history = History.from_dict(state["history"])
    history.meta.update(meta, epochs=epochs)
    return history, state["epoch"]


def optimizer_settings(optimizer) -> dict:
    """The settings the optimizer was built with: ``optimizer.defaults``, less what torch adds
    to ``defaults`` alone later (``load_state_dict`` adds ``differentiable`` to an optimizer whose
    constructor did not set it, and to none of its groups)."""
    group = optimizer.param_groups[0]
    return {k: v for k, v in optimizer.defaults.items() if k in group}


def check_optimizer(resume, state: dict, optimizer, config: dict) -> None:
    """ValueError unless the checkpoint was trained by the same optimizer class with the same
    settings (:func:`optimizer_settings`); its groups must hold every hyperparameter this one reads
    (torch's ``load_state_dict`` would otherwise load SGD's groups into Adam, which then fails
    on its first step looking for ``betas``)."""
    saved = state["config"]
    name = config["optimizer"]
    if "optimizer" in saved and saved["optimizer"] != name:
        raise ValueError(f"resume: {resume} was trained with {saved['optimizer']}, this run has {name}: "
                         f"build the optimizer the checkpoint was trained with")
    groups = state["optimizer"].get("param_groups") or [{}]
    missing = [k for k in optimizer_settings(optimizer) if k not in groups[0]]
    if missing:
        raise ValueError(f"resume: {resume} holds an optimizer state without {', '.join(missing)}, which "
                         f"{name} needs: it was written by another optimizer")
    old, new = saved.get("optimizer_settings"), config["optimizer_settings"]
    for key in (old or {}):
        if key in new and old[key] != new[key]:
            raise ValueError(f"resume: {resume} was trained with {name}({key}={old[key]!r}), this run has "
                             f"{name}({key}={new[key]!r}): the checkpoint's settings would replace this "
                             "optimizer's, so build it with the same ones")
