"""Session fixtures for the browser tests: one Chromium, one JupyterLab, one Voila.

Every fixture first calls :func:`browser_harness.require_browser`, so without Chromium or
Playwright the tests skip with the reason -- or fail when ``LRCOURSE_REQUIRE_BROWSER=1``.
A failing test leaves a full-page screenshot in ``artifacts/browser/``.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser_harness as bh  # noqa: E402

NOTEBOOKS = bh.REPO / "notebooks"
VIEWPORT = {"width": 1280, "height": 1000}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian Chromium driven by Playwright, shared by the session."""
    bh.require_browser()
    from playwright.sync_api import sync_playwright

    for old in bh.ARTIFACTS.glob("FAILED-*.png"):  # only this session's failures stay
        old.unlink()

    with sync_playwright() as p:
        browser = bh.launch_chromium(p)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """JupyterLab on loopback serving a *copy* of notebooks/ (runs never touch the repo)."""
    bh.require_browser()
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "root"
    shutil.copytree(NOTEBOOKS, root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    server = bh.start_lab(root, tmp / "server")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def voila_server(tmp_path_factory):
    """Voila serving notebooks/dashboard.ipynb, as ``make demo`` does, on a free port."""
    bh.require_browser()
    tmp = tmp_path_factory.mktemp("voila")
    server = bh.start_voila(NOTEBOOKS / "dashboard.ipynb", tmp)
    yield server
    server.stop()


@pytest.fixture
def page(chromium, request):
    """A fresh browser tab; on failure its screenshot goes to artifacts/browser/."""
    context = chromium.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    yield tab
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        bh.ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = "FAILED-" + "".join(c if c.isalnum() else "_" for c in request.node.name)
        try:
            tab.screenshot(path=str(bh.ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception:  # the page may be gone; the test's own error says why
            pass
    context.close()
