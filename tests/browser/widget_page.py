"""Page-level helpers: run a notebook in JupyterLab, drive one explorer's widgets.

An explorer on the page is the ``VBox`` built by :class:`lrcourse.widgets.Explorer`:
a bold title, rows of controls, a ``.lrcourse-summary`` label and a ``.widget-output``
holding the figure. :class:`PageExplorer` finds it by its title and moves its controls
the way a person would (keyboard on the slider handle, clicks on dropdowns/checkboxes).
"""
from __future__ import annotations

import re
import secrets
import time

from browser_harness import ARTIFACTS, NOTEBOOK_TIMEOUT_S, REDRAW_TIMEOUT_S

PROMPT_DONE = re.compile(r"^\[\d+\]:$")


# --------------------------------------------------------------------------- JupyterLab


def open_notebook(page, server, relpath: str) -> None:
    """Open ``relpath`` (relative to the server's root) in Lab; wait for its cells."""
    # A fresh workspace per page: Lab must not reopen (and restart kernels for) earlier tabs.
    page.goto(server.url(f"lab/workspaces/{secrets.token_hex(4)}/tree/{relpath}"))
    page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell", timeout=NOTEBOOK_TIMEOUT_S * 1000)
    wait_for_idle(page, timeout_s=NOTEBOOK_TIMEOUT_S)


def kernel_status(page) -> str:
    """The notebook toolbar's kernel status ('idle', 'busy', 'starting', ...)."""
    el = page.query_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator")
    if el is not None and el.get_attribute("data-status"):
        return el.get_attribute("data-status")
    text = page.inner_text(".jp-StatusBar-Widget") if page.query_selector(".jp-StatusBar-Widget") else ""
    m = re.search(r"\|\s*(\w+)", text)
    return m.group(1).lower() if m else "unknown"


def wait_for_idle(page, timeout_s: float = NOTEBOOK_TIMEOUT_S, steady_s: float = 2.0) -> None:
    """Wait until the kernel has been idle for ``steady_s`` (a starting kernel shows 'idle',
    then 'connecting', then 'idle' again: only a steady 'idle' means it is ready)."""
    deadline = time.monotonic() + timeout_s
    since = None
    while True:
        status = kernel_status(page)
        now = time.monotonic()
        since = (since or now) if status == "idle" else None
        if since is not None and now - since >= steady_s:
            return
        if now > deadline:
            raise TimeoutError(f"kernel not idle after {timeout_s}s (status {status!r})")
        page.wait_for_timeout(200)


def prompts(page) -> list[str]:
    return [p.strip() for p in page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()]


def error_outputs(page) -> list[str]:
    """Tracebacks shown in the notebook (ANSI-coloured error outputs)."""
    return page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'],"
                        " .jp-OutputArea-output:has(.ansi-red-fg)").all_inner_texts()


