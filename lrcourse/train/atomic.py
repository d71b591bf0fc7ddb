"""Write a file so that it is either the old one or the new one, never half of either.

``with atomic_write(path, "w") as f: ...`` writes into a temporary file in the same folder
and, when the block ends without an exception, renames it over ``path`` with ``os.replace``
(atomic on POSIX and Windows within one file system). An exception, or a Ctrl-C, inside the
block removes the temporary file and leaves ``path`` as it was. Checkpoints, histories (JSON,
CSV) and figures are all written through it.

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_write(p) as f:
    ...     _ = f.write("done")
    >>> p.read_text()
    'done'
"""
from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", newline: str | None = None):
    """Yield a file object (``mode`` "w" text or "wb" binary) that replaces ``path`` on success.

    The parent folder is created when missing.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_beside(path)
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"newline": newline})) as f:
            yield f
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _create_beside(path: Path) -> tuple[int, str]:
    """A new, empty ``.<name>.<random>.part`` file beside ``path``: (descriptor, name). Created
    with mode 0o666 less the umask, as ``open`` would (``tempfile.mkstemp`` gives 0o600)."""
    while True:
        tmp = str(path.with_name(f".{path.name}.{secrets.token_hex(4)}.part"))
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue
