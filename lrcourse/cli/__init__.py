"""The ``lrcourse`` command line: ``lrcourse data``, ``lrcourse schedule``, ``lrcourse train``.

Each subcommand lives in its own module with two functions:

``add_parser(subparsers)``  registers the subcommand and its options;
``run(args) -> int``        does the work and returns the exit status.

Bad values are reported as one line on stderr (``lrcourse: error: ...``), never a traceback.
Shared by the subcommands: :class:`UsageError` and :func:`parse_params` (``--param KEY=VALUE``).
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__

SUBCOMMANDS = ("data", "schedule", "train")


class UsageError(Exception):
    """A problem with what the user typed; printed as one line, exit status 2."""


from .params import parse_params  # noqa: E402,F401  (re-exported; it raises UsageError)

# Printed as one line, exit status 2: what the user typed or named is wrong (a bug still shows
# its traceback: IndexError, KeyError, AttributeError ... are not here).
ERRORS = (UsageError, ValueError, TypeError, RuntimeError, OSError)


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


def one_line(exc: BaseException) -> str:
    """The error as one line; an OSError names its path (``exc.filename``)."""
    if isinstance(exc, OSError) and exc.filename is not None:
        text = f"{exc.filename}: {exc.strerror or type(exc).__name__}"
        text += f" (and {exc.filename2})" if exc.filename2 is not None else ""
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.run(args) or 0)
    except ERRORS as exc:
        print(f"lrcourse {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lrcourse: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