def menu(page, top: str, item: str) -> None:
    """Click ``item`` in the menu-bar menu ``top`` (e.g. "Run", "Run All Cells")."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{re.escape(top)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(item)}$")).click()


def run_all_cells(page, timeout_s: float = NOTEBOOK_TIMEOUT_S, retry_s: float = 30.0) -> float:
    """Clear all outputs (the committed ones, saved widget views included), then Run > Run
    All Cells; wait until every code cell has a number and the kernel is idle. Returns the
    seconds it took; raises with the traceback if a cell failed."""
    menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]"
                           ".every(p => !/\\d/.test(p.textContent))", timeout=30000)
    start = clicked = time.monotonic()
    menu(page, "Run", "Run All Cells")
    while True:
        texts = prompts(page)
        idle = kernel_status(page) == "idle"
        if texts and all(PROMPT_DONE.match(t) for t in texts) and idle:
            break
        started = any(t != "[ ]:" for t in texts)
        if started and "[*]:" not in texts and idle and time.monotonic() - clicked > 5:
            errors = [e for e in error_outputs(page) if "Traceback" in e or "Error" in e]
            if errors:
                raise AssertionError("a cell failed:\n" + errors[0][-3000:])
        if not started and time.monotonic() - clicked > retry_s:  # the click met a kernel still connecting
            wait_for_idle(page)
            menu(page, "Run", "Run All Cells")
            clicked = time.monotonic()
        if time.monotonic() > start + timeout_s:
            raise TimeoutError(f"run all not finished after {timeout_s}s; prompts {texts}")
        page.wait_for_timeout(250)
    return time.monotonic() - start


def select_tab(page, title: str) -> None:
    """Click the ``ipywidgets.Tab`` header named ``title`` (Lab and Voila alike)."""
    tab = page.locator(".widget-tab .lm-TabBar-tab").filter(
        has=page.locator(".lm-TabBar-tabLabel", has_text=re.compile(rf"^{re.escape(title)}$")))
    tab.first.click(timeout=NOTEBOOK_TIMEOUT_S * 1000)


# --------------------------------------------------------------------------- explorers


class PageExplorer:
    """One explorer on the page, found by the text of its bold title.

    ``kernel_status``: a function of the page giving the kernel's status where the page
    shows one (JupyterLab: :func:`kernel_status`); redraws then also wait for 'idle'.
    """

    def __init__(self, page, title: str, kernel_status=None):
        self.page = page
        self.title = title
        self.kernel_status = kernel_status
        box = page.locator(".widget-vbox:has(> .lrcourse-summary)").filter(
            has=page.locator(".widget-html", has_text=title))
        self.box = box.first
        self.box.wait_for(state="visible", timeout=REDRAW_TIMEOUT_S * 1000)
        self.box.scroll_into_view_if_needed()

    # ---- reading
    def summary(self) -> str:
        return self.box.locator(".lrcourse-summary").inner_text().strip()

    def image_src(self) -> str:
        img = self.box.locator(".widget-output img").first
        img.wait_for(state="visible", timeout=REDRAW_TIMEOUT_S * 1000)
        return img.get_attribute("src") or ""

    def control(self, description: str):
        """The widget row whose description label reads ``description``."""
        label = self.page.locator("label").filter(
            has_text=re.compile(rf"^\s*{re.escape(description)}\s*$"))
        row = self.box.locator(".widget-inline-hbox:visible").filter(has=label).first
        row.wait_for(state="visible", timeout=REDRAW_TIMEOUT_S * 1000)
        return row

    def slider_position(self, description: str) -> float:
        """The slider handle's exact position (``aria-valuetext``: JS's shortest repr, which
        round-trips to the same double; for a log slider, the exponent). Use it only after
        the readout shows the value you moved to."""
        handle = self.control(description).locator(".noUi-handle").first
        return float(handle.get_attribute("aria-valuetext"))

    def readout(self, description: str) -> str:
        return self.control(description).locator(".widget-readout").inner_text().strip()

    # ---- waiting
    def wait_for_summary(self, *needles: str, exact: bool = False, fail_on: str | None = None,
                         timeout_s: float = REDRAW_TIMEOUT_S) -> str:
        """Wait until the summary contains every needle (``exact``: equals the one needle).

        ``fail_on``: stop at once, with everything the explorer shows, when the summary
        contains this text instead (e.g. a run that failed)."""
        deadline = time.monotonic() + timeout_s
        done = (lambda t: t == needles[0]) if exact else (lambda t: all(n in t for n in needles))
        text = self.summary()
        while not done(text):
            if fail_on is not None and fail_on in text:
                raise AssertionError(f"summary {text!r}; the explorer shows:\n{self.box.inner_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"summary {text!r} never {'became' if exact else 'contained'} {needles}")
            self.page.wait_for_timeout(100)
            text = self.summary()
        return text

    def wait_for_new_image(self, old_src: str, quiet_s: float = 1.0,
                           timeout_s: float = REDRAW_TIMEOUT_S) -> str:
        """Wait until the figure differs from ``old_src`` and has stopped changing.

        Each redraw sets the summary, then shows the figure: when the summary names the
        final value, the last figure is at most one message behind, and no redraw follows.
        """
        deadline = time.monotonic() + timeout_s
        src, since = self.image_src(), time.monotonic()
        while src == old_src or time.monotonic() - since < quiet_s or not self.idle():
            if time.monotonic() > deadline:
                raise TimeoutError("the figure never changed" if src == old_src else "the figure kept changing")
            self.page.wait_for_timeout(100)
            new = self.image_src()
            if new != src:
                src, since = new, time.monotonic()
        return src

    def idle(self) -> bool:
        """Whether the kernel is idle, where the page shows it (JupyterLab); else True."""
        return self.kernel_status is None or self.kernel_status(self.page) == "idle"

    # ---- moving
    def press_slider(self, description: str, key: str, times: int) -> None:
        """Focus the slider's ``.noUi-handle`` and press ``key`` ``times`` times."""
        handle = self.control(description).locator(".noUi-handle").first
        handle.focus()
        for _ in range(times):
            handle.press(key)

    def move_slider(self, description: str, steps: int, expected_readout: str) -> None:
        """Move a slider ``steps`` steps (negative = left); wait for its readout."""
        key = "ArrowRight" if steps > 0 else "ArrowLeft"
        self.press_slider(description, key, abs(steps))
        deadline = time.monotonic() + REDRAW_TIMEOUT_S
        while (got := self.readout(description)) != expected_readout:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{description!r} readout {got!r}, expected {expected_readout!r}")
            self.page.wait_for_timeout(100)

    def select(self, description: str, label: str) -> None:
        """Choose ``label`` in a Dropdown."""
        self.control(description).locator("select").select_option(label=label)

    def click(self, text: str) -> None:
        """Click the button labelled ``text``."""
        self.box.locator("button.jupyter-button", has_text=text).first.click()

    def toggle(self, description: str) -> None:
        """Click a Checkbox."""
        self.control(description).locator("input[type=checkbox]").click()

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.box.screenshot(path=str(ARTIFACTS / f"{name}.png"))
