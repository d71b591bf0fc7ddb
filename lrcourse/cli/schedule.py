"""``lrcourse schedule``: print, plot or export the curve of any learning-rate scheduler.

    lrcourse schedule cosine --steps 100 --lr 0.1 --out cosine.png
    lrcourse schedule onecycle --param max_lr=0.5 --param three_phase=True --out curve.csv
    lrcourse schedule MultiStepLR --param milestones=15,30 --param gamma=0.5 --steps 30
    lrcourse schedule --list

Names come from :mod:`lrcourse.catalog`; the curve from :func:`lrcourse.catalog.simulate`.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from . import UsageError, parse_params

HELP_OUT = ("write the curve: NAME.png (plot) or NAME.csv (step, lr per group, momentum); "
            "a path without .png/.csv is a prefix and gets both")


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
               "  lrcourse schedule onecycle --param max_lr=0.5 --optimizer adam --out runs/onecycle")
    p.add_argument("name", nargs="?", metavar="NAME", help="scheduler name or alias")
    p.add_argument("--list", action="store_true", help="list the scheduler names with their parameters")
    p.add_argument("--steps", type=int, default=100, help="number of optimizer steps (default 100)")
    p.add_argument("--lr", type=float, default=0.1, help="the optimizer's learning rate (default 0.1)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a scheduler argument, e.g. T_max=50, milestones=15,30, anneal_strategy=linear "
                        "(repeatable; values are Python literals, else strings)")
    p.add_argument("--optimizer", default="sgd",
                   help="sgd or adam: the optimizer whose momentum (SGD) or beta1 (Adam) gets cycled (default sgd)")
    p.add_argument("--groups", type=int, default=1, help="number of param groups, group i at lr/2**i (default 1)")
    p.add_argument("--out", metavar="PATH", help=HELP_OUT)
    p.add_argument("--log", action="store_true", help="log-scale lr axis in the PNG")
    p.set_defaults(run=run)
    return p


def list_names() -> str:
    from .. import catalog

    lines = ["schedulers (NAME, then its parameters; aliases in brackets):"]
    for name, entry in catalog.SCHEDULES.items():
        recipe = f"  ({entry.build.__doc__.strip()})" if entry.build else ""
        lines.append(f"  {name} [{', '.join(entry.aliases)}]\n      {entry.parameters()}{recipe}")
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


def write(trace, out: str, log: bool) -> list[Path]:
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".csv"):
        targets = [path.with_name(path.name + ".png"), path.with_name(path.name + ".csv")]
    else:
        targets = [path]
    if not targets[0].parent.exists():
        raise FileNotFoundError(f"--out: folder {str(targets[0].parent)!r} does not exist")
    for target in targets:
        if target.suffix.lower() == ".csv":
            trace.to_csv(target)
        else:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            from ..catalog import plot_schedule

            ax = plot_schedule(trace, log=log)
            ax.figure.tight_layout()
            ax.figure.savefig(target, dpi=100)
            plt.close(ax.figure)
    return targets


def run(args) -> int:
    if args.list:
        print(list_names())
        return 0
    if not args.name:
        raise UsageError("give a scheduler NAME (e.g. cosine), or --list to see them")
    from ..catalog import simulate

    trace = simulate(args.name, args.steps, lr=args.lr, optimizer=args.optimizer, n_groups=args.groups,
                     **parse_params(args.param))
    print(table(trace))
    if args.out:
        for target in write(trace, args.out, args.log):
            print(f"wrote {target}")
    return 0
