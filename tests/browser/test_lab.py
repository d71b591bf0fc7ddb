"""The course's sliders in a real JupyterLab: open a notebook in headless Chromium, run all
cells, move an explorer's controls with keyboard and mouse, and check the figure.

"The figure changes to the right thing" means: the ``.lrcourse-summary`` text becomes
exactly what the same explorer built here shows for the new values, its numbers match an
independent computation (torch or a direct formula), and the ``<img>`` is a new one.
Screenshots of each state go to ``artifacts/browser/``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import pytest

import browser_harness as bh
import widget_page as wp
from drive import Move, drive
from expected import (check_ema, check_momentum, check_schedule, check_warmup, ema, momentum,
                      schedules, warmup)

pytestmark = pytest.mark.browser


# ------------------------------------------------------------------ the cases

@dataclass
class LabCase:
    notebook: str
    builder: Callable  # builds the twin explorer with the notebook's arguments
    moves: list = field(default_factory=list)
    check: Callable = lambda values, summary: None


CASES = [
    LabCase("01_ema.ipynb", ema, [Move("beta", steps=-6), Move("bias_correction", toggle=True)], check_ema),
    LabCase("03_momentum.ipynb", momentum, [Move("lr", steps=5), Move("beta", steps=-3)], check_momentum),
    LabCase("06_schedules.ipynb", lambda: schedules("OneCycleLR"),
            [Move("kind", option="StepLR"), Move("StepLR.step_size", steps=-5)], check_schedule),
    LabCase("07_warmup.ipynb", warmup, [Move("warmup_steps", steps=3)], check_warmup),
]


@pytest.mark.parametrize("case", CASES, ids=[c.notebook for c in CASES])
def test_explorer_in_lab(lab_server, page, case):
    assert (bh.REPO / "notebooks" / case.notebook).exists(), f"notebooks/{case.notebook} is missing"
    twin = case.builder()
    title = re.sub(r"<[^>]+>", "", twin.children[0].value)
    try:
        wp.open_notebook(page, lab_server, f"notebooks/{case.notebook}")
        wp.run_all_cells(page)
        explorer = wp.PageExplorer(page, title, kernel_status=wp.kernel_status)
        name = case.notebook.removesuffix(".ipynb")
        explorer.screenshot(f"lab-{name}-0-initial")
        values = drive(explorer, twin, case.moves, f"lab-{name}")
        case.check(values, explorer.summary())
    finally:
        bh.shutdown_kernels(lab_server)
