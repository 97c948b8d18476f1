"""Rendering is pure: pages, citations, JSON and tooltips are checked without running MkDocs."""

from __future__ import annotations

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
    page = render.timeline_markdown(knowledge, {"toy": "A toy demo"})
    assert page.index("{#early}") < page.index("{#first-neuron}") < page.index("{#later}") < page.index("{#backprop-nature}")
    assert "### 1943 · A logical neuron {#first-neuron}" in page
    assert "[Perceptron](glossary/index.md#perceptron)" in page
    assert "[A toy demo](demos/toy.ipynb)" in page
    assert "[doi:10.1007/BF02478259](https://doi.org/10.1007/BF02478259)" in page
    assert '!!! info "About the dates and sources"' in page and "A 1985 report came first." in page
    # the visual strip has one dot per milestone and a band per era
    assert page.count('class="nutshell-strip__dot"') == 2 and page.count('class="nutshell-strip__era"') == 2


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


def test_tooltips_mark_the_first_mention_only(knowledge):
    annotator = render.TooltipAnnotator(knowledge)
    html = annotator.annotate("<p>Backprop uses gradient descent. Backpropagation again.</p>")
    assert html.count("<abbr") == 2
    assert html.startswith('<p><abbr title="Computing the gradient of the loss')
    assert '<abbr title="Repeatedly moving the parameters a small step against the gradient of the loss.">gradient descent</abbr>' in html


def test_tooltips_skip_code_links_headings_and_labels(knowledge):
    annotator = render.TooltipAnnotator(knowledge)
    source = ('<h2>Perceptron</h2><p><code>perceptron</code> <a href="#">perceptron</a> '
              '<span class="nutshell-tag">backpropagation <span>x</span> backprop</span> '
              '<pre><span>gradient descent</span></pre></p><p>perceptrons learn</p>')
    html = annotator.annotate(source)
    assert html.count("<abbr") == 1
    assert "<abbr title=\"A single artificial neuron" in html and ">perceptrons</abbr> learn" in html


def test_tooltip_abbreviations_with_capitals_match_exactly(knowledge):
    annotator = render.TooltipAnnotator(knowledge)
    assert "<abbr" not in annotator.annotate("<p>bp and Bp are not abbreviations</p>")
    assert annotator.annotate("<p>BP is</p>").count("<abbr") == 1


def test_tooltip_text_is_escaped():
    class FakeTerm:
        id, term, aliases, short = "t", "Thing", (), 'Says "hi" & <waves>'

    class FakeKnowledge:
        terms = [FakeTerm]

    html = render.TooltipAnnotator(FakeKnowledge).annotate("<p>a thing</p>")
    # escaped twice: Material's tooltip inserts the decoded title as HTML, which must still be text
    assert 'title="Says &amp;quot;hi&amp;quot; &amp;amp; &amp;lt;waves&amp;gt;"' in html


def test_demo_links_section(knowledge):
    html = render.demo_links_html(knowledge, "toy", lambda page, anchor: f"/{render.site_path(page)}#{anchor}")
    assert '<a href="/timeline/#first-neuron">1943 · A logical neuron</a>' in html
    assert '<a href="/glossary/#perceptron">Perceptron</a>' in html
    assert render.demo_links_html(knowledge, "nothing", lambda p, a: "") == ""


def test_no_tooltip_for_a_term_inside_its_own_glossary_section(knowledge):
    annotator = render.TooltipAnnotator(knowledge)
    html = annotator.annotate('<h3 id="perceptron">Perceptron</h3><p>A perceptron uses backprop.</p>'
                              '<h3 id="backpropagation">Backpropagation</h3><p>Unlike a perceptron.</p>')
    first, second = html.split('<h3 id="backpropagation">')
    assert ">perceptron</abbr>" not in first and ">backprop</abbr>" in first
    assert ">perceptron</abbr>" in second  # elsewhere it is still explained
