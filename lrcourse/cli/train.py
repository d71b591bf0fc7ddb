"""`lrcourse train`: LeNet on Fashion-MNIST with a named optimizer and schedule.

    lrcourse train --optimizer sgd --lr 0.3 --scheduler cosine --param T_max=30 \\
        --epochs 30 --batch-size 256 --seed 0 --out runs/cosine

writes ``history.json``, ``epochs.csv``, ``steps.csv`` and ``history.png`` into ``--out``.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

from . import UsageError, parse_params


def add_parser(subparsers):
    p = subparsers.add_parser(
        "train", help="train LeNet on Fashion-MNIST with any optimizer and schedule",
        description="Train LeNet on Fashion-MNIST; write metrics (CSV, JSON) and plots (PNG) into --out.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--list", action="store_true", help="list the optimizer names (and where to find the schedules)")
    p.add_argument("--optimizer", default="sgd", help="an optimizer name or alias (sgd, adam, ...; see --list)")
    p.add_argument("--lr", type=float, default=None,
                   help="(initial) learning rate (default: the optimizer's in --list; sgd 0.1)")
    p.add_argument("--momentum", type=float, default=None,
                   help="momentum (optimizers that have one: sgd, rmsprop, ...)")
    p.add_argument("--weight-decay", type=float, default=None,
                   help="weight decay (default: the optimizer's own, e.g. 0 for sgd, 0.01 for adamw)")
    p.add_argument("--scheduler", default="none",
                   help="'none', or a name from `lrcourse schedule --list` (cosine, onecycle, multistep, "
                        "plateau, ..., or a d2l callable: d2l-sqrt, d2l-cosine, d2l-factor)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="scheduler argument (repeatable), e.g. T_max=30 or milestones=[15,30]; "
                        "omitted required ones are sized to the run")
    p.add_argument("--scheduler-interval", choices=("epoch", "step"), default="epoch",
                   help="step the scheduler after every epoch or after every batch")
    p.add_argument("--plateau-metric", choices=("test_loss", "test_acc"), default="test_loss")
    p.add_argument("--callable-convention", choices=("exact", "d2l"), default="exact",
                   help="d2l callables: 'exact' trains epoch e at schedule(e); 'd2l' copies the "
                        "chapter's loop (epoch e at schedule(e-1))")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--train-subset", type=int, default=None, help="stratified subset size (default: all 60000)")
    p.add_argument("--test-subset", type=int, default=None, help="stratified subset size (default: all 10000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default=None, help="cpu, cuda, mps (default: cuda, then mps, then cpu)")
    p.add_argument("--data-root", default=None, help="data directory (default $LRCOURSE_DATA or ~/.cache/lrcourse)")
    p.add_argument("--out", default=None, help="output directory (default runs/<optimizer>-<scheduler>-lr<lr>)")
    p.add_argument("--checkpoint-every", type=int, default=None, help="write <out>/checkpoint.pt every N epochs")
    p.add_argument("--resume", default=None, help="checkpoint to continue from")
    p.add_argument("--on-divergence", choices=("stop", "raise"), default="stop",
                   help="NaN/inf loss: 'stop' saves what was recorded and exits 1")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
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
            raise UsageError("--param needs a --scheduler")
        return None
    from .. import catalog

    return catalog.build_scheduler(name, optimizer, intervals, lr=lr, **params)


def _plateau_mode(args, params: dict) -> dict:
    """``--plateau-metric test_acc`` means larger is better: default ``mode='max'``."""
    from .. import catalog

    plateau = args.scheduler.lower() != "none" and catalog.schedule(args.scheduler).metric
    if plateau and args.plateau_metric == "test_acc":
        return {"mode": "max", **params}
    return params


def run(args) -> int:
    if args.list:
        print(list_names())
        return 0
    import torch

    from ..data import fashion_mnist
    from ..models import LeNet
    from ..train import resolve_device, seed_everything, train

    if args.threads is not None:
        if args.threads < 1:
            raise UsageError(f"--threads must be >= 1, got {args.threads}")
        torch.set_num_threads(args.threads)
    if args.epochs < 1:
        raise UsageError(f"--epochs must be >= 1, got {args.epochs}")
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.checkpoint_every is not None and args.checkpoint_every < 1:
        raise UsageError(f"--checkpoint-every must be >= 1, got {args.checkpoint_every}")
    params = _plateau_mode(args, parse_params(args.param))
    device = resolve_device(args.device)
    data = fashion_mnist(args.data_root, device=device, train_subset=args.train_subset,
                         test_subset=args.test_subset, seed=args.seed)
    seed_everything(args.seed)
    model = LeNet().to(device)
    optimizer = build_optimizer(args.optimizer, model.parameters(), args.lr, args.momentum, args.weight_decay)
    steps = args.epochs * (data.num_batches("train", args.batch_size) if args.scheduler_interval == "step" else 1)
    lr = optimizer.param_groups[0]["lr"]
    scheduler = build_scheduler(args.scheduler, optimizer, params, steps, lr)
    out = Path(args.out or f"runs/{args.optimizer.lower()}-{args.scheduler.lower()}-lr{lr:g}")
    out.mkdir(parents=True, exist_ok=True)
    history = train(model, optimizer, data, epochs=args.epochs, batch_size=args.batch_size,
                    scheduler=scheduler, scheduler_interval=None if scheduler is None else args.scheduler_interval,
                    plateau_metric=args.plateau_metric, callable_convention=args.callable_convention,
                    device=device, seed=args.seed, progress=not args.no_progress, live=False,
                    checkpoint=out / "checkpoint.pt" if args.checkpoint_every else None,
                    checkpoint_every=args.checkpoint_every or 1, resume=args.resume,
                    on_divergence=args.on_divergence, channels_last=args.channels_last)
    history.to_json(out / "history.json")
    written = history.to_csv(out) + [out / "history.json", out / "history.png"]
    fig = history.plot(title=f"LeNet, {args.optimizer} lr={lr:g}, {args.scheduler}")
    fig.savefig(out / "history.png", dpi=90)
    import matplotlib.pyplot as plt

    plt.close(fig)
    print(history.summary())
    print("wrote " + ", ".join(str(p) for p in written))
    if history.diverged:
        import sys

        print(f"lrcourse train: {history.diverged}", file=sys.stderr)
        return 1
    return 0
