"""`lrcourse train`: LeNet on Fashion-MNIST with a named optimizer and schedule.

    lrcourse train --optimizer sgd --lr 0.3 --schedule cosine --epochs 30 --validation 5000 \\
        --checkpoint-every 1 --out runs/cosine

writes ``history.json``, ``epochs.csv``, ``steps.csv`` and ``history.png`` into ``--out`` (and
``checkpoint.pt`` with ``--checkpoint-every``), each atomically. Nothing is lost or overwritten:

* ``--out`` is checked before the data is loaded: a file, a path below a file, or a folder
  that cannot be written is one line; a folder already holding a run is refused unless the
  command says ``--resume`` (continue it) or ``--overwrite`` (replace it).
* Ctrl-C, an error or a divergence during training writes what was recorded so far (and the
  last completed epoch's checkpoint) before exiting (130 for Ctrl-C), with one line saying where.
* ``history.json``'s ``meta["cli"]`` (also in the checkpoint) holds the run's whole configuration;
  ``--resume`` compares the command with it and refuses, in one line, the first difference,
  including a fixed-length schedule resumed past its end (:mod:`lrcourse.cli.runs`).
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from . import UsageError, parse_params
from .runs import CHECKPOINT, check_out, configuration, default_out, read_resume, resume_mismatch

PLATEAU_METRICS = ("val_loss", "val_acc", "test_loss", "test_acc")
EPILOG = """example:
  lrcourse train --optimizer sgd --lr 0.3 --schedule cosine --epochs 10 --validation 5000 \\
      --checkpoint-every 1 --out runs/cosine
  (Ctrl-C keeps what is done; the same command plus --resume runs/cosine/checkpoint.pt goes on)"""


def add_parser(subparsers):
    p = subparsers.add_parser(
        "train", help="train LeNet on Fashion-MNIST with any optimizer and schedule",
        description="Train LeNet on Fashion-MNIST; write metrics (CSV, JSON) and plots (PNG) into --out.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--list", action="store_true", help="list the optimizer names and their settings, then exit")
    p.add_argument("--optimizer", default="sgd", help="an optimizer name or alias, see --list (default: %(default)s)")
    p.add_argument("--lr", type=float, default=None,
                   help="(initial) learning rate (default: the optimizer's, see --list; sgd 0.1)")
    p.add_argument("--momentum", type=float, default=None,
                   help="momentum, for the optimizers that have one: sgd, rmsprop, ... (default: the optimizer's)")
    p.add_argument("--weight-decay", type=float, default=None,
                   help="weight decay (default: the optimizer's own, e.g. 0 for sgd, 0.01 for adamw)")
    p.add_argument("--schedule", "--scheduler", dest="schedule", default="none",
                   help="'none', or a name from `lrcourse schedule --list` (cosine, onecycle, multistep, plateau, "
                        "..., or a d2l callable: d2l-sqrt, d2l-cosine, d2l-factor) (default: %(default)s)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a schedule argument (repeatable), e.g. T_max=30 or milestones=[15,30]; the required "
                        "ones left out are sized to the run")
    p.add_argument("--scheduler-interval", choices=("epoch", "step"), default="epoch",
                   help="step the schedule after every epoch or after every batch (default: %(default)s)")
    p.add_argument("--plateau-metric", choices=PLATEAU_METRICS, default=None,
                   help="what --schedule plateau is fed; an accuracy implies mode=max (default: val_loss with "
                        "--validation, else test_loss, with a warning)")
    p.add_argument("--callable-convention", choices=("exact", "d2l"), default="exact",
                   help="d2l callables: 'exact' trains epoch e at schedule(e); 'd2l' copies the chapter's loop "
                        "(epoch e at schedule(e-1)) (default: %(default)s)")
    p.add_argument("--epochs", type=int, default=10,
                   help="epochs to train; with --resume, the total to reach (default: %(default)s)")
    p.add_argument("--batch-size", type=int, default=256, help="training batch size (default: %(default)s)")
    p.add_argument("--train-subset", type=int, default=None,
                   help="train on this many images, stratified by class (default: all 60000 less --validation)")
    p.add_argument("--test-subset", type=int, default=None,
                   help="test on this many images, stratified by class (default: all 10000)")
    p.add_argument("--validation", type=int, default=None, metavar="N",
                   help="hold out N training images, stratified, as a validation split: evaluated every epoch "
                        "and fed to a plateau schedule (default: none)")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds the initial weights, the subsets and the batch order (default: %(default)s)")
    p.add_argument("--device", default=None, help="cpu, cuda, mps (default: cuda, then mps, then cpu)")
    p.add_argument("--data-root", default=None, help="data folder (default: $LRCOURSE_DATA or ~/.cache/lrcourse)")
    p.add_argument("--out", default=None,
                   help="output folder (default: runs/<optimizer>-<schedule>-lr<lr>-e<epochs>-seed<seed>-<hash "
                        "of every setting>; with --resume, the checkpoint's folder)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the run already in --out (its files are removed when training starts)")
    p.add_argument("--checkpoint-every", type=int, default=None, metavar="N",
                   help=f"write <out>/{CHECKPOINT} every N epochs, and the last completed epoch's when the run "
                        "stops early (default: no checkpoint)")
    p.add_argument("--resume", default=None, metavar="CHECKPOINT",
                   help="continue the run of this checkpoint: repeat its command (settings that differ are "
                        "refused), with --epochs the total to reach")
    p.add_argument("--ema", type=float, default=None, metavar="DECAY",
                   help="also evaluate an exponential moving average of the weights, decay DECAY in (0, 1) "
                        "(e.g. 0.99), after every epoch beside the raw weights: ema_test_loss/ema_test_acc in the "
                        "outputs, dashed in the plot (default: none)")
    p.add_argument("--clip-grad-norm", type=float, default=None, metavar="C",
                   help="clip the gradient to norm C (> 0) before every optimizer step; steps.csv records each "
                        "step's norm before clipping, epochs.csv the fraction of steps where clipping bit "
                        "(inf: record the norms, clip nothing) (default: no clipping)")
    p.add_argument("--on-divergence", choices=("stop", "raise"), default="stop",
                   help="a NaN/inf loss: 'stop' saves what was recorded and exits 1; 'raise' saves it and "
                        "exits 2 with the error (default: %(default)s)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=None,
                   help="NHWC memory layout (default: on for the CPU, off elsewhere): faster convolutions "
                        "on the CPU, not bit-identical to --no-channels-last")
    p.set_defaults(run=run)
    return p


def list_names() -> str:
    from .. import catalog

    lines = ["optimizers (NAME [aliases]: class, default settings):"]
    for name, e in catalog.OPTIMIZERS.items():
        settings = ", ".join(f"{k}={v!r}" for k, v in {"lr": e.lr, **e.settings}.items())
        lines.append(f"  {e.cli} [{', '.join((name,) + e.aliases[1:])}]: {e.cls.__name__}({settings})")
    lines.append("schedulers: lrcourse schedule --list")
    return "\n".join(lines)


def build_optimizer(name: str, params, lr: float | None, momentum, weight_decay: float):
    """The catalog's optimizer ``name`` at ``lr`` (None: its default; ``--momentum`` only where it has one)."""
    from .. import catalog

    entry = catalog.optimizer(name)
    lr = entry.lr if lr is None else lr
    if not (math.isfinite(lr) and lr > 0):
        raise UsageError(f"--lr must be a positive number, got {lr}")
    if not entry.dense:
        raise UsageError(f"--optimizer {name}: {entry.cls.__name__} takes only {entry.params} parameters, "
                         "and LeNet's are dense and up to 4-D; train it in Python (notebook 11)")
    overrides = {"lr": lr}
    if weight_decay is not None:
        if not entry.takes("weight_decay"):
            takes = [e.cli for e in catalog.OPTIMIZERS.values() if e.takes("weight_decay")]
            raise UsageError(f"--weight-decay applies to {', '.join(takes)}; not {name!r}")
        overrides["weight_decay"] = weight_decay
    if momentum is not None:
        if not entry.takes("momentum"):
            takes = [e.cli for e in catalog.OPTIMIZERS.values() if e.takes("momentum")]
            raise UsageError(f"--momentum applies to {', '.join(takes)}; not {name!r}")
        overrides["momentum"] = momentum
    return catalog.build_optimizer(name, params, **overrides)


