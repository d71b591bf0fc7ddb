"""The course as a static site (``make site``: tools/build_site.py) in headless Chromium.

The site is built once for the session into a temporary folder and served from 127.0.0.1 by
``http.server`` in a thread. Expected pages, reading order, figure counts and math counts are
taken from the committed notebooks themselves, not from the build script.

Only network requests (http/https) are judged: MathJax 2 measures its fonts with an
``@font-face`` whose source is ``about:blank``, which Chromium reports as a failed "request"
although nothing goes over the network.
"""
from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import re
import sys
import threading
from urllib.parse import urlsplit

import pytest

import browser_harness as bh

pytestmark = pytest.mark.browser

spec = importlib.util.spec_from_file_location("build_site", bh.REPO / "tools" / "build_site.py")
build_site = sys.modules["build_site"] = importlib.util.module_from_spec(spec)  # for its dataclass
spec.loader.exec_module(build_site)

NOTEBOOK_FILES = sorted((bh.REPO / "notebooks").glob("*.ipynb"))
# Numbered notebooks in their numbers' order, then the dashboard (README's table order).
READING_ORDER = ([p.stem for p in NOTEBOOK_FILES if p.stem[:2].isdigit()]
                 + [p.stem for p in NOTEBOOK_FILES if not p.stem[:2].isdigit()])
NOTEBOOK_PAGES = [f"notebooks/{name}.html" for name in READING_ORDER]
PAGES = ["index.html", *NOTEBOOK_PAGES, "search.html", "genindex.html"]
MATH_PAGE = "notebooks/06_schedules.html"


def saved_images(name: str) -> int:
    """How many PNG outputs notebooks/NAME.ipynb holds (figures and widget fallbacks)."""
    nb = json.loads((bh.REPO / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    return sum("image/png" in out.get("data", {})
               for cell in nb["cells"] for out in cell.get("outputs", []))


def math_in_markdown(name: str) -> int:
    """How many ``$...$`` and ``$$...$$`` formulas the notebook's markdown holds."""
    nb = json.loads((bh.REPO / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    text = re.sub(r"`[^`]*`", "", text)  # code spans hold no math
    display = re.findall(r"\$\$.+?\$\$", text, flags=re.DOTALL)
    inline = re.findall(r"\$[^$]+?\$", re.sub(r"\$\$.+?\$\$", "", text, flags=re.DOTALL))
    return len(display) + len(inline)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url(tmp_path_factory):
    """The site, built once from the committed notebooks, served on 127.0.0.1."""
    bh.require_browser()
    site = build_site.build(tmp_path_factory.mktemp("site") / "site")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class Traffic:
    """Every problem with a page's network requests: a failure, HTTP >= 400, another host."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("request", self._request)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    @staticmethod
    def _network(url: str) -> bool:
        return urlsplit(url).scheme in {"http", "https"}

    def _request(self, request):
        url = urlsplit(request.url)
        if self._network(request.url) and url.hostname != "127.0.0.1":
            self.problems.append(f"request to another host: {request.url}")

    def _failed(self, request):
        if self._network(request.url):
            self.problems.append(f"failed: {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")


def path_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_everything_from_this_site(page, site_url, path):
    traffic = Traffic(page)
    response = page.goto(site_url + path, wait_until="networkidle")
    assert response.ok, f"{path}: HTTP {response.status}"
    assert traffic.problems == []
    broken = page.evaluate("() => [...document.images]"
                           ".filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
    assert broken == []
    widgets = page.locator('script[type*="jupyter.widget"], .jupyter-widgets, .widget-area')
    assert widgets.count() == 0, "a widget area instead of the widget's saved image"
    if path in NOTEBOOK_PAGES:  # every figure and every widget's saved image is on the page
        name = path.removeprefix("notebooks/").removesuffix(".html")
        assert page.locator(".cell_output img").count() == saved_images(name)


def test_math_is_typeset_on_the_schedules_chapter(page, site_url):
    expected = math_in_markdown("06_schedules")
    assert expected > 10  # the chapter is full of formulas; 0 would make this test vacuous
    traffic = Traffic(page)
    page.goto(site_url + MATH_PAGE, wait_until="networkidle")
    page.wait_for_function(
        """n => { const m = [...document.querySelectorAll('.math.nohighlight')];
                  return m.length === n && m.every(e => e.querySelector('.MathJax')); }""",
        arg=expected, timeout=60_000)
    rendered = page.evaluate("""() => ({
        scripts: document.querySelectorAll('script[type^="math/tex"]').length,
        empty: [...document.querySelectorAll('.MathJax')]
                   .filter(e => e.getBoundingClientRect().width === 0).length,
        errors: document.querySelectorAll('.merror, .MathJax_Error').length,
        text: document.querySelector('article').innerText })""")
    assert rendered["scripts"] == expected
    assert rendered["empty"] == 0 and rendered["errors"] == 0
    for raw in ("$$", "\\(", "\\[", "\\frac"):
        assert raw not in rendered["text"], f"untypeset TeX {raw!r} on the page"
    assert traffic.problems == []


def _follow(page, selector: str) -> str | None:
    """Click the page's ``selector`` link; the new page's path, or None without one."""
    link = page.locator(selector)
    if link.count() == 0:
        return None
    with page.expect_navigation(wait_until="domcontentloaded") as nav:
        link.first.click()
    assert nav.value is not None and nav.value.ok, f"{selector} from {page.url}: broken"
    return path_of(page.url)


def test_previous_and_next_links_walk_the_reading_order(page, site_url):
    page.goto(site_url + "index.html")
    forward = ["index.html"]
    while (nxt := _follow(page, "a.right-next")) is not None:
        assert nxt not in forward, f"next from {forward[-1]} goes back to {nxt}"
        forward.append(nxt)
    assert forward == ["index.html", *NOTEBOOK_PAGES]
    backward = [forward[-1]]
    while (prev := _follow(page, "a.left-prev")) is not None:
        assert prev not in backward, f"previous from {backward[-1]} goes to {prev} again"
        backward.append(prev)
    assert backward == forward[::-1]


def test_index_links_every_notebook_page(page, site_url):
    page.goto(site_url + "index.html")
    hrefs = page.eval_on_selector_all("article a[href]", "links => links.map(a => a.href)")
    linked = {path_of(h) for h in hrefs
              if urlsplit(h).hostname == "127.0.0.1" and path_of(h).startswith("notebooks/")}
    assert linked == set(NOTEBOOK_PAGES)
    for path in sorted(linked):
        assert page.request.get(site_url + path).ok, path
