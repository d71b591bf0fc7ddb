"""`lrcourse data`: put Fashion-MNIST in the data directory, verify it, say where it is."""
from __future__ import annotations

import argparse


def add_parser(subparsers):
    p = subparsers.add_parser(
        "data", help="prepare and verify Fashion-MNIST, print where it is",
        description="Prepare Fashion-MNIST offline (from --source, $LRCOURSE_FASHION_MNIST_SOURCE or the\n"
                    "Debian package dataset-fashion-mnist) or by download, verify the four files' MD5\n"
                    "digests, and print the data directory.",
        epilog="examples:\n  lrcourse data\n  lrcourse data --root data --source ~/Downloads/fashion-mnist "
               "--no-download",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default=None, metavar="DIR",
                   help="data directory (default: $LRCOURSE_DATA, else $XDG_CACHE_HOME/lrcourse, "
                        "i.e. ~/.cache/lrcourse)")
    p.add_argument("--source", default=None, metavar="DIR",
                   help="a folder holding the four original files, .gz or decompressed (default: "
                        "$LRCOURSE_FASHION_MNIST_SOURCE, else the Debian package's folder)")
    p.add_argument("--no-download", action="store_true",
                   help="never use the network: fail if no local copy is found (default: download as the "
                        "last resort)")
    p.set_defaults(run=run)
    return p


def run(args) -> int:
    from .. import data

    root = data.prepare(args.root, source=args.source, download=not args.no_download)
    raw = root / "FashionMNIST" / "raw"
    counts = {s: len(data.load_split(s, root)[1]) for s in data.SPLITS}  # verifies every file
    for name in data.KNOWN_FILES:
        print(f"  {raw / name}  {(raw / name).stat().st_size:,d} bytes, md5 {data.KNOWN_FILES[name][1]} ok")
    print(f"Fashion-MNIST ready in {root} ({counts['train']} train, {counts['test']} test images)")
    return 0
