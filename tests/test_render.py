"""Rendering is pure: pages, citations and JSON are checked without running MkDocs (cards: test_definition_cards)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from nutshell import render
from nutshell.load import load_knowledge_or_raise
from nutshell.schema import Source
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge_or_raise(FIXTURES / "data")


def test_site_paths_follow_directory_urls():
    assert render.site_path("timeline.md") == "timeline/"
    assert render.site_path("glossary/index.md") == "glossary/"
    assert render.site_path("demos/xor.ipynb") == "demos/xor/"
    assert render.site_path("index.md") == ""


def test_citation_with_doi_volume_and_pages():
    source = Source(authors=("A. One", "B. Two", "C. Three"), title="On *things*", venue="Nature", year=1986,
                    volume="323", issue="6088", pages="533–536", doi="10.1038/323533a0")
    assert render.citation_markdown(source) == (
        "A. One, B. Two, and C. Three (1986). On &#42;things&#42;. *Nature*, 323(6088), 533–536. "
        "[doi:10.1038/323533a0](https://doi.org/10.1038/323533a0)"
    )
    assert render.citation_text(source).endswith("Nature, 323(6088), 533–536. https://doi.org/10.1038/323533a0")


def test_timeline_is_chronological_with_anchors_eras_and_links(knowledge):
    page = render.timeline_markdown(knowledge)
    assert page.index("{#early}") < page.index("{#first-neuron}") < page.index("{#later}") < page.index("{#backprop-nature}")
    assert "### 1943 · A logical neuron {#first-neuron}" in page
    assert "[Perceptron](glossary/index.md#perceptron)" in page
    assert "[A toy demo](demos/toy.ipynb)" in page  # the title from demos/toy.py, read by the loader
    assert "[doi:10.1007/BF02478259](https://doi.org/10.1007/BF02478259)" in page
    assert '!!! info "About the dates and sources"' in page and "A 1985 report came first." in page
    # the visual strip has one dot per milestone and a band per era
    assert page.count('class="nutshell-strip__dot"') == 2 and page.count('class="nutshell-strip__era"') == 2


def test_timeline_milestones_are_compact_cards_that_open_to_the_full_entry(knowledge):
    page = render.timeline_markdown(knowledge)
    first = page[page.index("{#first-neuron}"): page.index("{#later}")]
    # the card: people and tags, then the summary; the heading (and its anchor) stays outside <details>
    card, entry = first.split('<details class="nutshell-milestone__more" markdown>')
    assert '<p class="nutshell-milestone__meta" markdown>' in card and '<div class="nutshell-milestone__summary"' in card
    assert "**Why it mattered.**" not in card and "**Source.**" not in card
    # the entry names what it holds, stays out of search results' text, and holds the rest
    assert entry.startswith("\n<summary data-search-exclude>Why it mattered, source, terms and a demo</summary>")
    assert "**Why it mattered.**" in entry and "**Source.**" in entry and "**Terms.**" in entry
    assert "**Run it.** [A toy demo]" in entry and entry.index("</details>") > entry.index("**Run it.**")
    later = page[page.index("{#backprop-nature}"):]
    assert "<summary data-search-exclude>Why it mattered, source, a note on the dates and terms</summary>" in later


def test_timeline_eras_are_sections_the_filter_can_hide(knowledge):
    page = render.timeline_markdown(knowledge)
    assert page.count('<section class="nutshell-era" data-era="') == 2 and page.count("</section>") == 2
    early = page[page.index('<section class="nutshell-era" data-era="early"'): page.index("</section>")]
    assert "{#early}" in early and "The first artificial neurons." in early and "{#first-neuron}" in early
    assert "{#later}" not in early
    # the filter: one button per era (named by the title before any colon), a tag list, a count, hidden
    assert '<div class="nutshell-filter" role="group" aria-label="Filter the milestones" hidden>' in page
    assert 'data-filter-era="early" aria-pressed="false">Early days</button>' in page
    assert '<option value="backpropagation">backpropagation</option>' in page
    assert 'class="nutshell-filter__count" aria-live="polite"' in page


def test_timeline_strip_labels_each_band_in_full_and_short(knowledge):
    strip = render.timeline_strip_html(knowledge)
    assert ('<span class="nutshell-strip__year">1940</span><span class="nutshell-strip__short">’40</span>'
            in strip)
    assert 'aria-label="Later days (1970–2015)"' in strip
    assert 'data-milestone="backprop-nature"' in strip


def test_timeline_escapes_what_it_takes_from_the_data(knowledge):
    era = dataclasses.replace(knowledge.eras[0], title='Old <b>"days"</b>: & more')
    hostile = dataclasses.replace(knowledge, eras=(era, *knowledge.eras[1:]))
    strip, filters = render.timeline_strip_html(hostile), render._filter_html(hostile)
    assert "<b>" not in strip + filters
    assert 'aria-label="Old &lt;b&gt;&quot;days&quot;&lt;/b&gt;: &amp; more (1940–1969)"' in strip
    assert 'data-filter-era="early" aria-pressed="false">Old &lt;b&gt;"days"&lt;/b&gt;</button>' in filters


def test_glossary_has_jump_bar_headings_and_derived_links(knowledge):
    page = render.glossary_markdown(knowledge)
    assert '<a href="#letter-b">B</a>' in page and '<span aria-hidden="true">Z</span>' in page
    assert ('### Backpropagation <small class="nutshell-aliases">also backprop · back-propagation · BP</small> '
            '{#backpropagation data-toc-label="Backpropagation"}') in page
    backprop = page[page.index("{#backpropagation "): page.index("{#gradient-descent ")]
    # see_also was written on the other two terms; the milestone link on the milestone
    assert "[Gradient descent](#gradient-descent)".replace("#", "index.md#") in backprop
    assert "[1986 · Backprop in Nature](../timeline.md#backprop-nature)" in backprop
    assert "search:\n  boost: 2" in page


def test_category_pages_link_to_the_glossary(knowledge):
    page = render.category_markdown(knowledge, "optimization")
    assert "[**Gradient descent**](index.md#gradient-descent): Repeatedly moving" in page
    assert "No terms in this category yet." in render.category_markdown(knowledge, "hardware")


def test_json_export_fields(knowledge):
    glossary = json.loads(render.glossary_json(knowledge))
    assert glossary["schema_version"] == 1 and glossary["count"] == 3
    backprop = next(t for t in glossary["terms"] if t["id"] == "backpropagation")
    assert backprop["url"] == "glossary/#backpropagation"
    assert backprop["milestones"] == ["backprop-nature"]
    assert set(backprop["see_also"]) == {"gradient-descent", "perceptron"}
    milestones = json.loads(render.milestones_json(knowledge))
    assert [m["id"] for m in milestones["milestones"]] == ["first-neuron", "backprop-nature"]
    assert milestones["milestones"][0]["source"]["link"] == "https://doi.org/10.1007/BF02478259"
    assert {e["id"] for e in milestones["eras"]} == {"early", "later"}


def test_demo_links_are_named_by_the_demo_title_from_knowledge(knowledge):
    page = render.glossary_markdown(knowledge)
    assert "**Run it.** [A toy demo](../demos/toy.ipynb)" in page
    # a Knowledge made without its demos (not one the loader returns) still links, by the id
    bare = dataclasses.replace(knowledge, demos=())
    assert "**Run it.** [Toy](../demos/toy.ipynb)" in render.glossary_markdown(bare)


def test_demo_links_section(knowledge):
    html = render.demo_links_html(knowledge, "toy", lambda page, anchor: f"/{render.site_path(page)}#{anchor}")
    assert '<a href="/timeline/#first-neuron">1943 · A logical neuron</a>' in html
    assert '<a href="/glossary/#perceptron">Perceptron</a>' in html
    assert render.demo_links_html(knowledge, "nothing", lambda p, a: "") == ""