def build_scheduler(name: str, optimizer, params: dict, intervals: int, lr: float):
    """A scheduler (or d2l callable) by name; required arguments sized to ``intervals`` steps."""
    if name.lower() == "none":
        if params:
            raise UsageError("--param needs a --schedule")
        return None
    from .. import catalog

    return catalog.build_scheduler(name, optimizer, intervals, lr=lr, **params)


def _plateau_mode(args, params: dict, plateau: bool) -> dict:
    """``--plateau-metric val_acc/test_acc`` means larger is better: default ``mode='max'``."""
    if plateau and (args.plateau_metric or "").endswith("_acc"):
        return {"mode": "max", **params}
    return params


def plateau_metric(args, plateau: bool) -> str | None:
    """What the schedule is fed when it is stepped with a metric (``plateau``: the catalog entry's
    :attr:`~lrcourse.catalog.ScheduleEntry.metric`), else None; UsageError for a metric that does not apply."""
    if not plateau:
        if args.plateau_metric is not None:
            raise UsageError(f"--plateau-metric {args.plateau_metric} applies to --schedule plateau only, "
                             f"not {args.schedule!r}")
        return None
    if args.plateau_metric is None:
        return "val_loss" if args.validation else "test_loss"
    if args.plateau_metric.startswith("val_") and not args.validation:
        raise UsageError(f"--plateau-metric {args.plateau_metric} needs a validation split: add --validation N "
                         "(e.g. --validation 5000)")
    return args.plateau_metric


