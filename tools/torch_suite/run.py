"""Run torch's own scheduler tests with lrcourse's classes in place of torch's.

    .venv/bin/python tools/torch_suite/run.py PATH/TO/pytorch/test/optim/test_lrscheduler.py [pytest args]

torch's test file is not installed with torch, and it is not copied into this repository: give the
path of one from a pytorch checkout (the run of record, its commit and result: ``tools/torch_suite/README.md``). The file is copied into a temporary
folder with three import blocks changed (the scheduler names and ``EPOCH_DEPRECATION_WARNING`` from
:mod:`lrcourse.lr_scheduler`, ``SWALR`` from lrcourse, torch's ``common_utils`` test helpers from the
stand-ins in ``torch_common_utils.py``, since torch's need ``expecttest``); ``conftest.py`` beside
it swaps the classes named as ``torch.optim.lr_scheduler.X`` inside test bodies and marks lrcourse's
documented deliberate differences as strict expected failures. Exit status: pytest's.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
IMPORTS = [
    (r"from torch\.optim\.lr_scheduler import \(\n(.*?)\)\n",
     lambda m: ("from lrcourse.lr_scheduler import (\n" + m.group(1).replace("    EPOCH_DEPRECATION_WARNING,\n", "")
                + ")\nfrom lrcourse.lr_scheduler.base import EPOCH_DEPRECATION_WARNING\n")),
    (r"from torch\.optim\.swa_utils import SWALR\n", lambda m: "from lrcourse.lr_scheduler import SWALR\n"),
    (r"from torch\.testing\._internal\.common_utils import", lambda m: "from torch_common_utils import"),
]


def patched(source: str) -> str:
    """torch's test file with its scheduler imports taken from lrcourse (each block must be found)."""
    for pattern, replacement in IMPORTS:
        source, n = re.subn(pattern, replacement, source, count=1, flags=re.S)
        if n != 1:
            raise SystemExit(f"run.py: torch's test file has no import matching {pattern!r}; is it test_lrscheduler.py?")
    return source


def main(argv: list[str]) -> int:
    if not argv or not Path(argv[0]).is_file():
        print("usage: run.py PATH/TO/test/optim/test_lrscheduler.py [pytest args]", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "test_lrscheduler_torch.py").write_text(patched(Path(argv[0]).read_text()))
        for name in ("conftest.py", "torch_common_utils.py"):
            shutil.copy(HERE / name, tmp)
        return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                                "--rootdir", tmp, "-c", "/dev/null", *argv[1:], tmp], cwd=tmp)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
