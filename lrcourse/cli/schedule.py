"""`lrcourse schedule` (placeholder: the owning issue fills this in)."""


def add_parser(subparsers):
    p = subparsers.add_parser("schedule", help="(not implemented yet)")
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    raise RuntimeError("'lrcourse schedule' is not implemented yet")
