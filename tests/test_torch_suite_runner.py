"""tools/torch_suite/run.py points a torch-style scheduler test file at lrcourse's classes."""
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "tools" / "torch_suite" / "run.py"

TORCH_STYLE = '''import torch
from torch.optim.lr_scheduler import (
    EPOCH_DEPRECATION_WARNING,
    StepLR,
)
from torch.optim.swa_utils import SWALR
from torch.testing._internal.common_utils import (
    TestCase,
)


class TestNames(TestCase):
    def test_imported_names_are_lrcourse(self):
        assert StepLR.__module__.startswith("lrcourse.") and SWALR.__module__.startswith("lrcourse.")
        assert isinstance(EPOCH_DEPRECATION_WARNING, str)

    def test_names_in_bodies_are_lrcourse(self):
        assert torch.optim.lr_scheduler.StepLR is StepLR

    def test_a_failure_fails(self):
        self.assertEqual(StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), 2).get_last_lr(), [0.2])
'''


def run(tmp_path, source):
    path = tmp_path / "test_lrscheduler.py"
    path.write_text(source)
    return subprocess.run([sys.executable, str(RUN), str(path)], capture_output=True, text=True, timeout=120)


def test_runs_a_torch_style_file_against_lrcourse(tmp_path):
    done = run(tmp_path, TORCH_STYLE)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 passed" in done.stdout and "1 failed" in done.stdout
    assert "test_a_failure_fails" in done.stdout


@pytest.mark.parametrize("block", ["from torch.optim.swa_utils import SWALR\n",
                                   "from torch.testing._internal.common_utils import (\n    TestCase,\n)\n"])
def test_a_file_without_torchs_import_blocks_is_refused_in_one_line(tmp_path, block):
    done = run(tmp_path, TORCH_STYLE.replace(block, ""))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "has no import matching" in done.stderr.strip().splitlines()[-1]