# ---- the run ---------------------------------------------------------------------------------
def _check_counts(args) -> None:
    for flag, value in (("--threads", args.threads), ("--epochs", args.epochs), ("--batch-size", args.batch_size),
                        ("--checkpoint-every", args.checkpoint_every), ("--validation", args.validation)):
        if value is not None and value < 1:
            raise UsageError(f"{flag} must be >= 1, got {value}")
    if args.ema is not None and not 0 < args.ema < 1:
        raise UsageError(f"--ema must be a decay in (0, 1), e.g. 0.99, got {args.ema}")
    if args.clip_grad_norm is not None and not args.clip_grad_norm > 0:
        raise UsageError(f"--clip-grad-norm must be a norm > 0, e.g. 1.0 (inf: record the norms, clip nothing), "
                         f"got {args.clip_grad_norm}")


def _kept(history, out: Path, why: str, title: str) -> str:
    """Save the partial ``history`` into ``out``; the one line saying what was kept and where."""
    files = _listed(out, [path.name for path in history.save(out, title=title)])
    return f"lrcourse train: {why}; kept what was recorded in {out}: {', '.join(files)}"


def _listed(out: Path, names: list[str]) -> list[str]:
    """``names`` plus the checkpoint in ``out`` (and its epoch), when there is one."""
    from ..train import load_checkpoint

    if (out / CHECKPOINT).exists():
        names = names + [f"{CHECKPOINT} (epoch {load_checkpoint(out / CHECKPOINT)['epoch']})"]
    return names


