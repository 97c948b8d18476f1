"""Strict build of the real site: generated pages, anchors, definition cards, JSON export, offline; bad data fails."""

from __future__ import annotations

import json
import re
from pathlib import Path

from nutshell.load import load_knowledge_or_raise
from tests.conftest import ROOT, fixture_site_config, free_port, last_good_site, replace_in, run_mkdocs_build


def test_generated_pages_exist_and_nothing_generated_is_committed(built_site: Path):
    for page in ("index.html", "timeline/index.html", "glossary/index.html", "glossary/optimization/index.html",
                 "api/glossary.json", "api/milestones.json", "demos/index.html"):
        assert (built_site / page).is_file(), page
    for generated in ("timeline.md", "glossary", "api/glossary.json", "demos/index.md"):
        assert not (ROOT / "docs" / generated).exists(), f"docs/{generated} must be generated, not committed"


def test_every_milestone_and_term_has_its_anchor(built_site: Path):
    knowledge = load_knowledge_or_raise(ROOT / "data")
    timeline = (built_site / "timeline/index.html").read_text(encoding="utf-8")
    glossary = (built_site / "glossary/index.html").read_text(encoding="utf-8")
    for milestone in knowledge.milestones:
        assert f'id="{milestone.id}"' in timeline, milestone.id
    for era in knowledge.eras:
        assert f'id="{era.id}"' in timeline, era.id
    for term in knowledge.terms:
        assert f'id="{term.id}"' in glossary, term.id
    # chronological order on the page
    positions = [timeline.index(f'id="{m.id}"') for m in knowledge.milestones]
    assert positions == sorted(positions)


def test_terms_link_to_their_entries_with_a_card_holding_the_short_definition(built_site: Path):
    import html

    knowledge = load_knowledge_or_raise(ROOT / "data")
    by_id = {t.id: t for t in knowledge.terms}
    timeline = (built_site / "timeline/index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a class="nutshell-term" href="\.\./glossary/#([^"]+)" '
                       r'aria-describedby="nutshell-card-([^"]+)">', timeline)
    assert len(links) >= 20
    assert all(anchor == card for anchor, card in links)  # each link is described by its own term's card
    cards = dict(re.findall(r'role="tooltip" id="nutshell-card-([^"]+)">(.*?)</p>', timeline))
    assert set(cards) == {anchor for anchor, _ in links}  # one card per linked term, no more
    for term_id, inner in cards.items():
        text = html.unescape(re.sub(r"<[^>]+>", "", inner))
        assert text == f"{by_id[term_id].term} {by_id[term_id].short}", term_id
    assert "<abbr title=" not in timeline
    # notebook pages (never Markdown) get them too
    demo_pages = [p.read_text(encoding="utf-8") for p in (built_site / "demos").glob("*/index.html")]
    assert sum('class="nutshell-term"' in page for page in demo_pages) >= 2


def test_json_export_matches_the_data(built_site: Path):
    knowledge = load_knowledge_or_raise(ROOT / "data")
    glossary = json.loads((built_site / "api/glossary.json").read_text(encoding="utf-8"))
    milestones = json.loads((built_site / "api/milestones.json").read_text(encoding="utf-8"))
    assert [t["id"] for t in glossary["terms"]] == [t.id for t in knowledge.terms]
    assert [m["id"] for m in milestones["milestones"]] == [m.id for m in knowledge.milestones]
    assert glossary["schema_version"] == milestones["schema_version"] == 1


def test_search_index_holds_terms_and_aliases(built_site: Path):
    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    glossary_docs = [d for d in index["docs"] if d["location"].startswith("glossary/#")]
    locations = {d["location"] for d in glossary_docs}
    assert "glossary/#dropout" in locations
    nesterov = next(d for d in glossary_docs if d["location"] == "glossary/#nesterov-accelerated-gradient")
    assert "NAG" in nesterov["title"]  # aliases sit in the heading, which search ranks highest


def test_glossary_search_snippets_give_formulas_as_text_not_flattened_mathml(built_site: Path):
    """Each formula of a term comes back in the index as math_text writes it; no MathML token soup."""
    from nutshell.math_text import latex_to_text
    from nutshell.untrusted import DISPLAY_MATH, INLINE_MATH

    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    text_by_location = {d["location"]: d["text"] for d in index["docs"]}
    knowledge = load_knowledge_or_raise(ROOT / "data")
    formulas = 0
    for term in knowledge.terms:
        text = text_by_location[f"glossary/#{term.id}"]
        for match in re.finditer(f"{DISPLAY_MATH}|{INLINE_MATH}", term.body, re.S):
            twin = latex_to_text(match.group(1) or match.group(2))
            formulas += 1
            assert twin.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in text, (term.id, twin)
    assert formulas >= 20
    normalisation = text_by_location["glossary/#batch-normalization"]
    assert "x^i=xi−μBσB2+ϵ" not in normalisation  # what the index held when it read the MathML


