"""Hostile data end to end: a site built from tests/hostile_data.py contains its payloads only as text.

Every plain field (era titles, milestone titles, people, authors, source titles, venues, volumes, issues,
pages, URLs, DOIs, term names, aliases, `short`) carries script, event-handler and attribute-list payloads;
every Markdown field (intros, summaries, significance, bodies, notes) carries the legal look-alikes. The
browser half of this check is tests/browser/test_hostile_site.py.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from nutshell import untrusted
from tests.hostile_data import MARKER, PLAIN, SHORT, hostile_data

SCRIPT_SOURCES = ("assets/javascripts/", "javascripts/")


class PageScan(HTMLParser):
    """What a browser would run or load from one page, and the text it would show."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict, str]] = []
        self.problems: list[str] = []
        self.text: list[str] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self._in_script = attributes
            self.scripts.append((attributes, ""))
        if tag in ("iframe", "frame", "object", "embed", "base"):  # (Material's search box is a <form>)
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "srcdoc":
                self.problems.append(f"{name}= on <{tag}>")
            if name in ("href", "src", "action", "xlink:href") and value:
                scheme = untrusted.url_scheme(value)
                if scheme not in (None, "http", "https", "mailto"):
                    self.problems.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            attributes, text = self.scripts[-1]
            self.scripts[-1] = (attributes, text + data)
        else:
            self.text.append(data)


def scan(page: Path) -> PageScan:
    parser = PageScan()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    return parser


def test_no_page_runs_or_loads_anything_from_the_data(hostile_site: Path):
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        result = scan(page)
        where = page.relative_to(hostile_site)
        assert result.problems == [], f"{where}: {result.problems}"
        for attributes, text in result.scripts:
            source = attributes.get("src")
            if source:  # only the theme's bundle and the site's own scripts
                assert any(part in source for part in SCRIPT_SOURCES), f"{where}: script {source}"
            assert MARKER not in text, f"{where}: a payload reached a script element"


def test_every_payload_is_shown_as_the_text_it_was(hostile_site: Path):
    timeline = "".join(scan(hostile_site / "timeline/index.html").text)
    glossary = "".join(scan(hostile_site / "glossary/index.html").text)
    # titles, people, authors, venues, volumes, pages: the characters as typed, whole
    assert timeline.count(PLAIN) >= 10, timeline[:2000]
    assert glossary.count(PLAIN) >= 4
    # Markdown fields: entities and code show the tags as text; math and links still work
    assert "Entities <script>PWNED()</script> stay text, as backprop would" in timeline
    assert "<script>PWNED()</script> in code" in glossary
    page = (hostile_site / "glossary/index.html").read_text(encoding="utf-8")
    assert "<math" in page and 'href="https://example.org/paper"' in page


def test_headings_keep_their_own_anchors(hostile_site: Path):
    timeline = (hostile_site / "timeline/index.html").read_text(encoding="utf-8")
    glossary = (hostile_site / "glossary/index.html").read_text(encoding="utf-8")
    for anchor in ("early", "later", "first-neuron", "backprop-nature"):
        assert f'<h2 id="{anchor}"' in timeline or f'<h3 id="{anchor}"' in timeline, anchor
    for anchor in ("perceptron", "backpropagation"):
        assert f'<h3 id="{anchor}"' in glossary, anchor
    assert 'id="x"' not in timeline + glossary  # the payload's {#x …} never became an attribute list


def test_links_from_source_urls_and_dois_stay_inside_their_destination(hostile_site: Path):
    page = (hostile_site / "timeline/index.html").read_text(encoding="utf-8")
    assert 'href="https://example.org/a%29%22%3E%3Cscript%3EPWNED%28%29%3C/script%3E"' in page
    assert 'href="https://doi.org/10.1234/x%29%22%3E%3Cimg_src=x_onerror=PWNED%28%29%3E"' in page


def test_definition_cards_carry_the_text_only(hostile_site: Path):
    import html as html_module
    import re

    page = (hostile_site / "timeline/index.html").read_text(encoding="utf-8")
    # the card holds the attribute-breaking `short` as text, escaped once (no title= for the theme to decode)
    card = re.search(r'role="tooltip" id="nutshell-card-backpropagation">(.*?)</p>', page, re.S)
    assert card, "no card for the hostile term"
    assert html_module.unescape(re.sub(r"<[^>]+>", "", card.group(1))) == f"Backpropagation {SHORT}"
    assert 'aria-describedby="nutshell-card-backpropagation"' in page
    assert "<abbr title=" not in page


def test_search_index_and_json_export_keep_the_text(hostile_site: Path):
    index = json.loads((hostile_site / "search/search_index.json").read_text(encoding="utf-8"))
    titles = " ".join(doc["title"] for doc in index["docs"])
    assert "<script>" not in titles and "&lt;script&gt;PWNED()" in titles  # escaped for Material's innerHTML
    exported = json.loads((hostile_site / "api/milestones.json").read_text(encoding="utf-8"))
    assert exported["milestones"][0]["title"] == hostile_data()["milestones.yaml"][0]["title"] == PLAIN
