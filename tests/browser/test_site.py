"""The whole site, crawled: every page loads cleanly, nothing leaves 127.0.0.1, no link or anchor breaks."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import pytest

from .conftest import LOCAL_HOST, is_local, page_path, record, site_pages

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
