"""The whole site, crawled: every page loads cleanly, nothing leaves 127.0.0.1, no link or anchor breaks."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import pytest

from .conftest import DESKTOP, LOCAL_HOST, PHONE, is_local, page_path, record, site_pages

pytestmark = pytest.mark.browser

_THIRD_PARTY_URL = re.compile(r"url\(\s*['\"]?((?:https?:)?//[^)'\"\s]+)", re.IGNORECASE)


def test_every_page_loads_without_console_errors_or_failed_requests(crawl, built_site):
    assert set(crawl.pages) == set(site_pages(built_site))
    problems = [f"/{path}: {problem}" for path, page in crawl.pages.items() for problem in page.problems]
    assert not problems, "\n".join(problems)


# ── 7. Offline ────────────────────────────────────────────────────────────────────


def test_no_request_leaves_127_0_0_1(crawl):
    hosts: dict[str, int] = {}
    for url in crawl.requests:
        parts = urlsplit(url)
        key = parts.scheme if parts.scheme in ("data", "blob") else parts.hostname or url
        hosts[key] = hosts.get(key, 0) + 1
    record("requests by host", hosts)
    outside = sorted({f"/{path}: {url}" for path, page in crawl.pages.items() for url in page.requests
                      if not is_local(url)})
    assert not outside, "requests to another host:\n" + "\n".join(outside)
    assert set(hosts) <= {LOCAL_HOST, "data", "blob"}


def test_no_page_references_a_third_party_script_style_or_font(crawl):
    found = []
    for path, page in crawl.pages.items():
        for resource in page.resources:
            urls = _THIRD_PARTY_URL.findall(resource) if resource.startswith("@") else [resource]
            found += [f"/{path}: {url[:120]}" for url in urls if not is_local(urljoin(crawl.base, url))]
    assert not found, "third-party scripts, styles or fonts:\n" + "\n".join(sorted(set(found)))


# ── 8. Links ──────────────────────────────────────────────────────────────────────


class _LinksAndIds(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("id", "name" if tag == "a" else None):
            if name and attributes.get(name):
                self.ids.add(attributes[name])
        if tag in ("a", "link", "area") and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag in ("script", "img", "source", "iframe") and attributes.get("src"):
            self.links.append(attributes["src"])


def _parse(file: Path) -> _LinksAndIds:
    parser = _LinksAndIds()
    parser.feed(file.read_text(encoding="utf-8"))
    return parser


def _target_file(site: Path, path: str) -> Path:
    path = unquote(path.split("?", 1)[0])
    target = site / path
    if path == "" or path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def test_no_broken_internal_link_or_anchor_in_the_built_html(built_site, site_url):
    """Every href/src of every built page: the file exists and the #anchor is an id in it."""
    parsed = {file: _parse(file) for file in built_site.rglob("*.html")}
    broken, checked = [], 0
    for file, page in parsed.items():
        relative = file.relative_to(built_site).as_posix()
        page_url = site_url + relative.removesuffix("index.html")
        for href in page.links:
            if re.match(r"(mailto|javascript|data|tel):", href):
                continue
            url = urljoin(page_url, href)
            if not url.startswith(site_url):
                continue
            checked += 1
            address, fragment = urldefrag(url)
            target = _target_file(built_site, address[len(site_url):])
            if not target.is_file():
                broken.append(f"{relative}: {href} → missing {target.relative_to(built_site)}")
            elif fragment and target.suffix == ".html":
                target_page = parsed.get(target) or _parse(target)
                if unquote(fragment) not in target_page.ids:
                    where = target.relative_to(built_site)
                    broken.append(f"{relative}: {href} → no id '{fragment}' in {where}")
    record("internal links checked in the HTML", checked)
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(sorted(set(broken))[:80])


def test_every_link_in_the_rendered_pages_lands_on_a_page_and_anchor_the_browser_shows(crawl, built_site):
    """The same check on the DOM Chromium built (scripts included), against the ids each loaded page had."""
    broken, checked = [], 0
    for path, page in crawl.pages.items():
        for href in page.links:
            target = page_path(href, crawl.base)
            if target is None:
                continue
            checked += 1
            fragment = unquote(urldefrag(href)[1])
            if target in crawl.pages:
                if fragment and fragment not in crawl.pages[target].ids:
                    broken.append(f"/{path}: {href} → no element with id '{fragment}'")
            elif not _target_file(built_site, target).is_file():
                broken.append(f"/{path}: {href} → nothing at /{target}")
    record("links checked in the browser", checked)
    assert not broken, f"{len(broken)} broken links:\n" + "\n".join(sorted(set(broken))[:80])