def run(args) -> int:
    if args.list:
        print(list_names())
        return 0
    _check_counts(args)
    from .. import catalog

    opt_entry = catalog.optimizer(args.optimizer)
    schedule_entry = None if args.schedule.lower() == "none" else catalog.schedule(args.schedule)
    schedule = "none" if schedule_entry is None else schedule_entry.cli
    plateau = schedule_entry is not None and schedule_entry.metric
    metric = plateau_metric(args, plateau)
    params = _plateau_mode(args, parse_params(args.param, args.schedule), plateau)
    lr = opt_entry.lr if args.lr is None else args.lr
    choice = {"optimizer": opt_entry.cli, "lr": lr, "momentum": args.momentum, "weight_decay": args.weight_decay,
              "schedule": schedule, "params": params, "scheduler_interval": args.scheduler_interval,
              "plateau_metric": metric, "callable_convention": args.callable_convention, "epochs": args.epochs,
              "batch_size": args.batch_size, "seed": args.seed, "train_subset": args.train_subset,
              "test_subset": args.test_subset, "validation": args.validation,
              **({} if args.ema is None else {"ema": args.ema}),  # without them: the folder names of before
              **({} if args.clip_grad_norm is None else {"clip_grad_norm": args.clip_grad_norm})}
    out = Path(args.out) if args.out else Path(args.resume).parent if args.resume else default_out(choice)
    held = check_out(out, resume=args.resume, overwrite=args.overwrite)
    state, saved = read_resume(args.resume) if args.resume else (None, None)

    import torch

    from ..data import fashion_mnist
    from ..models import LeNet
    from ..train import DivergenceError, resolve_device, seed_everything, train

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    data = fashion_mnist(args.data_root, device=device, train_subset=args.train_subset,
                         test_subset=args.test_subset, seed=args.seed, validation=args.validation)
    seed_everything(args.seed)
    model = LeNet().to(device)
    optimizer = build_optimizer(args.optimizer, model.parameters(), args.lr, args.momentum, args.weight_decay)
    optimizer_settings = {k: v for k, v in optimizer.param_groups[0].items() if k != "params"}
    steps = args.epochs * (data.num_batches("train", args.batch_size) if args.scheduler_interval == "step" else 1)
    lr = optimizer.param_groups[0]["lr"]
    scheduler = build_scheduler(args.schedule, optimizer, params, steps, lr)
    sized = {} if schedule == "none" else catalog.schedule(schedule).sized(steps, lr)
    config = configuration(args, optimizer_name=opt_entry.cli, optimizer_settings=optimizer_settings,
                           schedule_name=schedule, schedule_settings={**sized, **params}, params=params,
                           steps=steps, metric=metric)
    if saved is not None:
        mismatch = resume_mismatch(saved, config, state["epoch"])
        if mismatch:
            raise UsageError(f"--resume: {mismatch}")
    if metric is not None and metric.startswith("test_"):
        print(f"lrcourse train: warning: the plateau schedule is fed the test set ({metric}), so the test set "
              "tunes the run; hold out a validation split with --validation N to feed it val_loss instead",
              file=sys.stderr)
    if args.overwrite:  # everything checked: the old run goes now (not the checkpoint being resumed)
        for name in held:
            if not (args.resume and (out / name).resolve() == Path(args.resume).resolve()):
                (out / name).unlink()
    title = (f"LeNet, {opt_entry.cli} lr={lr:g}, {schedule}" + ("" if args.ema is None else f", EMA {args.ema:g}")
             + ("" if args.clip_grad_norm is None else f", clip {args.clip_grad_norm:g}"))
    try:
        history = train(model, optimizer, data, epochs=args.epochs, batch_size=args.batch_size,
                        scheduler=scheduler, scheduler_interval=None if scheduler is None else args.scheduler_interval,
                        plateau_metric=metric, callable_convention=args.callable_convention,
                        device=device, seed=args.seed, progress=not args.no_progress, live=False,
                        checkpoint=out / CHECKPOINT if args.checkpoint_every else None,
                        checkpoint_every=args.checkpoint_every or 1, resume=args.resume,
                        on_divergence=args.on_divergence, channels_last=args.channels_last, ema=args.ema,
                        clip_grad_norm=args.clip_grad_norm, meta={"cli": config})
    except KeyboardInterrupt as exc:
        if not hasattr(exc, "history"):
            raise
        print(_kept(exc.history, out, f"interrupted ({exc.history.meta['stopped']})", title), file=sys.stderr)
        return 130
    except Exception as exc:
        if hasattr(exc, "history"):
            why = ("diverged" if isinstance(exc, DivergenceError) else
                   f"stopped by an error ({exc.history.meta['stopped']})")
            print(_kept(exc.history, out, why, title), file=sys.stderr)
        raise
    written = history.save(out, title=title)
    print(history.summary())
    print("wrote " + ", ".join(str(p) for p in written))
    if history.diverged:
        print(f"lrcourse train: {history.diverged}; kept what was recorded in {out}: "
              f"{', '.join(_listed(out, [p.name for p in written]))}", file=sys.stderr)
        return 1
    return 0
