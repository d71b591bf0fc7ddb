"""`lrcourse data` (placeholder: the owning issue fills this in)."""


def add_parser(subparsers):
    p = subparsers.add_parser("data", help="(not implemented yet)")
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    raise RuntimeError("'lrcourse data' is not implemented yet")