# ── 9. Published elsewhere ────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def site_under_a_sub_path(tmp_path_factory):
    """The fixture project built for http://127.0.0.1:PORT/nutshell/ with a source link
    (`make build SITE_URL=… NUTSHELL_REPO_URL=…`), and a web root that holds it under /nutshell/;
    returns (web root, PORT)."""
    from tests.conftest import free_port
    from tests.test_publishing import REPOSITORY, build_fixture_site

    port = free_port()
    folder = tmp_path_factory.mktemp("sub-path")
    address = f"http://{LOCAL_HOST}:{port}/nutshell/"
    site = build_fixture_site(folder / "project", {"NUTSHELL_SITE_URL": address, "NUTSHELL_REPO_URL": REPOSITORY})
    web_root = folder / "www"
    web_root.mkdir()
    (web_root / "nutshell").symlink_to(site, target_is_directory=True)
    return web_root, port


def _follow_a_link_from_the_home_page(browser, web_root: Path, port: int):
    """Open /nutshell/ served on ``port``, mark the page's JavaScript context, follow the Timeline link;
    returns (whether the mark survived, the tab)."""
    from tests.conftest import serve_folder

    from .conftest import open_tab

    stop = serve_folder(web_root, port)
    tab = open_tab(browser, f"http://{LOCAL_HOST}:{port}/nutshell/")
    try:
        tab.goto("", wait_until="networkidle")  # sitemap.xml is in: Material knows its own pages
        tab.page.evaluate("window.nutshellMark = 'same document'")
        # (Material makes every href absolute once it runs: find the link by its name)
        tab.page.locator("article").get_by_role("link", name="Timeline", exact=True).click()
        tab.page.wait_for_url(tab.url("timeline/"))
        tab.page.locator("article h1").filter(has_text="Timeline").wait_for()
        kept = tab.page.evaluate("window.nutshellMark === 'same document'")
        return kept, tab
    finally:
        tab.page.context.close()
        stop()


def test_instant_navigation_works_at_the_published_address_on_any_port_and_sub_path(
        browser, site_under_a_sub_path):
    web_root, port = site_under_a_sub_path
    kept, tab = _follow_a_link_from_the_home_page(browser, web_root, port)
    assert kept, "the link reloaded the whole page: instant navigation did not take it"
    assert not tab.problems()


def test_at_another_address_links_are_full_page_loads_that_still_work(browser, site_under_a_sub_path):
    """What the README says of a site opened anywhere but its SITE_URL: slower, not broken."""
    from tests.conftest import free_port

    web_root, _ = site_under_a_sub_path
    kept, tab = _follow_a_link_from_the_home_page(browser, web_root, free_port())
    assert not kept
    assert not tab.problems()


@pytest.mark.parametrize("color_scheme, viewport", [("light", DESKTOP), ("dark", DESKTOP), ("light", PHONE)],
                         ids=["light", "dark", "phone"])
def test_home_and_about_pages_with_a_source_link_pass_axe_and_ask_no_other_host(
        browser, axe_source, site_under_a_sub_path, color_scheme, viewport):
    from tests.conftest import serve_folder
    from tests.test_publishing import REPOSITORY

    from .conftest import open_tab
    from .test_accessibility import BLOCKING, axe_violations, describe

    web_root, port = site_under_a_sub_path
    stop = serve_folder(web_root, port)
    tab = open_tab(browser, f"http://{LOCAL_HOST}:{port}/nutshell/", color_scheme=color_scheme, viewport=viewport)
    blocking = []
    try:
        for path in ("", "about/"):
            tab.goto(path, wait_until="networkidle")
            # in the header on a wide screen; in the navigation drawer on a phone
            source = tab.page.locator("a.md-source").first
            assert source.get_attribute("href") == REPOSITORY
            if viewport == DESKTOP:
                assert source.is_visible()
            else:  # nothing wider than the screen: long titles and code scroll or wrap inside the page
                assert tab.page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], path
            blocking += [describe(path, v) for v in axe_violations(tab, axe_source) if v["impact"] in BLOCKING]
    finally:
        tab.page.context.close()
        stop()
    assert not blocking, "\n".join(blocking)
    assert not tab.problems()  # a source link on a host other than GitHub or GitLab: no API request


@pytest.mark.parametrize("path", ["", "glossary/", "demos/descending-the-landscape/"])
def test_the_search_index_is_not_fetched_before_the_page_has_painted(tab, path):
    """Search stays complete, but its index (~150 KB compressed) is never a cost paid before first paint:
    search_later.js holds the request until the page has loaded (keyboard search is tested elsewhere)."""
    tab.goto(path)
    tab.page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0")
    tab.page.wait_for_function(
        "performance.getEntriesByType('resource').some(e => e.name.endsWith('/search/search_index.json'))",
        timeout=20_000)
    paint, loaded, index = tab.page.evaluate("""() => [
        performance.getEntriesByName('first-contentful-paint')[0].startTime,
        performance.getEntriesByType('navigation')[0].loadEventStart,
        performance.getEntriesByType('resource').find(e => e.name.endsWith('/search/search_index.json')).startTime,
    ]""")
    record(f"search index requested after first paint ({path or 'home'})", f"{index - paint:+.0f} ms")
    assert index > paint, f"the search index was requested {paint - index:.0f} ms before the first paint"
    assert index >= loaded, f"the search index was requested {loaded - index:.0f} ms before the page had loaded"
