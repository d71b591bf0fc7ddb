"""The instructors' dashboard (notebooks/dashboard.ipynb) served by Voila as ``make demo``
serves it (from notebooks/, reading notebooks/voila.json): it renders with code hidden and no
setup or test text, its explorers answer real slider moves, the training panel trains LeNet
for two epochs on a small Fashion-MNIST subset under one progress bar, and a closed page's
kernel is culled."""
from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import psutil
import pytest

import browser_harness as bh
import widget_page as wp
from drive import Move, drive
from expected import (check_ema, check_momentum, check_schedule, check_training, dashboard_training, ema,
                      momentum, schedules)

pytestmark = pytest.mark.browser
TABS = ["Schedules", "Momentum", "EMA", "Train LeNet"]
TRAIN_TIMEOUT_S = 240
NOTEBOOKS = bh.REPO / "notebooks"
NOT_ON_THE_PAGE = ["full run", "fast run", "panels:"]  # setup() and the nbval check cell
CULL_TEST = {"cull_idle_timeout": 10, "cull_interval": 1}  # seconds: the test's copy of voila.json


def voila_config() -> dict:
    """notebooks/voila.json: what make demo's Voila and the test servers read."""
    return json.loads((NOTEBOOKS / "voila.json").read_text())


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
    assert [text for text in NOT_ON_THE_PAGE if text in body] == []
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


def test_training_panel_trains_two_epochs_under_one_bar(shot_on_failure):
    page = shot_on_failure
    twin = dashboard_training()
    wp.select_tab(page, "Train LeNet")
    panel = wp.PageExplorer(page, re.sub(r"<[^>]+>", "", twin.children[0].value))
    values = drive(panel, twin, [Move("train_subset", steps=-4)], "voila-training")
    assert values["epochs"] == 2 and values["train_subset"] == 1000
    before = panel.image_src()
    panel.click("Run")
    summary = panel.wait_for_summary("trained 2 epochs", fail_on="failed", timeout_s=TRAIN_TIMEOUT_S)
    panel.wait_for_new_image(before)
    check_training(values, summary)
    assert summary.startswith(f"optimizer={values['optimizer']}, schedule=cosine, lr={values['lr']:.3g}, "
                              "epochs=2, train_subset=1000: trained 2 epochs")
    steps = 2 * math.ceil(1000 / 128)
    assert panel.box.locator(".widget-output .widget-hprogress").count() == 1  # one bar per run, not per epoch
    bar = panel.box.locator(".widget-output .widget-html-content").all_inner_texts()
    assert any(f"{steps}/{steps}" in text.replace("\u2007", " ") for text in bar), bar  # the run's bar at 100%
    panel.screenshot("voila-training-trained")


# ------------------------------------------------------------------ one config; kernels of closed pages


def test_make_demo_reads_the_same_voila_config():
    """make demo runs Voila in notebooks/, where it reads voila.json, as the harness's Voila does
    (``bh.start_voila`` runs in the notebook's folder); that file turns culling on."""
    dry = subprocess.run(["make", "-n", "demo"], cwd=bh.REPO, capture_output=True, text=True, check=True).stdout
    [line] = [line for line in dry.splitlines() if "/bin/voila " in line]
    assert line.startswith("cd notebooks && ") and " dashboard.ipynb " in line, line
    kernels = voila_config()["MappingKernelManager"]
    assert kernels["cull_idle_timeout"] > 0 and kernels["cull_interval"] > 0, kernels  # culling on
    assert kernels["cull_connected"] is False and kernels["cull_busy"] is False, kernels  # open pages, runs stay


def kernel_status(server, kernel_id: str) -> int:
    """HTTP status of Voila's GET /api/kernels/<id>: 200 while the kernel lives, 404 after."""
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}/api/kernels/{kernel_id}",
                                     headers={"Authorization": f"token {server.token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def kernel_processes(server) -> int:
    """Running ipykernel processes started by the Voila server."""
    count = 0
    for child in psutil.Process(server.proc.pid).children(recursive=True):
        try:
            count += child.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(child.cmdline())
        except psutil.NoSuchProcess:
            pass
    return count


def test_closed_page_kernel_is_culled(chromium, tmp_path):
    """An open page keeps its kernel past the idle timeout; once the page is gone the kernel is
    culled within the timeout. Voila serves a copy of the dashboard beside a copy of
    notebooks/voila.json with only the two times shortened. The page is closed without its
    beforeunload handler, as a crashed browser or a dropped network leaves it: culling must
    do the work alone (Voila 0.5's shutdown request from that handler is refused anyway, for
    want of an _xsrf cookie: voila issue #1458)."""
    config = voila_config()
    config["MappingKernelManager"].update(CULL_TEST)
    root, logs = tmp_path / "root", tmp_path / "server"
    root.mkdir()
    logs.mkdir()
    shutil.copy(NOTEBOOKS / "dashboard.ipynb", root)
    (root / "voila.json").write_text(json.dumps(config))
    server = bh.start_voila(root / "dashboard.ipynb", logs)
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(server.url(""), timeout=bh.NOTEBOOK_TIMEOUT_S * 1000)
        page.wait_for_selector(".widget-tab .lm-TabBar-tab", timeout=bh.NOTEBOOK_TIMEOUT_S * 1000)
        kernel = json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]
        assert (kernel_status(server, kernel), kernel_processes(server)) == (200, 1)
        time.sleep(CULL_TEST["cull_idle_timeout"] + 2 * CULL_TEST["cull_interval"])  # idle, but connected
        assert kernel_status(server, kernel) == 200, server.log()
        page.close(run_before_unload=False)
        deadline = time.monotonic() + CULL_TEST["cull_idle_timeout"] + 3 * CULL_TEST["cull_interval"] + 10
        while kernel_status(server, kernel) != 404:
            assert time.monotonic() < deadline, f"the closed page's kernel is still running:\n{server.log()}"
            time.sleep(0.5)
        assert kernel_processes(server) == 0
        assert f"({kernel}) with 0 connections due to" in server.log(tail=100_000)  # the culler's line
    finally:
        context.close()
        server.stop()
