"""``lrcourse schedule``: print, plot or export the curve of any learning-rate scheduler.

    lrcourse schedule cosine --steps 100 --lr 0.1 --out cosine.png
    lrcourse schedule onecycle --param max_lr=0.5 --param three_phase=true --out curve.csv
    lrcourse schedule MultiStepLR --param milestones=15,30 --param gamma=0.5 --steps 30
    lrcourse schedule sgdr --out runs/          # runs/sgdr.png and runs/sgdr.csv
    lrcourse schedule --list

Names come from :mod:`lrcourse.catalog`; the curve from :func:`lrcourse.catalog.simulate`.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from . import UsageError, parse_params

MAX_STEPS = 100_000  # simulate() steps a real scheduler: about 10-80 µs a step, so seconds at most
MAX_GROUPS = 64  # group i starts at lr / 2**i: 2**-63 is far below any lr worth plotting
SUFFIXES = (".png", ".csv")

HELP_OUT = ("write the curve: FILE.png (plot) or FILE.csv (step, lr per group, momentum); a folder "
            "(an existing one, or a path ending in '/') gets NAME.png and NAME.csv (default: print only)")


def add_parser(subparsers):
    p = subparsers.add_parser(
        "schedule", help="show the learning-rate curve of any scheduler (table, PNG, CSV)",
        description="Step a learning-rate scheduler on a throw-away optimizer and show its curve.\n"
                    "NAME is a class of torch.optim.lr_scheduler / lrcourse.lr_scheduler or an alias\n"
                    "(cosine, onecycle, wsd, inverse-sqrt, sgdr, plateau, d2l-cosine, ...), case-insensitive;\n"
                    "required arguments left out are sized to --steps (see --list).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  lrcourse schedule cosine --steps 100 --out cosine.png\n"
               "  lrcourse schedule multistep --param milestones=15,30 --param gamma=0.5 --steps 30\n"
               "  lrcourse schedule onecycle --param max_lr=0.5 --param three_phase=true --out runs/\n"
               "  lrcourse schedule --list --steps 1000")
    p.add_argument("name", nargs="?", metavar="NAME", help="scheduler name or alias (see --list)")
    p.add_argument("--list", action="store_true",
                   help="list the scheduler names with the settings a run of --steps at --lr uses")
    p.add_argument("--steps", type=int, default=100,
                   help=f"number of optimizer steps, 1 to {MAX_STEPS:,d} (default: %(default)s)")
    p.add_argument("--lr", type=float, default=0.1, help="the optimizer's learning rate (default: %(default)s)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a scheduler setting, repeatable: T_max=50, milestones=15,30, three_phase=true, "
                        "anneal_strategy=linear; typed as the setting's default (see --list)")
    p.add_argument("--optimizer", default="sgd",
                   help="sgd or adam: the optimizer whose momentum (SGD) or beta1 (Adam) gets cycled "
                        "(default: %(default)s)")
    p.add_argument("--groups", type=int, default=1,
                   help=f"number of param groups, 1 to {MAX_GROUPS}, group i at lr/2**i (default: %(default)s)")
    p.add_argument("--out", metavar="PATH", help=HELP_OUT)
    p.add_argument("--overwrite", action="store_true",
                   help="replace files --out would write that exist (default: refuse and write nothing)")
    p.add_argument("--log", action="store_true", help="log-scale lr axis in the PNG (default: linear)")
    p.set_defaults(run=run)
    return p


def _show(value) -> str:
    return f"{value:.6g}" if isinstance(value, float) and len(repr(value)) > 10 else repr(value)


def list_names(steps: int = 100, lr: float = 0.1) -> str:
    """Every schedule with the settings a run of ``steps`` at ``lr`` uses (``*``: sized to the run)."""
    from .. import catalog

    lines = [f"schedulers: NAME [aliases], then the settings a run of --steps {steps} at --lr {lr:g} uses",
             "(* = sized to the run's --steps and --lr; the others are the defaults):"]
    for name, entry in catalog.SCHEDULES.items():
        sized = entry.sized(steps, lr)
        settings = ", ".join(f"{k}={_show(v)}{'*' if k in sized else ''}"
                             for k, v in entry.settings(steps, lr).items())
        recipe = f"  ({entry.build.__doc__.strip()})" if entry.build else ""
        lines.append(f"  {name} [{', '.join(entry.aliases)}]\n      {settings}{recipe}")
    lines.append("in Python only: WarmupLR (warmup in front of any scheduler); LambdaLR, MultiplicativeLR, "
                 "SequentialLR, ChainedScheduler with your own lr_lambda or schedulers")
    return "\n".join(lines)


def table(trace, head: int = 5, tail: int = 3) -> str:
    mom = trace.momentum is not None
    rows = [f"{trace.name}: {trace.steps} steps",
            f"{'step':>6}  {'lr':>12}" + (f"  {'momentum':>9}" if mom else "")]
    shown = list(range(min(head, trace.steps)))
    shown += [i for i in range(max(head, trace.steps - tail), trace.steps)]
    for j, i in enumerate(shown):
        if j and i != shown[j - 1] + 1:
            rows.append(f"{'...':>6}")
        rows.append(f"{i:>6}  {trace.lr[i]:>12.6g}" + (f"  {trace.momentum[i]:>9.4f}" if mom else ""))
    rows.append(f"min lr {trace.lr.min():.6g} at step {int(trace.lr.argmin())}, "
                f"max lr {trace.lr.max():.6g} at step {int(trace.lr.argmax())}")
    return "\n".join(rows)


def targets(out: str, name: str, overwrite: bool = False) -> list[Path]:
    """The files ``--out`` names: a .png/.csv file, or ``NAME.png`` and ``NAME.csv`` in a folder.

    Checked before anything is computed: UsageError for an unusable path, or for a file that
    exists unless ``overwrite``.
    """
    path = Path(out).expanduser()
    if path.is_dir() or out.endswith(("/", os.sep)):
        if path.exists() and not path.is_dir():
            raise UsageError(f"--out {out!r} ends in '/' but {str(path)!r} is a file")
        files = [path / f"{name}{suffix}" for suffix in SUFFIXES]
    elif path.suffix.lower() in SUFFIXES:
        if not path.parent.is_dir():
            raise UsageError(f"--out: folder {str(path.parent)!r} does not exist")
        files = [path]
    else:
        raise UsageError(f"--out {out!r}: give a file ending in .png or .csv, or a folder (an existing one, "
                         f"or a path ending in '/') to get {name}.png and {name}.csv")
    existing = [str(f) for f in files if f.exists()]
    if existing and not overwrite:
        raise UsageError(f"--out: {', '.join(existing)} exists; pass --overwrite to replace it")
    return files


def _save_png(trace, log: bool, f) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..catalog import plot_schedule

    ax = plot_schedule(trace, log=log)
    try:
        ax.figure.tight_layout()
        ax.figure.savefig(f, dpi=100, format="png")
    finally:
        plt.close(ax.figure)


def write(trace, files: list[Path], log: bool) -> list[Path]:
    """Write ``trace`` to each of ``files`` (from :func:`targets`), each atomically
    (:func:`lrcourse.train.atomic_write`: the old file or the new one, never half of either)."""
    from ..train.atomic import atomic_write

    for target in files:
        if target.suffix.lower() == ".csv":
            with atomic_write(target, "w", newline="") as f:
                trace.to_csv(f)
        else:
            with atomic_write(target, "wb") as f:
                _save_png(trace, log, f)
    return files


def run(args) -> int:
    from .. import catalog

    if not 1 <= args.steps <= MAX_STEPS:
        raise UsageError(f"--steps must be an int >= 1 and at most {MAX_STEPS:,d} (each step is simulated; "
                         f"more takes minutes), got {args.steps}")
    if not 1 <= args.groups <= MAX_GROUPS:
        raise UsageError(f"--groups must be between 1 and {MAX_GROUPS}, got {args.groups}")
    if args.list:
        print(list_names(args.steps, args.lr))
        return 0
    if not args.name:
        raise UsageError("give a scheduler NAME (e.g. cosine), or --list to see them")
    entry = catalog.schedule(args.name)
    params = parse_params(args.param, args.name)
    files = targets(args.out, entry.cli, args.overwrite) if args.out else []
    trace = catalog.simulate(args.name, args.steps, lr=args.lr, optimizer=args.optimizer, n_groups=args.groups,
                             **params)
    print(table(trace))
    for target in write(trace, files, args.log):
        print(f"wrote {target}")
    return 0