def test_no_third_party_urls_in_scripts_styles_or_fonts(built_site: Path):
    # Any script, stylesheet, font, image or frame from a host other than this one (the canonical
    # <link> to site_url names 127.0.0.1 and loads nothing).
    pattern = re.compile(r'<(?:script|link|img|iframe|source)[^>]+(?:src|href)="(?:https?:)?//(?!127\.0\.0\.1[:/])', re.I)
    for page in built_site.rglob("*.html"):
        found = pattern.findall(page.read_text(encoding="utf-8"))
        assert not found, f"{page.relative_to(built_site)} loads from another host"
    for css in built_site.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        assert not re.search(r"@import\s+url\(['\"]?https?://|fonts\.googleapis", text), css


def test_bad_data_fails_the_build_with_file_line_and_writes_nothing(tmp_path: Path):
    config = fixture_site_config(tmp_path)
    replace_in(tmp_path / "data" / "glossary.yaml", "  category: architecture\n",
               "  category: architecture\n  category: concept\n")
    replace_in(tmp_path / "data" / "milestones.yaml", "terms: [perceptron]", "terms: [perceptorn]")
    site = last_good_site(tmp_path)
    result = run_mkdocs_build(config, site, cwd=tmp_path)
    assert result.returncode != 0
    assert "glossary.yaml:5:3: duplicate key 'category'" in result.stderr
    assert "milestones.yaml:19:11: terms: unknown term 'perceptorn' (did you mean 'perceptron'?)" in result.stderr
    assert "Traceback" not in result.stderr
    # validation runs before MkDocs cleans the site directory: the last good site is untouched
    assert [p.name for p in site.iterdir()] == ["previous.html"]


def _fetch_until(url: str, wanted: str, seconds: float) -> str:
    import time
    import urllib.request

    deadline, body = time.monotonic() + seconds, ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = response.read().decode("utf-8")
            if wanted in body:
                return body
        except OSError:
            pass
        time.sleep(0.3)
    return body


class _Serving:
    """`mkdocs serve` on a free port for the duration of a with-block; `.output` holds its log afterwards."""

    def __init__(self, config: Path):
        self.config, self.port, self.output = config, free_port(), ""

    def __enter__(self):
        import os
        import subprocess
        import sys

        self.server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-f", str(self.config), "-a", f"127.0.0.1:{self.port}"],
            cwd=self.config.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        )
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def alive(self) -> bool:
        return self.server.poll() is None

    def __exit__(self, *exc):
        self.server.terminate()
        self.output, _ = self.server.communicate(timeout=20)


def test_serve_shows_data_problems_and_recovers_when_fixed(tmp_path: Path):
    config = fixture_site_config(tmp_path)
    milestones = tmp_path / "data" / "milestones.yaml"
    replace_in(milestones, "terms: [perceptron]", "terms: [perceptorn]")
    with _Serving(config) as serving:
        broken = _fetch_until(serving.url("timeline/"), "problem(s)", 60)
        assert "unknown term &#x27;perceptorn&#x27;" in broken or "unknown term 'perceptorn'" in broken
        assert serving.alive(), "the server must keep running"
        replace_in(milestones, "terms: [perceptorn]", "terms: [perceptron]")
        fixed = _fetch_until(serving.url("timeline/"), 'id="first-neuron"', 60)
        assert 'id="first-neuron"' in fixed and "problem(s)" not in fixed
    assert "milestones.yaml:19:11: terms: unknown term 'perceptorn'" in serving.output


def test_serve_shows_a_failing_demo_and_recovers_when_fixed(tmp_path: Path):
    config = fixture_site_config(tmp_path)
    demo = tmp_path / "demos" / "toy.py"
    replace_in(demo, 'print("toy", 1 + 1)', 'print("toy", 1 / 0)')
    with _Serving(config) as serving:
        broken = _fetch_until(serving.url("demos/toy/"), "This demo raised an error", 90)
        assert "This demo raised an error" in broken and "ZeroDivisionError" in broken
        assert serving.alive(), "the server must keep running"
        replace_in(demo, 'print("toy", 1 / 0)', 'print("toy", 1 + 1)')
        fixed = _fetch_until(serving.url("demos/toy/"), "toy 2", 90)
        assert "toy 2" in fixed and "raised an error" not in fixed
    assert "demo 'toy' failed" in serving.output and "Traceback" not in serving.output
