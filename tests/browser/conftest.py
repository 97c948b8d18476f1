"""Browser tests: the built site (``built_site``, ``site_url`` from tests/conftest.py) in headless Chromium.

One Chromium per session (Debian's /usr/bin/chromium; never a browser downloaded by a test tool), one
fresh context per test. Every page opened through ``browse`` records its console errors, failed
requests and every request it makes; a request to any host but 127.0.0.1 is blocked (and recorded,
so a test can fail on it). ``crawl`` visits every built page once per session and is shared by the
offline, link and console checks.

Environment:
  NUTSHELL_CHROMIUM             the browser to drive (default /usr/bin/chromium)
  NUTSHELL_AXE_JS               axe.min.js (default: .venv/axe/node_modules/axe-core/axe.min.js,
                                which `make test` installs)
  NUTSHELL_UPDATE_SCREENSHOTS=1 also copy small screenshots into docs/images/screenshots/ for the README
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("NUTSHELL_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
               "--no-first-run", "--disable-gpu"]
AXE_JS = Path(os.environ.get("NUTSHELL_AXE_JS", ROOT / ".venv/axe/node_modules/axe-core/axe.min.js"))
SCREENSHOT_DIR = ROOT / "docs/images/screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
LOCAL_HOST = "127.0.0.1"

# Numbers the suite prints at the end of the run (pages crawled, requests, axe, demo page weight).
REPORT: dict[str, object] = {}


# ── The browser ───────────────────────────────────────────────────────────────


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests drive Debian's Chromium.\n"
            "  install it:  sudo apt-get install -y chromium   (never `playwright install`)\n"
            "  or set NUTSHELL_CHROMIUM=/path/to/chromium, or deselect these tests:  pytest -m 'not browser'",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Tab:
    """A page in its own browser context, with everything it did on the network and the console."""

    page: object
    base: str
    requests: list[str] = field(default_factory=list)  # every URL requested (the page's and its workers')
    external: list[str] = field(default_factory=list)  # requests to another host (blocked)
    failed: list[str] = field(default_factory=list)  # "URL (reason)" or "URL (HTTP status)"
    console_errors: list[str] = field(default_factory=list)

    def url(self, path: str = "") -> str:
        return self.base + path.lstrip("/")

    def goto(self, path: str = "", wait_until: str = "load"):
        response = self.page.goto(self.url(path), wait_until=wait_until)
        # None: a jump to an anchor of the page already shown (no new document is loaded).
        same_document = response is None and "#" in path
        loaded = response is not None and response.ok
        assert same_document or loaded, f"{path}: HTTP {response and response.status}"
        # Material's bundle subscribes its components on load; its `document$` is the sign it ran.
        self.page.wait_for_function("typeof document$ !== 'undefined'")
        return response

    def problems(self) -> list[str]:
        return ([f"console error: {e}" for e in self.console_errors]
                + [f"failed request: {f}" for f in self.failed]
                + [f"request to another host: {u}" for u in self.external])


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == LOCAL_HOST


def open_tab(browser, base: str, *, viewport=DESKTOP, color_scheme="light", **context_options) -> Tab:
    context = browser.new_context(viewport=viewport, color_scheme=color_scheme, **context_options)
    page = context.new_page()
    tab = Tab(page=page, base=base)

    def on_request(request):
        tab.requests.append(request.url)

    def on_failed(request):
        reason = request.failure or "failed"
        # Requests to other hosts are listed in `external`; a navigation cancels (ERR_ABORTED) the
        # previous page's pending requests, which is no broken resource (a missing file is an HTTP 404).
        if is_local(request.url) and "ERR_ABORTED" not in reason:
            tab.failed.append(f"{request.url} ({reason})")

    def on_response(response):
        if response.status >= 400:
            tab.failed.append(f"{response.url} (HTTP {response.status})")

    def route(route_):
        if is_local(route_.request.url):
            route_.continue_()
        else:  # the machine may be offline anyway: block, and let the test report it
            tab.external.append(route_.request.url)
            route_.abort("blockedbyclient")

    context.on("request", on_request)
    context.on("requestfailed", on_failed)
    context.on("response", on_response)
    context.route("**/*", route)
    page.on("console", lambda message: message.type == "error" and tab.console_errors.append(
        f"{message.text} ({message.location.get('url', '')})"))
    page.on("pageerror", lambda error: tab.console_errors.append(f"uncaught: {error}"))
    return tab


@pytest.fixture
def browse(browser, site_url):
    """Factory: ``browse(viewport=..., color_scheme=...)`` → a fresh `Tab`; closed after the test."""
    tabs: list[Tab] = []

    def make(**options) -> Tab:
        tab = open_tab(browser, site_url, **options)
        tabs.append(tab)
        return tab

    yield make
    for tab in tabs:
        tab.page.context.close()


@pytest.fixture
def tab(browse) -> Tab:
    """A desktop-sized page in the light palette."""
    return browse()


# ── The site and its data ─────────────────────────────────────────────────────


@pytest.fixture(scope="session")
def knowledge():
    from nutshell.load import load_knowledge_or_raise

    return load_knowledge_or_raise(ROOT / "data")


@pytest.fixture(scope="session")
def demo_ids(built_site) -> list[str]:
    from nutshell.demos import discover_demos

    ids = [demo.id for demo in discover_demos(ROOT / "demos")]
    assert ids, "no demos found in demos/"
    return ids


def site_pages(built_site: Path) -> list[str]:
    """URL paths of every built HTML page ('' for the home page, 'timeline/' ...), 404 page excluded."""
    pages = []
    for html_file in sorted(built_site.rglob("*.html")):
        relative = html_file.relative_to(built_site).as_posix()
        if relative == "404.html":
            continue
        pages.append(relative.removesuffix("index.html"))
    return pages


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core not found at {AXE_JS}.\n"
            "  `make test` installs it; by hand:  npm install --prefix .venv/axe axe-core@4.10.3\n"
            "  or set NUTSHELL_AXE_JS, or deselect the browser tests:  pytest -m 'not browser'",
            pytrace=False,
        )
    package = AXE_JS.parent / "package.json"
    if package.is_file():
        REPORT["axe-core"] = json.loads(package.read_text(encoding="utf-8")).get("version")
    return AXE_JS.read_text(encoding="utf-8")


# ── One crawl of the whole site, shared by the offline, link and console checks ───


@dataclass
class CrawledPage:
    path: str
    ids: set[str]
    links: list[str]  # absolute hrefs of every <a>, as the browser resolves them
    resources: list[str]  # script src, stylesheet/preload/icon href, img src as the DOM holds them
    requests: list[str]
    problems: list[str]


@dataclass
class Crawl:
    base: str
    pages: dict[str, CrawledPage]

    @property
    def requests(self) -> list[str]:
        return [url for page in self.pages.values() for url in page.requests]


_DOM_SNAPSHOT = """() => ({
  ids: [...document.querySelectorAll('[id]')].map(e => e.id)
        .concat([...document.querySelectorAll('a[name]')].map(e => e.name)),
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  resources: [...document.querySelectorAll('script[src]')].map(e => e.src)
        .concat([...document.querySelectorAll('link[href]')].filter(e => e.rel !== 'canonical')
                 .map(e => e.href))
        .concat([...document.querySelectorAll('img[src], source[src], iframe[src]')].map(e => e.src))
        .concat([...document.styleSheets].flatMap(s => { try { return [...s.cssRules] } catch { return [] } })
                 .filter(r => ['CSSFontFaceRule', 'CSSImportRule'].includes(r.constructor.name))
                 .map(r => r.cssText)),
})"""


@pytest.fixture(scope="session")
def crawl(browser, site_url, built_site) -> Crawl:
    """Every page of the site loaded once, in one tab (full loads: each page's own requests count)."""
    tab = open_tab(browser, site_url)
    pages: dict[str, CrawledPage] = {}
    try:
        for path in site_pages(built_site):
            before_requests, before_problems = len(tab.requests), len(tab.problems())
            tab.goto(path)
            tab.page.wait_for_load_state("networkidle")
            snapshot = tab.page.evaluate(_DOM_SNAPSHOT)
            pages[path] = CrawledPage(
                path=path, ids=set(snapshot["ids"]), links=snapshot["links"], resources=snapshot["resources"],
                requests=tab.requests[before_requests:], problems=tab.problems()[before_problems:],
            )
    finally:
        tab.page.context.close()
    result = Crawl(base=site_url, pages=pages)
    REPORT["pages crawled"] = len(pages)
    REPORT["requests seen in the crawl"] = len(result.requests)
    REPORT["distinct URLs requested"] = len(set(result.requests))
    return result


def page_path(url: str, base: str) -> str | None:
    """The crawl key of an absolute URL on the served site ('glossary/'), or None for another site."""
    url, _ = urldefrag(url)
    url = url.split("?", 1)[0]
    if not url.startswith(base):
        return None
    return url[len(base):]


# ── Helpers shared by the test modules ────────────────────────────────────────


def png_has_transparent_corner(data: bytes) -> bool:
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGBA")
    return image.getpixel((0, 0))[3] == 0


def record(key: str, value) -> None:
    REPORT[key] = value


def pytest_terminal_summary(terminalreporter):
    if not REPORT:
        return
    terminalreporter.section("browser suite numbers")
    for key, value in REPORT.items():
        text = json.dumps(value, indent=1) if isinstance(value, (dict, list)) else str(value)
        terminalreporter.write_line(f"{key}: {text}")


_WS = re.compile(r"\s+")


def squash(text: str) -> str:
    return _WS.sub(" ", text.replace("\u00a0", " ")).strip()
