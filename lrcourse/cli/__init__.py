"""The ``lrcourse`` command line: ``lrcourse data``, ``lrcourse schedule``, ``lrcourse train``.

Each subcommand lives in its own module with two functions:

``add_parser(subparsers)``  registers the subcommand and its options;
``run(args) -> int``        does the work and returns the exit status.

Bad values are reported as one line on stderr (``lrcourse: error: ...``), never a traceback.
Shared by the subcommands: :class:`UsageError` and :func:`parse_params` (``--param KEY=VALUE``).
"""
from __future__ import annotations

import argparse
import ast
import importlib
import sys

from .. import __version__

SUBCOMMANDS = ("data", "schedule", "train")


class UsageError(Exception):
    """A problem with what the user typed; printed as one line, exit status 2."""


def parse_params(items: list[str]) -> dict:
    """``--param`` values to keyword arguments: Python literals, else strings; ``a,b`` is a list.

    ``["T_max=50", "milestones=15,30", "mode=max"]``
    -> ``{"T_max": 50, "milestones": [15, 30], "mode": "max"}``.
    """
    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise UsageError(f"--param expects KEY=VALUE with KEY an argument name, got {item!r}")
        try:
            value = ast.literal_eval(raw.strip())
        except (ValueError, SyntaxError):
            value = raw.strip()
        out[key] = list(value) if isinstance(value, tuple) else value
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lrcourse",
        description="Optimizers and learning-rate schedules from first principles.",
    )
    parser.add_argument("--version", action="version", version=f"lrcourse {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args.run(args) or 0)
    except (UsageError, ValueError, TypeError, FileNotFoundError, RuntimeError) as exc:
        print(f"lrcourse {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lrcourse: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
