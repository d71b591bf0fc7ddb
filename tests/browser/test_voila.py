"""The instructors' dashboard (notebooks/dashboard.ipynb) served by Voila as ``make demo``
serves it: it renders with code hidden, its explorers answer real slider moves, and the
training panel trains LeNet for one epoch on a small Fashion-MNIST subset."""
from __future__ import annotations

import math
import re

import pytest

import browser_harness as bh
import widget_page as wp
from drive import Move, drive
from expected import (check_ema, check_momentum, check_schedule, check_training, dashboard_training, ema,
                      momentum, schedules)

pytestmark = pytest.mark.browser
TABS = ["Schedules", "Momentum", "EMA", "Train LeNet"]
TRAIN_TIMEOUT_S = 240


@pytest.fixture(scope="module")
def dashboard(voila_server, chromium):
    """One Voila page (one kernel) shared by the module's tests, in test order."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(voila_server.url(""), timeout=bh.NOTEBOOK_TIMEOUT_S * 1000)
    page.wait_for_selector(".widget-tab .lm-TabBar-tab", timeout=bh.NOTEBOOK_TIMEOUT_S * 1000)
    yield page
    context.close()


@pytest.fixture
def shot_on_failure(dashboard, request):
    yield dashboard
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        bh.ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = "".join(c if c.isalnum() else "_" for c in request.node.name)
        dashboard.screenshot(path=str(bh.ARTIFACTS / f"FAILED-voila-{name}.png"), full_page=True)


def test_dashboard_renders_without_code(shot_on_failure):
    page = shot_on_failure
    labels = page.locator(".widget-tab .lm-TabBar-tabLabel").all_inner_texts()
    assert labels == TABS
    body = page.inner_text("body")
    assert page.locator(".jp-CodeCell .jp-InputArea, .cm-editor").count() == 0, "code is shown"
    assert "import ipywidgets" not in body and "Traceback" not in body
    ex = wp.PageExplorer(page, re.sub(r"<[^>]+>", "", schedules().children[0].value))
    assert ex.summary().startswith("CosineAnnealingLR: steps=100")
    assert ex.image_src().startswith("data:image/png;base64,")
    page.screenshot(path=str(bh.ARTIFACTS / "voila-dashboard.png"))


CASES = [  # tab, twin builder, moves, independent check
    ("Schedules", schedules, [Move("kind", option="StepLR"), Move("StepLR.step_size", steps=-5)], check_schedule),
    ("Momentum", momentum, [Move("beta", steps=4), Move("lr", steps=-3)], check_momentum),
    ("EMA", ema, [Move("beta", steps=5), Move("bias_correction", toggle=True)], check_ema),
]


@pytest.mark.parametrize("tab, builder, moves, check", CASES, ids=[c[0] for c in CASES])
def test_explorer_in_voila(shot_on_failure, tab, builder, moves, check):
    page = shot_on_failure
    twin = builder()
    wp.select_tab(page, tab)
    explorer = wp.PageExplorer(page, re.sub(r"<[^>]+>", "", twin.children[0].value))
    values = drive(explorer, twin, moves, f"voila-{tab.lower()}")
    check(values, explorer.summary())


def test_training_panel_trains_one_epoch(shot_on_failure):
    page = shot_on_failure
    twin = dashboard_training()
    wp.select_tab(page, "Train LeNet")
    panel = wp.PageExplorer(page, re.sub(r"<[^>]+>", "", twin.children[0].value))
    values = drive(panel, twin, [Move("epochs", steps=-1), Move("train_subset", steps=-4)], "voila-training")
    assert values["epochs"] == 1 and values["train_subset"] == 1000
    before = panel.image_src()
    panel.click("Run")
    summary = panel.wait_for_summary("trained 1 epoch", fail_on="failed", timeout_s=TRAIN_TIMEOUT_S)
    panel.wait_for_new_image(before)
    check_training(values, summary)
    assert summary.startswith(f"optimizer={values['optimizer']}, schedule=cosine, lr={values['lr']:.3g}, "
                              "epochs=1, train_subset=1000: trained 1 epoch")
    steps = math.ceil(1000 / 128)
    bar = panel.box.locator(".widget-output .widget-html-content").all_inner_texts()
    assert any(f"{steps}/{steps}" in text.replace("\u2007", " ") for text in bar), bar  # tqdm at 100%
    panel.screenshot("voila-training-trained")
